"""One index: its registry, vectors and BM25 opened together, and the lock that admits one writer at a time."""

from __future__ import annotations

import fcntl
import time
from collections.abc import Iterator
from contextlib import contextmanager

from .lexical import Lexical
from .registry import IndexUnusable, Registry, reindex_hint
from .settings import Settings
from .types import Chunk, SourceDoc
from .vectors import Vectors


class Store:
    """The registry, vectors and BM25 of one index folder, opened once per process."""

    def __init__(self, settings: Settings):
        self.settings = settings
        settings.index_dir.mkdir(parents=True, exist_ok=True)
        self.registry = Registry(settings.registry_path, settings)
        try:
            self.vectors = Vectors(settings)
        except Exception as e:  # Chroma raises many types for a damaged folder or an unreachable server
            if settings.chroma_url:
                raise IndexUnusable(f"cannot reach the Chroma server at {settings.chroma_url} ({e})") from None
            raise IndexUnusable(f"cannot open the vector store at {settings.chroma_dir} ({e}); {reindex_hint(settings)}") from None
        self.lexical = Lexical(self.registry, settings.index_dir / "bm25")

    @contextmanager
    def write_lock(self, wait_s: float = 600) -> Iterator[None]:
        """One writer at a time across processes; readers never wait."""
        path = self.settings.index_dir / ".write.lock"
        with open(path, "w") as fh:
            deadline = time.monotonic() + wait_s
            while True:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise IndexUnusable("another ingest is still writing to the index; try again later") from None
                    time.sleep(0.2)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def put(self, doc: SourceDoc, chunks: list[Chunk], embeddings: list[list[float]]) -> None:
        self.vectors.add(doc, chunks, embeddings)
        self.registry.put(doc, chunks)
        self.vectors.prune(doc.id, {c.chunk_id(doc.hash) for c in chunks})

    def remove(self, doc_id: str, reason: str = "") -> bool:
        gone = self.registry.remove(doc_id, reason)
        self.vectors.prune(doc_id, set())
        return gone
