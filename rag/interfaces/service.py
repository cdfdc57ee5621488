"""The assistant's one JSON face. `rag ask --json`, the UI's `/ask`, `/v1/chat/completions` and the MCP `ask` tool
all take their object from `Service.answer_json`, so no interface can drift into a second pipeline."""

from __future__ import annotations

import threading

from ..answer import Assistant, EventKind, QuestionError
from ..claimgroups import MapEntry
from ..disagreements import entry_json, map_entries
from ..fetch import is_url
from ..generate import Generator
from ..ingest import Ingestor
from ..links import ingest_urls
from ..numbers import iso_day
from ..registry import IndexUnusable, Registry
from ..retrieve import Retriever
from ..settings import Settings
from ..store import Store
from ..timeline import Timeline, of_answer, of_findings
from ..types import Answer, StoredDoc


class RequestError(ValueError):
    """A request that cannot be served as asked (a bad question, date or link); the message says why."""


def map_page(registry: Registry, settings: Settings, since: str = "", outlet: str = "") -> dict:
    """The map's first page as `rag disagreements --json` prints it, filtered by an ISO `since` date and an outlet
    taking part; `total` counts every entry."""
    since_day = iso_day(since) if since else ""
    if since and not since_day:
        raise RequestError(f"'since' takes a date such as 2026-03-14, not '{since}'")
    outlet = outlet.strip()
    found = map_entries(registry, settings, since_day, outlet)
    return {"since": since_day, "outlet": outlet, "total": len(found),
            "entries": [entry_json(e) for e in found[: settings.map.page_size]]}


class Service:
    """The index, the assistant and the ingestor of one server or command, behind JSON-returning operations."""

    def __init__(self, store: Store, settings: Settings, generator: Generator | None = None):
        self.store = store
        self.settings = settings
        self.assistant = Assistant(store, settings, generator)
        self.ingestor = Ingestor(store, settings)
        self._map: tuple[int, list[MapEntry]] = (-1, [])
        self._map_lock = threading.Lock()

    # --- answers -------------------------------------------------------------------------
    def answer(self, question: str, history: list[str] | None = None) -> Answer:
        """The verified answer; QuestionError for a question that cannot be asked, IndexUnusable for a failed index."""
        return self.assistant.ask(question, history)

    def answer_json(self, answer: Answer, timeline: bool = False) -> dict:
        """The one JSON of an answer, with its sources' answers by date when `timeline`."""
        line = of_answer(answer, self.settings.claims.rounding_tolerance) if timeline else None
        return answer.to_json() | ({"timeline": line.to_json()} if line else {})

    def ask(self, question: str, history: list[str] | None = None, timeline: bool = False) -> dict:
        """`answer_json` of the question's answer, or {"question", "error"} when it cannot be answered."""
        try:
            return self.answer_json(self.answer(question, history), timeline)
        except (QuestionError, IndexUnusable) as e:
            return {"question": question, "error": str(e)}

    def question_timeline(self, question: str) -> Timeline:
        """The sources' answers to a question by date: the evidence step alone, no model."""
        event = next(e for e in self.assistant.stream(question) if e.kind is EventKind.EVIDENCE)
        return of_findings(question, event.claims or [], event.evidence or [], event.disagreements or [],
                           self.settings.claims.rounding_tolerance)

    def timeline(self, question: str) -> dict:
        try:
            return {"question": question, "timeline": self.question_timeline(question).to_json()}
        except (QuestionError, IndexUnusable) as e:
            return {"question": question, "error": str(e)}

    # --- the index -----------------------------------------------------------------------
    def search(self, query: str, k: int) -> dict:
        if not query.strip():
            raise RequestError("the query is empty")
        hits = Retriever(self.store, self.settings).search(query[: self.settings.question.max_chars], k)
        return {"query": query, "hits": [h.to_json() for h in hits]}

    def docs(self) -> dict[str, StoredDoc]:
        return {d.id: d for d in self.store.registry.docs()}

    def sources(self) -> dict:
        origins = self.store.origins()  # `origin`: the article a syndicated copy runs, else the article itself
        return {"sources": [{"id": d.id, "outlet": d.outlet, "title": d.title, "date": d.date, "url": d.url,
                             "chunks": d.n_chunks, "origin": origins.get(d.id, d.id)} for d in self.store.registry.docs()]}

    def add_link(self, url: str) -> dict:
        """One article by its URL, with `rag ingest URL`'s limits and checks; a refusal names its reason."""
        url = url.strip()
        if not is_url(url):
            raise RequestError(f"not a link: {url[:200]!r} (it must start with http:// or https://)")
        report = ingest_urls(self.ingestor, [url]).report
        if report.problems:
            raise RequestError("; ".join(p.reason for p in report.problems))
        return {"url": url, "added": report.added, "replaced": report.replaced, "unchanged": report.unchanged,
                "duplicates": report.duplicates, "articles": self.store.registry.count()}

    # --- the disagreement map ------------------------------------------------------------
    def map(self) -> list[MapEntry]:
        """The map's first page, read again only when the index changed (its registry generation)."""
        generation = self.store.registry.generation()
        with self._map_lock:
            if self._map[0] != generation:
                self._map = (generation, map_entries(self.store.registry, self.settings, first_page=True))
            return self._map[1]

    def disagreements(self, since: str = "", outlet: str = "") -> dict:
        return map_page(self.store.registry, self.settings, since, outlet)
