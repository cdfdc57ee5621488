"""Typed values that cross module lines: one place, so every stage agrees on the shape of the data."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from enum import StrEnum

from . import language
from .language import fold


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SourceDoc:
    """A document as read from disk, before it is stored; `text` is what citations point into."""

    id: str
    title: str
    outlet: str
    text: str
    origin: str
    date: str = ""
    url: str = ""
    furniture_from: int | None = None  # character offset where page furniture begins

    @property
    def hash(self) -> str:
        return content_hash(self.text)


@dataclass(frozen=True)
class Chunk:
    doc_id: str
    index: int
    start: int
    end: int
    text: str
    furniture: bool = False

    def chunk_id(self, doc_hash: str) -> str:
        return f"{self.doc_id}:{doc_hash[:12]}:{self.index}"


@dataclass(frozen=True)
class StoredDoc:
    id: str
    title: str
    outlet: str
    date: str
    url: str
    origin: str
    hash: str
    n_chunks: int
    added_at: str


@dataclass(frozen=True)
class Problem:
    """Why one input (a file, or one line of a .jsonl) was not ingested."""

    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    chunks: int = 0

    def merge(self, other: IngestReport) -> None:
        for name in ("added", "replaced", "unchanged", "duplicates", "problems"):
            getattr(self, name).extend(getattr(other, name))
        self.chunks += other.chunks


@dataclass(frozen=True)
class Hit:
    source: str
    title: str
    outlet: str
    text: str
    start: int
    end: int
    score: float
    furniture: bool = False
    date: str = ""  # the article's date (ISO), for updates over time

    def to_json(self) -> dict:
        return {k: v for k, v in asdict(self).items() if k not in ("furniture", "date")}


@dataclass(frozen=True)
class Sentence:
    """A sentence of a retrieved chunk with its exact span in the stored article."""

    source: str
    title: str
    outlet: str
    text: str
    start: int
    end: int
    furniture: bool
    prev: str  # the sentence before it in the same chunk, for resolving "it", "the researchers"
    date: str = ""  # the article's date


@dataclass(frozen=True)
class Citation:
    """A numbered quote; `quote == article_text[start:end]`."""

    id: int
    source: str
    title: str
    outlet: str
    quote: str
    start: int
    end: int

    @classmethod
    def of(cls, ev: Citation) -> Citation:
        return cls(ev.id, ev.source, ev.title, ev.outlet, ev.quote, ev.start, ev.end)


@dataclass(frozen=True)
class Evidence(Citation):
    """One sentence of a source, numbered for the model, with its relevance score."""

    score: float = 0.0
    before: str = ""  # the sentence before it: a subject named there counts for this one


class ClaimKind(StrEnum):
    VALUE = "value"  # a number, amount, percentage, measure or date
    STANCE = "stance"  # yes / no / open on a yes-or-no question
    ENTITY = "entity"  # a person, organisation, place or other name


class StanceValue(StrEnum):
    YES = "yes"
    NO = "no"
    OPEN = "open"


@dataclass(frozen=True)
class Claim:
    """Who asserts what, in which source. `claimant` says it; `outlet` reports it; `value` is verbatim."""

    source: str
    outlet: str
    claimant: str
    verb: str  # says / claims / estimates / denies / reports ...
    value: str  # as written in the source, e.g. "12,000 people"
    number: float | None
    kind: ClaimKind
    hedged: bool
    evidence_id: int
    norm: str = ""  # what compares across sources: a normalised value, a stance, a folded name
    date: str = ""  # the reporting article's date
    stance: StanceValue | None = None
    about: str = ""  # what the source says the subject is (for things that share a name)
    origin: str = ""  # the article this source is a syndicated copy of (rag/copies.py), else its own id

    @property
    def independent(self) -> str:
        """What counts as one source: copies of one wire report or release count once."""
        return self.origin or self.source

    @property
    def text(self) -> str:
        return f"{self.claimant} {self.verb_form} {self.value}"

    @property
    def verb_form(self) -> str:
        """'Insiders estimate', 'Police say', but 'The union estimates' (answers are phrased in English)."""
        last = fold(self.claimant.split()[-1]) if self.claimant.split() else ""
        if last not in language.load("en").plural_speakers or not self.verb.endswith("s"):
            return self.verb
        if self.verb == "says":
            return "say"
        if self.verb.endswith("ies"):
            return self.verb[:-3] + "y"
        return self.verb[:-1]


class DisagreementKind(StrEnum):
    CONFLICT = "conflict"  # different values for the same question
    UPDATE = "update"  # values that changed between articles of different dates
    AMBIGUITY = "ambiguity"  # answers about different things that share a name
    OUTLIER = "outlier"  # one source against several that agree


@dataclass(frozen=True)
class Disagreement:
    topic: str
    claims: tuple[Claim, ...]
    kind: DisagreementKind = DisagreementKind.CONFLICT
    sides: tuple[tuple[Claim, ...], ...] = ()  # claims grouped by agreeing value, in the order stated
    changed: tuple[tuple[Claim, Claim], ...] = ()  # (a syndicated copy's figure, its report's) where the copy changed it


@dataclass(frozen=True)
class SourceWarning:
    """An article that addresses AI systems ("Ignore all previous instructions…"): named to the user, never used as
    evidence, a claim or a side. `sentence` is what it says, where (`text`, `title` or `outlet`), at [start:end]."""

    source: str
    outlet: str
    title: str
    where: str
    sentence: str
    start: int
    end: int
    reason: str

    @property
    def message(self) -> str:
        return f"{self.outlet} (“{self.title}”) contains instructions aimed at AI systems ({self.reason}); it was not used"


@dataclass
class Timings:
    retrieve_s: float = 0.0
    read_s: float = 0.0  # each source's answer read (by the model, or the rules) and checked
    evidence_s: float = 0.0
    first_token_s: float | None = None
    total_s: float = 0.0


@dataclass
class Answer:
    question: str
    answer: str
    citations: list[Citation]
    claims: list[Claim]
    disagreements: list[Disagreement]
    abstained: bool
    evidence: list[Evidence] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # model sentences the verifier refused
    timings: Timings = field(default_factory=Timings)
    error: str = ""  # why generation failed midway; the evidence and the code's own statements still stand
    warnings: list[SourceWarning] = field(default_factory=list)  # retrieved articles set aside as hostile

    def to_json(self) -> dict:
        cites = {c.id: c for c in self.citations}
        evidence = {e.id: e for e in self.evidence}

        def citation_json(i: int) -> dict:
            c = cites.get(i) or Citation.of(evidence[i])
            return asdict(c)

        return {
            "question": self.question,
            "answer": self.answer,
            "abstained": self.abstained,
            "citations": [asdict(c) for c in self.citations],
            "claims": [
                {**asdict(c), "origin": c.independent, "claim": c.text, "citation": citation_json(c.evidence_id)}
                for c in self.claims
            ],
            "disagreements": [
                {
                    "topic": d.topic,
                    "kind": d.kind.value,
                    "claims": [
                        {
                            "source": c.source,
                            "origin": c.independent,
                            "outlet": c.outlet,
                            "claimant": c.claimant,
                            "date": c.date,
                            "claim": c.text,
                            "value": c.value,
                            "citation": citation_json(c.evidence_id),
                        }
                        for c in d.claims
                    ],
                }
                for d in self.disagreements
            ],
            "removed": self.removed,
            "warnings": [asdict(w) | {"message": w.message} for w in self.warnings],
            "timings": asdict(self.timings),
        } | ({"error": self.error} if self.error else {})
