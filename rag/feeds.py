"""RSS / Atom feeds an index follows: the list (with each feed's seen item ids) in `<index>/feeds.json`, and pulls.

A pull ingests each new item's article through `rag.links` (same limits, same checks, same removal
decisions); an item is marked seen only once it is settled (indexed, unchanged, a duplicate, or removed
earlier), so a failed one is tried again on the next pull and the others are kept.
"""

from __future__ import annotations

import io
import logging
import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ValidationError

from .fetch import FEED_TYPES, FetchError, check_url, fetch
from .ingest import Ingestor
from .links import Hints, LinkIngestor, LinkResult, LinkStatus
from .settings import Settings
from .store import Store

log = logging.getLogger(__name__)


class FeedError(Exception):
    """A feed that cannot be followed or pulled, or a feed list that cannot be read; one line."""


class Feed(BaseModel):
    url: str
    title: str = ""
    added_at: str = ""
    last_pulled: str = ""
    seen: list[str] = []  # item ids, oldest first


class FeedList(BaseModel):
    feeds: list[Feed] = []

    def find(self, url: str) -> Feed | None:
        return next((f for f in self.feeds if f.url == url), None)


@dataclass(frozen=True)
class Item:
    id: str
    url: str
    hints: Hints


@dataclass
class PullReport:
    """One feed's pull: what each new item became, and how many were already seen or left for later."""

    url: str
    title: str = ""
    error: str = ""  # the feed itself could not be read; no item was tried
    results: list[LinkResult] = field(default_factory=list)
    seen_before: int = 0
    left_for_next: int = 0

    @property
    def failed(self) -> list[LinkResult]:
        return [r for r in self.results if r.status is LinkStatus.FAILED]


def feeds_path(settings: Settings) -> Path:
    return settings.index_dir / "feeds.json"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def load(settings: Settings) -> FeedList:
    path = feeds_path(settings)
    if not path.is_file():
        return FeedList()
    try:
        return FeedList.model_validate_json(path.read_bytes())
    except (ValidationError, ValueError) as e:
        first = str(e).splitlines()[0]
        raise FeedError(f"the feed list {path} cannot be read ({first}); fix it or delete it and add the feeds again") from e


def _save(settings: Settings, feeds: FeedList) -> None:
    """Atomically: a kill leaves the old list or the new one, never half of one."""
    path = feeds_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.part")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(feeds.model_dump_json(indent=1))
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)


def _date(entry) -> str:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    return time.strftime("%Y-%m-%d", parsed) if parsed else ""


def read_feed(url: str, settings: Settings) -> tuple[str, list[Item]]:
    """Download and parse a feed: its title and items (newest first, as feeds list them); FeedError if it is none."""
    import feedparser

    try:
        page = fetch(url, settings, FEED_TYPES, "a feed")
    except FetchError as e:
        raise FeedError(str(e)) from None
    # Bytes in a stream: feedparser never fetches anything itself (a string that looks like a URL it would).
    # Content-Location: relative item links resolve against where the feed was found.
    parsed = feedparser.parse(io.BytesIO(page.text.encode("utf-8")), response_headers={
        "content-type": "application/xml; charset=utf-8", "content-location": page.final_url})
    why = " ".join(str(parsed.get("bozo_exception") or "").split())
    if not parsed.get("version"):
        raise FeedError(f"{url}: not an RSS or Atom feed{f' ({why})' if why else ''}")
    if parsed.get("bozo") and not any(e.get("link") for e in parsed.entries):
        raise FeedError(f"{url}: a broken feed with no readable items ({why})")
    if parsed.get("bozo"):
        log.warning("%s: feed has errors (%s); its readable items are used", url, why)  # feeds are often sloppy
    title = parsed.feed.get("title", "")
    items = []
    for entry in parsed.entries:
        link = entry.get("link", "")
        items.append(Item(
            id=entry.get("id") or link or entry.get("title", ""),
            url=link,
            hints=Hints(title=entry.get("title", ""), date=_date(entry), author=entry.get("author", ""), outlet=title),
        ))
    return title, items


class Feeds:
    """Follow, list, stop following, pull. The list is written under the index's write lock."""

    def __init__(self, store: Store, settings: Settings):
        self.store = store
        self.settings = settings

    def add(self, url: str) -> tuple[Feed, int, bool]:
        """Follow a feed after checking that it is one: (feed, items in it now, whether it was followed already)."""
        try:
            url = check_url(url)
        except FetchError as e:
            raise FeedError(str(e)) from None
        title, items = read_feed(url, self.settings)
        with self.store.write_lock():
            feeds = load(self.settings)
            known = feeds.find(url)
            if known is not None:
                return known, len(items), True
            feed = Feed(url=url, title=title, added_at=_now())
            feeds.feeds.append(feed)
            _save(self.settings, feeds)
        return feed, len(items), False

    def remove(self, url: str) -> bool:
        """Stop following a feed; the articles it brought stay in the index."""
        with self.store.write_lock():
            feeds = load(self.settings)
            kept = [f for f in feeds.feeds if f.url != url.strip()]
            if len(kept) == len(feeds.feeds):
                return False
            _save(self.settings, FeedList(feeds=kept))
        return True

    def pull(self, urls: list[str] | None = None, progress: bool = False) -> list[PullReport]:
        """Ingest the new items of every followed feed (or of `urls`); one feed's failure stops no other."""
        feeds = load(self.settings).feeds
        if urls:
            wanted = {u.strip() for u in urls}
            missing = wanted - {f.url for f in feeds}
            if missing:
                raise FeedError(f"not followed: {', '.join(sorted(missing))} (add it with `rag feed add URL`)")
            feeds = [f for f in feeds if f.url in wanted]
        return [self._pull_one(feed, progress) for feed in feeds]

    def _pull_one(self, feed: Feed, progress: bool) -> PullReport:
        out = PullReport(feed.url, feed.title)
        try:
            out.title, items = read_feed(feed.url, self.settings)
        except FeedError as e:
            out.error = str(e)
            return out
        seen = set(feed.seen)
        fresh: list[Item] = []
        for item in items:
            if item.id in seen or any(item.id == f.id for f in fresh):
                out.seen_before += item.id in seen
                continue
            fresh.append(item)
        limit = self.settings.fetch.feed_max_items
        out.left_for_next = max(0, len(fresh) - limit)
        fresh = fresh[:limit]
        settled: list[str] = []
        linkless = [i for i in fresh if not i.url]
        for item in linkless:
            out.results.append(LinkResult(feed.url, LinkStatus.FAILED, reason=f"item '{item.id[:80]}' has no link"))
        todo = [i for i in fresh if i.url]
        if todo:
            links = LinkIngestor(Ingestor(self.store, self.settings)).ingest(
                [i.url for i in todo], hints={i.url: i.hints for i in todo}, progress=progress)
            by_url = {r.url: r for r in links.results}
            for item in todo:
                result = by_url.get(item.url.strip()) or LinkResult(item.url, LinkStatus.FAILED, reason="not tried")
                out.results.append(result)
                if result.status.settled:
                    settled.append(item.id)
        self._mark(feed.url, out.title, settled)
        return out

    def _mark(self, url: str, title: str, settled: list[str]) -> None:
        with self.store.write_lock():
            feeds = load(self.settings)
            feed = feeds.find(url)
            if feed is None:  # stopped following while this pull ran
                return
            feed.seen = [i for i in feed.seen if i not in settled] + settled
            feed.seen = feed.seen[-self.settings.fetch.feed_max_seen:]
            feed.title = title or feed.title
            feed.last_pulled = _now()
            _save(self.settings, feeds)
