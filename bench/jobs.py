"""Each measurement runs in its own process (`python -m bench.jobs JOB ...`), so its peak RSS is its own.

The last line a job prints is its JSON result; progress bars go to stderr.
"""

from __future__ import annotations

import json
import math
import resource
import sys
import time
from pathlib import Path

import numpy as np


def _settings(index_dir: str):
    from rag.settings import Settings

    return Settings(index_dir=Path(index_dir))


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _pct(values: list[float], q: float) -> float | None:
    from evals.metrics import percentile

    p = percentile(values, q)
    return None if p is None else round(p, 4)


def ingest(jsonl: str, index_dir: str) -> dict:
    """`rag ingest` of the whole file, with the embedder's own time summed inside it."""
    from rag.embed import get_embedder
    from rag.ingest import Ingestor
    from rag.store import Store

    settings = _settings(index_dir)
    store = Store(settings)
    before = store.registry.count()
    embedder = get_embedder(settings)
    spent = {"embed_s": 0.0, "texts": 0}
    batch = embedder.get_text_embedding_batch

    def timed(texts, **kw):
        t = time.perf_counter()
        out = batch(texts, **kw)
        spent["embed_s"] += time.perf_counter() - t
        spent["texts"] += len(texts)
        return out

    object.__setattr__(embedder, "get_text_embedding_batch", timed)  # pydantic model: plain setattr is refused
    t0 = time.perf_counter()
    report = Ingestor(store, settings).ingest_paths([Path(jsonl)], progress=True, keep=False)
    wall = time.perf_counter() - t0
    return {"articles_before": before, "articles_added": len(report.added), "unchanged": len(report.unchanged),
            "problems": len(report.problems), "chunks": report.chunks, "wall_s": round(wall, 2),
            "embed_s": round(spent["embed_s"], 2), "articles": store.registry.count(), "peak_rss_mb": _peak_rss_mb()}


def encode(index_dir: str, sample: str, batch_sizes: str) -> dict:
    """The embedder alone on a fixed sample of the index's own chunks, at several batch sizes."""
    from rag.embed import _load
    from rag.settings import Settings
    from rag.store import Store

    store = Store(_settings(index_dir))
    texts = [t for _, t in store.registry.all_chunks()]
    rng = np.random.default_rng(0)
    picked = [texts[i] for i in sorted(rng.choice(len(texts), size=min(int(sample), len(texts)), replace=False))]
    out = {"sample": len(picked), "chunks_in_index": len(texts), "by_batch": {}}
    for b in (int(x) for x in batch_sizes.split(",")):
        model = _load(Settings().ingest.embedder, b)
        model.get_text_embedding_batch(picked[:b])  # warm-up
        t = time.perf_counter()
        model.get_text_embedding_batch(picked)
        s = time.perf_counter() - t
        out["by_batch"][str(b)] = {"s": round(s, 2), "per_chunk_ms": round(1000 * s / len(picked), 2)}
    return out


def retrieval(index_dir: str, queries_file: str) -> dict:
    """Hybrid search as the assistant runs it: first pass warms (BM25 build/load), second pass is timed."""
    from rag.retrieve import Retriever
    from rag.store import Store

    settings = _settings(index_dir)
    store = Store(settings)
    queries = json.loads(Path(queries_file).read_text())
    retriever = Retriever(store, settings)
    t = time.perf_counter()
    store.lexical.refresh()
    bm25_load = time.perf_counter() - t
    for q in queries:
        retriever.search(q, settings.evidence.chunks)
    parts = {"total": [], "embed": [], "dense": [], "bm25": []}
    for q in queries:
        t0 = time.perf_counter()
        vec = retriever.embed_query(q)
        t1 = time.perf_counter()
        store.vectors.search(vec, 4 * settings.evidence.chunks)
        t2 = time.perf_counter()
        store.lexical.search(q, 4 * settings.evidence.chunks)
        t3 = time.perf_counter()
        retriever.search(q, settings.evidence.chunks)
        t4 = time.perf_counter()
        parts["embed"].append(t1 - t0)
        parts["dense"].append(t2 - t1)
        parts["bm25"].append(t3 - t2)
        parts["total"].append(t4 - t3)
    return {"chunks": store.vectors.collection.count(), "articles": store.registry.count(), "queries": len(queries),
            "bm25_build_or_load_s": round(bm25_load, 2),
            **{f"{k}_p50_ms": round(1000 * _pct(v, 50), 2) for k, v in parts.items()},
            **{f"{k}_p95_ms": round(1000 * _pct(v, 95), 2) for k, v in parts.items()},
            "peak_rss_mb": _peak_rss_mb()}


def answer(system: str, index_dir: str, questions_file: str) -> dict:
    """End to end on the seed questions: ours, or the evals' LlamaIndex baseline on the same collection and model."""
    from evals.metrics import is_correct
    from evals.systems import Baseline, Ours
    from rag.generate import load_generator
    from rag.store import Store

    settings = _settings(index_dir)
    store = Store(settings)
    items = json.loads(Path(questions_file).read_text())
    generator = load_generator(settings)
    system_under_test = (Ours if system == "ours" else Baseline)(store, settings, generator)

    def run(q: str) -> tuple[str, bool, float | None, float, float | None]:
        o = system_under_test.run(q)
        return o.answer, o.abstained, o.ttft_s, o.total_s, o.evidence_s

    load = time.perf_counter()
    generator.count_tokens("warm up")  # model load is start-up, not answer time
    run(items[0]["question"])  # embedder, caches: what a running assistant has already done
    load = time.perf_counter() - load
    rows = []
    for it in items:
        text, abstained, first, total, evidence = run(it["question"])
        rows.append({"id": it["id"], "ttft_s": first, "total_s": total, "evidence_s": evidence,
                     "correct": is_correct(text, abstained, it["gold_facts"], it["answerable"]), "answer": text})
        print(f"{system} {it['id']}: first token {first and round(first, 1)} s, total {total:.1f} s", file=sys.stderr)
    ttft = [r["ttft_s"] for r in rows if r["ttft_s"] is not None]
    total = [r["total_s"] for r in rows]
    evidence = [r["evidence_s"] for r in rows if r["evidence_s"] is not None]
    return {"system": system, "questions": len(rows), "warm_up_s": round(load, 1),
            "ttft_p50_s": _pct(ttft, 50), "ttft_p95_s": _pct(ttft, 95), "total_p50_s": _pct(total, 50),
            "total_p95_s": _pct(total, 95), "evidence_p50_s": _pct(evidence, 50), "evidence_p95_s": _pct(evidence, 95),
            "accuracy": round(sum(r["correct"] for r in rows) / len(rows), 3), "no_model_call": len(total) - len(ttft),
            "peak_rss_mb": _peak_rss_mb(), "rows": rows}


def replicate(src_dir: str, dst_dir: str, target_chunks: str) -> dict:
    """An index of ~target chunks from copies of the news index under new ids, without re-embedding.

    Registry and BM25 get the copied text as it is (replicated); Chroma gets each real vector plus
    Gaussian noise (sd 0.01 per dimension, renormalised; cosine to the original ~0.98), so the HNSW
    graph holds distinct points. Copy 0 is the original, unperturbed.
    """
    from llama_index.core.schema import TextNode

    from rag.store import Store
    from rag.types import Chunk, SourceDoc

    src, dst = Store(_settings(src_dir)), Store(_settings(dst_dir))
    target = int(target_chunks)
    have = dst.vectors.collection.count()
    if have >= target:
        return {"chunks": have, "articles": dst.registry.count(), "built_s": 0.0}
    got = src.vectors.collection.get(include=["embeddings"])
    vectors = dict(zip(got["ids"], np.asarray(got["embeddings"], dtype=np.float32)))
    docs = src.registry.docs()
    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    copies = math.ceil(target / max(len(vectors), 1))
    nodes: list[TextNode] = []
    pending: list[tuple[SourceDoc, list[Chunk]]] = []
    done = have

    def flush() -> None:  # vectors first, registry last: as in ingest, a kill leaves at worst orphan vectors
        dst.vectors.collection.delete(ids=[n.node_id for n in nodes])
        dst.vectors.store.add(nodes)
        for doc, chunks in pending:
            dst.registry.put(doc, chunks)
        nodes.clear()
        pending.clear()
        print(f"replicated {done:,} chunks", file=sys.stderr)

    for r in range(copies):
        for d in docs:
            if done >= target:
                break
            doc_id = f"{d.id}~{r}"
            if dst.registry.get(doc_id):
                continue  # resumed: this copy is in
            text = src.registry.text(d.id) or ""
            rows = sorted(src.registry.chunk_rows(src.registry.chunk_ids(d.id)).values(), key=lambda c: c.start)
            doc = SourceDoc(id=doc_id, title=d.title, outlet=d.outlet, text=text, origin=d.origin)
            chunks = [Chunk(doc.id, int(c.chunk_id.rsplit(":", 1)[1]), c.start, c.end, text[c.start:c.end], c.furniture)
                      for c in rows]
            for c, row in zip(chunks, rows):
                v = vectors[row.chunk_id]
                if r:
                    v = v + rng.normal(0, 0.01, v.shape).astype(np.float32)
                    v /= np.linalg.norm(v)
                nodes.append(TextNode(id_=c.chunk_id(doc.hash), text=c.text, embedding=v.tolist(),
                                      metadata={"doc_id": doc.id, "title": doc.title, "outlet": doc.outlet,
                                                "furniture": c.furniture}))
            pending.append((doc, chunks))
            done += len(chunks)
            if len(nodes) >= 5000:
                flush()
    if nodes:
        flush()
    return {"chunks": dst.vectors.collection.count(), "articles": dst.registry.count(),
            "built_s": round(time.perf_counter() - t0, 1)}


def seed(index_dir: str) -> dict:
    """The five shipped articles alone, as a fresh install indexes them."""
    from evals.run import seed_index

    t = time.perf_counter()
    store, _ = seed_index(Path(index_dir), _settings(index_dir))
    return {"articles": store.registry.count(), "chunks": store.vectors.collection.count(),
            "built_s": round(time.perf_counter() - t, 1)}


JOBS = {"seed": seed, "ingest": ingest, "encode": encode, "retrieval": retrieval, "answer": answer, "replicate": replicate}

if __name__ == "__main__":
    import rag  # noqa: F401  (offline environment before any library loads)

    print(json.dumps(JOBS[sys.argv[1]](*sys.argv[2:])))
