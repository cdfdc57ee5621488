"""Files -> documents -> chunks -> vectors + registry. Idempotent by content hash, resumable after a kill."""

from __future__ import annotations

import hashlib
import logging
import shutil
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from tqdm import tqdm

from .chunk import Chunker
from .claimmap import extract
from .claimvectors import ahead, lead, pack, with_stories
from .copies import Copy, CopyFinder, Signature
from .corpus import origin_file, read_paths, slugify
from .embed import get_embedder
from .faults import INGEST_AGAIN, check_space, reported
from .registry import IndexUnusable, Registry, Removal, read_removals
from .settings import Settings
from .store import Indexed, Store
from .types import IngestReport, Problem, SourceDoc

log = logging.getLogger(__name__)


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def legacy_uploads(settings: Settings) -> Path:
    """corpus/uploads/: where every index's uploads went before each index owned its own; no index's now."""
    return settings.corpus_dir / "uploads"


def library(settings: Settings) -> list[Path]:
    """What an index is built from: the shipped corpus/ and the index's own uploads/."""
    return [settings.corpus_dir] + ([settings.uploads_dir] if settings.uploads_dir.is_dir() else [])


def keep_original(path: Path, settings: Settings) -> Path:
    """Copy a file into this index's uploads/ (unless it is a shipped article) so `rag reindex` can rebuild from it.

    The stored name is derived from the file's own name only: no '../' or absolute path can escape.
    """
    if _inside(path, settings.uploads_dir):
        return path
    if _inside(path, settings.corpus_dir) and not _inside(path, legacy_uploads(settings)):
        return path
    uploads = settings.uploads_dir
    uploads.mkdir(parents=True, exist_ok=True)
    data = path.read_bytes()
    name = f"{slugify(path.stem)}{path.suffix.lower()}"
    target = uploads / name
    if target.exists() and target.read_bytes() != data:
        target = uploads / f"{slugify(path.stem)}-{hashlib.sha256(data).hexdigest()[:8]}{path.suffix.lower()}"
    if not target.exists():
        tmp = target.with_name(f".{target.name}.part")
        tmp.write_bytes(data)
        tmp.replace(target)
    return target


class Ingestor:
    def __init__(self, store: Store, settings: Settings):
        self.store = store
        self.settings = settings
        self.chunker = Chunker(settings)

    def copy_finder(self) -> CopyFinder:
        """The stored articles' signatures, loaded at each ingest (the writer's lock held: others may have written
        since); articles stored before copies were found (or signed with other settings) are signed and compared
        first, in the order they were stored, so the earliest stays the origin."""
        reg = self.store.registry
        finder = CopyFinder(reg.signatures(), reg.text, self.settings.copies)
        todo = finder.stale + reg.unsigned()
        found: dict[str, tuple[Signature, Sequence[Copy]]] = {}
        for doc_id in tqdm(todo, desc="Finding copies", unit="article", disable=len(todo) < 100):
            found[doc_id] = finder.add(doc_id, reg.text(doc_id) or "")
        if found:
            reg.set_copies(found)
        return finder

    def _plan(self, doc: SourceDoc, report: IngestReport, batch: dict[str, str], force: bool = False) -> bool:
        """Decide what to do with a document; True when it must be (re)indexed. `batch`: hash -> id planned.

        A removed document (same id or same text) is refused unless `force`: removal is a decision,
        and a file left on disk must not undo it.
        """
        reg = self.store.registry
        decision = None if force else reg.removed_match(doc)
        if decision is not None:
            report.problems.append(Problem(doc.origin, removed_reason(decision)))
            return False
        existing = reg.get(doc.id)
        if existing and existing.hash == doc.hash:
            report.unchanged.append(doc.id)
            return False
        twin = batch.get(doc.hash) or reg.by_hash(doc.hash)
        if twin and twin != doc.id:
            report.duplicates.append(f"{doc.id} (same text as {twin})")
            return False
        (report.replaced if existing else report.added).append(doc.id)
        batch[doc.hash] = doc.id
        return True

    def ingest_docs(
        self, docs: list[SourceDoc], report: IngestReport, progress: bool = True, force: bool = False
    ) -> None:
        batch: dict[str, str] = {}
        todo = [d for d in docs if self._plan(d, report, batch, force)]
        if not todo:
            return
        embedder = get_embedder(self.settings)
        finder = self.copy_finder() if self.settings.copies.group else None
        total = sum(len(d.text) for d in todo)
        # Chunks of several documents are embedded together (full batches, less padding); each document
        # is still committed on its own, so a kill loses at most the documents of one batch.
        pending: list[tuple[SourceDoc, list]] = []
        with tqdm(total=total, unit="char", unit_scale=True, desc="Indexing", disable=not progress) as bar:

            def flush() -> None:
                t0 = time.perf_counter()
                vectors = embedder.get_text_embedding_batch([c.text for _, chunks in pending for c in chunks])
                check_space(self.settings, INGEST_AGAIN)
                t1 = time.perf_counter()
                found, at = [], 0
                for doc, chunks in pending:  # the disagreement map's input, stored with each article
                    first = lead(chunks)
                    found.append((extract(doc, self.settings), pack(vectors[at + first]) if first is not None else ""))
                    at += len(chunks)
                claimed = with_stories(found)  # facts are embedded as the map's regrouping needs them, a batch's at once
                facts = ahead(claimed, self.store.registry.claims_under({k for cs in claimed for c in cs for k in c.keys()}),
                              self.settings, embedder.get_text_embedding_batch)
                log.debug("%d claims in %d documents in %.1f ms", sum(map(len, claimed)), len(pending),
                          (time.perf_counter() - t1) * 1000)
                at, batch = 0, []
                for (doc, chunks), claims in zip(pending, claimed):
                    signature, copies = finder.add(doc.id, doc.text) if finder else (None, [])
                    batch.append(Indexed(doc, chunks, vectors[at:at + len(chunks)], claims, signature, copies))
                    at += len(chunks)
                self.store.put(batch, facts)
                for item in batch:
                    report.chunks += len(item.chunks)
                    bar.update(len(item.doc.text))
                bar.set_postfix_str(batch[-1].doc.id[:30])
                log.debug("embedded and committed %d documents in %.2f s", len(pending), time.perf_counter() - t0)
                pending.clear()

            for doc in todo:
                chunks = self.chunker.chunks(doc)
                if not chunks:
                    report.problems.append(Problem(doc.origin, "no text to index"))
                    bar.update(len(doc.text))
                    continue
                pending.append((doc, chunks))
                if sum(len(c) for _, c in pending) >= self.settings.ingest.batch_chunks:
                    flush()
            if pending:
                flush()

    def ingest_paths(
        self, paths: list[Path], progress: bool = True, keep: bool = True, force: bool = False
    ) -> IngestReport:
        """Ingest files and folders; a bad file is reported and the rest of the batch still goes in.

        `force` takes in removed articles too and clears their removal decisions.
        """
        report = IngestReport()
        with reported(self.settings, INGEST_AGAIN), self.store.write_lock():
            docs: list[SourceDoc] = []
            for path, found, problems in read_paths(paths, self.settings, skip=(legacy_uploads(self.settings),)):
                report.problems.extend(problems)
                if keep and found:
                    stored = keep_original(path, self.settings)
                    found = [_with_origin(d, path, stored) for d in found]
                docs.extend(found)
            self.ingest_docs(_dedupe_ids(docs), report, progress, force)
            self.store.lexical.refresh()
        log.info("ingest: %d added, %d replaced, %d unchanged, %d rejected, %d chunks", len(report.added),
                 len(report.replaced), len(report.unchanged), len(report.problems), report.chunks)
        return report

    def remove(self, doc_id: str, reason: str = "") -> bool:
        """Delete an article and record the decision, so no later ingest or rebuild brings it back."""
        with reported(self.settings, "run the removal again once it is fixed"), self.store.write_lock():
            gone = self.store.remove(doc_id, reason)
            self.store.lexical.refresh()
            return gone

    def restore(self, doc_id: str, progress: bool = False) -> IngestReport:
        """Undo a removal: re-ingest the article from the copy its decision points at.

        Raises KeyError when there is no such decision. The copy is matched by text first (the same
        article), else by id (the kept file was edited since).
        """
        decision = self.store.registry.removal(doc_id)
        if decision is None:
            raise KeyError(doc_id)
        report = IngestReport()
        path = self.store.local_original(decision.origin)
        with reported(self.settings, INGEST_AGAIN), self.store.write_lock():
            if not path.is_file():
                report.problems.append(
                    Problem(str(path), "the kept copy is gone; ingest the article again with `rag ingest --force PATH`")
                )
                return report
            docs: list[SourceDoc] = []
            for _, found, problems in read_paths([path], self.settings):
                report.problems.extend(problems)
                docs.extend(found)
            same = [d for d in docs if d.hash == decision.hash] or [d for d in docs if d.id == decision.id]
            if not same:
                report.problems.append(Problem(str(path), f"the kept copy no longer holds '{doc_id}'"))
                return report
            self.ingest_docs([replace(same[0], id=decision.id)], report, progress, force=True)
            self.store.lexical.refresh()
        return report


def removed_reason(decision: Removal) -> str:
    """Why an article is refused, naming both ways back."""
    why = f": {decision.reason}" if decision.reason else ""
    return (
        f"'{decision.id}' was removed from this index on {decision.removed_at[:10]}{why}; "
        f"`rag restore {decision.id}` or `rag ingest --force PATH` brings it back"
    )


def _with_origin(doc: SourceDoc, path: Path, stored: Path) -> SourceDoc:
    if stored == path:
        return doc
    return replace(doc, origin=doc.origin.replace(str(path), str(stored), 1))


def _dedupe_ids(docs: list[SourceDoc]) -> list[SourceDoc]:
    """Documents of one batch sharing an id get the content hash appended, so none overwrites another."""
    seen: set[str] = set()
    out = []
    for d in docs:
        if d.id in seen:
            d = replace(d, id=f"{d.id}-{d.hash[:8]}")
        seen.add(d.id)
        out.append(d)
    return out


def ensure_index(store: Store, settings: Settings, progress: bool = True) -> IngestReport | None:
    """Build the index from corpus/ (and its own uploads) when it is empty, so the assistant answers at once."""
    if store.registry.count():
        return None
    return Ingestor(store, settings).ingest_paths(library(settings), progress=progress)


def _adopt_legacy_uploads(settings: Settings) -> None:
    """Copy the files this index took from the old shared corpus/uploads/ into its own uploads/.

    Indexes built before each index owned its uploads point there; their own registry says which
    files are theirs, so a rebuild keeps exactly those (and no other index's).
    """
    legacy = legacy_uploads(settings)
    if not legacy.is_dir() or not settings.registry_path.exists():
        return
    try:
        conn = sqlite3.connect(settings.registry_path, timeout=30)
        try:
            origins = [r[0] for r in conn.execute("SELECT origin FROM docs")]
        finally:
            conn.close()
    except sqlite3.DatabaseError as e:
        log.warning("cannot tell which files of %s belonged to %s (%s); ingest the ones it should keep",
                    legacy, settings.index_dir, e)
        return
    for origin in origins:
        path = origin_file(origin or "")
        if _inside(path, legacy) and path.is_file():
            keep_original(path, settings)


def _reset_registry(settings: Settings) -> None:
    """Empty the registry for a rebuild, keeping its removal decisions.

    A healthy registry is emptied in place, in one transaction, so the decisions are never absent, even
    if the rebuild is killed. A damaged or other-version one is replaced; its decisions are carried over
    when they can still be read, and a warning says so when they cannot.
    """
    path = settings.registry_path
    if not path.exists():
        return
    try:
        registry = Registry(settings)
        healthy = registry.healthy()
        if healthy:
            registry.clear()
        registry.close()
        if healthy:
            return
    except (IndexUnusable, sqlite3.DatabaseError):
        pass
    try:
        kept = read_removals(path)
    except sqlite3.DatabaseError as e:
        kept = []
        log.warning("the removal decisions in %s could not be read (%s); articles removed earlier may be back, "
                    "see `rag sources`", path, e)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    if kept:
        Registry(settings).record_removals(kept)


def reindex(settings: Settings, progress: bool = True) -> IngestReport:
    """Rebuild the index from the shipped corpus/ and its own uploads/; removal decisions stay in force.

    Only what is built is thrown away (registry contents, vectors, BM25): the uploads folder stays. With
    servers, their contents are emptied in place (other workers keep their connections), and a server
    registry's kept originals come down first, so a rebuild on any host takes in every host's uploads.
    """
    from chromadb.api.shared_system_client import SharedSystemClient

    # BM25 first: it is a cache of the registry, and a fresh registry restarts the generation numbers
    # its saved copies are named by. Then the registry: once it is empty, leftover vectors are orphans
    # that no query returns.
    shutil.rmtree(settings.index_dir / "bm25", ignore_errors=True)
    if not settings.registry_url:
        _adopt_legacy_uploads(settings)
        _reset_registry(settings)
    if not settings.chroma_url:
        # Chroma caches one client per path in-process; a stale one would write into the deleted files.
        SharedSystemClient.clear_system_cache()
        shutil.rmtree(settings.chroma_dir, ignore_errors=True)
    store = Store(settings, moving=bool(settings.registry_url))  # a server registry may name another embedder
    if settings.registry_url:
        store.pull_originals()
        store.registry.clear()
    if settings.chroma_url:
        store.vectors.clear()
    return Ingestor(store, settings).ingest_paths(library(settings), progress=progress, keep=False)
