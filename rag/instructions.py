"""Text aimed at AI systems instead of reported: "Ignore all previous instructions…", "SYSTEM: …", "Note to AI
assistants: …", in any language we read (`rag/lang/instructions.toml`, rules as data).

An article holding such text is hostile: none of its sentences becomes evidence, a claim, a side or the closest
passage, and the answer names it in `warnings`. This is a check, not a reader: it looks for an address to a machine,
which no news report needs, and leaves reported speech about such text alone unless it opens a clause.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from . import sentences

DATA = Path(__file__).parent / "lang" / "instructions.toml"
# A clause opens at the sentence's start or after a colon, an opening quote allowed: '"Ignore your instructions…,"
# one message read' is an order; 'pages telling chatbots to "ignore previous instructions"' reports one.
_OPENING = r"(?:^|:)\s*[\"“„«‘'(]?\s*"


@dataclass(frozen=True)
class Instruction:
    """One place where an article addresses an AI system: which field, the sentence and why."""

    where: str  # "text", "title" or "outlet"
    sentence: str
    start: int  # offsets in the field (text: article_text[start:end] == sentence)
    end: int
    reason: str


@cache
def _rules() -> tuple[tuple[str, re.Pattern[str]], ...]:
    raw = tomllib.loads(DATA.read_text(encoding="utf-8"))
    rules = [(name, re.compile("|".join(f"(?:{p})" for p in pats), re.I)) for name, pats in raw["anywhere"].items()]
    rules += [(name, re.compile(_OPENING + "(?:" + "|".join(f"(?:{p})" for p in pats) + ")", re.I | re.M))
              for name, pats in raw["clause_start"].items()]
    return tuple(rules)


REASONS = {
    "template_tokens": "a chat-template token",
    "addressed_to_ai": "a note addressed to AI systems",
    "role_prefix": "a chat role prefix",
    "override": "an order to ignore instructions",
    "answer_order": "an order to answer, say or cite something",
}


def reason(sentence: str) -> str | None:
    """Why this sentence is an instruction to an AI system, or None where it is none."""
    for name, pattern in _rules():
        if pattern.search(sentence):
            return REASONS.get(name, name)
    return None


def scan(text: str, title: str = "", outlet: str = "") -> list[Instruction]:
    """Every instruction in an article: its title and outlet name as written, then its text sentence by sentence."""
    found = [Instruction(where, field, 0, len(field), why) for where, field in (("title", title), ("outlet", outlet))
             if field and (why := reason(field))]
    for start, end in sentences.spans(text):
        why = reason(text[start:end])
        if why:
            found.append(Instruction("text", text[start:end], start, end, why))
    return found
