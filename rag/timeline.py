"""Claims ordered by their article's date: who said what when, and whether each later report repeats, revises or
contradicts the earlier ones. Articles without a date are listed apart; a date is never guessed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from . import numbers
from .types import Answer, Claim, ClaimKind, Disagreement, Evidence


class Relation(StrEnum):
    FIRST = "first"  # the earliest dated report
    REPEATS = "repeats"  # the same value (up to rounding) or stance as an earlier report
    COPIES = "copies"  # ...carried in a syndicated copy of that report's text (rag/copies.py): no new confirmation
    REVISES = "revises"  # a different value, reported after every earlier one: the figure changed
    CONTRADICTS = "contradicts"  # a different value or stance reported as early as another


@dataclass(frozen=True)
class Point:
    claim: Claim
    citation: dict  # {source, title, outlet, quote, start, end}
    relation: Relation | None = None  # None for an undated claim

    def to_json(self) -> dict:
        c = self.claim
        return {"date": numbers.iso_day(c.date), "source": c.source, "origin": c.independent, "outlet": c.outlet,
                "claimant": c.claimant, "verb": c.verb_form,
                "value": c.value, "number": c.number, "stance": c.stance.value if c.stance else None,
                "relation": self.relation.value if self.relation else None, "citation": self.citation}


@dataclass(frozen=True)
class Timeline:
    topic: str
    points: tuple[Point, ...]  # dated, oldest first
    undated: tuple[Point, ...]  # articles without a date, in the order given

    def to_json(self) -> dict:
        return {"topic": self.topic, "points": [p.to_json() for p in self.points],
                "undated": [p.to_json() for p in self.undated]}


def _reading(c: Claim) -> numbers.Value | None:
    found = numbers.find(c.value) if c.kind is ClaimKind.VALUE else []
    return found[0] if found else None


def _same(a: Claim, b: Claim, tolerance: float) -> bool:
    if a.kind is ClaimKind.VALUE:
        ra, rb = _reading(a), _reading(b)
        return ra is not None and rb is not None and numbers.agrees(ra, rb, tolerance)
    return a.norm == b.norm


def build(topic: str, claims: list[Claim], citation: Callable[[Claim], dict], tolerance: float) -> Timeline:
    """Each dated claim with its relation to the reports before it, oldest first."""
    day = {c: numbers.iso_day(c.date) for c in claims}
    dated = sorted((c for c in claims if day[c]), key=lambda c: day[c])
    points = []
    for i, c in enumerate(dated):
        earlier = [e for e in dated[:i] if day[e] < day[c] or e.source != c.source]
        if not earlier:
            relation = Relation.FIRST
        elif any(_same(c, e, tolerance) and e.independent == c.independent for e in earlier):
            relation = Relation.COPIES
        elif any(_same(c, e, tolerance) for e in earlier):
            relation = Relation.REPEATS
        elif c.kind is ClaimKind.VALUE and all(day[e] < day[c] for e in earlier):
            relation = Relation.REVISES
        else:
            relation = Relation.CONTRADICTS
        points.append(Point(c, citation(c), relation))
    undated = tuple(Point(c, citation(c)) for c in claims if not day[c])
    return Timeline(topic, tuple(points), undated)


def of_findings(question: str, claims: list[Claim], evidence: list[Evidence], disagreements: list[Disagreement],
                tolerance: float) -> Timeline:
    """The timeline of a question: its sources' answers (the claims), each cited as in the answer's JSON."""
    by_id = {e.id: e for e in evidence}

    def cite(c: Claim) -> dict:
        e = by_id[c.evidence_id]
        return {"id": e.id, "source": e.source, "title": e.title, "outlet": e.outlet, "quote": e.quote,
                "start": e.start, "end": e.end}

    topic = disagreements[0].topic if disagreements else f"“{question}”"
    return build(topic, [c for c in claims if c.evidence_id in by_id], cite, tolerance)


def of_answer(answer: Answer, tolerance: float) -> Timeline:
    return of_findings(answer.question, answer.claims, answer.evidence, answer.disagreements, tolerance)
