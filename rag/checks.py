"""What code guarantees about the model's reading before a user sees it: each proposal located verbatim in its
source, then passed through named checks; a refused proposal is kept with the check that refused it.

Each check is a named object with the answer types it applies to and the example it exists for, switchable one by
one (`RAG_READING__CHECKS_OFF`) so an ablation shows what each earns. A check refuses; it never reads an answer in.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from . import numbers
from .attribution import attribute
from .claims import STANCE_VERBS, ClaimDraft, dateline, normalise_name, sentence_lang, source_label
from .entities import refused
from .language import fold, words
from .question import AnswerType, Query, stem
from .reading import Proposal
from .types import ClaimKind, Sentence, StanceValue

_ANY = frozenset(AnswerType)
_NAMED = frozenset({AnswerType.PERSON, AnswerType.ORGANISATION, AnswerType.PLACE, AnswerType.CATEGORY})
_VALUED = frozenset(t for t in AnswerType if t.valued)


@dataclass(frozen=True)
class Candidate:
    """A proposal found in its source: the sentence that holds it and where (`sentence.text[start:end] == span`)."""

    proposal: Proposal
    sentence: Sentence
    start: int
    end: int
    value: numbers.Value | None  # the asked kind's value inside the span, positions in the sentence
    rules: tuple[ClaimDraft, ...] = ()  # what the hand-written rules read in the same article: the second reader
    confirm: Callable[[Candidate], bool] = lambda c: True  # the model's yes/no reading of the span's one sentence

    @property
    def span(self) -> str:
        return self.sentence.text[self.start:self.end]


@dataclass(frozen=True)
class Check:
    """One named guarantee: `refuses` says why a candidate cannot stand, or "" where it can."""

    name: str
    types: frozenset[AnswerType]
    example: str
    refuses: Callable[[Candidate, Query], str]


@dataclass(frozen=True)
class Refusal:
    source: str
    span: str
    check: str
    reason: str

    def __str__(self) -> str:
        return f"“{self.span}” from {self.source} (check {self.check}: {self.reason})"


def locate(p: Proposal) -> tuple[Sentence, int, int] | None:
    """The proposal's span in one of the read sentences: exactly, else ignoring case and runs of spaces (the model
    copies "12 People" or a line break as a space), else the one figure of the read sentences that is the proposed
    figure as the source writes it ("30%" for "30 per cent", "2" for "zwei"); the user sees the source's characters."""
    if not p.span:
        return None
    return _written(p) or _same_figure(p)


def _same_figure(p: Proposal) -> tuple[Sentence, int, int] | None:
    proposed = numbers.find(p.span or "")
    if len(proposed) != 1:
        return None
    same = [(s, v) for s in p.window.sentences for v in numbers.find(s.text, sentence_lang(s))
            if v.kind is proposed[0].kind and numbers.same(v, proposed[0])]
    if len({v.text for _, v in same}) != 1:  # none, or two different writings: which one was read is unknown
        return None
    s, v = same[0]
    return s, v.start, v.end


def _written(p: Proposal) -> tuple[Sentence, int, int] | None:
    assert p.span
    pattern = r"\s+".join(re.escape(w) for w in p.span.split())
    bounded = rf"(?<!\w){pattern}" if p.span.strip()[:1].isalnum() else pattern  # "2" is not the 2 of "23"
    bounded += r"(?!\w)" if p.span.strip()[-1:].isalnum() else ""
    for flags in (0, re.IGNORECASE):
        for s in p.window.sentences:
            m = re.search(bounded, s.text, flags)
            if m:
                return s, m.start(), m.end()
    return None


def _kinds(query: Query) -> tuple[numbers.ValueKind, ...]:
    if query.type is AnswerType.MEASURE:  # "how much will they contribute", "wie hoch ist der Zuschuss": a sum too
        return query.type.value_kinds + (numbers.ValueKind.MONEY,)
    return query.type.value_kinds


def holds_asked_value(s: Sentence, query: Query) -> bool:
    """Could any span of this sentence pass `typed`? One that cannot is not worth the model's reading."""
    return any(v.kind in _kinds(query) for v in numbers.find(s.text, sentence_lang(s)))


def _value(s: Sentence, start: int, end: int, query: Query) -> numbers.Value | None:
    """The first value of an asked kind the sentence holds inside the span (read with its context: "2.5 million")."""
    kinds = _kinds(query)
    inside = [v for v in numbers.find(s.text, sentence_lang(s)) if v.start < end and start < v.end]
    return next((v for v in inside if v.kind in kinds), None)


def _whole_figure(s: Sentence, start: int, end: int, value: numbers.Value | None) -> tuple[int, int]:
    """The span widened to the whole figure as the source writes it: its currency, unit and the hedge before it. The
    user reads "more than 12,000" or "42.000 toneladas" where the source says so, never the bare digits the model
    copied."""
    if value is None:
        return start, end
    start, end = min(start, value.start), max(end, value.end)
    low = s.text.lower()
    hedge = numbers.hedge_before(low, value.start, sentence_lang(s)) if value.hedged and len(low) == len(s.text) else ""
    at = low.rfind(hedge, 0, value.start) if hedge else -1
    return (at if 0 <= at < start else start), end


def _typed(c: Candidate, q: Query) -> str:
    if q.type.valued and c.value is None:
        return f"it holds no {q.type.value} value"
    return ""


def _named(c: Candidate, q: Query) -> str:
    lang = sentence_lang(c.sentence)
    if q.type is AnswerType.CATEGORY:
        return "" if any(w.isalpha() for w in c.span) else "it holds no word"
    names = [w for w in words(c.span) if w[:1].isupper() and fold(w) not in lang.weekdays and fold(w) not in lang.months]
    return "" if names else "it holds no name"


def _entity_kind(c: Candidate, q: Query) -> str:
    if refused(c.sentence.text, c.start, c.end, sentence_lang(c.sentence).code, q.type):
        return f"the entity pipeline labels it as no {q.type.value}"
    return ""


def _dateline(c: Candidate, q: Query) -> str:
    return "it is the article's dateline" if c.value is not None and dateline(c.sentence.text, c.value) else ""


def _not_the_subject(c: Candidate, q: Query) -> str:
    own = {stem(fold(w)) for w in words(c.span)}
    asked = {stem(fold(w)) for w in words(q.text)}
    return "it only repeats the question's words" if own and own <= asked else ""


def _same_answer(c: Candidate, d: ClaimDraft) -> bool:
    if c.value is not None and d.reading is not None:
        return numbers.agrees(c.value, d.reading)
    mine, theirs = set(normalise_name(c.span).split()), set(d.norm.split())
    return bool(mine) and bool(theirs) and (mine <= theirs or theirs <= mine)


def _readers_agree(c: Candidate, q: Query) -> str:
    """Where the rules read another answer in the article, the model's second reading of the sentence decides."""
    if c.rules and not any(_same_answer(c, d) for d in c.rules) and not c.confirm(c):
        return ("the rules read another answer in this article (" + "; ".join(d.value for d in c.rules[:3])
                + ") and, read again alone, its sentence does not state it")
    return ""


def _confirmed(c: Candidate, q: Query) -> str:
    if c.rules or c.confirm(c):
        return ""
    return "read again alone, its sentence does not state it as the answer"


def _stance_quoted(c: Candidate, q: Query) -> str:
    return "" if c.proposal.stance is not None else "no stance"


CHECKS: tuple[Check, ...] = (
    Check("typed", _VALUED, "“how many were arrested?” – “on Saturday” holds no count", _typed),
    Check("named", _NAMED, "“who directed it?” – “last year” holds no name", _named),
    Check("entity_kind", frozenset({AnswerType.PERSON, AnswerType.ORGANISATION, AnswerType.PLACE}),
          "“who directed it?” – “Kerrow”, which the entity pipeline labels a place", _entity_kind),
    Check("dateline", _VALUED, "“PORT AVELINE, April 11 (Meridex News) -” is when it was filed, not an answer", _dateline),
    Check("not_the_subject", _NAMED | _VALUED, "“who captained the Corran Star?” – “the Corran Star”", _not_the_subject),
    Check("stance", frozenset({AnswerType.YESNO}), "a yes/no reading with no stance", _stance_quoted),
    Check("readers_agree", _NAMED | _VALUED, "the model reads 40 (the missing) as the passengers where the rules "
          "read 212 passengers in the same article, and its second reading of the sentence says no", _readers_agree),
    Check("confirmed", _NAMED | _VALUED, "only the model reads an answer in the article: a second yes/no reading "
          "of that one sentence must agree (no span for a question no source answers)", _confirmed),
)


def active(off: tuple[str, ...]) -> tuple[Check, ...]:
    unknown = set(off) - {c.name for c in CHECKS}
    if unknown:
        raise ValueError(f"unknown check(s) {', '.join(sorted(unknown))} (known: {', '.join(c.name for c in CHECKS)})")
    return tuple(c for c in CHECKS if c.name not in off)


def checked(proposals: list[Proposal], query: Query, scores: dict[Sentence, float], off: tuple[str, ...] = (),
            rules: list[ClaimDraft] | None = None,
            confirm: Callable[[Candidate], bool] = lambda c: True) -> tuple[list[ClaimDraft], list[Refusal]]:
    """The proposals that pass every active check as claim drafts (the rules' record: compare reads it), and the
    refused ones with the check that refused each. A "not stated" reading is neither. `rules`: the hand-written
    reading of the same sentences, the tie-breaker; `confirm`: the model's second reading of one sentence."""
    by_source: dict[str, tuple[ClaimDraft, ...]] = {}
    for d in rules or []:
        by_source[d.sentence.source] = by_source.get(d.sentence.source, ()) + (d,)
    checks = [c for c in active(off) if query.type in c.types]
    drafts: list[ClaimDraft] = []
    refusals: list[Refusal] = []
    for p in proposals:
        if p.span is None and p.stance in (None, StanceValue.OPEN):
            continue
        where = locate(p)
        if where is None:
            refusals.append(Refusal(p.window.source, p.span or "", "verbatim", "not in the source's words"))
            continue
        s, start, end = where
        value = _value(s, start, end, query) if query.type.valued else None
        c = Candidate(p, s, *_whole_figure(s, start, end, value), value, by_source.get(s.source, ()), confirm)
        why = next(((ch.name, r) for ch in checks if (r := ch.refuses(c, query))), None)
        if why is None and query.type.valued and c.value is None:  # with `typed` off: still nothing to compare
            why = ("typed", f"it holds no {query.type.value} value to compare")
        if why:
            refusals.append(Refusal(s.source, c.span, *why))
            continue
        drafts.append(_draft(c, query, scores.get(s, 0.0)))
    return drafts, refusals


def _draft(c: Candidate, q: Query, relevance: float) -> ClaimDraft:
    s = c.sentence
    lang = sentence_lang(s)
    who = attribute(s.text, c.value.start if c.value else c.start, lang, s.prev, q.names[0] if q.names else "")
    claimant = who.claimant if who.claimant and fold(who.claimant) != fold(c.span) else ""
    verb = who.verb if claimant else "reports"
    if q.type is AnswerType.YESNO:
        stance = c.proposal.stance or StanceValue.OPEN
        verb = STANCE_VERBS[stance]
        return ClaimDraft(s, claimant or source_label(s), verb, f"“{c.span}”", ClaimKind.STANCE,
                          stance is StanceValue.OPEN, stance.value, stance=stance, relevance=relevance)
    if c.value is not None:
        return ClaimDraft(s, claimant or source_label(s), verb, c.span, ClaimKind.VALUE, c.value.hedged, c.value.key,
                          reading=c.value, relevance=relevance, typed=True)
    return ClaimDraft(s, claimant or source_label(s), verb if claimant else "names", c.span, ClaimKind.ENTITY, False,
                      normalise_name(c.span), relevance=relevance, typed=True)
