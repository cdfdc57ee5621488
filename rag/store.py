"""Where documents live: a SQLite registry (the authority on what is indexed), Chroma vectors, a BM25 index.

The registry is written last in every change, in one transaction, so a killed ingest leaves at worst
orphan vectors that no query returns and that the next ingest of that document removes.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import sqlite3
import threading
import time
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from .embed import MODEL_NAME
from .settings import Settings
from .types import Chunk, SourceDoc, StoredDoc

SCHEMA_VERSION = "1"
COLLECTION = "chunks"


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
                    datetime.now(timezone.utc).isoformat(timespec="seconds"), doc.text,
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
                (doc_id, *row, datetime.now(timezone.utc).isoformat(timespec="seconds"), reason),
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


# Unicode words: "Zürich" is one token, not "z" + "rich". TOKENIZER names this scheme in the BM25 cache's folder.
_TOKEN = re.compile(r"\$?\d[\d,]*(?:\.\d+)?[^\W\d_]*|[^\W\d_][^\W_]*(?:[-'][^\W_]+)*")
TOKENIZER = "u1"
_STOP = frozenset(
    "a an and are as at be by did do does for from had has have how in is it its of on or that the their "
    "there this to was were what when where which who whom why will with".split()
)


def tokenize(text: str) -> list[str]:
    """BM25 tokens: numbers lose their thousands separators ("2,048" == "2048"), plurals fold ("H800s" == "H800")."""
    out = []
    for tok in _TOKEN.findall(unicodedata.normalize("NFC", text).lower()):
        tok = tok.replace(",", "").lstrip("$").replace("’", "'")
        if tok in _STOP:
            continue
        if len(tok) > 3 and tok.endswith("s") and not tok.endswith("ss"):
            tok = tok[:-1]
        out.append(tok)
    return out


class Lexical:
    """BM25 over the registry's current chunks, rebuilt only when the registry's generation moves."""

    def __init__(self, registry: Registry, folder: Path):
        self.registry = registry
        self.folder = folder
        self.generation = -1
        self.ids: list[str] = []
        self.bm25 = None
        self._lock = threading.Lock()

    def _fresh(self) -> None:
        import bm25s

        gen = self.registry.generation()
        if gen == self.generation:
            return
        saved = self.folder / f"gen-{gen}-{TOKENIZER}"
        if (saved / "ids.txt").is_file():
            bm25 = bm25s.BM25.load(str(saved))
            ids = (saved / "ids.txt").read_text().splitlines()
        else:
            ids, corpus = [], []
            for row, text in self.registry.all_chunks():
                ids.append(row.chunk_id)
                corpus.append(tokenize(text) or ["_empty_"])
            bm25 = None
            if ids:
                bm25 = bm25s.BM25()
                bm25.index(corpus, show_progress=False)
                self._save(bm25, ids, gen)
        self.bm25, self.ids, self.generation = bm25, ids, gen

    def _save(self, bm25, ids: list[str], gen: int) -> None:
        tmp = self.folder / f".tmp-{os.getpid()}-{time.monotonic_ns()}"
        try:
            bm25.save(str(tmp))
            (tmp / "ids.txt").write_text("\n".join(ids))
            final = self.folder / f"gen-{gen}-{TOKENIZER}"
            if not final.exists():
                tmp.rename(final)
            for old in self.folder.glob("gen-*"):
                if old != final:
                    shutil.rmtree(old, ignore_errors=True)
        except OSError:
            pass  # a read-only or busy index still answers from memory
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def refresh(self) -> None:
        with self._lock:
            self._fresh()

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        with self._lock:
            self._fresh()
            bm25, ids = self.bm25, self.ids
        if bm25 is None:
            return []
        tokens = [t for t in tokenize(query) if t in bm25.vocab_dict]
        if not tokens:
            return []
        scores = bm25.get_scores(tokens)
        k = min(k, len(ids))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(ids[i], float(scores[i])) for i in top if scores[i] > 0]


    def rare_matches(self, query: str, max_chunks: int) -> dict[str, int]:
        """Chunks holding a query token that occurs in at most `max_chunks` chunks: chunk id -> how many such tokens.

        A token that few chunks contain (a product code, an id, a rare name) is the strongest evidence
        a lexical match can give, and the one the dense ranking is blind to.
        """
        with self._lock:
            self._fresh()
            bm25, ids = self.bm25, self.ids
        if bm25 is None:
            return {}
        # bm25s keeps its scores as a token-major sparse matrix: a token's chunks are one slice of it.
        indptr, indices = bm25.scores["indptr"], bm25.scores["indices"]
        found: dict[str, int] = {}
        for token in set(tokenize(query)):
            t = bm25.vocab_dict.get(token)
            if t is None or indptr[t + 1] - indptr[t] > max_chunks:
                continue
            for i in indices[indptr[t] : indptr[t + 1]]:
                found[ids[i]] = found.get(ids[i], 0) + 1
        return found


class Vectors:
    """Chroma through llama-index's vector store; Chroma's own default embedder never loads."""

    def __init__(self, settings: Settings):
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from llama_index.vector_stores.chroma import ChromaVectorStore

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        if settings.chroma_url:
            from urllib.parse import urlparse

            u = urlparse(settings.chroma_url)
            client = chromadb.HttpClient(
                host=u.hostname or "127.0.0.1", port=u.port or 8000, ssl=u.scheme == "https", settings=chroma_settings
            )
        else:
            settings.chroma_dir.mkdir(parents=True, exist_ok=True)
            client = chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)
        self.collection = client.get_or_create_collection(
            COLLECTION, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
        )
        self.store = ChromaVectorStore(chroma_collection=self.collection)

    def add(self, doc: SourceDoc, chunks: list[Chunk], embeddings: list[list[float]]) -> None:
        from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

        nodes = []
        for c, emb in zip(chunks, embeddings):
            node = TextNode(
                id_=c.chunk_id(doc.hash),
                text=c.text,
                embedding=emb,
                start_char_idx=c.start,
                end_char_idx=c.end,
                metadata={"doc_id": doc.id, "title": doc.title, "outlet": doc.outlet, "furniture": c.furniture},
            )
            node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=doc.id)
            nodes.append(node)
        ids = [n.node_id for n in nodes]
        if ids:
            self.collection.delete(ids=ids)  # a half-finished earlier run may have left some of them
            self.store.add(nodes)

    def prune(self, doc_id: str, keep: set[str]) -> None:
        """Remove a document's vectors except `keep` (old versions and orphans of killed ingests)."""
        found = self.collection.get(where={"doc_id": doc_id}, include=[])["ids"]
        stale = [i for i in found if i not in keep]
        if stale:
            self.collection.delete(ids=stale)

    def search(self, embedding: list[float], k: int) -> list[tuple[str, float]]:
        # Ids and distances straight from Chroma: the registry holds the text, so parsing llama-index
        # nodes out of every hit's metadata (what the vector store's query does) is wasted time.
        n = min(k, self.collection.count())
        if n == 0:
            return []
        res = self.collection.query(query_embeddings=[embedding], n_results=n, include=["distances"])
        return [(i, 1.0 - d) for i, d in zip(res["ids"][0], res["distances"][0])]


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
