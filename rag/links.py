"""Articles by URL: download, read like an uploaded .html file, keep the page in the index's uploads/ for offline rebuilds.

Each kept page is `<index>/uploads/links/<id>.html` with its metadata (URL, outlet, date, author) in that
folder's `sources.toml`, the same manifest format as `corpus/sources.toml`: `rag reindex` and `rag restore`
read both back without the network and get the same article, id and hash.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tomllib
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import tomlkit

from .corpus import MANIFEST, ReadError, read_html, slugify
from .fetch import FetchError, Page, check_url, fetch
from .ingest import Ingestor
from .registry import Registry, Removal
from .settings import Settings
from .types import IngestReport, Problem, SourceDoc

log = logging.getLogger(__name__)


class LinkStatus(StrEnum):
    ADDED = "added"
    REPLACED = "replaced"  # the same URL, new text
    UNCHANGED = "unchanged"
    DUPLICATE = "duplicate"  # the same text is already in the index under another id
    REMOVED = "removed"  # removed earlier: a decision that only --force undoes
    FAILED = "failed"

    @property
    def settled(self) -> bool:
        """Nothing more to do for this URL (a feed marks its item seen); a failure is tried again."""
        return self is not LinkStatus.FAILED


@dataclass(frozen=True)
class Hints:
    """What a feed item says about its article, used only where the page itself is silent."""

    title: str = ""
    date: str = ""
    author: str = ""
    outlet: str = ""


@dataclass(frozen=True)
class LinkResult:
    url: str
    status: LinkStatus
    doc_id: str = ""
    reason: str = ""


@dataclass
class LinkReport:
    report: IngestReport = field(default_factory=IngestReport)
    results: list[LinkResult] = field(default_factory=list)


@dataclass(frozen=True)
class Article:
    """A downloaded page read into a document; `doc.origin` is where its page will be kept."""

    url: str  # as asked
    doc: SourceDoc
    author: str
    html: bytes  # UTF-8: what is kept and what `rag reindex` reads back


def links_dir(settings: Settings) -> Path:
    return settings.uploads_dir / "links"


def _clean(url: str) -> str:
    return urldefrag(url)[0]


def link_id(url: str) -> str:
    """A stable id per URL: its last path word (or host) plus a short hash, so one URL is one article."""
    parts = urlsplit(url)
    words = [w for w in parts.path.split("/") if w]
    stem = words[-1].rsplit(".", 1)[0] if words else ""
    base = slugify(stem) if stem and slugify(stem) not in ("index", "default", "doc") else ""
    base = (base or slugify((parts.hostname or "link").removeprefix("www.")))[:50].strip("-")
    return f"{base}-{hashlib.sha256(_clean(url).encode('utf-8')).hexdigest()[:8]}"


def _outlet_from_host(url: str) -> str:
    return (urlsplit(url).hostname or "unknown").removeprefix("www.")


def read_page(page: Page, settings: Settings, hints: Hints | None = None) -> Article:
    """The page as an article, with the checks an uploaded .html file gets; ReadError when it holds none."""
    import trafilatura

    hints = hints or Hints()
    html = page.text.encode("utf-8")
    url = _clean(page.final_url)
    doc_id = link_id(url)
    path = links_dir(settings) / f"{doc_id}.html"
    doc = read_html(path, html, settings)
    if len(doc.text.strip()) < settings.fetch.min_text_chars:
        raise ReadError(f"no article text found (only {len(doc.text.strip())} characters of text)")
    meta = trafilatura.extract_metadata(page.text)
    title = doc.title if (meta and meta.title) or not hints.title else hints.title[:200]
    outlet = doc.outlet if doc.outlet != "unknown" else (hints.outlet or _outlet_from_host(url))
    doc = replace(doc, id=doc_id, title=title, outlet=outlet, date=doc.date or hints.date, url=url, origin=str(path))
    author = (meta.author if meta and meta.author else "") or hints.author
    return Article(page.url, doc, author, html)


def removed_url(registry: Registry, url: str) -> Removal | None:
    """The removal decision recorded for an article from this URL, if any."""
    url = _clean(url)
    return next((r for r in registry.removals() if r.url and _clean(r.url) == url), None)


def removed_link_reason(decision: Removal, url: str) -> str:
    return (
        f"'{decision.id}' from this URL was removed from this index on {decision.removed_at[:10]}"
        f"{': ' + decision.reason if decision.reason else ''}; `rag restore {decision.id}` or "
        f"`rag ingest --force {url}` brings it back"
    )


def _read_manifest(folder: Path) -> list[dict]:
    path = folder / MANIFEST
    if not path.is_file():
        return []
    return list(tomllib.loads(path.read_text(encoding="utf-8")).get("source", []))


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.part")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)


def _write_manifest(folder: Path, entries: list[dict]) -> None:
    _write_atomic(folder / MANIFEST, tomlkit.dumps({"source": entries}).encode("utf-8"))


def _entry(article: Article) -> dict:
    d = article.doc
    entry = {"file": Path(d.origin).name, "id": d.id, "title": d.title, "outlet": d.outlet, "date": d.date,
             "url": d.url, "asked_url": article.url, "author": article.author,
             "fetched_at": datetime.now(UTC).isoformat(timespec="seconds")}
    return {k: v for k, v in entry.items() if v}


class LinkIngestor:
    """Downloads outside the index's write lock (a slow site blocks no other writer); stores under it."""

    def __init__(self, ingestor: Ingestor):
        self.ingestor = ingestor
        self.store = ingestor.store
        self.settings = ingestor.settings

    def download(self, url: str, force: bool = False, hints: Hints | None = None) -> Article | LinkResult:
        """The article at `url`, or the result that ends it here (refused, removed earlier); stores nothing."""
        try:
            url = check_url(url)
            if not force and (decision := removed_url(self.store.registry, url)) is not None:
                return LinkResult(url, LinkStatus.REMOVED, decision.id, removed_link_reason(decision, url))
            article = read_page(fetch(url, self.settings), self.settings, hints)
        except FetchError as e:
            return LinkResult(e.url, LinkStatus.FAILED, reason=e.reason)
        except ReadError as e:
            return LinkResult(url, LinkStatus.FAILED, reason=str(e))
        if not force and (decision := removed_url(self.store.registry, article.doc.url)) is not None:
            return LinkResult(url, LinkStatus.REMOVED, decision.id, removed_link_reason(decision, url))
        return article

    def ingest(self, urls: list[str], force: bool = False, hints: dict[str, Hints] | None = None,
               progress: bool = False) -> LinkReport:
        """Download and index each URL; a failed one is reported (one line: URL and reason) and stores nothing."""
        out = LinkReport()
        fetched: list[Article] = []
        for url in urls:
            got = self.download(url, force, (hints or {}).get(url))
            if isinstance(got, Article):
                fetched.append(got)
            else:
                self._record(out, got)
        if fetched:
            with self.store.write_lock():
                for article in fetched:
                    self._record(out, self._store(article, out.report, force, progress))
                self.store.lexical.refresh()
        return out

    @staticmethod
    def _record(out: LinkReport, result: LinkResult) -> None:
        out.results.append(result)
        if result.status in (LinkStatus.FAILED, LinkStatus.REMOVED):
            out.report.problems.append(Problem(result.url, result.reason))
        if result.status is LinkStatus.REMOVED:
            log.info("not re-ingested (removed earlier): %s", result.url)

    def _store(self, article: Article, report: IngestReport, force: bool, progress: bool) -> LinkResult:
        """Keep the page and its manifest entry, then index it (the registry last); undo the files if it fails."""
        doc, url, reg = article.doc, article.url, self.store.registry
        if not force and (decision := reg.removed_match(doc)) is not None:
            return LinkResult(url, LinkStatus.REMOVED, decision.id, removed_link_reason(decision, url))
        twin = reg.by_hash(doc.hash)
        if twin and twin != doc.id:
            report.duplicates.append(f"{url} (same text as {twin})")
            return LinkResult(url, LinkStatus.DUPLICATE, twin, f"same text as {twin}")
        path = Path(doc.origin)
        folder = path.parent
        folder.mkdir(parents=True, exist_ok=True)
        old_page = path.read_bytes() if path.is_file() else None
        old_entries = _read_manifest(folder)
        if old_page != article.html:
            _write_atomic(path, article.html)
        _write_manifest(folder, [e for e in old_entries if e.get("file") != path.name] + [_entry(article)])
        sub = IngestReport()
        try:
            self.ingestor.ingest_docs([doc], sub, progress=progress, force=force)
        finally:
            if not (sub.added or sub.replaced or sub.unchanged):
                self._undo(path, old_page, folder, old_entries)
        reason = "; ".join(p.reason for p in sub.problems) or "not indexed"
        sub.problems.clear()  # reported by URL (the caller records the result), not by the kept file's path
        report.merge(sub)
        if sub.added:
            return LinkResult(url, LinkStatus.ADDED, doc.id)
        if sub.replaced:
            return LinkResult(url, LinkStatus.REPLACED, doc.id)
        if sub.unchanged:
            return LinkResult(url, LinkStatus.UNCHANGED, doc.id)
        return LinkResult(url, LinkStatus.FAILED, doc.id, reason)

    @staticmethod
    def _undo(path: Path, old_page: bytes | None, folder: Path, old_entries: list[dict]) -> None:
        if old_page is None:
            path.unlink(missing_ok=True)
        elif path.read_bytes() != old_page:
            _write_atomic(path, old_page)
        _write_manifest(folder, old_entries)


def ingest_urls(ingestor: Ingestor, urls: list[str], force: bool = False, progress: bool = False) -> LinkReport:
    return LinkIngestor(ingestor).ingest(urls, force=force, progress=progress)
