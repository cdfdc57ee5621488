"""What failed, in one line: a full disk or an unreachable Chroma or registry server, told apart from a bug.

Chroma's embedded engine reports a full disk as an internal compaction error and its HTTP client reports
a dead server as a bare connection error; the user needs the path or the URL, and to know that what was
committed before the failure is kept (every document is committed on its own, the registry last).
"""

from __future__ import annotations

import errno
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .registry import IndexUnusable
from .settings import Settings

_DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})
_DISK_FULL_TEXT = ("disk is full", "no space left")


class IndexFault(IndexUnusable):
    """The index's disk or its Chroma server failed mid-operation; the message names which and what to do."""


def _chain(exc: BaseException | None) -> Iterator[BaseException]:
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def free_bytes(folder: Path) -> int | None:
    """Free space on the file system holding `folder` (its nearest existing parent)."""
    for path in (folder, *folder.parents):
        if path.exists():
            try:
                return shutil.disk_usage(path).free
            except OSError:
                return None
    return None


def disk_full(exc: BaseException, folder: Path, settings: Settings) -> bool:
    for e in _chain(exc):
        if isinstance(e, OSError) and e.errno in _DISK_FULL:
            return True
        if any(t in str(e).lower() for t in _DISK_FULL_TEXT):
            return True
    # Chroma's Rust engine drops the OS error: a write failing with next to nothing left is the disk.
    free = free_bytes(folder)
    return free is not None and free < settings.ingest.disk_full_bytes


def server_down(exc: BaseException) -> bool:
    import httpx

    return any(isinstance(e, httpx.TransportError) or "could not connect to a chroma server" in str(e).lower()
               for e in _chain(exc))


def database_down(exc: BaseException) -> bool:
    import sqlalchemy as sa

    return any(isinstance(e, sa.exc.OperationalError | sa.exc.InterfaceError) for e in _chain(exc))


def _one_line(exc: BaseException) -> str:
    return " ".join(f"{type(exc).__name__}: {exc}".split())[:300]


def explain(exc: BaseException, settings: Settings, then: str) -> IndexFault | None:
    """The one-line fault for `exc`, or None when it is neither a full disk nor a dead Chroma server (a bug)."""
    if settings.chroma_url and server_down(exc):
        return IndexFault(f"the Chroma server at {settings.chroma_url} is unreachable ({_one_line(exc)}); {then}")
    if settings.registry_url and database_down(exc):
        import sqlalchemy as sa

        where = sa.make_url(settings.registry_url).render_as_string(hide_password=True)
        return IndexFault(f"the registry database at {where} is unreachable ({_one_line(exc)}); {then}")
    if disk_full(exc, settings.index_dir, settings):
        free = free_bytes(settings.index_dir)
        left = f", {free:,} bytes free" if free is not None else ""
        return IndexFault(f"disk full: cannot write to {settings.index_dir}{left}; {then}")
    return None


def check_space(settings: Settings, then: str) -> None:
    """Refuse to write when the index's disk is nearly full, before Chroma ever hits a failed write."""
    free = free_bytes(settings.index_dir)
    if free is not None and free < settings.ingest.min_free_bytes:
        raise IndexFault(f"disk full: {settings.index_dir} has {free:,} bytes free, less than the "
                         f"{settings.ingest.min_free_bytes:,} an ingest keeps in reserve (RAG_INGEST__MIN_FREE_BYTES); {then}")


@contextmanager
def reported(settings: Settings, then: str) -> Iterator[None]:
    """Turn a full disk or a dead Chroma server into an IndexFault naming it; `then` says what to do next."""
    try:
        yield
    except IndexUnusable:
        raise
    except Exception as e:
        fault = explain(e, settings, then)
        if fault is None:
            raise
        raise fault from e


INGEST_AGAIN = "the articles committed before it are kept; run the same ingest again once it is fixed"
ASK_AGAIN = "nothing was changed; ask again once it is back"
