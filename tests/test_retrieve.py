from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from rag.retrieve import Retriever

# (query, source id, a phrase the relevant passage contains): written from reading the articles.
KNOWN = [
    ("How many GPUs did DeepSeek claim?", "gigazine-singapore-probe", "2048 NVIDIA H800s"),
    ("How many GPUs did DeepSeek claim?", "sherwood-gpu-mystery", "2,048 Nvidia H800 GPUs"),
    ("How many GPU hours did Llama 3 training take?", "gigazine-singapore-probe", "30.8 million GPU hours"),
    ("Is there evidence DeepSeek used smuggled chips?", "us-probe-smuggling", "There is no evidence"),
    ("Why did DeepSeek stop training on Huawei Ascend chips?", "deepseek-back-to-nvidia", "too unstable"),
    ("What did Nvidia say about Singapore revenue?", "gigazine-singapore-probe", "not indicative of a diversion"),
    ("How many A100 GPUs does DeepSeek own?", "sherwood-gpu-mystery", "10,000 Nvidia A100 GPUs"),
    ("Who founded DeepSeek and when?", "gnoppix-smuggled-chips", "founded in 2023 by Liang Wenfeng"),
    ("What did Scale AI's CEO say about DeepSeek's H100s?", "sherwood-gpu-mystery", "about 50,000 H100s"),
]


@pytest.mark.parametrize("query,source,phrase", KNOWN)
def test_recall_at_5(seed_store, seed_settings, query, source, phrase):
    hits = Retriever(seed_store, seed_settings).search(query, 5)
    assert any(h.source == source and phrase in h.text for h in hits), [(h.source, h.text[:60]) for h in hits]


def test_hits_are_exact_slices_with_metadata(seed_store, seed_settings):
    hits = Retriever(seed_store, seed_settings).search("H800 export ban October 2023", 8)
    assert len(hits) == 8
    for h in hits:
        assert seed_store.registry.text(h.source)[h.start : h.end] == h.text
        assert h.title and h.outlet
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_numbers_match_lexically_across_formats(seed_store, seed_settings):
    # "2,048" in the query must find GIGAZINE's "2048" through BM25 alone.
    lexical = seed_store.lexical.search("2,048", 5)
    rows = seed_store.registry.chunk_rows([cid for cid, _ in lexical])
    assert {"gigazine-singapore-probe", "sherwood-gpu-mystery"} <= {r.doc_id for r in rows.values()}


@pytest.mark.slow
def test_cli_search_json(seed_settings):
    env = {**os.environ, "RAG_INDEX_DIR": str(seed_settings.index_dir), "RAG_CORPUS_DIR": str(seed_settings.corpus_dir)}
    out = subprocess.run(
        [sys.executable, "-m", "rag", "search", "--json", "--k", "3", "H800 GPUs"],
        env=env, capture_output=True, text=True, check=True,
    )
    data = json.loads(out.stdout)
    assert data["query"] == "H800 GPUs" and len(data["hits"]) == 3
    assert set(data["hits"][0]) == {"source", "title", "outlet", "text", "start", "end", "score"}
    empty = subprocess.run([sys.executable, "-m", "rag", "search", "  "], env=env, capture_output=True, text=True)
    assert empty.returncode == 2 and "empty" in empty.stderr and "Traceback" not in empty.stderr


def test_a_sentence_cut_by_a_chunk_end_gives_way_to_the_whole_one(seed_settings):
    from rag.evidence import EvidenceSelector
    from rag.types import Hit

    text = "DeepSeek said it used 2,048 H800 GPUs for training. Analysts doubt it."
    cut = Hit("a", "t", "o", text[:30], 0, 30, 1.0, False)
    whole = Hit("a", "t", "o", text, 0, len(text), 0.9, False)
    got = EvidenceSelector(seed_settings).candidates([cut, whole])
    assert [(s.start, s.text) for s in got] == [(0, text[:51]), (52, "Analysts doubt it.")]


def test_a_query_with_a_unique_code_ranks_its_exact_match_first(settings, tmp_path):
    from rag.ingest import ensure_index
    from rag.store import Store

    from .conftest import ingest

    docs = tmp_path / "parts"
    docs.mkdir()
    (docs / "recall-notice.txt").write_text(
        "Recall notice\n\nThe maker recalled a batch of brake valves. Owners of part XK-4471-B should contact "
        "their dealer for a free replacement.", encoding="utf-8")
    # Distractors the dense model likes better: the same topic and near-miss codes, never the code itself.
    topics = ["brake valve", "spare part numbers", "part catalogue", "replacement parts", "dealer recall"]
    for i, topic in enumerate(topics):
        (docs / f"bulletin-{i}.txt").write_text(
            f"Parts bulletin {i}\n\nThis bulletin lists {topic} codes such as XK-4471-A, XK-4417-B and XJ-4471-B. "
            "Owners should check which part their car has and contact a dealer about the recall of parts.",
            encoding="utf-8")
    store = Store(settings)
    ensure_index(store, settings, progress=False)
    assert len(ingest(store, settings, docs).added) == 6
    retriever = Retriever(store, settings)
    for query in ["What is part XK-4471-B?", "xk-4471-b brake", "XK-4471-B"]:
        hits = retriever.search(query, 5)
        assert hits[0].source == "recall-notice", (query, [h.source for h in hits])
        assert "XK-4471-B" in hits[0].text and len(hits) == 5
    # A code every bulletin carries is not rare: the fusion decides as before.
    assert "recall-notice" not in [h.source for h in retriever.search("XJ-4471-B", 3)]
