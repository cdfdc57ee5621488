"""The real app on a free loopback port: Chromium (Playwright) as a user, gradio_client as a program."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from rag.settings import PROJECT_ROOT

from .conftest import free_port, make_settings, wait_for_port
from .newsite import NewsSite

ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-quic"]


def _serve(root: Path, **env_extra):
    settings = make_settings(root)
    port = free_port()
    env = {**os.environ, "RAG_INDEX_DIR": str(settings.index_dir), "RAG_CORPUS_DIR": str(settings.corpus_dir),
           "RAG_UI__PORT": str(port), **env_extra}
    log = root / "ui.log"
    proc = subprocess.Popen([sys.executable, str(PROJECT_ROOT / "ui.py")], env=env, stdout=open(log, "w"),
                            stderr=subprocess.STDOUT)
    wait_for_port(port, proc, log, seconds=240)
    return proc, f"http://127.0.0.1:{port}/"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    proc, url = _serve(tmp_path_factory.mktemp("ui"))
    yield url
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def small_server(tmp_path_factory):
    proc, url = _serve(tmp_path_factory.mktemp("ui-small"), RAG_MODEL="smollm2-135m")
    yield url, proc.pid
    proc.terminate()
    proc.wait(timeout=30)


def _ask_again(page, question: str) -> None:
    """A later question from the Ask tab, waited for until its answer is finished (the earlier one's ✔ gone first)."""
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Ask").click()
    page.locator("#question textarea").fill(question)
    page.locator("#ask").click()
    expect(page.locator("#status")).not_to_contain_text("✔", timeout=30_000)
    expect(page.locator("#status")).to_contain_text("✔", timeout=240_000)


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skipif(
    not Path(CHROMIUM).exists() and not os.environ.get("CI"),  # under CI a missing browser is a failure
    reason="Debian's chromium is not installed (make test installs it where it runs as root)",
)
def test_a_user_asks_opens_a_citation_sees_the_disagreement_and_adds_an_article_and_a_link(server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    outside: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(("http://127.0.0.1", "data:", "blob:")) else None)
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(server)
        expect(page.locator("#question textarea")).to_be_visible(timeout=60_000)
        page.screenshot(path=ARTIFACTS / "1-start.png")

        page.locator("#question textarea").fill("How many GPUs did DeepSeek claim?")
        page.locator("#ask").click()
        expect(page.locator("#side-panel .evidence-list")).to_be_visible(timeout=30_000)  # evidence before the answer
        expect(page.locator("#status")).to_contain_text("✔", timeout=240_000)
        page.screenshot(path=ARTIFACTS / "2-answer.png")
        expect(page.locator("#side-panel .disagree-card")).to_be_visible()
        expect(page.locator("#side-panel .disagree-card")).to_contain_text("Insiders")
        markers = page.locator('#chat a[href^="#cite-0-"]')
        assert markers.count() >= 3

        markers.first.click()
        expect(page.locator("#citation-view mark")).to_be_visible(timeout=30_000)
        quote = page.locator("#citation-view .cite-quote").inner_text().strip("“”")
        assert quote and quote in page.locator("#citation-view mark").inner_text()
        page.screenshot(path=ARTIFACTS / "3-citation.png")

        page.locator("#copy-markdown").click()  # the answer as Markdown footnotes and its sources as CSL-JSON
        expect(page.locator("#export-markdown")).to_contain_text("[^", timeout=30_000)
        expect(page.locator("#export-markdown")).to_contain_text("GIGAZINE")
        expect(page.locator("#export-csl")).to_contain_text("article-newspaper")

        article = tmp_path / "tromso-warehouse.txt"
        article.write_text("Tromsø warehouse <script>alert('x')</script>\n\nThe Tromsø warehouse stores 912 zeppelin "
                           "parts, its manager Ingrid Olsen said on Monday. <img src=x onerror=alert(2)> "
                           "[more](javascript:alert(3))", encoding="utf-8")
        page.get_by_role("tab", name="Add articles").click()
        page.locator("#upload input[type=file]").set_input_files(str(article))
        page.locator("#add").click()
        expect(page.locator("#add-result")).to_contain_text("Added 1", timeout=120_000)
        page.screenshot(path=ARTIFACTS / "4-uploaded.png")

        page.get_by_role("tab", name="Sources").click()
        expect(page.locator("#sources-table")).to_contain_text("tromso-warehouse", timeout=30_000)

        _ask_again(page, "How many zeppelin parts does the Tromsø warehouse store?")
        expect(page.locator("#chat")).to_contain_text("912")
        page.locator('#chat a[href^="#cite-1-"]').first.click()
        expect(page.locator("#citation-view")).to_contain_text("Tromsø", timeout=30_000)
        expect(page.locator("#citation-view")).to_contain_text("<img src=x onerror=alert(2)>")  # shown, inert
        assert page.locator("#citation-view img, #chat img, #side-panel img").count() == 0
        assert page.locator('a[href^="javascript:"]').count() == 0
        page.screenshot(path=ARTIFACTS / "5-new-article-answer.png")

        site = NewsSite()  # a real news site on loopback; the app downloads from it
        try:
            page.get_by_role("tab", name="Add articles").click()
            page.locator("#link textarea").fill(site.url("/missing"))
            page.locator("#add-link").click()
            expect(page.locator("#add-result")).to_contain_text(f"Rejected {site.url('/missing')}: HTTP 404 Not Found",
                                                                timeout=60_000)
            page.locator("#link textarea").fill(site.url("/news/valmora-strike-ends.html"))
            page.locator("#add-link").click()
            expect(page.locator("#add-result")).to_contain_text("Added 1", timeout=120_000)
            page.screenshot(path=ARTIFACTS / "6-link-added.png")
            page.get_by_role("tab", name="Sources").click()
            expect(page.locator("#sources-table")).to_contain_text("The Harbour Times", timeout=30_000)
        finally:
            site.close()
        _ask_again(page, "How many workers took part in the Valmora dock strike?")
        expect(page.locator("#chat")).to_contain_text("3,400")
        page.locator('#chat a[href^="#cite-2-"]').first.click()
        expect(page.locator("#citation-view")).to_contain_text("The Harbour Times", timeout=30_000)
        page.screenshot(path=ARTIFACTS / "7-link-answer.png")
        browser.close()
    assert dialogs == []  # the article's <script> stayed text
    assert outside == [], f"the page fetched from outside: {outside[:5]}"


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skipif(
    not Path(CHROMIUM).exists() and not os.environ.get("CI"),
    reason="Debian's chromium is not installed (make test installs it where it runs as root)",
)
def test_the_disagreements_tab_lists_the_map_opens_a_highlighted_quote_and_draws_timelines(server, tmp_path):
    import json as json_

    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(server)
        page.get_by_role("tab", name="Disagreements").click()
        for topic in ("whether “smuggled” (DeepSeek)", "number of GPUs (DeepSeek)", "number of GPU hours (Llama)"):
            expect(page.locator("#map")).to_contain_text(topic, timeout=60_000)
        expect(page.locator("#map")).to_contain_text("Different things, one name")  # versions, not a contradiction
        page.screenshot(path=ARTIFACTS / "map-1-list.png")

        gpus = page.locator(".map-entry", has_text="number of GPUs (DeepSeek)")
        gpus.locator("tr", has_text="around 50,000 GPUs").locator('a[href^="#mapcite-"]').first.click()
        expect(page.locator("#map-citation mark")).to_be_visible(timeout=30_000)
        quote = page.locator("#map-citation .cite-quote").inner_text().strip("“”")
        assert quote and quote in page.locator("#map-citation mark").inner_text()
        assert "50,000" in quote
        page.locator("#map-citation mark").scroll_into_view_if_needed()
        page.screenshot(path=ARTIFACTS / "map-2-quote.png")

        for question, topic, value in (("How many GPU hours did it take to train Llama?", "number of GPU hours (Llama)",
                                        "39.3 million"),
                                       ("How many GPUs did DeepSeek claim?", "number of GPUs (DeepSeek)", "50,000")):
            page.locator("#timeline-question textarea").fill(question)
            page.locator("#timeline-go").click()
            expect(page.locator("#timeline-list h4")).to_have_text(topic, timeout=60_000)
            expect(page.locator("#timeline-list")).to_contain_text(value)
            expect(page.locator("#timeline-list")).to_contain_text("Without a date")  # shown apart, never placed
            expect(page.locator("#timeline-chart img")).to_be_visible(
                timeout=30_000)
        page.screenshot(path=ARTIFACTS / "map-3-question-timeline.png")

        reports = tmp_path / "quake-reports.jsonl"  # a dated story: the chart places each report on its day
        reports.write_text("\n".join(json_.dumps(r) for r in QUAKE_REPORTS), encoding="utf-8")
        page.get_by_role("tab", name="Add articles").click()
        page.locator("#upload input[type=file]").set_input_files(str(reports))
        page.locator("#add").click()
        expect(page.locator("#add-result")).to_contain_text("Added 3", timeout=120_000)
        page.get_by_role("tab", name="Disagreements").click()
        page.locator("#map-refresh").click()
        expect(page.locator("#map")).to_contain_text("Changed over time", timeout=60_000)
        page.locator("#timeline-pick input").click()
        page.get_by_role("option", name="number of people (Hazar)", exact=False).first.click()
        expect(page.locator("#timeline-list")).to_contain_text("revises", timeout=60_000)
        expect(page.locator("#timeline-chart img")).to_be_visible()
        page.locator("#timeline-chart").screenshot(path=ARTIFACTS / "map-4-chart.png")
        page.screenshot(path=ARTIFACTS / "map-5-dated-timeline.png", full_page=True)
        browser.close()
    assert dialogs == []  # the articles' <script> stayed text


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@pytest.mark.slow
def test_twenty_concurrent_api_clients_get_their_own_answers_and_see_their_queue_position(small_server):
    from gradio_client import Client

    url, pid = small_server
    questions = {
        "How many GPUs did DeepSeek claim?": "number of GPUs (DeepSeek)",
        "How many GPU hours did it take to train Llama?": "number of GPU hours (Llama)",
        "Did DeepSeek use smuggled chips?": "“Did DeepSeek use smuggled chips?”",
        "What is the capital of France?": None,
        "How many parameters does DeepSeek-V3 have?": None,
    }
    asks = list(questions) * 4
    rss_before = _rss_mb(pid)
    ranks: list[int] = []

    def one(q: str) -> tuple[str, dict]:
        job = Client(url, verbose=False).submit(question=q, api_name="/ask")
        deadline = time.monotonic() + 600
        while not job.done() and time.monotonic() < deadline:
            status = job.status()
            if status.rank is not None:
                ranks.append(status.rank)
            time.sleep(0.2)
        return q, job.result(timeout=30)

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(one, asks))
    assert len(results) == 20
    for q, r in results:
        assert "error" not in r and r["question"] == q  # nobody got somebody else's answer
        assert [d["topic"] for d in r["disagreements"]] == ([questions[q]] if questions[q] else [])
        for c in r["citations"]:
            assert re.search(r"\S", c["quote"])
    assert max(ranks, default=0) > 0  # waiting clients were told their place in the queue
    assert _rss_mb(pid) < rss_before + 1024  # bounded: no per-request growth beyond caches
    bad = Client(url, verbose=False).predict(question="", api_name="/ask")
    assert bad == {"question": "", "error": "the question is empty"}


def test_the_sources_browser_shows_an_articles_own_citation_markers_as_text(tmp_path):
    import ui

    settings = make_settings(tmp_path)
    article = tmp_path / "marked-wire.txt"
    article.write_text("Marked wire\n\nOfficials said [1] the count was wrong [2], see [3](#cite-0-3).",
                       encoding="utf-8")
    app = ui.App(settings)  # real index, real registry; the model is not loaded
    assert app.ingestor.ingest_paths([article], progress=False).added == ["marked-wire"]
    page = app.show_source("marked-wire")
    assert "Officials said &#91;1&#93; the count was wrong &#91;2&#93;" in page
    assert "href" not in page and not re.search(r"\[\d+\]", page)


QUAKE_REPORTS = [  # one story reported on three days: the figure rose, then was repeated
    {"id": f"quake-{n}", "title": f"Hazar quake <b>report</b> {n}", "source": outlet, "date": date,
     "text": f"The Hazar province earthquake killed {figure} people in the village of Dorak near Tarsun, the interior ministry "
             f"said. <script>alert({n})</script>"}
    for n, (outlet, date, figure) in enumerate([("Global Dispatch", "2026-04-09", "nine"),
                                                ("Eastern Courier", "2026-04-10", "14"),
                                                ("The Tribune", "2026-04-11", "14")], 1)
]


def test_the_disagreements_tab_and_the_timeline_api_work_without_the_model(tmp_path):
    import json as json_

    import ui

    settings = make_settings(tmp_path)
    app = ui.App(settings)  # real index, real embedder; the model is not loaded
    html, _ = app.show_map()
    assert "number of GPUs (DeepSeek)" in html and 'href="#mapcite-0-1"' in html
    quote = app.show_map_citation("0-1")
    assert '<mark id="cite-mark">' in quote and "no longer available" in app.show_map_citation("99-1")
    fig, listing = app.entry_timeline(0)
    assert fig is not None and "Without a date" in listing  # the shipped articles carry no date
    j = app.api_timeline("How many GPU hours did it take to train Llama?")
    assert j["timeline"]["points"] == [] and any("30.8" in p["value"] for p in j["timeline"]["undated"])
    assert app.api_timeline("")["error"] == "the question is empty"

    reports = tmp_path / "quake.jsonl"
    reports.write_text("\n".join(json_.dumps(r) for r in QUAKE_REPORTS), encoding="utf-8")
    assert len(app.ingestor.ingest_paths([reports], progress=False).added) == 3
    found = app.api_disagreements()["entries"]  # the map follows the index: no restart, no rebuild command
    quake = next(e for e in found if e["topic"].endswith("(Hazar)"))
    assert quake["kind"] == "update" and [s["claims"][0]["date"] for s in quake["sides"]] == ["2026-04-09", "2026-04-10"]
    i = next(i for i, e in enumerate(app.map()) if e.topic.endswith("(Hazar)"))
    shown = app.show_map_citation(f"{i}-1")  # the article's markup is shown as text, never run
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown and "<script>" not in shown and "<b>" not in shown
    fig, listing = app.entry_timeline(i)
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["first", "repeats", "revises"]
    assert "revises" in listing and "<script>" not in listing
    app.ingestor.remove("quake-2")
    assert not any(e.topic.endswith("(Hazar)") and e.kind.value == "update" and e.sources == 3 for e in app.map())
