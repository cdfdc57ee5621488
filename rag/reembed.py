"""`rag reembed`: move an index to another embedder in place, resumable, nothing re-read or lost.

Each article's chunk vectors are replaced in Chroma (texts, ids and metadata stay), a batch of articles at a time, and
the registry remembers which articles are done, so a stopped run resumes where it stopped. Until the last article is
done the index refuses every other use (its vectors are from two embedders); then, in one transaction, it becomes the
new embedder's, and its claims' vectors are made again by the claims backfill (Store.backfill_claims).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from .registry import ChunkRow, IndexUnusable
from .settings import Settings
from .store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reembedded:
    source: str  # the embedder the index was built with
    target: str
    articles: int  # articles moved by this run
    chunks: int
    resumed: int  # articles an earlier, stopped run had already moved


def _batches(by_doc: Iterable[tuple[str, Iterable[tuple[ChunkRow, str]]]],
             size: int) -> Iterator[list[tuple[str, list[tuple[ChunkRow, str]]]]]:
    """Whole articles, about `size` chunks at a time (the embedder's cost is per call as well as per text)."""
    batch: list[tuple[str, list[tuple[ChunkRow, str]]]] = []
    for doc_id, group in by_doc:
        batch.append((doc_id, list(group)))
        if sum(len(g) for _, g in batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def reembed(settings: Settings, progress: bool = True) -> Reembedded:
    """Move the index to `settings.ingest.embedder`; a no-op where it is already there."""
    from tqdm import tqdm

    from .embed import get_embedder

    target = str(settings.ingest.embedder)
    store = Store(settings, moving=True)
    source, moving_to = store.registry.embedders()
    if moving_to and moving_to != target:
        raise IndexUnusable(f"a move to the embedder {moving_to} is under way: finish it first "
                            f"(RAG_INGEST__EMBEDDER={moving_to} rag reembed)")
    if source == target and not moving_to:
        return Reembedded(source, target, 0, 0, 0)
    embed = get_embedder(settings).get_text_embedding_batch
    moved = chunks = 0
    with store.write_lock():
        store.registry.start_reembed(target)
        done = store.registry.reembedded()
        rows = ((row, text) for row, text in store.registry.all_chunks() if row.doc_id not in done)
        by_doc = itertools.groupby(rows, key=lambda r: r[0].doc_id)  # all_chunks comes in article order
        with tqdm(total=store.registry.count() - len(done), unit="article", desc=f"Re-embedding with {target}",
                  disable=not progress) as bar:
            for articles in _batches(by_doc, settings.ingest.batch_chunks):
                pairs = [pair for _, group in articles for pair in group]
                store.vectors.replace([r.chunk_id for r, _ in pairs], embed([t for _, t in pairs]))
                # marked after their vectors are written: a stop in between only embeds them again
                store.registry.mark_reembedded([d for d, _ in articles])
                moved, chunks = moved + len(articles), chunks + len(pairs)
                bar.update(len(articles))
        store.vectors.keep_only({row.chunk_id for row, _ in store.registry.all_chunks()})  # no old vector stays
        store.registry.finish_reembed(target)
    log.info("moved %d articles (%d chunks) from %s to %s", moved, chunks, source, target)
    Store(settings)  # its claims' story and fact vectors, made again with the new embedder
    return Reembedded(source, target, moved, chunks, len(done))
