"""Check the model's draft against the evidence before anyone sees it.

A sentence survives only if each of its markers names a real evidence item, each number in it
appears in its cited quotes, and any speaker it names for a checked value is that value's claimant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import numbers, sentences
from .language import everywhere
from .question import Query
from .tokens import tokenize
from .types import Claim, ClaimKind, Evidence

MARKER = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")


@dataclass(frozen=True)
class Checked:
    text: str
    cited: tuple[int, ...]
    ok: bool
    reason: str = ""
    stray: tuple[int, ...] = ()  # markers that name no passage of this answer: removed, never links


def markers(sentence: str) -> list[int]:
    return [int(n) for group in MARKER.findall(sentence) for n in re.split(r"\s*[,;]\s*", group)]


def values(text: str) -> list[numbers.Value]:
    """Values worth checking: every figure written in digits ("8 villages" where the quote says 7 is refused), and
    number words from ten up ("one of the sources" is prose, "seventeen" a figure)."""
    return [v for v in numbers.find(MARKER.sub(" ", text))
            if v.kind is not numbers.ValueKind.NUMBER or v.base >= 10 or v.number != int(v.number) or len(v.text) > 2
            or any(ch.isdigit() for ch in v.text)]


def supported_words(sentence: str, quotes: list[str], meta: str, min_share: float) -> tuple[bool, str]:
    """The cited passages hold at least `min_share` of the sentence's words: a marker the model copied from an
    article's text ("…see and [2][3]") cites a passage that says nothing the sentence says."""
    words = set(tokenize(sentence))
    if not words:
        return True, ""
    have = set(tokenize(" ".join(quotes) + " " + meta))
    if len(words & have) / len(words) < min_share:
        return False, "its cited passages do not say it"
    return True, ""


def supported_numbers(sentence: str, quotes: list[str]) -> tuple[bool, str]:
    have = [v for q in quotes for v in numbers.find(q)]
    for v in values(sentence):
        if not any(numbers.same(v, h) for h in have):
            return False, f"{v.text} is not in the cited passage"
    return True, ""




def answers_question(sentence: str, cited: list[int], claims: list[Claim], query: Query | None) -> tuple[bool, str]:
    """A value of the asked type must be a checked answer of that type about the subject in a cited passage:
    a head count never supports a revenue, another story's figure never answers this one."""
    if query is None or not query.type.valued:
        return True, ""
    answers = [a for c in claims if c.kind is ClaimKind.VALUE and c.evidence_id in cited for a in numbers.find(c.value)[:1]]
    # a bare figure in a numeric answer is read as the answer: "revenue of 5,000" must be a checked revenue
    asked = set(query.type.value_kinds) | ({numbers.ValueKind.NUMBER} if query.type.numeric else set())
    for v in values(sentence):
        if v.kind not in asked or any(numbers.same(v, p) for p in query.premise):
            continue
        if not any(numbers.same(v, a) for a in answers):
            return False, f"{v.text} is not a {query.type.value} of {query.subject or 'the subject'} in the cited passage"
    return True, ""


_SPEAKER = re.compile(  # "X claimed", "X has said": who an answer sentence says said a value
    rf"([A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+)*)\s+(?:(?:{'|'.join(everywhere('perfect_auxiliaries'))})\s+)?"
    rf"(?:{'|'.join(everywhere('speaker_verbs'))})\b"
)
_OPENERS = frozenset(everywhere("sentence_openers"))  # capitalised as sentence openers, not as names
_CONTRAST = re.compile(rf",\s*(?:{'|'.join(everywhere('contrast_conjunctions'))})\s|;|\b(?:{'|'.join(everywhere('subordinators'))})\b")


def supported_names(sentence: str, quotes: list[str], meta: str) -> tuple[bool, str]:
    """Every name in the sentence is in a cited quote, or is a cited source's outlet, title or resolved claimant."""
    have = f"{' '.join(quotes)} {meta}".lower()
    words = re.findall(r"[A-Z][\w.-]*\w", MARKER.sub(" ", sentence))
    for i, w in enumerate(words):
        if (i == 0 or sentence.lstrip().startswith(w)) and w in _OPENERS:
            continue
        base = re.sub(r"(’s|'s)$", "", w).lower()
        # "DeepSeek-V3" is named by a quote that says "V3": the distinctive part of a compound name counts
        parts = [base, base.rstrip("s")] + [p for p in re.split(r"[-.]", base) if len(p) > 1 and re.search(r"\d", p)]
        if len(base) > 1 and not any(p in have for p in parts):
            return False, f"{w} is not in the cited passage"
    return True, ""


def claimant_ok(sentence: str, claims: list[Claim]) -> tuple[bool, str]:
    """A value the sentence attributes to someone must be attributed to that claim's claimant or outlet."""
    clean = MARKER.sub(" ", sentence)
    readings = [(c, numbers.find(c.value)[:1]) for c in claims if c.kind is ClaimKind.VALUE]
    for v in numbers.find(clean):
        # a claim the article states in its own voice binds no speaker: "Meta used 49,152 GPUs" may say it
        owners = [c for c, r in readings if r and numbers.agrees(r[0], v) and c.claimant != c.outlet]
        if not owners:
            continue
        clause = _CONTRAST.split(clean[: v.start])[-1]
        said_by = _SPEAKER.findall(clause)
        if not said_by:
            continue
        speaker = set(said_by[-1].lower().split())
        if not any(speaker & set(f"{c.claimant} {c.outlet}".lower().split()) for c in owners):
            who = "; ".join(sorted({f"{c.claimant} ({c.outlet})" for c in owners}))
            return False, f"attributes {v.text} to {said_by[-1]}, but the sources attribute it to {who}"
    return True, ""


def _attach(sentence: str, evidence: list[Evidence], claims: list[Claim]) -> list[int]:
    """For an uncited sentence: the checked claims whose values it states, else passages that together hold
    each of its numbers and most of its words."""
    stated = values(sentence)
    by_claim = [c.evidence_id for c in claims if c.kind is ClaimKind.VALUE
                and any(numbers.same(v, r) for v in stated for r in numbers.find(c.value)[:1])]
    if by_claim and all(any(numbers.same(v, h) for i in by_claim for e in evidence if e.id == i
                            for h in numbers.find(e.quote)) for v in stated):
        return list(dict.fromkeys(by_claim))
    words = set(tokenize(sentence))
    chosen: list[Evidence] = []
    for v in stated:
        holders = [e for e in evidence if any(numbers.same(v, h) for h in numbers.find(e.quote))]
        if not holders:
            return []
        best = max(holders, key=lambda e: len(words & set(tokenize(e.quote))))
        if best not in chosen:
            chosen.append(best)
    if not chosen:
        closest = max(evidence, key=lambda e: len(words & set(tokenize(e.quote))), default=None)
        chosen = [closest] if closest else []
    covered = set().union(*(set(tokenize(e.quote)) for e in chosen)) if chosen else set()
    if len(words & covered) / max(len(words), 1) < 0.5:
        return []
    return [e.id for e in chosen]


def check(draft: str, evidence: list[Evidence], claims: list[Claim], query: Query | None = None,
          min_shared_words: float = 0.0) -> list[Checked]:
    by_id = {e.id: e for e in evidence}
    out = []
    for raw in sentences.split(draft):
        if not raw or not re.search(r"[A-Za-z]", MARKER.sub("", raw)):
            continue
        given = list(dict.fromkeys(markers(raw)))
        cited = [n for n in given if n in by_id]
        stray = tuple(n for n in given if n not in by_id)
        text = MARKER.sub("", raw).replace(" .", ".").strip()
        text = re.sub(r"\s{2,}", " ", text)
        if not cited:
            cited = _attach(text, evidence, claims)
            if not cited:
                out.append(Checked(text, (), False, "no passage supports it", stray))
                continue
        quotes = [by_id[n].quote for n in cited]
        meta = " ".join(f"{by_id[n].outlet} {by_id[n].title} {by_id[n].before}" for n in cited)
        meta += " " + " ".join(c.claimant for c in claims if c.evidence_id in cited)  # "it said" -> DeepSeek
        ok, reason = supported_words(text, quotes, meta, min_shared_words)
        if ok:
            ok, reason = supported_numbers(text, quotes)
        if ok:
            ok, reason = answers_question(text, cited, claims, query)
        if ok:  # a name in the sentence before the quote counts: news rarely repeats the subject's name
            ok, reason = supported_names(text, quotes, meta)
        if ok:
            ok, reason = claimant_ok(text, claims)
        out.append(Checked(text, tuple(cited), ok, reason, stray))
    return out


def quote_is_verbatim(source_text: str | None, quote: str, start: int, end: int) -> bool:
    return source_text is not None and source_text[start:end] == quote
