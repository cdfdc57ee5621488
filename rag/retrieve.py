"""Hybrid retrieval: dense (Chroma) and lexical (BM25) rankings fused by reciprocal rank."""

from __future__ import annotations

import logging
import time

from .embed import get_embedder
from .faults import ASK_AGAIN, reported
from .settings import Settings
from .store import Store
from .types import Hit

log = logging.getLogger(__name__)


class Retriever:
    def __init__(self, store: Store, settings: Settings):
        self.store = store
        self.settings = settings

    def embed_query(self, query: str) -> list[float]:
        return get_embedder(self.settings).get_query_embedding(query)

    def search(self, query: str, k: int | None = None) -> list[Hit]:
        t0 = time.perf_counter()
        cfg = self.settings.retrieval
        k = k or cfg.top_k
        pool = max(cfg.pool_factor * k, cfg.min_pool)
        embedding = self.embed_query(query)
        with reported(self.settings, ASK_AGAIN):
            dense = self.store.vectors.search(embedding, pool)
        lexical = self.store.lexical.search(query, pool)
        # Reciprocal rank fusion: robust to the two scorers' incomparable scales (Cormack et al. 2009).
        fused: dict[str, float] = {}
        for ranking in (dense, lexical):
            for rank, (chunk_id, _) in enumerate(ranking):
                fused[chunk_id] = fused.get(chunk_id, 0.0) + 1.0 / (self.settings.retrieval.rrf_k + rank + 1)
        # A chunk holding a rare query token verbatim (a code like "XK-4471-B" that few chunks contain)
        # comes before any chunk without one, however the two rankings placed them: the dense model
        # cannot tell one code from another, and RRF would let a near miss it likes outrank the match.
        # Each such token adds 1 to the score, more than any fused score (< 2 / rrf_k) can reach.
        exact = self.store.lexical.rare_matches(query, self.settings.retrieval.exact_token_max_chunks)
        for chunk_id in exact:
            fused.setdefault(chunk_id, 0.0)
        rows = self.store.registry.chunk_rows(list(fused))  # drops orphans of killed ingests
        for chunk_id, row in rows.items():
            if row.furniture:
                fused[chunk_id] *= self.settings.retrieval.furniture_penalty
            fused[chunk_id] += exact.get(chunk_id, 0)
        best = sorted(rows, key=lambda cid: -fused[cid])[:k]
        docs = {}
        hits = []
        for chunk_id in best:
            row = rows[chunk_id]
            if row.doc_id not in docs:
                docs[row.doc_id] = (self.store.registry.get(row.doc_id), self.store.registry.text(row.doc_id))
            meta, text = docs[row.doc_id]
            if meta is None or text is None:
                continue
            hits.append(
                Hit(
                    source=row.doc_id,
                    title=meta.title,
                    outlet=meta.outlet,
                    text=text[row.start : row.end],
                    start=row.start,
                    end=row.end,
                    score=round(fused[chunk_id], 6),
                    furniture=row.furniture,
                    date=meta.date,
                )
            )
        log.debug("retrieved %d chunks (%d fused candidates) in %.3f s", len(hits), len(fused), time.perf_counter() - t0)
        return hits
