"""Code's own wording follows the question's language: every wording and verb from `rag/lang/answers.toml`."""

from __future__ import annotations

import string
import tomllib

import pytest

from rag.language import available
from rag.phrasing import ANSWERS, claim_text, phrase, verb
from rag.types import Claim, ClaimKind

RAW = tomllib.loads(ANSWERS.read_text(encoding="utf-8"))


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("code", [c for c in available() if c != "en"])
def test_each_language_words_what_english_does_with_the_same_blanks(code):
    english, own = RAW["en"]["phrases"], RAW[code]["phrases"]
    assert set(own) <= set(english)
    assert all(_fields(own[k]) == _fields(english[k]) for k in own), code
    assert set(RAW[code]["verbs"]) == set(RAW["en"]["verbs"])


def claim(verb_shown: str, claimant: str = "Police") -> Claim:
    return Claim(source="a", outlet="Post", claimant=claimant, verb=verb_shown, value="3,000", number=3000.0,
                 kind=ClaimKind.VALUE, hedged=False, norm="3000", evidence_id=1, date="")


@pytest.mark.parametrize("shown, code, said", [
    ("estimates", "en", "Police estimate 3,000"),  # the source's own verb, with the plural a speaker takes
    ("schätzt", "en", "Police estimate 3,000"),  # a German source's verb, by its stance
    ("estimates", "de", "Police schätzt 3,000"),
    ("reports", "fr", "Police rapporte 3,000"),  # a verb code wrote
    ("denies", "es", "Police niega 3,000"),
    ("leaves open", "de", "Police lässt offen 3,000"),
])
def test_a_claims_verb_is_said_in_the_questions_language(shown, code, said):
    assert claim_text(claim(shown), code) == said


def test_a_verb_no_language_knows_is_shown_as_it_is():
    assert verb("whispers", "de") == "whispers"


def test_a_language_without_a_wording_speaks_english_there():
    assert phrase("xx", "dont_say") == phrase("en", "dont_say") == "The sources don't say."


@pytest.fixture
def scripted_assistant(seed_store, seed_settings, scripted):
    from rag.answer import Assistant

    return Assistant(seed_store, seed_settings.model_copy(update={"model": "scripted"}))


def test_a_question_in_german_that_no_source_answers_is_answered_in_german(scripted_assistant):
    answer = scripted_assistant.ask("Wie viele Menschen nahmen an der Demonstration in Leipzig teil?")
    assert answer.abstained and answer.answer.startswith("Die Quellen nennen nicht: Zahl der Menschen"), answer.answer
    assert "Am nächsten kommt" in answer.answer


def test_a_disagreement_asked_in_french_is_stated_in_french_with_the_sources_words(scripted_assistant, scripted):
    scripted.enqueue("")
    answer = scripted_assistant.ask("Combien de GPU DeepSeek possède-t-il ?")
    assert answer.disagreements, answer.answer
    assert "Les sources divergent" in answer.answer or "La plupart des sources concordent" in answer.answer, answer.answer
    assert all(c.value in answer.answer for d in answer.disagreements for c in d.claims)
