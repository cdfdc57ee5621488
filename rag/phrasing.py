"""How code words an answer in the question's language: the sentences it states itself (abstentions, each side of a
disagreement) and each claim's verb, from `rag/lang/answers.toml`. Quotes and figures stay as the article writes
them; only the words around them follow the question. A language without a wording speaks English there."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from functools import cache

from .language import DEFAULT, LANG_DIR, available, load
from .types import Claim

ANSWERS = LANG_DIR / "answers.toml"


@cache
def _table(code: str, part: str) -> dict[str, str]:
    raw = tomllib.loads(ANSWERS.read_text(encoding="utf-8"))
    return {**raw[DEFAULT][part], **raw.get(code, {}).get(part, {})}


def phrase(code: str, key: str, **fill: object) -> str:
    """The wording `key` in the language `code`, filled in."""
    return _table(code, "phrases")[key].format(**fill)


@cache
def _stances() -> dict[str, str]:
    """Every reporting verb any language's data shows, to its stance ("schätzt" -> estimate)."""
    return {v.shown: v.stance.value for code in available() for v in load(code).reporting_verbs.values()}


def verb(shown: str, code: str) -> str:
    """A claim's verb in the question's language: English keeps the source's own verb ("Insiders estimate"); another
    language says its stance ("schätzt"), and a verb code wrote ("reports", "affirms") is translated as written."""
    verbs = _table(code, "verbs")
    if shown in verbs:
        return verbs[shown]
    if code == DEFAULT and shown in _stances() and shown in {v.shown for v in load(DEFAULT).reporting_verbs.values()}:
        return shown
    stance = _stances().get(shown)
    return verbs.get(stance, shown) if stance else shown


def claim_text(c: Claim, code: str) -> str:
    """"Police estimate 3,000" in the question's language; in English with the plural a speaker takes."""
    shown = verb(c.verb, code)
    return replace(c, verb=shown).text if code == DEFAULT else f"{c.claimant} {shown} {c.value}"
