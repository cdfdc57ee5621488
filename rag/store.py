"""One index: its registry, vectors and BM25 opened together, and the lock that admits one writer at a time."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .claimmap import MapClaim
from .claimvectors import Embed
from .copies import Copy, Signature
from .corpus import origin_file
from .lexical import Lexical
from .registry import IndexUnusable, Registry, reindex_hint
from .settings import Settings
from .types import Chunk, SourceDoc
from .vectors import Vectors


@dataclass(frozen=True)
class Indexed:
    """One article ready to store: its chunks, their vectors and its claims."""

    doc: SourceDoc
    chunks: list[Chunk]
    embeddings: list[list[float]]
    claims: Sequence[MapClaim] = ()
    signature: Signature | None = None  # its MinHash (rag/copies.py), and the stored articles it is one text with
    copies: Sequence[Copy] = ()


class Store:
    """The registry, vectors and BM25 of one index folder, opened once per process."""

    def __init__(self, settings: Settings, moving: bool = False):
        """`moving`: opened by `rag reembed` (rag/reembed.py) on an index of another embedder, which it alone may use."""
        self.settings = settings
        settings.index_dir.mkdir(parents=True, exist_ok=True)
        self.registry = Registry(settings, moving)
        self._shared: set[tuple[str, int, int]] = set()  # uploads this process knows are on the server registry
        self._origins: tuple[int, dict[str, str]] = (-1, {})
        try:
            self.vectors = Vectors(settings)
        except Exception as e:  # Chroma raises many types for a damaged folder or an unreachable server
            if settings.chroma_url:
                raise IndexUnusable(f"cannot reach the Chroma server at {settings.chroma_url} ({e})") from None
            raise IndexUnusable(f"cannot open the vector store at {settings.chroma_dir} ({e}); {reindex_hint(settings)}") from None
        self.lexical = Lexical(self.registry, settings.index_dir / "bm25")
        if self.registry.claims_pending() and not moving:
            self.backfill_claims()

    @contextmanager
    def write_lock(self, wait_s: float = 600) -> Iterator[None]:
        """One writer at a time across processes (and hosts, with a server registry); readers never wait."""
        if self.registry.shared:
            with self.registry.writer_lock(wait_s):
                yield
            return
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

    def backfill_claims(self) -> None:
        """Extract the claims of articles stored before claims were kept (once, on the first open after an upgrade)."""
        from tqdm import tqdm

        from .claimvectors import claims_of
        from .corpus import furniture_offset
        from .embed import get_embedder

        embed = get_embedder(self.settings).get_text_embedding_batch
        with self.write_lock():
            if not self.registry.claims_pending():
                return  # another process did it while this one waited
            found: dict[str, Sequence[MapClaim]] = {}
            for d in tqdm(self.registry.docs(), desc="Claims of stored articles", unit="article"):
                text = self.registry.text(d.id) or ""
                doc = SourceDoc(id=d.id, title=d.title, outlet=d.outlet, text=text, origin=d.origin, date=d.date, url=d.url,
                                furniture_from=furniture_offset(text, self.settings))
                found[d.id] = claims_of([doc], self.settings, embed)[0]
            self.registry.set_claims(found)

    def put(self, batch: Sequence[Indexed], embed: Embed | None = None) -> None:
        """A batch of articles: its vectors in one write, then each article's registry transaction, then one prune.

        A kill before an article's transaction leaves only vectors no query returns (no registry row
        names them); the next ingest of that article replaces them.
        """
        for item in batch:
            self._share_original(item.doc)
        self.vectors.add([(i.doc, i.chunks, i.embeddings) for i in batch])
        for i in batch:
            # in one transaction: the article, its chunks, its claims, its copies
            self.registry.put(i.doc, i.chunks, i.claims, embed, i.signature, i.copies)
        self.vectors.prune([i.doc.id for i in batch], {c.chunk_id(i.doc.hash) for i in batch for c in i.chunks})

    def origins(self) -> dict[str, str]:
        """Each syndicated copy's origin article (copies.origins), read again only after a write."""
        if not self.settings.copies.group:
            return {}
        generation = self.registry.generation()
        if self._origins[0] != generation:
            self._origins = (generation, self.registry.origins())
        return self._origins[1]

    def remove(self, doc_id: str, reason: str = "") -> bool:
        gone = self.registry.remove(doc_id, reason)
        self.vectors.prune([doc_id], set())
        return gone

    def _upload_name(self, path: Path) -> str | None:
        """A file's path under this index's uploads/, or None for a file kept elsewhere (the shipped corpus/)."""
        try:
            return path.resolve().relative_to(self.settings.uploads_dir.resolve()).as_posix()
        except ValueError:
            return None

    def _share_original(self, doc: SourceDoc) -> None:
        """On a server registry, the upload an article came from goes to the server too: other hosts can restore it."""
        if not self.registry.shared:
            return
        path = origin_file(doc.origin)
        name = self._upload_name(path)
        if name is None or not path.is_file():
            return
        stat = path.stat()
        seen = (name, stat.st_size, stat.st_mtime_ns)
        if seen in self._shared:
            return  # every record of a .jsonl comes from one file: it went up with the first
        if not self.registry.has_original(name, stat.st_size):
            self.registry.keep_original(name, path.read_bytes())
        self._shared.add(seen)

    def local_original(self, origin: str) -> Path:
        """The file an origin names, on this host: fetched from a server registry when another host kept it."""
        path = origin_file(origin)
        if path.is_file() or not self.registry.shared or "uploads" not in path.parts:
            return path
        parts = path.parts
        name = "/".join(parts[len(parts) - parts[::-1].index("uploads"):])  # the part under the last uploads/
        return self._fetch_original(name) or path

    def pull_originals(self) -> None:
        """Every upload kept on the server registry, into this host's uploads/ (before a rebuild)."""
        for name in self.registry.original_names():
            if not (self.settings.uploads_dir / name).is_file():
                self._fetch_original(name)

    def _fetch_original(self, name: str) -> Path | None:
        data = self.registry.original(name)
        local = (self.settings.uploads_dir / name).resolve()
        if data is None or self._upload_name(local) is None:  # a name with '..' never writes outside uploads/
            return None
        local.parent.mkdir(parents=True, exist_ok=True)
        tmp = local.with_name(f".{local.name}.{os.getpid()}.part")
        tmp.write_bytes(data)
        tmp.replace(local)
        return local
