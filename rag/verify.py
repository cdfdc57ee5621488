"""Check the model's draft against the evidence before anyone sees it.

A sentence survives only if each of its markers names a real evidence item, each number in it
appears in its cited quotes, and any speaker it names for a checked value is that value's claimant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import sentences
from .claims import NUMBER, _value, compatible
from .store import tokenize
from .types import Claim, Evidence

MARKER = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")


@dataclass(frozen=True)
class Checked:
    text: str
    cited: tuple[int, ...]
    ok: bool
    reason: str = ""


def markers(sentence: str) -> list[int]:
    return [int(n) for group in MARKER.findall(sentence) for n in re.split(r"\s*[,;]\s*", group)]


def numbers(text: str) -> list[float]:
    """Numbers worth checking: scaled values; bare single digits ("3 models") are too common to judge."""
    out = []
    for m in NUMBER.finditer(MARKER.sub(" ", text)):
        v = _value(m)
        if m.group("scale") or m.group("cur") or "," in m.group("num") or "." in m.group("num") or v >= 10:
            out.append(v)
    return out


def supported_numbers(sentence: str, quotes: list[str]) -> tuple[bool, str]:
    have = [v for q in quotes for v in numbers(q)]
    for v in numbers(sentence):
        if not any(v == h or (h and abs(v - h) / abs(h) < 0.005) for h in have):
            return False, f"{v:g} is not in the cited passage"
    return True, ""


_SPEAKER = re.compile(
    r"([A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+)*)\s+(?:has\s+|had\s+)?(?:claim|claimed|claims|said|says|stated|"
    r"estimates?|estimated|suspects?|suspected|reported|reports|used|trained)\b"
)


_OPENERS = {"The", "In", "It", "This", "That", "These", "Those", "According", "However", "But", "And", "Yet", "As",
            "Sources", "They", "Both", "Some", "While", "When", "Since", "For", "No", "One", "Its", "Their", "A", "An"}


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
    for m in NUMBER.finditer(clean):
        v = _value(m)
        owners = [c for c in claims if c.number is not None and compatible(c.number, v)]
        if not owners:
            continue
        clause = re.split(r",\s*(?:while|whereas|but|and)\s|;|\bwhile\b|\bwhereas\b", clean[: m.start()])[-1]
        said_by = _SPEAKER.findall(clause)
        if not said_by:
            continue
        speaker = set(said_by[-1].lower().split())
        if not any(speaker & set(f"{c.claimant} {c.outlet}".lower().split()) for c in owners):
            who = "; ".join(sorted({f"{c.claimant} ({c.outlet})" for c in owners}))
            return False, f"attributes {m.group(0).strip()} to {said_by[-1]}, but the sources attribute it to {who}"
    return True, ""


def _attach(sentence: str, evidence: list[Evidence]) -> list[int]:
    """For an uncited sentence: passages that together hold each of its numbers and most of its words."""
    words = set(tokenize(sentence))
    chosen: list[Evidence] = []
    for v in numbers(sentence):
        holders = [e for e in evidence if supported_numbers(f"{v}", [e.quote])[0]]
        if not holders:
            return []
        best = max(holders, key=lambda e: len(words & set(tokenize(e.quote))))
        if best not in chosen:
            chosen.append(best)
    if not chosen:
        best = max(evidence, key=lambda e: len(words & set(tokenize(e.quote))), default=None)
        chosen = [best] if best else []
    covered = set().union(*(set(tokenize(e.quote)) for e in chosen)) if chosen else set()
    if len(words & covered) / max(len(words), 1) < 0.5:
        return []
    return [e.id for e in chosen]


def check(draft: str, evidence: list[Evidence], claims: list[Claim]) -> list[Checked]:
    by_id = {e.id: e for e in evidence}
    out = []
    for raw in sentences.split(draft):
        if not raw or not re.search(r"[A-Za-z]", MARKER.sub("", raw)):
            continue
        cited = [n for n in dict.fromkeys(markers(raw)) if n in by_id]
        text = MARKER.sub("", raw).replace(" .", ".").strip()
        text = re.sub(r"\s{2,}", " ", text)
        if not cited:
            cited = _attach(text, evidence)
            if not cited:
                out.append(Checked(text, (), False, "no passage supports it"))
                continue
        quotes = [by_id[n].quote for n in cited]
        ok, reason = supported_numbers(text, quotes)
        if ok:
            meta = " ".join(f"{by_id[n].outlet} {by_id[n].title}" for n in cited)
            meta += " " + " ".join(c.claimant for c in claims if c.evidence_id in cited)  # "it said" -> DeepSeek
            ok, reason = supported_names(text, quotes, meta)
        if ok:
            ok, reason = claimant_ok(text, claims)
        out.append(Checked(text, tuple(cited), ok, reason))
    return out


def quote_is_verbatim(source_text: str | None, quote: str, start: int, end: int) -> bool:
    return source_text is not None and source_text[start:end] == quote
