"""The benchmark's replica index: distinct ids and vectors, the same text, and the assistant's search works on it."""

from __future__ import annotations

import json

import numpy as np

from bench import jobs
from bench.spans import routes
from rag.checks import CHECKS
from rag.retrieve import Retriever
from rag.settings import Route, Settings
from rag.store import Store


def test_replicas_are_distinct_points_with_the_same_text_and_resume(seed_store, seed_settings, tmp_path):
    src_chunks = seed_store.vectors.collection.count()
    dst_dir = tmp_path / "scale"
    got = jobs.replicate(str(seed_settings.index_dir), str(dst_dir), str(3 * src_chunks + 1))
    assert got["chunks"] >= 3 * src_chunks + 1 and got["chunks"] < 5 * src_chunks

    dst = Store(Settings(index_dir=dst_dir))
    ids = dst.vectors.collection.get(include=[])["ids"]
    assert len(ids) == len(set(ids)) == got["chunks"]
    # every replica's quote is verbatim in its own stored copy of the article
    for row, text in dst.registry.all_chunks():
        assert dst.registry.text(row.doc_id)[row.start:row.end] == text
    # copy 1 of a chunk is near, but not equal to, copy 0
    doc = seed_store.registry.docs()[0].id
    (orig,) = [i for i in ids if i.startswith(f"{doc}~0:")][:1]
    twin = orig.replace("~0:", "~1:")
    vecs = dst.vectors.collection.get(ids=[orig, twin], include=["embeddings"])["embeddings"]
    cos = float(np.dot(vecs[0], vecs[1]))
    assert 0.9 < cos < 0.9999

    again = jobs.replicate(str(seed_settings.index_dir), str(dst_dir), str(3 * src_chunks + 1))
    assert again["chunks"] == got["chunks"] and again["built_s"] == 0.0

    hits = Retriever(dst, dst.settings).search("How many GPUs did DeepSeek claim?", 8)
    assert {h.source.split("~")[0] for h in hits} & {"gigazine-singapore-probe", "sherwood-gpu-mystery"}
    assert len({h.source.split("~")[1] for h in hits}) > 1  # the copies compete, as at 100k


def test_retrieval_job_reports_percentiles(seed_store, seed_settings, tmp_path):
    queries = tmp_path / "q.json"
    queries.write_text(json.dumps(["Who founded DeepSeek?", "How many GPU hours did Llama take?"]))
    got = jobs.retrieval(str(seed_settings.index_dir), str(queries))
    assert got["chunks"] == seed_store.vectors.collection.count() and got["queries"] == 2
    assert 0 < got["total_p50_ms"] <= got["total_p95_ms"]


def test_the_span_routes_differ_only_in_their_reading():
    got = routes(Settings())
    assert [r.reading.route for r in got.values()] == [Route.RULES, Route.MODEL, Route.MODEL]
    assert set(got["model"].reading.checks_off) == {c.name for c in CHECKS} - {"typed"}
    assert got["final"].reading.checks_off == ()
    assert len({r.model_dump_json(exclude={"reading"}) for r in got.values()}) == 1
