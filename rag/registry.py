"""The registry: the authority on what is indexed (documents, chunks, removal decisions, kept originals).

SQLite in the index folder by default; PostgreSQL (`RAG_REGISTRY_URL`) for a team whose workers share no disk.
It is written last in every change, in one transaction, so a killed ingest leaves at worst orphan vectors
that no query returns and that the next ingest of that document removes.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator, Sequence
from collections.abc import Set as AbstractSet
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event

from .claimgroups import MapEntry, classify_group, matches
from .claimmap import MapClaim
from .claimvectors import Embed, due, with_facts
from .copies import Copy, Signature, origins
from .numbers import iso_day
from .settings import Settings
from .types import Chunk, SourceDoc, StoredDoc

SCHEMA_VERSION = "3"  # 2: each article's claims and the disagreement map; 3: claims with their fact and story vectors
REEMBED_TO = "reembed_to"  # meta: the embedder a move under way is taking the index to
CLAIMS_PENDING = "claims_pending"  # meta key: articles stored before claims were kept still need theirs
WRITER_LOCK_KEY = 0x7261_6701  # PostgreSQL advisory lock id of the one-writer rule ("rag" + 1)


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


_md = sa.MetaData()
_meta = sa.Table("meta", _md, sa.Column("key", sa.Text, primary_key=True), sa.Column("value", sa.Text, nullable=False))
_docs = sa.Table(
    "docs", _md,
    sa.Column("id", sa.Text, primary_key=True), sa.Column("title", sa.Text), sa.Column("outlet", sa.Text),
    sa.Column("date", sa.Text), sa.Column("url", sa.Text), sa.Column("origin", sa.Text),
    sa.Column("hash", sa.Text, nullable=False), sa.Column("n_chunks", sa.Integer), sa.Column("added_at", sa.Text),
    sa.Column("text", sa.Text, nullable=False),
    sa.Index("docs_hash", "hash"),
)
_chunks = sa.Table(
    "chunks", _md,
    sa.Column("chunk_id", sa.Text, primary_key=True), sa.Column("doc_id", sa.Text, nullable=False),
    sa.Column("idx", sa.Integer), sa.Column("start", sa.Integer, nullable=False),
    sa.Column("end", sa.Integer, nullable=False), sa.Column("furniture", sa.Integer, nullable=False),
    sa.Index("chunks_doc", "doc_id"),
)
_removed = sa.Table(
    "removed", _md,
    sa.Column("id", sa.Text, primary_key=True), sa.Column("hash", sa.Text, nullable=False),
    sa.Column("origin", sa.Text), sa.Column("url", sa.Text), sa.Column("title", sa.Text),
    sa.Column("removed_at", sa.Text, nullable=False), sa.Column("reason", sa.Text),
    sa.Index("removed_hash", "hash"),
)
# Uploaded and downloaded originals, by their path under uploads/: on a server registry they are what lets
# any worker restore or rebuild an article another worker took in (workers share no disk).
_originals = sa.Table(
    "originals", _md,
    sa.Column("name", sa.Text, primary_key=True), sa.Column("data", sa.LargeBinary, nullable=False),
    sa.Column("kept_at", sa.Text, nullable=False),
)
# Each article's claims (the disagreement map's input), the groups each is filed under, and each group's entries:
# written with the article, in its transaction, so the map never shows a claim its article no longer holds.
_claims = sa.Table(
    "claims", _md,
    sa.Column("doc_id", sa.Text, primary_key=True), sa.Column("n", sa.Integer, primary_key=True),
    sa.Column("data", sa.Text, nullable=False),
)
_claim_keys = sa.Table(
    "claim_keys", _md,
    sa.Column("key", sa.Text, nullable=False), sa.Column("doc_id", sa.Text, nullable=False),
    sa.Column("n", sa.Integer, nullable=False),
    sa.Index("claim_keys_key", "key"), sa.Index("claim_keys_doc", "doc_id"),
)
_map = sa.Table(
    "map_entries", _md,
    sa.Column("key", sa.Text, primary_key=True), sa.Column("n", sa.Integer, primary_key=True),
    sa.Column("sources", sa.Integer, nullable=False), sa.Column("data", sa.Text, nullable=False),
    sa.Index("map_sources", "sources"),
)
# Syndicated copies (rag/copies.py): each article's MinHash signature, and each pair of articles that are one text.
# Written with the article, in its transaction; the origins are derived from the pairs when read.
_signatures = sa.Table(
    "signatures", _md,
    sa.Column("doc_id", sa.Text, primary_key=True), sa.Column("data", sa.LargeBinary, nullable=False),
    sa.Column("made_with", sa.Text, nullable=False),  # the MinHash settings (copies.Signature)
    sa.Column("seq", sa.Integer, nullable=False),  # the order articles were first signed in: a same-day tie's origin
    sa.Index("signatures_seq", "seq"),
)
_copies = sa.Table(
    "copies", _md,
    sa.Column("doc_id", sa.Text, nullable=False), sa.Column("other", sa.Text, nullable=False),
    sa.Column("share", sa.Float, nullable=False),
    sa.Index("copies_doc", "doc_id"), sa.Index("copies_other", "other"),
)
# An index moving to another embedder (rag/reembed.py): the articles whose chunk vectors are already the new one's.
_reembedded = sa.Table("reembedded", _md, sa.Column("doc_id", sa.Text, primary_key=True))
_DOC_COLUMNS = (_docs.c.id, _docs.c.title, _docs.c.outlet, _docs.c.date, _docs.c.url, _docs.c.origin, _docs.c.hash,
                _docs.c.n_chunks, _docs.c.added_at)
_CHUNK_COLUMNS = (_chunks.c.chunk_id, _chunks.c.doc_id, _chunks.c.start, _chunks.c["end"], _chunks.c.furniture)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _sqlite_engine(path: Path) -> sa.Engine:
    engine = sa.create_engine(f"sqlite:///{path}", connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None  # SQLAlchemy's begin event below issues BEGIN, not pysqlite
        dbapi_conn.execute("PRAGMA journal_mode=WAL")
        dbapi_conn.execute("PRAGMA synchronous=NORMAL")

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:
        # A writer takes the lock at BEGIN, so it waits for another writer instead of failing mid-way.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN")

    return engine


class Registry:
    """Documents, their chunks and a generation counter that changes with every write."""

    def __init__(self, settings: Settings, moving: bool = False):
        """`moving`: opened by `rag reembed`, which may find the index on another embedder or half moved."""
        self.settings = settings
        self.moving = moving
        self.shared = bool(settings.registry_url)
        if self.shared:
            url = sa.make_url(settings.registry_url or "")
            if url.get_backend_name() != "postgresql":
                raise IndexUnusable(f"RAG_REGISTRY_URL must be a postgresql:// URL, not {url.get_backend_name()}://")
            self.where = url.render_as_string(hide_password=True)
            self.engine = sa.create_engine(url.set(drivername="postgresql+psycopg"), pool_pre_ping=True)
        else:
            settings.registry_path.parent.mkdir(parents=True, exist_ok=True)
            self.where = str(settings.registry_path)
            self.engine = _sqlite_engine(settings.registry_path)
        self._check()

    def _check(self) -> None:
        try:
            with self.transaction() as db:
                if self.shared:  # two workers starting at once must not both create the tables
                    db.execute(sa.select(sa.func.pg_advisory_xact_lock(WRITER_LOCK_KEY + 1)))
                _md.create_all(db)
                meta: dict[str, str] = dict(db.execute(sa.select(_meta.c.key, _meta.c.value)).tuples().all())
                if not meta:
                    db.execute(_meta.insert(), [{"key": "schema", "value": SCHEMA_VERSION},
                                                {"key": "embedder", "value": str(self.settings.ingest.embedder)},
                                                {"key": "generation", "value": "0"}])
                elif meta.get("schema") in ("1", "2") and meta.get("embedder") == self.settings.ingest.embedder:
                    # schema 1 lacks only the claim tables (just created), schema 2 its claims' vectors: its articles'
                    # claims are extracted again on first open (Store.backfill_claims), not by re-embedding every
                    # chunk with `rag reindex`
                    db.execute(_meta.update().where(_meta.c.key == "schema").values(value=SCHEMA_VERSION))
                    db.execute(_meta.insert().values(key=CLAIMS_PENDING, value="1"))
                    meta["schema"] = SCHEMA_VERSION
        except sa.exc.DBAPIError as e:
            if self.shared:
                raise IndexUnusable(f"cannot use the registry database at {self.where} ({_one_line(e)})") from None
            raise IndexUnusable(f"the index at {self.where} is corrupted ({_one_line(e)}); {reindex_hint(self.settings)}") from None
        if meta and meta.get("schema") != SCHEMA_VERSION:
            raise IndexUnusable(f"the index at {self.where} was built by another version (schema {meta.get('schema')}); "
                                f"{reindex_hint(self.settings)}")
        if meta and not self.moving:
            self._check_embedder(meta)

    def _check_embedder(self, meta: dict[str, str]) -> None:
        wanted, built, moving_to = self.settings.ingest.embedder, meta.get("embedder"), meta.get(REEMBED_TO)
        if moving_to:
            raise IndexUnusable(f"the index at {self.where} is half moved from the embedder {built} to {moving_to}: "
                                f"run `rag reembed` with RAG_INGEST__EMBEDDER={moving_to} to finish (it resumes)")
        if built != wanted:
            raise IndexUnusable(f"the index at {self.where} was embedded with {built}, not {wanted}: run `rag reembed` "
                                f"to move it in place (nothing is lost; it resumes if stopped), or set "
                                f"RAG_INGEST__EMBEDDER={built}")

    def embedders(self) -> tuple[str, str | None]:
        """The embedder the index's vectors are from, and the one a move under way is taking them to."""
        with self._read() as db:
            meta: dict[str, str] = dict(db.execute(sa.select(_meta.c.key, _meta.c.value)).tuples().all())
        return meta["embedder"], meta.get(REEMBED_TO)

    def start_reembed(self, target: str) -> None:
        """From now on the index refuses every other use until `finish_reembed`."""
        with self.transaction() as db:
            db.execute(_meta.delete().where(_meta.c.key == REEMBED_TO))
            db.execute(_meta.insert().values(key=REEMBED_TO, value=target))

    def reembedded(self) -> set[str]:
        with self._read() as db:
            return set(db.execute(sa.select(_reembedded.c.doc_id)).scalars())

    def mark_reembedded(self, doc_ids: Sequence[str]) -> None:
        with self.transaction() as db:
            db.execute(_reembedded.delete().where(_reembedded.c.doc_id.in_(doc_ids)))
            db.execute(_reembedded.insert(), [{"doc_id": d} for d in doc_ids])

    def finish_reembed(self, target: str) -> None:
        """The index is the new embedder's; its claims' vectors are made again on the next open (`claims_pending`)."""
        with self.transaction() as db:
            db.execute(_meta.delete().where(_meta.c.key.in_((REEMBED_TO, "embedder", CLAIMS_PENDING))))
            db.execute(_meta.insert(), [{"key": "embedder", "value": target}, {"key": CLAIMS_PENDING, "value": "1"}])
            db.execute(_reembedded.delete())
            self._bump(db)

    @contextmanager
    def transaction(self) -> Iterator[sa.Connection]:
        """One write transaction: committed whole or rolled back whole (a full disk included)."""
        with self.engine.connect().execution_options(write=True) as conn, conn.begin():
            yield conn

    @contextmanager
    def _read(self) -> Iterator[sa.Connection]:
        with self.engine.connect() as conn:
            yield conn

    @contextmanager
    def writer_lock(self, wait_s: float) -> Iterator[None]:
        """The one-writer rule across hosts: a PostgreSQL advisory lock, freed by the server if the holder dies."""
        with self.engine.connect() as conn:
            deadline = time.monotonic() + wait_s
            while not conn.execute(sa.select(sa.func.pg_try_advisory_lock(WRITER_LOCK_KEY))).scalar():
                conn.commit()
                if time.monotonic() > deadline:
                    raise IndexUnusable("another ingest is still writing to the index; try again later")
                time.sleep(0.2)
            conn.commit()  # the lock is the session's; no transaction stays open while the ingest runs
            try:
                yield
            finally:
                conn.execute(sa.select(sa.func.pg_advisory_unlock(WRITER_LOCK_KEY)))
                conn.commit()

    def generation(self) -> int:
        """The registry's write count; a process opened before `rag reembed` moved the index learns it here, at its
        next question, instead of searching new vectors with the old embedder."""
        with self._read() as db:
            return self._current(db)

    def _current(self, db: sa.Connection) -> int:
        meta: dict[str, str] = dict(db.execute(sa.select(_meta.c.key, _meta.c.value)
                                               .where(_meta.c.key.in_(("generation", "embedder", REEMBED_TO)))).tuples().all())
        if not self.moving:
            self._check_embedder(meta)
        return int(meta["generation"])

    @staticmethod
    def _bump(db: sa.Connection) -> None:
        db.execute(_meta.update().where(_meta.c.key == "generation")
                   .values(value=sa.cast(sa.cast(_meta.c.value, sa.Integer) + 1, sa.Text)))

    def get(self, doc_id: str) -> StoredDoc | None:
        with self._read() as db:
            row = db.execute(sa.select(*_DOC_COLUMNS).where(_docs.c.id == doc_id)).first()
        return StoredDoc(**row._mapping) if row else None

    def by_hash(self, doc_hash: str) -> str | None:
        with self._read() as db:
            return db.execute(sa.select(_docs.c.id).where(_docs.c.hash == doc_hash).limit(1)).scalar()

    def docs(self) -> list[StoredDoc]:
        with self._read() as db:
            rows = db.execute(sa.select(*_DOC_COLUMNS).order_by(_docs.c.added_at, _docs.c.id)).all()
        return [StoredDoc(**r._mapping) for r in rows]

    def count(self) -> int:
        with self._read() as db:
            return db.execute(sa.select(sa.func.count()).select_from(_docs)).scalar_one()

    def text(self, doc_id: str) -> str | None:
        with self._read() as db:
            return db.execute(sa.select(_docs.c.text).where(_docs.c.id == doc_id)).scalar()

    def chunk_ids(self, doc_id: str) -> list[str]:
        with self._read() as db:
            return list(db.execute(sa.select(_chunks.c.chunk_id).where(_chunks.c.doc_id == doc_id)).scalars())

    def chunk_rows(self, chunk_ids: list[str]) -> dict[str, ChunkRow]:
        out: dict[str, ChunkRow] = {}
        with self._read() as db:
            for i in range(0, len(chunk_ids), 500):
                part = chunk_ids[i : i + 500]
                for r in db.execute(sa.select(*_CHUNK_COLUMNS).where(_chunks.c.chunk_id.in_(part))):
                    out[r[0]] = ChunkRow(r[0], r[1], r[2], r[3], bool(r[4]))
        return out

    def all_chunks(self) -> Iterator[tuple[ChunkRow, str]]:
        """Every current chunk with its text, in a stable order (BM25 is built from this).

        Each document's text crosses the wire once, not once per chunk (a server registry is remote).
        """
        by_doc: dict[str, list[ChunkRow]] = {}
        none: list[ChunkRow] = []
        with self._read() as db:
            for r in db.execute(sa.select(*_CHUNK_COLUMNS).order_by(_chunks.c.doc_id, _chunks.c.chunk_id)):
                by_doc.setdefault(r[1], []).append(ChunkRow(r[0], r[1], r[2], r[3], bool(r[4])))
            texts = db.execution_options(yield_per=200).execute(sa.select(_docs.c.id, _docs.c.text).order_by(_docs.c.id))
            for doc_id, text in texts.tuples():
                for row in by_doc.get(str(doc_id), none):
                    yield row, str(text)[row.start : row.end]

    def put(self, doc: SourceDoc, chunks: list[Chunk], claims: Sequence[MapClaim] = (), embed: Embed | None = None,
            signature: Signature | None = None, copies: Sequence[Copy] = ()) -> None:
        """Store a document with its claims and the articles it is a copy of; any removal decision on its id or text
        is cleared in the same transaction, and the map's groups the old and new claims belong to are regrouped in it
        too (`embed` gives the facts' vectors the regrouping now needs: claimvectors.due)."""
        with self.transaction() as db:
            self._current(db)  # never a vector of the old embedder into a moved index
            linked = self._linked(db, {doc.id})  # the articles whose origin may change with this one's text
            if signature is None:  # copies not looked for (switched off): none stays from an earlier text
                self._forget_copies(db, doc.id)
            else:
                self._put_copies(db, doc.id, signature, copies)
            linked |= self._linked(db, {doc.id})
            # Ingest refuses removed articles unless forced, so reaching here means the decision is undone.
            db.execute(_removed.delete().where((_removed.c.id == doc.id) | (_removed.c.hash == doc.hash)))
            db.execute(_chunks.delete().where(_chunks.c.doc_id == doc.id))
            db.execute(_docs.delete().where(_docs.c.id == doc.id))
            if chunks:
                db.execute(_chunks.insert(), [
                    {"chunk_id": c.chunk_id(doc.hash), "doc_id": doc.id, "idx": c.index, "start": c.start,
                     "end": c.end, "furniture": int(c.furniture)} for c in chunks
                ])
            db.execute(_docs.insert().values(
                id=doc.id, title=doc.title, outlet=doc.outlet, date=doc.date, url=doc.url, origin=doc.origin,
                hash=doc.hash, n_chunks=len(chunks), added_at=_now(), text=doc.text,
            ))
            # after the article's row: its regrouping counts its origin, and so do its copies' groups
            self._put_claims(db, doc.id, claims, embed, self._keys_of(db, linked - {doc.id}))
            self._bump(db)

    def remove(self, doc_id: str, reason: str = "") -> bool:
        """Delete a document and record the decision, in one transaction: it never comes back by itself."""
        with self.transaction() as db:
            row = db.execute(sa.select(_docs.c.hash, _docs.c.origin, _docs.c.url, _docs.c.title)
                             .where(_docs.c.id == doc_id)).first()
            if row is None:
                return False
            decision = Removal(id=doc_id, hash=row.hash, origin=row.origin, url=row.url, title=row.title,
                               removed_at=_now(), reason=reason)
            db.execute(_docs.delete().where(_docs.c.id == doc_id))
            db.execute(_chunks.delete().where(_chunks.c.doc_id == doc_id))
            linked = self._linked(db, {doc_id}) - {doc_id}
            self._forget_copies(db, doc_id)
            self._put_claims(db, doc_id, (), extra=self._keys_of(db, linked))
            self._record(db, [decision])
            self._bump(db)
        return True

    @staticmethod
    def _forget_copies(db: sa.Connection, doc_id: str) -> None:
        db.execute(_signatures.delete().where(_signatures.c.doc_id == doc_id))
        db.execute(_copies.delete().where((_copies.c.doc_id == doc_id) | (_copies.c.other == doc_id)))

    @staticmethod
    def _put_copies(db: sa.Connection, doc_id: str, signature: Signature, copies: Sequence[Copy]) -> None:
        """An article's signature and pairs, replacing its earlier ones; it keeps its place in the signing order."""
        seq = db.execute(sa.select(_signatures.c.seq).where(_signatures.c.doc_id == doc_id)).scalar()
        if seq is None:
            seq = db.execute(sa.select(sa.func.coalesce(sa.func.max(_signatures.c.seq), 0) + 1)).scalar_one()
        Registry._forget_copies(db, doc_id)
        db.execute(_signatures.insert().values(doc_id=doc_id, data=signature.data, made_with=signature.made_with, seq=seq))
        if copies:
            db.execute(_copies.insert(), [{"doc_id": c.doc_id, "other": c.other, "share": c.share} for c in copies])

    def set_copies(self, found: dict[str, tuple[Signature, Sequence[Copy]]]) -> None:
        """Signatures and copies of articles stored before copies were found (or signed with other settings); the
        map's groups of every article whose origin changed are regrouped in the same transaction."""
        with self.transaction() as db:
            linked = self._linked(db, set(found))
            for doc_id, (signature, copies) in found.items():
                self._put_copies(db, doc_id, signature, copies)
            self._regroup(db, self._keys_of(db, linked | self._linked(db, set(found))))
            self._bump(db)

    def signatures(self) -> list[tuple[str, Signature]]:
        """Every stored signature, in the order the articles were first signed."""
        with self._read() as db:
            rows = db.execute(sa.select(_signatures.c.doc_id, _signatures.c.data, _signatures.c.made_with)
                              .order_by(_signatures.c.seq)).tuples()
            return [(str(d), Signature(bytes(b), str(m))) for d, b, m in rows]

    def unsigned(self) -> list[str]:
        """Stored articles without a signature (stored before copies were found), oldest first."""
        with self._read() as db:
            signed = sa.select(_signatures.c.doc_id)
            return list(db.execute(sa.select(_docs.c.id).where(_docs.c.id.not_in(signed))
                                   .order_by(_docs.c.added_at, _docs.c.id)).scalars())

    @staticmethod
    def _pairs(db: sa.Connection, ids: set[str]) -> list[tuple[str, str]]:
        """The copy pairs of these articles and of every article linked to them, directly or through others."""
        seen, frontier, pairs = set(ids), set(ids), set[tuple[str, str]]()
        while frontier:
            part = sorted(frontier)
            frontier = set()
            for i in range(0, len(part), 500):
                chunk = part[i:i + 500]
                for a, b in db.execute(sa.select(_copies.c.doc_id, _copies.c.other).where(
                        _copies.c.doc_id.in_(chunk) | _copies.c.other.in_(chunk))).tuples():
                    pairs.add((str(a), str(b)))
                    frontier |= {str(a), str(b)} - seen
            seen |= frontier
        return sorted(pairs)

    def _linked(self, db: sa.Connection, ids: set[str]) -> set[str]:
        return set(ids) | {d for p in self._pairs(db, ids) for d in p}

    @staticmethod
    def _keys_of(db: sa.Connection, ids: set[str]) -> set[str]:
        ordered, keys = sorted(ids), set[str]()
        for i in range(0, len(ordered), 500):
            keys |= set(db.execute(sa.select(_claim_keys.c.key).where(_claim_keys.c.doc_id.in_(ordered[i:i + 500])))
                        .scalars())
        return keys

    def origins(self, ids: set[str] | None = None, db: sa.Connection | None = None) -> dict[str, str]:
        """Each copied article's origin (copies.origins): the earliest by date, then the first signed. With `ids`,
        only those articles' groups of copies are read."""
        with (self._read() if db is None else nullcontext(db)) as conn:
            if ids is None:
                pairs = [(str(a), str(b)) for a, b in conn.execute(sa.select(_copies.c.doc_id, _copies.c.other)).tuples()]
            else:
                pairs = self._pairs(conn, ids)
            linked = sorted({d for p in pairs for d in p})
            order: dict[str, tuple[str, int, str]] = {}
            for i in range(0, len(linked), 500):
                for d, date, seq in conn.execute(sa.select(_docs.c.id, _docs.c.date, _signatures.c.seq).join(
                        _signatures, _signatures.c.doc_id == _docs.c.id).where(_docs.c.id.in_(linked[i:i + 500]))).tuples():
                    order[str(d)] = (iso_day(str(date or "")) or "~", int(seq), str(d))
        return origins([p for p in pairs if p[0] in order and p[1] in order], order.__getitem__)

    def _put_claims(self, db: sa.Connection, doc_id: str, claims: Sequence[MapClaim], embed: Embed | None = None,
                    extra: AbstractSet[str] = frozenset()) -> None:
        """Replace an article's claims and regroup every group they leave or join, and the `extra` groups (its copies',
        whose independent sources it may change); no other group changes."""
        old: set[str] = set(db.execute(sa.select(_claim_keys.c.key).where(_claim_keys.c.doc_id == doc_id)).scalars())
        db.execute(_claims.delete().where(_claims.c.doc_id == doc_id))
        db.execute(_claim_keys.delete().where(_claim_keys.c.doc_id == doc_id))
        if claims:
            db.execute(_claims.insert(), [{"doc_id": doc_id, "n": n, "data": json.dumps(c.to_json(), ensure_ascii=False)}
                                          for n, c in enumerate(claims)])
            db.execute(_claim_keys.insert(), [{"key": key, "doc_id": doc_id, "n": n}
                                              for n, c in enumerate(claims) for key in dict.fromkeys(c.keys())])
        self._regroup(db, old | set(extra) | {key for c in claims for key in c.keys()}, embed)

    def _regroup(self, db: sa.Connection, keys: set[str], embed: Embed | None = None) -> None:
        """Each group's map entries, recomputed from its current claims; the facts' vectors the groups now need are
        embedded and written back to their claims first, in the same transaction."""
        ordered = sorted(keys)
        for i in range(0, len(ordered), 500):
            part = ordered[i:i + 500]
            rows = db.execute(sa.select(_claim_keys.c.key, _claims.c.doc_id, _claims.c.n, _claims.c.data).join(
                _claims, (_claims.c.doc_id == _claim_keys.c.doc_id) & (_claims.c.n == _claim_keys.c.n))
                .where(_claim_keys.c.key.in_(part))).tuples().all()
            by_key: dict[str, list[tuple[str, int]]] = {}
            stored: dict[tuple[str, int], str] = {}
            for key, doc_id, n, data in rows:
                by_key.setdefault(key, []).append((doc_id, n))
                stored[doc_id, n] = data
            groups = {key: refs for key, refs in by_key.items() if len(refs) > 1}
            loaded = {ref: MapClaim.from_json(json.loads(stored[ref])) for refs in groups.values() for ref in refs}
            if embed is not None:
                self._embed_due(db, loaded, [[loaded[r] for r in refs] for refs in groups.values()], embed)
            db.execute(_map.delete().where(_map.c.key.in_(part)))
            origin_of = self.origins({d for d, _ in loaded}, db) if self.settings.copies.group else {}
            found = [e for key, refs in groups.items() for e in classify_group(key, [loaded[r] for r in refs], self.settings,
                                                                                origin_of)]
            if found:
                db.execute(_map.insert(), [{"key": e.key, "n": n, "sources": e.sources,
                                            "data": json.dumps(e.to_json(), ensure_ascii=False)}
                                           for n, e in enumerate(found)])

    def _embed_due(self, db: sa.Connection, loaded: dict[tuple[str, int], MapClaim],
                   groups: list[list[MapClaim]], embed: Embed) -> None:
        """The facts' vectors these groups now need (claimvectors.due), into `loaded` and the claims' rows."""
        refs = {id(c): ref for ref, c in loaded.items()}
        todo = due(groups, self.settings)
        if not todo:
            return
        embedded = with_facts(todo, self.settings, embed)
        for old, new in zip(todo, embedded):
            loaded[refs[id(old)]] = new
        db.execute(_claims.update().where((_claims.c.doc_id == sa.bindparam("d")) & (_claims.c.n == sa.bindparam("k")))
                   .values(data=sa.bindparam("data")),
                   [{"d": refs[id(old)][0], "k": refs[id(old)][1], "data": json.dumps(new.to_json(), ensure_ascii=False)}
                    for old, new in zip(todo, embedded)])

    def map_entries(self, limit: int | None = None, since: str = "", outlet: str = "") -> list[MapEntry]:
        """The map's stored entries, most sources first (at most `limit` read), those the filters keep."""
        query = sa.select(_map.c.data).order_by(_map.c.sources.desc(), _map.c.key, _map.c.n)
        with self._read() as db:
            rows: list[str] = list(db.execute(query.limit(limit) if limit else query).scalars())
        found = (MapEntry.from_json(json.loads(d)) for d in rows)
        return [e for e in found if matches(e, since, outlet)]

    def claims_pending(self) -> bool:
        with self._read() as db:
            return db.execute(sa.select(_meta.c.value).where(_meta.c.key == CLAIMS_PENDING)).first() is not None

    def set_claims(self, claims: dict[str, Sequence[MapClaim]]) -> None:
        """Store claims for articles already stored (an index from before claims were kept), then mark it done."""
        with self.transaction() as db:
            for doc_id, found in claims.items():
                self._put_claims(db, doc_id, found)
            db.execute(_meta.delete().where(_meta.c.key == CLAIMS_PENDING))
            self._bump(db)

    def claims_under(self, keys: set[str]) -> list[MapClaim]:
        """Every stored claim filed under any of these keys, each once."""
        ordered, found = sorted(keys), dict[tuple[str, int], str]()
        with self._read() as db:
            for i in range(0, len(ordered), 500):
                rows = db.execute(sa.select(_claims.c.doc_id, _claims.c.n, _claims.c.data).join(
                    _claim_keys, (_claims.c.doc_id == _claim_keys.c.doc_id) & (_claims.c.n == _claim_keys.c.n))
                    .where(_claim_keys.c.key.in_(ordered[i:i + 500]))).tuples().all()
                found.update(((doc_id, n), data) for doc_id, n, data in rows)
        return [MapClaim.from_json(json.loads(d)) for d in found.values()]

    def claims(self, doc_id: str) -> list[MapClaim]:
        with self._read() as db:
            data: list[str] = list(db.execute(sa.select(_claims.c.data).where(_claims.c.doc_id == doc_id)
                                              .order_by(_claims.c.n)).scalars())
        return [MapClaim.from_json(json.loads(d)) for d in data]

    @staticmethod
    def _record(db: sa.Connection, removals: list[Removal]) -> None:
        ids = [r.id for r in removals]
        db.execute(_removed.delete().where(_removed.c.id.in_(ids)))
        db.execute(_removed.insert(), [asdict(r) for r in removals])

    def removals(self) -> list[Removal]:
        with self._read() as db:
            rows = db.execute(_removals().order_by(_removed.c.removed_at, _removed.c.id)).all()
        return [Removal(**r._mapping) for r in rows]

    def removal(self, doc_id: str) -> Removal | None:
        with self._read() as db:
            row = db.execute(_removals().where(_removed.c.id == doc_id)).first()
        return Removal(**row._mapping) if row else None

    def removed_match(self, doc: SourceDoc) -> Removal | None:
        """The decision that keeps this document out: same id, or the same text under any id."""
        with self._read() as db:
            rows = db.execute(_removals().where((_removed.c.id == doc.id) | (_removed.c.hash == doc.hash))).all()
        best = sorted(rows, key=lambda r: r.id != doc.id)
        return Removal(**best[0]._mapping) if best else None

    def record_removals(self, removals: list[Removal]) -> None:
        """Carry decisions over into a rebuilt registry (`rag reindex`)."""
        if removals:
            with self.transaction() as db:
                self._record(db, removals)

    def keep_original(self, name: str, data: bytes) -> None:
        """Keep an upload's bytes under its path in uploads/, for workers on other hosts."""
        with self.transaction() as db:
            db.execute(_originals.delete().where(_originals.c.name == name))
            db.execute(_originals.insert().values(name=name, data=data, kept_at=_now()))

    def original_names(self) -> list[str]:
        with self._read() as db:
            return list(db.execute(sa.select(_originals.c.name).order_by(_originals.c.name)).scalars())

    def original(self, name: str) -> bytes | None:
        with self._read() as db:
            return db.execute(sa.select(_originals.c.data).where(_originals.c.name == name)).scalar()

    def has_original(self, name: str, size: int) -> bool:
        with self._read() as db:
            data_len = sa.func.length(_originals.c.data)
            return db.execute(sa.select(data_len).where(_originals.c.name == name)).scalar() == size

    def clear(self) -> None:
        """Forget every document and chunk but keep the removal decisions (the start of a rebuild, with the settings'
        embedder: a move under way is moot)."""
        with self.transaction() as db:
            for table in (_chunks, _docs, _claims, _claim_keys, _map, _signatures, _copies, _reembedded):
                db.execute(table.delete())
            db.execute(_meta.delete().where(_meta.c.key.in_(("embedder", REEMBED_TO))))
            db.execute(_meta.insert().values(key="embedder", value=str(self.settings.ingest.embedder)))
            self._bump(db)

    def healthy(self) -> bool:
        if self.shared:
            return True  # the database server checks its own pages
        with self._read() as db:
            return db.exec_driver_sql("PRAGMA quick_check").scalar() == "ok"

    def close(self) -> None:
        self.engine.dispose()


def _removals() -> sa.Select:
    return sa.select(_removed.c.id, _removed.c.hash, _removed.c.origin, _removed.c.url, _removed.c.title,
                     _removed.c.removed_at, _removed.c.reason)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(getattr(exc, "orig", exc)).split())[:300]


def read_removals(path: Path) -> list[Removal]:
    """The removal decisions of a SQLite registry that may be damaged or from another version (for a rebuild).

    Raises sqlite3.DatabaseError when the file cannot be read; a registry from before decisions were
    recorded has none.
    """
    conn = sqlite3.connect(path, timeout=30)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "removed" not in tables:
            return []
        return [Removal(*r) for r in conn.execute(
            "SELECT id, hash, origin, url, title, removed_at, reason FROM removed")]
    finally:
        conn.close()
