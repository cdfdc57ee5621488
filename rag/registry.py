"""The SQLite registry: the authority on what is indexed (documents, chunks, removal decisions).

It is written last in every change, in one transaction, so a killed ingest leaves at worst orphan vectors
that no query returns and that the next ingest of that document removes.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .embed import MODEL_NAME
from .settings import Settings
from .types import Chunk, SourceDoc, StoredDoc

SCHEMA_VERSION = "1"


class IndexUnusable(Exception):
    """The index cannot be used as it is; the message says what to run."""


def reindex_hint(settings: Settings) -> str:
    return f"run `rag reindex` to rebuild it from {settings.corpus_dir}"


@dataclass(frozen=True)
class Removal:
    """A recorded decision that an article stays out of this index until someone restores it.

    Kept in the registry, not inferred from missing files: the article's file may stay on disk (so
    `rag restore` can bring it back) and must still never return by itself on `rag reindex`.
    """

    id: str
    hash: str
    origin: str
    url: str
    title: str
    removed_at: str
    reason: str


@dataclass(frozen=True)
class ChunkRow:
    chunk_id: str
    doc_id: str
    start: int
    end: int
    furniture: bool


class Registry:
    """Documents, their chunks and a generation counter that changes with every write."""

    def __init__(self, path: Path, settings: Settings):
        self.path = path
        self.settings = settings
        path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._check()

    @property
    def db(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    def _check(self) -> None:
        try:
            self.db.executescript(
                """
                CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS docs (
                    id TEXT PRIMARY KEY, title TEXT, outlet TEXT, date TEXT, url TEXT, origin TEXT,
                    hash TEXT NOT NULL, n_chunks INTEGER, added_at TEXT, text TEXT NOT NULL);
                CREATE INDEX IF NOT EXISTS docs_hash ON docs(hash);
                CREATE TABLE IF NOT EXISTS chunks (
                    chunk_id TEXT PRIMARY KEY, doc_id TEXT NOT NULL, idx INTEGER,
                    start INTEGER NOT NULL, "end" INTEGER NOT NULL, furniture INTEGER NOT NULL);
                CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
                CREATE TABLE IF NOT EXISTS removed (
                    id TEXT PRIMARY KEY, hash TEXT NOT NULL, origin TEXT, url TEXT, title TEXT,
                    removed_at TEXT NOT NULL, reason TEXT);
                CREATE INDEX IF NOT EXISTS removed_hash ON removed(hash);
                """
            )
            meta = dict(self.db.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.DatabaseError as e:
            raise IndexUnusable(f"the index at {self.path} is corrupted ({e}); {reindex_hint(self.settings)}") from None
        if not meta:
            with self.transaction() as db:
                db.executemany(
                    "INSERT OR IGNORE INTO meta VALUES (?, ?)",
                    [("schema", SCHEMA_VERSION), ("embedder", MODEL_NAME), ("generation", "0")],
                )
        elif meta.get("schema") != SCHEMA_VERSION or meta.get("embedder") != MODEL_NAME:
            raise IndexUnusable(
                f"the index at {self.path} was built by another version "
                f"(schema {meta.get('schema')}, embedder {meta.get('embedder')}); {reindex_hint(self.settings)}"
            )

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
            db.execute("COMMIT")  # may fail too (a full disk): the transaction must not stay open
        except BaseException:
            if db.in_transaction:  # SQLite rolls back by itself on some errors (a full disk)
                db.execute("ROLLBACK")
            raise

    def generation(self) -> int:
        return int(self.db.execute("SELECT value FROM meta WHERE key='generation'").fetchone()[0])

    def _bump(self, db: sqlite3.Connection) -> None:
        db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key='generation'")

    def get(self, doc_id: str) -> StoredDoc | None:
        row = self.db.execute(
            "SELECT id, title, outlet, date, url, origin, hash, n_chunks, added_at FROM docs WHERE id=?", (doc_id,)
        ).fetchone()
        return StoredDoc(*row) if row else None

    def by_hash(self, doc_hash: str) -> str | None:
        row = self.db.execute("SELECT id FROM docs WHERE hash=?", (doc_hash,)).fetchone()
        return row[0] if row else None

    def docs(self) -> list[StoredDoc]:
        rows = self.db.execute(
            "SELECT id, title, outlet, date, url, origin, hash, n_chunks, added_at FROM docs ORDER BY added_at, id"
        ).fetchall()
        return [StoredDoc(*r) for r in rows]

    def count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM docs").fetchone()[0]

    def text(self, doc_id: str) -> str | None:
        row = self.db.execute("SELECT text FROM docs WHERE id=?", (doc_id,)).fetchone()
        return row[0] if row else None

    def chunk_ids(self, doc_id: str) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT chunk_id FROM chunks WHERE doc_id=?", (doc_id,))]

    def chunk_rows(self, chunk_ids: list[str]) -> dict[str, ChunkRow]:
        out: dict[str, ChunkRow] = {}
        for i in range(0, len(chunk_ids), 500):
            part = chunk_ids[i : i + 500]
            marks = ",".join("?" * len(part))
            for r in self.db.execute(
                f'SELECT chunk_id, doc_id, start, "end", furniture FROM chunks WHERE chunk_id IN ({marks})', part
            ):
                out[r[0]] = ChunkRow(r[0], r[1], r[2], r[3], bool(r[4]))
        return out

    def all_chunks(self) -> Iterator[tuple[ChunkRow, str]]:
        """Every current chunk with its text, in a stable order (BM25 is built from this)."""
        for r in self.db.execute(
            'SELECT c.chunk_id, c.doc_id, c.start, c."end", c.furniture, d.text FROM chunks c '
            "JOIN docs d ON d.id = c.doc_id ORDER BY c.chunk_id"
        ):
            yield ChunkRow(r[0], r[1], r[2], r[3], bool(r[4])), r[5][r[2] : r[3]]

    def put(self, doc: SourceDoc, chunks: list[Chunk]) -> None:
        """Store a document; any removal decision on its id or text is cleared in the same transaction."""
        with self.transaction() as db:
            # Ingest refuses removed articles unless forced, so reaching here means the decision is undone.
            db.execute("DELETE FROM removed WHERE id=? OR hash=?", (doc.id, doc.hash))
            db.execute("DELETE FROM chunks WHERE doc_id=?", (doc.id,))
            db.executemany(
                "INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?)",
                [(c.chunk_id(doc.hash), doc.id, c.index, c.start, c.end, int(c.furniture)) for c in chunks],
            )
            db.execute(
                "INSERT OR REPLACE INTO docs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    doc.id, doc.title, doc.outlet, doc.date, doc.url, doc.origin, doc.hash, len(chunks),
                    datetime.now(UTC).isoformat(timespec="seconds"), doc.text,
                ),
            )
            self._bump(db)

    def remove(self, doc_id: str, reason: str = "") -> bool:
        """Delete a document and record the decision, in one transaction: it never comes back by itself."""
        with self.transaction() as db:
            row = db.execute("SELECT hash, origin, url, title FROM docs WHERE id=?", (doc_id,)).fetchone()
            if row is None:
                return False
            db.execute("DELETE FROM docs WHERE id=?", (doc_id,))
            db.execute("DELETE FROM chunks WHERE doc_id=?", (doc_id,))
            db.execute(
                "INSERT OR REPLACE INTO removed VALUES (?, ?, ?, ?, ?, ?, ?)",
                (doc_id, *row, datetime.now(UTC).isoformat(timespec="seconds"), reason),
            )
            self._bump(db)
        return True

    def removals(self) -> list[Removal]:
        rows = self.db.execute(_REMOVALS + " ORDER BY removed_at, id").fetchall()
        return [Removal(*r) for r in rows]

    def removal(self, doc_id: str) -> Removal | None:
        row = self.db.execute(_REMOVALS + " WHERE id=?", (doc_id,)).fetchone()
        return Removal(*row) if row else None

    def removed_match(self, doc: SourceDoc) -> Removal | None:
        """The decision that keeps this document out: same id, or the same text under any id."""
        row = self.db.execute(
            _REMOVALS + " WHERE id=? OR hash=? ORDER BY id=? DESC", (doc.id, doc.hash, doc.id)
        ).fetchone()
        return Removal(*row) if row else None

    def record_removals(self, removals: list[Removal]) -> None:
        """Carry decisions over into a rebuilt registry (`rag reindex`)."""
        with self.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO removed VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(r.id, r.hash, r.origin, r.url, r.title, r.removed_at, r.reason) for r in removals],
            )

    def clear(self) -> None:
        """Forget every document and chunk but keep the removal decisions (the start of a rebuild)."""
        with self.transaction() as db:
            db.execute("DELETE FROM chunks")
            db.execute("DELETE FROM docs")
            self._bump(db)

    def healthy(self) -> bool:
        return self.db.execute("PRAGMA quick_check").fetchone()[0] == "ok"

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


_REMOVALS = "SELECT id, hash, origin, url, title, removed_at, reason FROM removed"


def read_removals(path: Path) -> list[Removal]:
    """The removal decisions of a registry that may be damaged or from another version (for a rebuild).

    Raises sqlite3.DatabaseError when the file cannot be read; a registry from before decisions were
    recorded has none.
    """
    conn = sqlite3.connect(path, timeout=30)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "removed" not in tables:
            return []
        return [Removal(*r) for r in conn.execute(_REMOVALS)]
    finally:
        conn.close()
