"""Articles by URL and by feed, against a real HTTP server on 127.0.0.1 (tests/newsite.py), real Chroma, the real embedder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from rag.corpus import slugify
from rag.evidence import split_sentences
from rag.feeds import FeedError, Feeds, feeds_path, load
from rag.fetch import Failure, FetchError, fetch
from rag.ingest import Ingestor, reindex
from rag.links import LinkIngestor, LinkStatus, link_id, links_dir
from rag.retrieve import Retriever
from rag.settings import PROJECT_ROOT, FetchSettings, Settings
from rag.store import Store

from .conftest import free_port
from .newsite import NewsSite

STRIKE = "/news/valmora-strike-ends.html"
TURNOUT = "/news/valmora-strike-turnout.html"


@pytest.fixture(scope="module")
def site():
    s = NewsSite(slow_s=5.0)
    yield s
    s.close()


def link_settings(root: Path) -> Settings:
    """An index with an empty corpus (only linked articles in it) and tight limits: 1 s, 256 KiB, 5 redirects."""
    (root / "corpus").mkdir(parents=True, exist_ok=True)
    return Settings(corpus_dir=root / "corpus", index_dir=root / "index",
                    fetch=FetchSettings(timeout_s=1.0, max_bytes=256 * 1024, max_redirects=5))


@pytest.fixture
def lsettings(tmp_path: Path) -> Settings:
    return link_settings(tmp_path)


@pytest.fixture
def links(lsettings: Settings) -> LinkIngestor:
    return LinkIngestor(Ingestor(Store(lsettings), lsettings))


def kept_files(settings: Settings) -> list[str]:
    folder = links_dir(settings)
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def manifest(settings: Settings) -> dict[str, dict]:
    path = links_dir(settings) / "sources.toml"
    entries = tomllib.loads(path.read_text("utf-8"))["source"] if path.is_file() else []
    return {e["id"]: e for e in entries}


@given(st.sampled_from(["http", "https"]), st.from_regex(r"[a-z0-9.-]{1,30}", fullmatch=True),
       st.lists(st.text(min_size=0, max_size=40), max_size=4))
def test_a_url_gives_one_stable_id_that_is_a_safe_file_name_and_survives_a_rebuild(scheme, host, words):
    from urllib.parse import quote

    url = f"{scheme}://{host}/" + "/".join(quote(w, safe="") for w in words)
    doc_id = link_id(url)
    assert doc_id == link_id(url + "#comments")  # the fragment names no other article
    assert slugify(doc_id) == doc_id  # `rag reindex` reads the same id back from the kept file's name
    assert "/" not in doc_id and len(f"{doc_id}.html".encode()) < 255
    assert link_id(url + "x") != doc_id  # another address, another article


def test_a_linked_article_is_answerable_at_once_with_its_outlet_date_and_author(site, links, lsettings):
    out = links.ingest([site.url(STRIKE)])
    [result] = out.results
    assert result.status is LinkStatus.ADDED, result
    doc = links.store.registry.get(result.doc_id)
    assert (doc.title, doc.outlet, doc.date, doc.url) == (
        "Valmora dock strike ends after twelve days", "The Harbour Times", "2025-03-04", site.url(STRIKE))
    # Searchable at once, with the date that claims compare over time (Hit.date -> Sentence.date).
    hits = Retriever(links.store, lsettings).search("How many workers took part in the Valmora dock strike?", 3)
    assert hits and hits[0].source == doc.id and hits[0].date == "2025-03-04"
    text = links.store.registry.text(doc.id)
    assert hits[0].text == text[hits[0].start:hits[0].end]
    sentences = [s for s in split_sentences(hits[0], lsettings.evidence.min_sentence_chars) if "3,400" in s.text]
    assert sentences and sentences[0].date == "2025-03-04" and sentences[0].outlet == "The Harbour Times"
    # The page is kept byte for byte under the index, its metadata (author too) in the folder's manifest.
    kept = links_dir(lsettings) / f"{doc.id}.html"
    assert kept.read_bytes() == site.pages[STRIKE][2]
    assert doc.origin == str(kept)
    assert manifest(lsettings)[doc.id]["author"] == "Ana Ruiz"


def test_the_outlet_and_date_of_two_linked_pages_reach_their_claims_and_the_disagreement(site, links, lsettings):
    """Up to the evidence event the pipeline is code only (no model): claims carry what the pages said."""
    from rag.answer import Assistant, EventKind

    links.ingest([site.url(STRIKE), site.url(TURNOUT)])
    event = next(Assistant(links.store, lsettings).stream("How many workers took part in the Valmora dock strike?"))
    assert event.kind is EventKind.EVIDENCE
    said = {(c.outlet, c.date, c.value) for c in event.claims}
    assert {("The Harbour Times", "2025-03-04", "3,400 workers"), ("Valmora Gazette", "2025-03-06", "2,900 workers")} <= said
    [disagreement] = event.disagreements
    assert {(c.outlet, c.date) for c in disagreement.claims} == {("The Harbour Times", "2025-03-04"),
                                                                 ("Valmora Gazette", "2025-03-06")}


BAD = [
    ("/missing", Failure.HTTP, "HTTP 404 Not Found"),
    ("/slow", Failure.TIMEOUT, "timeout after 1 s"),
    ("/drip", Failure.TIMEOUT, "timeout after 1 s"),
    ("/huge", Failure.TOO_LARGE, "body over 262,144 bytes"),
    ("/huge-declared", Failure.TOO_LARGE, "body over 262,144 bytes (it declares 1,000,000,000)"),
    ("/data.json", Failure.WRONG_TYPE, "not HTML (the server says application/json)"),
    ("/no-type-binary", Failure.WRONG_TYPE, "not HTML (no Content-Type"),
    ("/loop", Failure.REDIRECTS, "too many redirects (more than 5)"),
    ("/hop/9", Failure.REDIRECTS, "too many redirects (more than 5)"),
    ("/menu.html", None, "no article text found"),  # downloaded fine; refused by the article checks
]


def test_every_failing_url_is_named_with_its_reason_in_one_line_and_nothing_of_it_is_stored(site, links, lsettings):
    closed = f"http://127.0.0.1:{free_port()}/news/x.html"
    urls = [site.url(p) for p, _, _ in BAD] + [closed, "http://news.invalid/story.html", "ftp://example.org/a.html",
                                            site.url("/hop/3")]
    out = links.ingest(urls)
    problems = {p.where: p.reason for p in out.report.problems}
    for path, kind, reason in BAD:
        assert reason in problems[site.url(path)], (path, problems[site.url(path)])
        if kind is not None:
            with pytest.raises(FetchError) as caught:
                fetch(site.url(path), lsettings)
            assert caught.value.kind is kind and caught.value.reason == problems[site.url(path)]
    assert "connection refused" in problems[closed]
    assert "could not be resolved" in problems["http://news.invalid/story.html"]
    assert "not an http(s) URL" in problems["ftp://example.org/a.html"]
    assert all("\n" not in r for r in problems.values())
    # The rest of the batch went in: a redirect chain within the cap, recorded under its final address.
    [good] = [r for r in out.results if r.status is LinkStatus.ADDED]
    assert good.url == site.url("/hop/3")
    assert links.store.registry.get(good.doc_id).url == site.url(STRIKE)
    assert links.store.registry.count() == 1
    assert kept_files(lsettings) == sorted([f"{good.doc_id}.html", "sources.toml"])
    assert list(manifest(lsettings)) == [good.doc_id]


def test_a_shared_ui_can_refuse_links_to_local_addresses_before_any_request(site, tmp_path):
    settings = link_settings(tmp_path)
    settings = settings.model_copy(update={"fetch": settings.fetch.model_copy(update={"allow_private": False})})
    links = LinkIngestor(Ingestor(Store(settings), settings))
    hits = site.hits.get(TURNOUT, 0)
    out = links.ingest([site.url(TURNOUT), "http://localhost:9/news.html"])
    ip, name = [p.reason for p in out.report.problems]
    assert ip == "refused: 127.0.0.1 is a private or local address; RAG_FETCH__ALLOW_PRIVATE=true permits it"
    assert name.startswith("refused: localhost (") and "is a private or local address" in name  # ::1 or 127.0.0.1
    assert site.hits.get(TURNOUT, 0) == hits and links.store.registry.count() == 0 and kept_files(settings) == []


def test_the_same_article_at_a_second_address_is_a_duplicate_and_its_page_is_not_kept(site, links, lsettings):
    first = links.ingest([site.url(STRIKE)]).results[0]
    second = links.ingest([site.url("/mirror/strike.html")]).results[0]
    assert second.status is LinkStatus.DUPLICATE and second.doc_id == first.doc_id
    assert kept_files(lsettings) == sorted([f"{first.doc_id}.html", "sources.toml"])
    again = links.ingest([site.url(STRIKE)]).results[0]
    assert again.status is LinkStatus.UNCHANGED and links.store.registry.count() == 1


def test_reindex_and_restore_rebuild_linked_articles_offline_with_the_same_text_and_metadata(tmp_path):
    settings = link_settings(tmp_path)
    own = NewsSite()
    store = Store(settings)
    out = LinkIngestor(Ingestor(store, settings)).ingest([own.url(STRIKE), own.url("/es/cafes.html")])
    assert [r.status for r in out.results] == [LinkStatus.ADDED, LinkStatus.ADDED]
    before = {d.id: d for d in store.registry.docs()}
    cafes = before[out.results[1].doc_id]
    assert "Málaga" in store.registry.text(cafes.id) and cafes.outlet == "Costa Diario"  # declared ISO-8859-1
    own.close()  # from here on the site is gone: everything must come from the kept pages

    reindex(settings, progress=False)
    store = Store(settings)
    after = {d.id: d for d in store.registry.docs()}
    assert set(after) == set(before)
    for doc_id, d in before.items():
        a = after[doc_id]
        assert (a.hash, a.title, a.outlet, a.date, a.url) == (d.hash, d.title, d.outlet, d.date, d.url)

    ingestor = Ingestor(store, settings)
    assert ingestor.remove(cafes.id, "wrong story")
    report = ingestor.restore(cafes.id)
    assert report.added == [cafes.id] and not report.problems
    assert store.registry.get(cafes.id).hash == cafes.hash


def test_a_removed_url_stays_out_of_ingest_and_feed_pulls_until_forced(site, links, lsettings):
    added = links.ingest([site.url(TURNOUT)]).results[0]
    assert Ingestor(links.store, lsettings).remove(added.doc_id, "not wanted")
    hits_before = site.hits.get(TURNOUT, 0)

    refused = links.ingest([site.url(TURNOUT)])
    assert refused.results[0].status is LinkStatus.REMOVED
    [problem] = refused.report.problems
    assert problem.where == site.url(TURNOUT) and "--force" in problem.reason and "\n" not in problem.reason
    assert site.hits.get(TURNOUT, 0) == hits_before  # refused before any download

    feeds = Feeds(links.store, lsettings)
    feeds.add(site.url("/feed.xml"))
    [pulled] = feeds.pull()
    by_url = {r.url: r.status for r in pulled.results}
    assert by_url[site.url(TURNOUT)] is LinkStatus.REMOVED
    assert by_url[site.url(STRIKE)] is LinkStatus.ADDED
    assert links.store.registry.get(added.doc_id) is None
    assert site.url(TURNOUT) in load(lsettings).feeds[0].seen  # settled: not asked again on the next pull

    forced = links.ingest([site.url(TURNOUT)], force=True).results[0]
    assert forced.status is LinkStatus.ADDED and links.store.registry.get(added.doc_id) is not None


def test_feed_pull_ingests_new_items_skips_seen_ones_and_retries_only_the_failed(site, links, lsettings):
    feeds = Feeds(links.store, lsettings)
    feed, n_items, already = feeds.add(site.url("/feed.xml"))
    assert (feed.title, n_items, already) == ("Valmora News Wire", 3, False)
    assert feeds.add(site.url("/feed.xml"))[2] is True and len(load(lsettings).feeds) == 1

    [first] = feeds.pull()
    status = {r.url: r for r in first.results}
    assert status[site.url(STRIKE)].status is LinkStatus.ADDED
    assert status[site.url(TURNOUT)].status is LinkStatus.ADDED
    failed = status[site.url("/news/taken-down.html")]
    assert failed.status is LinkStatus.FAILED and failed.reason == "HTTP 404 Not Found"
    turnout = links.store.registry.get(status[site.url(TURNOUT)].doc_id)
    assert (turnout.outlet, turnout.date) == ("Valmora Gazette", "2025-03-06")

    page_hits = {p: site.hits.get(p, 0) for p in (STRIKE, TURNOUT)}
    [second] = feeds.pull()
    assert second.seen_before == 2
    assert [(r.url, r.status) for r in second.results] == [(site.url("/news/taken-down.html"), LinkStatus.FAILED)]
    assert {p: site.hits.get(p, 0) for p in (STRIKE, TURNOUT)} == page_hits  # seen items are not downloaded again

    site.set("/news/taken-down.html", site.pages[STRIKE][2].decode().replace("3,400", "3,500")
             .replace("Valmora dock strike ends", "Valmora dock strike over"))
    try:
        [third] = feeds.pull()
    finally:
        site.pages.pop("/news/taken-down.html")
    assert [r.status for r in third.results] == [LinkStatus.ADDED]
    assert links.store.registry.count() == 3


def test_an_atom_items_title_date_author_and_feed_name_fill_what_its_page_does_not_say(site, links, lsettings):
    feeds = Feeds(links.store, lsettings)
    feeds.add(site.url("/atom.xml"))
    [pulled] = feeds.pull()
    assert [r.status for r in pulled.results] == [LinkStatus.ADDED, LinkStatus.ADDED]
    bridge = links.store.registry.get(link_id(site.url("/island/bridge.html")))
    assert (bridge.title, bridge.outlet, bridge.date) == (
        "Orsa bridge inspection finds worn cables", "Island Weekly", "2025-02-27")
    assert manifest(lsettings)[bridge.id]["author"] == "Per Lund"
    ferry = links.store.registry.get(link_id(site.url("/island/ferry-link.html")))
    assert (ferry.outlet, ferry.date) == ("Island Weekly", "2025-02-20")


def test_what_is_not_a_feed_is_refused_and_a_damaged_feed_list_is_named_not_overwritten(site, links, lsettings):
    feeds = Feeds(links.store, lsettings)
    with pytest.raises(FeedError, match=r"not a feed \(the server says text/html\)"):
        feeds.add(site.url(STRIKE))
    with pytest.raises(FeedError, match="HTTP 404"):
        feeds.add(site.url("/gone.xml"))
    whole = site.pages["/feed.xml"][2].decode()
    site.set("/cut.xml", whole[:whole.index("<item>") + 12], "application/rss+xml")  # cut off in its first item
    site.set("/note.xml", "<?xml version='1.0'?><note><to>Tove</to></note>", "application/xml")
    try:
        with pytest.raises(FeedError, match=r"cut.xml: a broken feed with no readable items \(.+\)$"):
            feeds.add(site.url("/cut.xml"))
        with pytest.raises(FeedError, match="note.xml: not an RSS or Atom feed"):
            feeds.add(site.url("/note.xml"))
    finally:
        site.pages.pop("/cut.xml"), site.pages.pop("/note.xml")
    assert not feeds_path(lsettings).exists()

    feeds_path(lsettings).write_text('{"feeds": [{"url": 3', encoding="utf-8")
    with pytest.raises(FeedError, match="feeds.json cannot be read"):
        feeds.add(site.url("/feed.xml"))
    assert feeds_path(lsettings).read_text(encoding="utf-8") == '{"feeds": [{"url": 3'


def test_the_cli_ingests_urls_beside_files_and_follows_feeds(site, lsettings, tmp_path):
    from rag.cli import main

    article = tmp_path / "note.txt"
    article.write_text("Harbour note\n\nThe harbour master counted 17 tugboats in service on Friday.", "utf-8")
    env = {"RAG_INDEX_DIR": str(lsettings.index_dir), "RAG_CORPUS_DIR": str(lsettings.corpus_dir),
           "RAG_FETCH__TIMEOUT_S": "1"}
    run = CliRunner().invoke
    res = run(main, ["ingest", str(article), site.url(STRIKE), site.url("/missing")], env=env)
    assert res.exit_code == 1, res.output
    assert f"skipped {site.url('/missing')}: HTTP 404 Not Found" in res.output
    assert "2 added" in res.output and "1 rejected" in res.output

    res = run(main, ["feed", "add", site.url("/feed.xml")], env=env)
    assert res.exit_code == 0 and "now followed, 3 items" in res.output, res.output
    res = run(main, ["feed", "pull"], env=env)
    assert res.exit_code == 1, res.output  # one item failed
    assert f"skipped {site.url('/news/taken-down.html')}: HTTP 404 Not Found" in res.output
    assert "1 added" in res.output and "1 unchanged" in res.output and "1 failed" in res.output
    res = run(main, ["feed", "list"], env=env)
    assert site.url("/feed.xml") in res.output and "2 seen" in res.output
    res = run(main, ["feed", "remove", site.url("/feed.xml")], env=env)
    assert res.exit_code == 0 and load(lsettings).feeds == []
    res = run(main, ["feed", "pull", site.url("/feed.xml")], env=env)
    assert res.exit_code == 2 and "error: not followed" in res.output


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("unshare") or subprocess.run(["unshare", "-rn", "true"]).returncode != 0,
                    reason="this machine cannot start a process without a network (unshare -rn)")
def test_on_a_machine_with_no_network_ingest_and_feeds_fail_clearly_and_store_nothing(site, tmp_path):
    """A real process in a network namespace of its own: no interface is up, not even loopback."""
    settings = link_settings(tmp_path)
    env = {**os.environ, "RAG_INDEX_DIR": str(settings.index_dir), "RAG_CORPUS_DIR": str(settings.corpus_dir)}

    def rag(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["unshare", "-rn", sys.executable, "-m", "rag", *args], env=env, cwd=PROJECT_ROOT,
                              capture_output=True, text=True, timeout=300)

    res = rag("ingest", site.url(STRIKE), "https://news.example.com/2025/03/strike.html")
    assert res.returncode == 1, res.stderr
    errors = [line for line in res.stderr.splitlines() if line.startswith("skipped ")]
    assert errors == [
        f"skipped {site.url(STRIKE)}: no network (cannot reach 127.0.0.1)",
        "skipped https://news.example.com/2025/03/strike.html: no network, or the host news.example.com does not "
        "exist (its name could not be resolved)",
    ]
    res = rag("feed", "add", site.url("/feed.xml"))
    assert res.returncode == 2 and f"error: {site.url('/feed.xml')}: no network" in res.stderr
    assert Store(settings).registry.count() == 0
    assert kept_files(settings) == [] and not feeds_path(settings).exists()
