"""Who claims what: values and stances extracted by rules from evidence sentences, then compared.

Hand-written on purpose: attribution is exactly what a 1.5B model gets wrong (it turned "insiders
estimate ~50,000" into "DeepSeek claimed 50,000"), so it is code, and tested.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from .types import Sentence

WH = {"how", "what", "which", "who", "whom", "when", "where", "why", "did", "does", "do", "is", "are", "was",
      "were", "has", "have", "had", "can", "could", "will", "would", "should", "and", "the", "a", "an", "in"}
SCALE = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
HEDGES = r"about|around|approximately|roughly|nearly|almost|over|more than|up to|some|an estimated|reportedly"

# Unit families a question can ask about; the pattern must follow the number within a few words.
UNITS: dict[str, tuple[str, str]] = {
    # family: (pattern in the question, pattern after a number in a sentence)
    "GPU-hours": (r"gpu[- ]?hours?", r"gpu[- ]?hours?"),
    "GPUs": (r"gpus?|chips?|h800s?|h100s?|a100s?|h20s?|graphics cards?",
             r"gpus?|chips?|h800s?|h100s?|a100s?|h20s?|graphics processing units|processors"),
    "parameters": (r"parameters?", r"parameters?"),
    "tokens": (r"tokens?", r"tokens?"),
    "US dollars": (r"cost|spend|spent|price|how much money|\$|dollars?", r"__money__"),
}
NUMBER = re.compile(
    rf"(?:(?P<hedge>{HEDGES})\s+)?[“\"']?(?P<cur>\$)?(?<![\w.])(?P<num>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:\s*(?P<scale>thousand|million|billion|trillion)\b)?",
    re.IGNORECASE,
)
VERBS = {
    "said": "says", "says": "says", "say": "says", "told": "says", "stated": "says", "states": "says",
    "claims": "claims", "claimed": "claims", "claim": "claims", "insists": "claims", "insisted": "claims",
    "estimate": "estimates", "estimates": "estimates", "estimated": "estimates",
    "suspect": "suspects", "suspects": "suspects", "suspected": "suspects", "believe": "believes",
    "believes": "believes", "believed": "believes", "reported": "reports", "reports": "reports",
    "revealed": "reports", "noted": "notes", "notes": "notes", "note": "notes", "acknowledged": "says",
    "denied": "denies", "denies": "denies", "accuse": "accuses", "accused": "accuses",
}
ROLE = r"(?:co-?founder|founder|CEO|chief|executive|spokesperson|researchers?|engineers?|officials?|analysts?)"
NAME_RUN = rf"(?:[A-Z][\w.&’'-]*|{ROLE})(?:\s+(?:[A-Z][\w.&’'-]*|{ROLE}))*"
GENERIC = r"[Ii]t|[Tt]hey|[Hh]e|[Ss]he|[Tt]he (?:company|researchers|paper|firm|startup|report)"
ATTRIB = re.compile(
    rf"(?:[Aa]ccording to (?P<acc>[^,.;]+))|(?P<who>{NAME_RUN}|{GENERIC}|[Ii]nsiders|[Aa]nalysts|[Ss]ources)"
    rf"\s+(?:also\s+|reportedly\s+|publicly\s+|privately\s+)?(?P<verb>{'|'.join(VERBS)})\b"
)
NEGATION = re.compile(r"\b(no evidence|not|never|denied|denies|deny|no sign|unclear whether)\b", re.IGNORECASE)
OPEN = re.compile(r"\b(whether|may have|might have|investigat\w*|allegations?|alleged|suspicions?)\b", re.IGNORECASE)
SENTENCE_START = {"In", "The", "It", "This", "That", "For", "But", "And", "However", "Notably", "Yet", "Here", "As",
                  "According", "Since", "When", "While", "Last", "Adding", "There", "Even", "Reports", "Insiders"}


@dataclass(frozen=True)
class Frame:
    """What kind of answer the question wants, read from the question alone."""

    kind: str  # quantity / yesno / open
    unit: str | None
    subjects: tuple[str, ...]
    terms: tuple[str, ...]  # content words for stance questions
    premise_numbers: tuple[float, ...] = ()


def _value(m: re.Match) -> float:
    v = float(m.group("num").replace(",", ""))
    if m.group("scale"):
        v *= SCALE[m.group("scale").lower()]
    return v


def numbers_in(text: str) -> list[float]:
    """Every number in a text, scaled ("2.8 million" -> 2.8e6); years and small counts included."""
    return [_value(m) for m in NUMBER.finditer(text)]


def frame(question: str, previous: str | None = None) -> Frame:
    q = question.strip()
    low = q.lower()
    words = re.findall(r"[A-Za-z][\w.-]*", q)
    subjects = tuple(dict.fromkeys(w for w in words if (w[0].isupper() or any(c.isupper() for c in w[1:]))
                                   and w.lower() not in WH and not re.fullmatch(r"[HA]\d+s?|GPUs?", w)))
    if not subjects and previous:
        subjects = frame(previous).subjects
    unit = None
    for family, (qpat, _) in UNITS.items():
        if re.search(rf"\b(?:{qpat})", low) or (family == "US dollars" and "$" in q):
            unit = family
            break
    premise = tuple(numbers_in(q))
    if re.match(r"\s*(and\s+)?how (many|much)\b", low) or (unit and re.search(r"\bnumber of\b", low)):
        return Frame("quantity", unit or None, subjects, (), premise)
    if re.match(r"\s*(did|does|do|is|are|was|were|has|have|had|can|could|will)\b", low):
        stop = WH | {s.lower() for s in subjects} | {"use", "used", "using", "any", "there", "evidence", "that"}
        terms = tuple(w.lower() for w in re.findall(r"[A-Za-z]{3,}", q) if w.lower() not in stop)
        return Frame("yesno", unit, subjects, terms, premise)
    return Frame("open", unit, subjects, (), premise)


def source_label(s: Sentence) -> str:
    """The outlet, or the article's title where the text names no outlet."""
    if s.outlet != "unknown":
        return s.outlet
    return f"“{s.title[:60]}{'…' if len(s.title) > 60 else ''}”"


def precision_rank(value: float) -> int:
    """Trailing zeros: 2,048 (0) is more precise than 2,000 (3), so it leads its rounding group."""
    digits = f"{value:.0f}" if value >= 1 else "1"
    return len(digits) - len(digits.rstrip("0"))


def _mentions(text: str, subjects: tuple[str, ...]) -> bool:
    low = text.lower()
    return any(s.lower() in low for s in subjects)


def _about_subject(s: Sentence, frame_: Frame, upto: int) -> bool:
    """Names the subject, or names nobody before the value and follows a sentence that does."""
    if not frame_.subjects or _mentions(s.text, frame_.subjects):
        return True
    names = [w for w in re.findall(r"\b[A-Z][\w’'-]+", s.text[:upto])
             if w not in SENTENCE_START and not re.fullmatch(r"GPUs?|AI|[HA]\d+s?|FP\d+", w)]
    return not names and _mentions(s.prev, frame_.subjects)


def _resolve(who: str, s: Sentence, frame_: Frame) -> str:
    """Turn "it", "the researchers" into a name from the sentence or the one before it."""
    if not re.fullmatch(GENERIC, who):
        return who
    noun = who.split()[-1]
    if len(who.split()) > 1:
        m = re.search(rf"\b([A-Z][\w-]+)\s+{noun}\b", s.prev + " " + s.text)
        if m:
            return f"{m.group(1)} {noun}"
    for text in (s.text, s.prev):
        for subject in frame_.subjects:
            if subject.lower() in text.lower():
                m = re.search(rf"\b{re.escape(subject)}\b", text, re.IGNORECASE)
                return m.group(0) if m else subject
    return ""


def attribution(s: Sentence, upto: int, frame_: Frame, outlet: str) -> tuple[str, str]:
    """(claimant, verb) for the value at `upto`: the first named speaker, the verb nearest the value."""
    found = list(ATTRIB.finditer(s.text[:upto]))
    if not found and s.prev:
        found = list(ATTRIB.finditer(s.prev))
    if not found:
        return outlet, "reports"
    verb = VERBS.get((found[-1].group("verb") or "").lower(), "reports")
    for m in found:
        who = (m.group("acc") or m.group("who") or "").strip()
        who = re.sub(r"^(?:Notably|However|But|And|Yet|Meanwhile|Adding to the confusion),?\s+", "", who)
        resolved = _resolve(who, s, frame_)
        if resolved:
            return resolved, verb
    return outlet, verb


def quantity_claims(sentences: list[Sentence], frame_: Frame) -> list[tuple[Sentence, dict]]:
    if frame_.unit is None:
        return []
    _, after = UNITS[frame_.unit]
    out = []
    for s in sentences:
        for m in NUMBER.finditer(s.text):
            tail = s.text[m.end():m.end() + 60]
            if frame_.unit == "US dollars":
                if not m.group("cur"):
                    continue
                unit_end = m.end()
            else:
                um = re.match(rf"\s*(?:[\w-]+\s+){{0,2}}(?:{after})\b", tail, re.IGNORECASE)
                if not um or (frame_.unit == "GPUs" and re.match(r"[- ]?hours?", tail[um.end():])):
                    continue
                if re.match(rf"\s*(?:[\w-]+\s+){{0,2}}?(?:per|each|a)\s+(?:{after})\b", tail, re.IGNORECASE):
                    continue  # "37 billion per token" is a rate, not a count of tokens
                unit_end = m.end() + um.end()
            if frame_.unit == "GPUs" and re.match(r"\s*(?:[\w-]+\s+){0,2}?(?:gpu[- ]?hours?)", tail, re.IGNORECASE):
                continue
            if not _about_subject(s, frame_, m.start()):
                continue
            claimant, verb = attribution(s, m.start(), frame_, source_label(s))
            value_text = s.text[m.start():unit_end].strip(" “\"'")
            out.append((s, dict(claimant=claimant, verb=verb, value=value_text, number=_value(m), kind="quantity",
                                hedged=bool(m.group("hedge")) or verb in ("estimates", "suspects", "believes"))))
    return out


def stance_claims(sentences: list[Sentence], frame_: Frame) -> list[tuple[Sentence, dict]]:
    """Yes / no / open per sentence that uses the question's most specific term ("smuggled", not "chips")."""
    stems = [t[:6] for t in frame_.terms]
    counts = {st: sum(st in s.text.lower() for s in sentences) for st in stems}
    present = [st for st in stems if counts[st]]
    if not present:
        return []
    key = min(present, key=lambda st: counts[st])
    out = []
    for s in sentences:
        low = s.text.lower()
        if key not in low:
            continue
        if not _about_subject(s, frame_, len(s.text)):
            continue
        if NEGATION.search(s.text):
            stance = "no"
        elif OPEN.search(s.text):
            stance = "open"
        else:
            stance = "yes"
        claimant, _ = attribution(s, len(s.text), frame_, source_label(s))
        verb = {"yes": "affirms", "no": "denies", "open": "leaves open"}[stance]
        out.append((s, dict(claimant=claimant, verb=verb, value=f"“{s.text}”", number=None,
                            kind=f"stance:{stance}", hedged=stance == "open" or "reportedly" in low)))
    return out


def compatible(a: float, b: float) -> bool:
    """Rounding is not disagreement: 2,048 vs 2,000 and 2.78M vs 2.8M agree; 2,048 vs 50,000 do not."""
    return abs(a - b) <= 0.05 * max(abs(a), abs(b))


def group_values(numbers: list[float]) -> list[list[int]]:
    """Indices of numbers clustered by compatibility (single linkage, in sorted order)."""
    order = sorted(range(len(numbers)), key=lambda i: numbers[i])
    groups: list[list[int]] = []
    for i in order:
        if groups and compatible(numbers[groups[-1][-1]], numbers[i]):
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


_MONTH = re.compile(r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?$")


def _wordy(tokens: list[str]) -> int:
    return sum(1 for t in tokens if re.search(r"[A-Za-z]{2}", t) and not _MONTH.match(t))


def aligned_conflicts(sentences: list[Sentence], min_ratio: float = 0.6) -> list[tuple[Sentence, Sentence, str, str]]:
    """Near-identical sentences of two sources that differ in a name or number (one copied, one altered)."""
    out = []
    # datelines like "Jul 10, 2021 ..." are not statements: they never pair
    statements = [(s, s.text.split()) for s in sentences if _wordy(s.text.split()) >= 5]
    for i, (a, ta) in enumerate(statements):
        for b, tb in statements[i + 1:]:
            if a.source == b.source:
                continue
            sm = difflib.SequenceMatcher(a=ta, b=tb, autojunk=False)
            if sm.ratio() < min_ratio:
                continue
            for op, i1, i2, j1, j2 in sm.get_opcodes():
                if op != "replace" or (i1 and _MONTH.match(ta[i1 - 1])):  # a publication day, not the fact
                    continue
                va, vb = " ".join(ta[i1:i2]), " ".join(tb[j1:j2])
                if re.search(r"[A-Z0-9]", va + vb):
                    out.append((a, b, va.strip(".,;:"), vb.strip(".,;:")))
                    break
    return out
