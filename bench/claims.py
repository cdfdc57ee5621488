"""`python -m bench.claims`: what the disagreement map costs on the 3,824 news articles (numbers reported, not asserted).

- claim extraction per article and the facts' vectors the map asks for (both run inside ingest), beside the
  embedder's own time per article on a sample;
- storing every article's claims in a registry (no chunks, no vector store) with the map regrouped at each put,
  embedding a claim's words only once an article of a like story shares its group (claimvectors.due);
- the map's first page read from that registry, cold (a new process's first read) and warm, p50 / p95;
- how many groups and entries it holds, and a seeded sample of 20 entries written out to be read.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

from tqdm import tqdm

from rag.chunk import Chunker
from rag.claimmap import extract
from rag.claimvectors import ahead, pack, with_stories
from rag.disagreements import entry_json, map_entries
from rag.embed import get_embedder
from rag.registry import Registry
from rag.settings import Settings
from rag.types import SourceDoc

from .data import news_jsonl
from .jobs import _pct


def _docs(limit: int | None) -> list[SourceDoc]:
    rows = [json.loads(line) for line in news_jsonl(limit).read_text(encoding="utf-8").splitlines()]
    return [SourceDoc(r["id"], r["title"], r["outlet"], r["text"], f"news.jsonl:{n}", r.get("date", ""), r["url"])
            for n, r in enumerate(rows, 1)]


def _embedder_ms_per_article(docs: list[SourceDoc], settings: Settings, sample: int) -> float:
    picked = random.Random(0).sample(docs, min(sample, len(docs)))
    chunker, embedder = Chunker(settings), get_embedder(settings)
    texts = [c.text for d in picked for c in chunker.chunks(d)]
    embedder.get_text_embedding_batch(texts[:8])  # warm
    t0 = time.perf_counter()
    for i in range(0, len(texts), settings.ingest.batch_chunks):
        embedder.get_text_embedding_batch(texts[i:i + settings.ingest.batch_chunks])
    return (time.perf_counter() - t0) * 1000 / len(picked)


def _first_page_ms(settings: Settings, runs: int) -> tuple[list[float], int]:
    times, shown = [], 0
    for _ in range(runs):
        registry = Registry(settings)  # as a new process would open it
        t0 = time.perf_counter()
        page = map_entries(registry, settings, first_page=True)[:settings.map.page_size]
        times.append((time.perf_counter() - t0) * 1000)
        shown = len(page)
        registry.close()
    return times, shown


def run(limit: int | None, embed_sample: int, out: Path) -> dict:
    docs = _docs(limit)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(index_dir=Path(tmp) / "index")
        per_doc, claims = [], []
        for d in tqdm(docs, desc="Claims", unit="article"):
            t0 = time.perf_counter()
            claims.append(extract(d, settings))
            per_doc.append((time.perf_counter() - t0) * 1000)
        embed = get_embedder(settings).get_text_embedding_batch
        chunker = Chunker(settings)
        sized = [(d, chunker.chunks(d)) for d in tqdm(docs, desc="Chunks")]
        leads = [pack(v) for v in embed([next((c.text for c in chunks if not c.furniture), d.title)
                                         for d, chunks in tqdm(sized, desc="Leads (the embedder's own work at ingest)")])]
        claims = with_stories(list(zip(claims, leads)))
        embedded, vectors_s = 0, 0.0

        def timed(texts: list[str]) -> list[list[float]]:  # the facts' vectors the map's regrouping asks for
            nonlocal embedded, vectors_s
            t0 = time.perf_counter()
            out = embed(texts)
            vectors_s, embedded = vectors_s + time.perf_counter() - t0, embedded + len(texts)
            return out

        registry = Registry(settings)
        t0 = time.perf_counter()
        batch: list[int] = []
        for n in tqdm(range(len(docs)), desc="Claims stored, map regrouped", unit="article"):
            batch.append(n)  # as ingest batches articles: `ingest.batch_chunks` chunks at a time
            if sum(len(sized[i][1]) for i in batch) >= settings.ingest.batch_chunks or n == len(docs) - 1:
                mine = [claims[i] for i in batch]
                facts = ahead(mine, registry.claims_under({k for cs in mine for c in cs for k in c.keys()}),
                              settings, timed)
                for i in batch:
                    registry.put(docs[i], [], claims[i], facts)
                batch.clear()
        stored_s = time.perf_counter() - t0 - vectors_s
        vectors_ms = vectors_s * 1000 / len(docs)
        with registry.engine.connect() as db:
            groups = db.exec_driver_sql("SELECT COUNT(*) FROM (SELECT key FROM claim_keys GROUP BY key "
                                        "HAVING COUNT(DISTINCT doc_id) > 1)").scalar()
        registry.close()
        all_entries = map_entries(Registry(settings), settings)
        page_ms, shown = _first_page_ms(settings, 20)
        embed_ms = _embedder_ms_per_article(docs, settings, embed_sample) if embed_sample else None
    sample = random.Random(20).sample(all_entries, min(20, len(all_entries)))
    (out / "map-sample.json").write_text(json.dumps([entry_json(e) for e in sample], indent=1, ensure_ascii=False))
    extract_ms = statistics.mean(per_doc)
    claims_ms = extract_ms + vectors_ms + stored_s * 1000 / len(docs)
    r = {
        "articles": len(docs), "claims": sum(map(len, claims)),
        "extract_ms_per_article_mean": round(extract_ms, 2), "extract_ms_p95": round(_pct(per_doc, 95) or 0, 2),
        "fact_vectors_ms_per_article": round(vectors_ms, 2), "facts_embedded": embedded,
        "store_and_regroup_ms_per_article": round(stored_s * 1000 / len(docs), 2),
        "embedder_ms_per_article": round(embed_ms, 1) if embed_ms else None,
        "ingest_with_claims_vs_embedder": round((embed_ms + claims_ms) / embed_ms, 3) if embed_ms else None,
        "groups_with_two_articles_or_more": groups, "map_entries": len(all_entries),
        "kinds": {k: sum(e.kind.value == k for e in all_entries) for k in ("conflict", "update", "ambiguity", "outlier")},
        "first_page_entries": shown, "first_page_p50_ms": round(_pct(page_ms, 50) or 0, 1),
        "first_page_p95_ms": round(_pct(page_ms, 95) or 0, 1), "sample": str(out / "map-sample.json"),
    }
    (out / "claims.json").write_text(json.dumps(r, indent=1))
    return r


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.claims", description=__doc__.splitlines()[0])
    p.add_argument("--articles", type=int, default=None, help="first N news articles only (default: all 3,824)")
    p.add_argument("--embed-sample", type=int, default=40, help="articles whose chunks the embedder times (0: skip)")
    args = p.parse_args()
    out = Path(__file__).parent / "results" / time.strftime("claims-%Y%m%d-%H%M%S")
    out.mkdir(parents=True, exist_ok=True)
    print(json.dumps(run(args.articles, args.embed_sample, out), indent=1))


if __name__ == "__main__":
    main()
