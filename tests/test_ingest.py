from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rag.ingest import Ingestor, ensure_index, reindex
from rag.registry import IndexUnusable
from rag.retrieve import Retriever
from rag.settings import Settings
from rag.store import Store

from .conftest import ingest


def _vector_ids(store: Store) -> set[str]:
    return set(store.vectors.collection.get(include=[])["ids"])


def _registry_ids(store: Store) -> set[str]:
    return {row.chunk_id for row, _ in store.registry.all_chunks()}


def _claim_docs(store: Store) -> set[str]:
    with store.registry.engine.connect() as db:
        return {r[0] for r in db.exec_driver_sql("SELECT DISTINCT doc_id FROM claims")}


def test_first_use_builds_from_corpus_and_reingest_is_a_no_op(settings: Settings, empty_store: Store):
    first = ensure_index(empty_store, settings, progress=False)
    assert len(first.added) == 5 and first.chunks > 20 and not first.problems
    assert ensure_index(empty_store, settings, progress=False) is None
    again = ingest(empty_store, settings, settings.corpus_dir)
    assert again.added == [] and again.chunks == 0 and len(again.unchanged) == 5
    assert _vector_ids(empty_store) == _registry_ids(empty_store)


def test_changed_article_replaces_its_chunks_and_remove_deletes(settings: Settings, empty_store: Store):
    path = settings.corpus_dir / "local-note.txt"
    path.write_text("Local note\n\nThe warehouse in Tromsø stores 777 quantum widgets.", encoding="utf-8")
    assert ingest(empty_store, settings, path).added == ["local-note"]
    retriever = Retriever(empty_store, settings)
    assert "777 quantum widgets" in retriever.search("quantum widgets Tromsø", 1)[0].text

    path.write_text("Local note\n\nThe warehouse in Tromsø now stores 912 zeppelin parts.", encoding="utf-8")
    report = ingest(empty_store, settings, path)
    assert report.replaced == ["local-note"]
    texts = [h.text for h in retriever.search("warehouse Tromsø", 5)]
    assert any("912 zeppelin" in t for t in texts) and not any("777" in t for t in texts)
    assert _vector_ids(empty_store) == _registry_ids(empty_store)

    assert Ingestor(empty_store, settings).remove("local-note")
    assert not any(h.source == "local-note" for h in retriever.search("warehouse Tromsø zeppelin", 5))
    assert _vector_ids(empty_store) == _registry_ids(empty_store) == set()


def test_bad_files_are_reported_and_the_rest_of_the_batch_goes_in(settings: Settings, empty_store: Store, tmp_path):
    batch = tmp_path / "batch"
    batch.mkdir()
    (batch / "good.md").write_text("# Good\n\nA fine article about 321 lighthouses.", encoding="utf-8")
    (batch / "empty.txt").write_bytes(b"")
    (batch / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    (batch / "latin.txt").write_bytes("d\xe9j\xe0 vu".encode("latin-1"))
    report = ingest(empty_store, settings, batch)
    assert report.added == ["good"]
    assert sorted(Path(p.where).name for p in report.problems) == ["binary.txt", "empty.txt", "latin.txt"]
    assert (settings.uploads_dir / "good.md").is_file()  # kept for `rag reindex`
    assert not (settings.uploads_dir / "empty.txt").exists()


def test_duplicate_upload_is_deduplicated(settings: Settings, empty_store: Store, tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "copy-of-a.txt"
    a.write_text("Same words, twice uploaded.", encoding="utf-8")
    b.write_text("Same words, twice uploaded.", encoding="utf-8")
    report = ingest(empty_store, settings, a, b)
    assert report.added == ["a"] and report.duplicates == ["copy-of-a (same text as a)"]


def test_upload_names_cannot_escape_the_uploads_folder(settings: Settings, empty_store: Store, tmp_path):
    nested = tmp_path / "x" / ".." / "evil name$.txt"
    (tmp_path / "x").mkdir()
    nested.write_text("Escape attempt article.", encoding="utf-8")
    ingest(empty_store, settings, nested)
    stored = list(settings.uploads_dir.iterdir())
    assert [p.name for p in stored] == ["evil-name.txt"]
    assert all(p.resolve().parent == settings.uploads_dir.resolve() for p in stored)


def _articles(folder: Path, n: int) -> None:
    folder.mkdir()
    for i in range(n):
        depot = f"Kess{'abcdefghij'[i % 10]}{'klmnopqrst'[i // 10]}by"  # a name of its own: claims to store
        body = " ".join(f"Sentence {j}: the {depot} depot reports {i * 100 + j} shipments to port {i}." for j in range(60))
        (folder / f"article-{i:03d}.txt").write_text(f"Article {i}\n\n{body}", encoding="utf-8")


@pytest.mark.slow
def test_kill_minus_nine_mid_ingest_leaves_a_working_index_that_the_next_ingest_completes(settings, tmp_path):
    store = Store(settings)
    ensure_index(store, settings, progress=False)
    folder = tmp_path / "many"
    _articles(folder, 40)
    env = {**os.environ, "RAG_INDEX_DIR": str(settings.index_dir), "RAG_CORPUS_DIR": str(settings.corpus_dir)}
    proc = subprocess.Popen([sys.executable, "-m", "rag", "ingest", str(folder)], env=env, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while store.registry.count() < 8 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "ingest finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = store.registry.count()
    assert 5 < partial < 45

    reopened = Store(settings)  # as a new process would
    committed = {d.id for d in reopened.registry.docs() if d.id.startswith("article-")}
    assert _claim_docs(reopened) <= {d.id for d in reopened.registry.docs()}  # no claim without its article
    assert all(reopened.registry.claims(d) for d in committed)  # and every committed article has its claims
    hits = Retriever(reopened, settings).search("How many GPUs did DeepSeek claim?", 5)
    assert hits and all(reopened.registry.text(h.source)[h.start : h.end] == h.text for h in hits)

    report = Ingestor(reopened, settings).ingest_paths([folder], progress=False)
    assert reopened.registry.count() == 45
    assert len(report.added) == 45 - partial and len(report.unchanged) == partial - 5
    assert _vector_ids(reopened) == _registry_ids(reopened)  # orphans of the killed run are gone
    assert {d for d in _claim_docs(reopened) if d.startswith("article-")} == {f"article-{i:03d}" for i in range(40)}


def test_corrupted_registry_is_a_clear_error_and_reindex_rebuilds(settings: Settings):
    store = Store(settings)
    ensure_index(store, settings, progress=False)
    del store
    settings.registry_path.write_bytes(b"this is not a database" * 100)
    for suffix in ("-wal", "-shm"):
        Path(str(settings.registry_path) + suffix).unlink(missing_ok=True)
    with pytest.raises(IndexUnusable, match="rag reindex"):
        Store(settings)
    report = reindex(settings, progress=False)
    assert len(report.added) == 5
    assert Store(settings).registry.count() == 5


def test_an_index_from_before_claims_were_kept_gets_its_claims_on_first_open_without_a_reindex(settings: Settings):
    store = Store(settings)
    ensure_index(store, settings, progress=False)
    entries = [e.key for e in store.registry.map_entries()]
    assert entries
    with store.registry.transaction() as db:  # what a schema-1 registry looks like: no claim tables
        for table in ("claims", "claim_keys", "map_entries"):
            db.exec_driver_sql(f"DROP TABLE {table}")
        db.exec_driver_sql("UPDATE meta SET value='1' WHERE key='schema'")
    store.registry.close()
    reopened = Store(settings)
    assert not reopened.registry.claims_pending()
    assert [e.key for e in reopened.registry.map_entries()] == entries
    assert reopened.registry.count() == 5  # nothing re-ingested, nothing lost


def test_an_index_whose_claims_lack_vectors_gets_them_on_first_open_with_the_same_map(settings: Settings):
    store = Store(settings)
    ensure_index(store, settings, progress=False)
    entries = [e.to_json() for e in store.registry.map_entries()]
    with store.registry.transaction() as db:  # what a schema-2 registry looks like: claims without vectors
        db.exec_driver_sql("UPDATE claims SET data = json_remove(data, '$.vector', '$.story')")
        db.exec_driver_sql("UPDATE meta SET value='2' WHERE key='schema'")
    store.registry.close()
    reopened = Store(settings)
    assert not reopened.registry.claims_pending()
    claims = [c for d in reopened.registry.docs() for c in reopened.registry.claims(d.id)]
    assert claims and all(c.vector and c.story for c in claims)
    assert [e.to_json() for e in reopened.registry.map_entries()] == entries
    assert reopened.registry.count() == 5


def test_index_from_another_version_is_refused_with_the_fix(settings: Settings):
    store = Store(settings)
    with store.registry.transaction() as db:
        db.exec_driver_sql("UPDATE meta SET value='0' WHERE key='schema'")
    with pytest.raises(IndexUnusable, match="another version.*rag reindex"):
        Store(settings)


def _rag(settings: Settings, *args: str):
    """The real `rag` command in-process (click's runner), on this test's corpus and index."""
    from click.testing import CliRunner

    from rag.cli import main

    env = {"RAG_INDEX_DIR": str(settings.index_dir), "RAG_CORPUS_DIR": str(settings.corpus_dir)}
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def _ids(settings: Settings) -> set[str]:
    return {line.split("\t")[0] for line in _rag(settings, "sources").stdout.splitlines()}


def test_removal_is_a_recorded_decision_that_reindex_and_reingest_respect(settings: Settings, tmp_path):
    note = tmp_path / "harbour-note.txt"
    note.write_text("Harbour note\n\nThe harbour in Bergen received 4,321 crates of cloudberries.", encoding="utf-8")
    assert _rag(settings, "ingest", str(note)).exit_code == 0
    assert "harbour-note" in _ids(settings)

    removed = _rag(settings, "remove", "harbour-note", "--reason", "wrong harbour")
    assert removed.exit_code == 0, removed.output
    listed = _rag(settings, "sources", "--removed").stdout
    assert "harbour-note" in listed and "wrong harbour" in listed and "harbour-note.txt" in listed

    rebuilt = _rag(settings, "reindex")  # the uploaded copy is still on disk ...
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "harbour-note" not in _ids(settings)  # ... and does not come back by itself
    assert "harbour-note" in rebuilt.stderr and "--force" in rebuilt.stderr

    again = _rag(settings, "ingest", str(note))  # the same file again: refused, naming the way back
    assert again.exit_code == 1 and "removed" in again.stderr and "--force" in again.stderr
    twin = tmp_path / "renamed.txt"  # the same text under another name is the same article
    twin.write_bytes(note.read_bytes())
    assert _rag(settings, "ingest", str(twin)).exit_code == 1
    assert "renamed" not in _ids(settings) and "harbour-note" not in _ids(settings)

    forced = _rag(settings, "ingest", "--force", str(note))
    assert forced.exit_code == 0 and "1 added" in forced.stdout
    assert "harbour-note" in _ids(settings) and _rag(settings, "sources", "--removed").stdout == ""


def test_restore_brings_back_a_removed_article_from_its_kept_copy(settings: Settings, tmp_path):
    assert "us-probe-smuggling" in _ids(settings)  # `rag sources` builds the index from corpus/ first
    feed = tmp_path / "feed.jsonl"
    records = [{"id": "wire-1", "title": "Wire one", "text": "Tromsø ferries carried 812 cars."},
               {"id": "wire-2", "title": "Wire two", "text": "Narvik ore trains ran 77 times."}]
    feed.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    assert _rag(settings, "ingest", str(feed)).exit_code == 0
    assert _rag(settings, "remove", "wire-2").exit_code == 0
    assert _rag(settings, "remove", "wire-2").exit_code == 2  # already removed: says so
    assert _rag(settings, "remove", "us-probe-smuggling").exit_code == 0  # a shipped article too
    assert _rag(settings, "reindex").exit_code == 0
    assert {"wire-1"} <= _ids(settings) and not {"wire-2", "us-probe-smuggling"} & _ids(settings)

    restored = _rag(settings, "restore", "wire-2")
    assert restored.exit_code == 0 and "1 added" in restored.stdout, restored.output
    assert _rag(settings, "restore", "us-probe-smuggling").exit_code == 0
    assert {"wire-1", "wire-2", "us-probe-smuggling"} <= _ids(settings)
    assert _rag(settings, "sources", "--removed").stdout == ""
    assert _rag(settings, "restore", "wire-2").exit_code == 2  # nothing recorded to undo
    store = Store(settings)
    assert "Narvik" in store.registry.text("wire-2")
    assert _vector_ids(store) == _registry_ids(store)


def test_an_emptied_index_is_rebuilt_without_its_removed_articles(settings: Settings):
    store = Store(settings)
    ensure_index(store, settings, progress=False)
    assert Ingestor(store, settings).remove("gnoppix-smuggled-chips", "duplicate story")
    store.registry.clear()  # as a rebuild killed half-way leaves it
    report = ensure_index(store, settings, progress=False)
    assert len(report.added) == 4 and "gnoppix-smuggled-chips" not in {d.id for d in store.registry.docs()}
    refusals = [p.reason for p in report.problems if "gnoppix" in p.reason]
    assert len(refusals) == 1 and refusals[0].startswith("'gnoppix-smuggled-chips' was removed")


def test_removal_decisions_survive_a_reindex_of_an_index_from_another_version(settings: Settings):
    store = Store(settings)
    ensure_index(store, settings, progress=False)
    Ingestor(store, settings).remove("sherwood-gpu-mystery")
    with store.registry.transaction() as db:
        db.exec_driver_sql("UPDATE meta SET value='0' WHERE key='schema'")
    del store
    with pytest.raises(IndexUnusable, match="rag reindex"):
        Store(settings)
    report = reindex(settings, progress=False)
    assert len(report.added) == 4
    reopened = Store(settings)
    assert [r.id for r in reopened.registry.removals()] == ["sherwood-gpu-mystery"]
    assert "sherwood-gpu-mystery" not in {d.id for d in reopened.registry.docs()}


def test_an_index_owns_its_uploads(settings: Settings, tmp_path):
    other = settings.model_copy(update={"index_dir": tmp_path / "other-index"})
    note = tmp_path / "fjord-survey.txt"
    note.write_text("Fjord survey\n\nDivers in the Hardangerfjord counted 5,150 cold-water corals.", encoding="utf-8")
    assert _rag(settings, "ingest", "--index", str(other.index_dir), str(note)).exit_code == 0
    assert (other.uploads_dir / "fjord-survey.txt").is_file()
    assert not (settings.corpus_dir / "uploads").exists() and not settings.uploads_dir.exists()

    assert _rag(settings, "reindex").exit_code == 0  # the default index: shipped articles only
    assert "fjord-survey" not in _ids(settings) and len(_ids(settings)) == 5
    assert _rag(settings, "--index", str(other.index_dir), "reindex").exit_code == 0
    assert "fjord-survey" in _ids(other) and len(_ids(other)) == 6
    assert (other.uploads_dir / "fjord-survey.txt").is_file()  # the rebuild kept the index's own uploads


def test_reindex_keeps_the_articles_an_older_index_had_in_the_shared_uploads_folder(settings: Settings):
    legacy = settings.corpus_dir / "uploads"  # where every index's uploads went before
    legacy.mkdir()
    (legacy / "old-upload.txt").write_text("Old upload\n\nThe ferry to Svolvær sold 640 tickets.", encoding="utf-8")
    (legacy / "someone-elses.txt").write_text("Not ours\n\nAnother index's 19 articles.", encoding="utf-8")
    store = Store(settings)
    ensure_index(store, settings, progress=False)
    # As the earlier version stored it: the registry's origin points into corpus/uploads/.
    Ingestor(store, settings).ingest_paths([legacy / "old-upload.txt"], progress=False, keep=False)
    assert store.registry.get("old-upload").origin == str(legacy / "old-upload.txt")
    del store

    reindex(settings, progress=False)
    ids = {d.id for d in Store(settings).registry.docs()}
    assert "old-upload" in ids and "someone-elses" not in ids
    assert (settings.uploads_dir / "old-upload.txt").is_file()


def test_an_upload_keeps_the_letters_of_its_name(settings: Settings, empty_store: Store, tmp_path):
    path = tmp_path / "Zürich Bericht (1).txt"
    path.write_text("Zürich Bericht\n\nDie Stadt zählte 4,812 Velos am Bahnhof.", encoding="utf-8")
    report = ingest(empty_store, settings, path)
    assert report.added == ["zürich-bericht-1"]
    assert [p.name for p in settings.uploads_dir.iterdir()] == ["zürich-bericht-1.txt"]
    assert empty_store.registry.get("zürich-bericht-1").origin == str(settings.uploads_dir / "zürich-bericht-1.txt")


def test_a_registry_url_that_is_not_postgresql_is_refused_in_one_line(tmp_path):
    settings = Settings(index_dir=tmp_path / "index", registry_url="mysql://rag@db-host/rag")
    with pytest.raises(IndexUnusable, match=r"RAG_REGISTRY_URL must be a postgresql:// URL, not mysql://"):
        Store(settings)
    assert not (tmp_path / "index" / "registry.sqlite3").exists()  # nothing written in its place
