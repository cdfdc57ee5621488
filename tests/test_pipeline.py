"""The answer pipeline around the model, in milliseconds: the real index and embedder, a scripted generator.

What the model writes is scripted; everything else (retrieval, claims, prompt, verification, abstention,
disagreement statements, the stream's events) is the real code. The real model's answers are tested in
test_answer.py (slow).
"""

from __future__ import annotations

import json
import re

import pytest

from rag import prompts
from rag.answer import Assistant, EventKind
from rag.verify import markers

from .conftest import ScriptedGenerator

CLAIMED = "How many GPUs did DeepSeek claim?"


@pytest.fixture
def assistant(seed_store, seed_settings, scripted: ScriptedGenerator) -> Assistant:
    return Assistant(seed_store, seed_settings.model_copy(update={"model": "scripted"}))


def _user(prompt) -> str:
    return next(m["content"] for m in prompt if m["role"] == "user")


def parrot(messages) -> str:
    """A faithful model: repeats the first checked claim or evidence line of its prompt, with its marker."""
    for line in _user(messages).splitlines():
        if m := re.match(r"(?:- |\[(\d+)\] \([^)]*\) )(.+?)(?: \(reported by [^)]*\))? ?(\[\d+\])?$", line):
            n = m.group(1) or m.group(3).strip("[]")
            return f"{m.group(2).rstrip('.')} [{n}]."
    return ""


def _evidence(tmp_path, store, settings, rows: list[dict], question: str):
    """Ingest the rows as one JSONL file into the (real) store and return the question's evidence event."""
    from rag.ingest import Ingestor

    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    Ingestor(store, settings).ingest_paths([path], progress=False)
    return next(e for e in Assistant(store, settings).stream(question) if e.kind is EventKind.EVIDENCE)


def _verbatim(answer, store) -> None:
    assert answer.citations
    for c in answer.citations:
        assert store.registry.text(c.source)[c.start : c.end] == c.quote


def test_the_stream_gives_evidence_then_the_draft_then_the_verified_answer(assistant, scripted, seed_store):
    scripted.enqueue(parrot)
    events = list(assistant.stream(CLAIMED))
    kinds = [e.kind for e in events]
    assert kinds[0] is EventKind.EVIDENCE and kinds[-1] is EventKind.ANSWER
    assert set(kinds[1:-1]) == {EventKind.TOKEN}
    draft = "".join(e.token for e in events[1:-1])
    assert draft == parrot(scripted.prompts[0]) and draft
    answer = events[-1].answer
    assert draft.split(" [")[0] in answer.answer  # the faithful sentence is kept
    assert answer.evidence == events[0].evidence and answer.disagreements == events[0].disagreements
    _verbatim(answer, seed_store)


def test_the_prompt_gives_the_checked_claims_the_disagreement_and_the_question_last(assistant, scripted):
    scripted.enqueue(parrot)
    answer = assistant.ask(CLAIMED)
    (prompt,) = scripted.prompts
    assert prompt[0] == {"role": "system", "content": prompts.SYSTEM}
    user = _user(prompt).splitlines()
    assert user[0] == prompts.WHO_SAID_WHAT and user[-1] == prompts.question_line(CLAIMED)
    assert prompts.disagree_note([d.topic for d in answer.disagreements]) in user
    for claim in answer.claims:  # every checked claim reaches the model with its own evidence marker
        assert any(claim.text in line and line.endswith(f"[{claim.evidence_id}]") for line in user)
    ids = {e.id for e in answer.evidence}
    assert {n for line in user for n in markers(line)} <= ids


def test_an_invented_figure_is_removed_and_every_side_is_still_stated(assistant, scripted, seed_store):
    scripted.enqueue("DeepSeek trained its model on 9,999 GPUs [1].")
    answer = assistant.ask(CLAIMED)
    assert "9,999" not in answer.answer and any("9,999" in r for r in answer.removed)
    (d,) = answer.disagreements
    assert len({c.number for c in d.claims}) >= 3
    for claim in d.claims:  # the code's statement names each side, whatever the draft said
        assert claim.value in answer.answer and f"[{claim.evidence_id}]" in answer.answer
    _verbatim(answer, seed_store)


def test_a_marker_to_no_evidence_never_becomes_a_citation(assistant, scripted):
    scripted.enqueue("Liang Wenfeng founded DeepSeek [42].")
    answer = assistant.ask("Who founded DeepSeek?")
    assert 42 not in {c.id for c in answer.citations} and "[42]" not in answer.answer


@pytest.mark.parametrize("question", ["What is the capital of France?", "How much revenue did DeepSeek make in 2019?"])
def test_a_question_no_source_answers_abstains_without_calling_the_model(assistant, scripted, question):
    answer = assistant.ask(question)
    assert scripted.prompts == []
    assert answer.abstained and answer.answer.startswith("The sources don't")
    assert not answer.disagreements


def test_a_false_premise_is_named_to_the_model_and_corrected_in_the_answer(assistant, scripted):
    scripted.enqueue(parrot)
    answer = assistant.ask("Why did DeepSeek train on 100,000 H100 GPUs?")
    assert prompts.unsupported_premise_note("100,000") in _user(scripted.prompts[0])
    assert answer.answer.startswith("No source says 100,000")


def test_a_follow_up_is_searched_and_prompted_with_the_earlier_question(assistant, scripted):
    scripted.enqueue(parrot)
    answer = assistant.ask("and how many A100s?", history=[CLAIMED])
    assert prompts.earlier(CLAIMED) in _user(scripted.prompts[0])
    assert "10,000" in answer.answer


def test_the_prompt_is_trimmed_to_fit_a_small_context_window(seed_store, seed_settings, scripted):
    tight = seed_settings.model_copy(update={"model": "scripted"}).tuned(generation={"n_ctx": 400, "max_answer_tokens": 64})
    gen = tight.generation
    scripted.enqueue(parrot)
    Assistant(seed_store, tight).ask("Who founded DeepSeek?")
    (prompt,) = scripted.prompts
    used = scripted.count_tokens(prompt[0]["content"] + "\n" + _user(prompt))
    assert used <= gen.n_ctx - gen.max_answer_tokens - gen.prompt_margin_tokens
    assert _user(prompt).splitlines()[-1] == prompts.question_line("Who founded DeepSeek?")


def test_two_articles_about_different_things_of_one_name_are_an_ambiguity(tmp_path, empty_store, settings):
    """Real index and embedder: a dairy cutting jobs and a solar firm hiring, both named Norvale, answer one
    question about two different things; the statement says what each answer is about."""
    from rag.types import DisagreementKind

    rows = [
        {"id": "dairy", "title": "Dairy group Norvale to cut 420 jobs as milk prices slide", "outlet": "Farm Weekly",
         "date": "2026-06-03", "text": "The dairy cooperative Norvale said on Wednesday it would cut 420 jobs at its "
         "creameries, blaming low milk prices and falling cheese exports. Farmers' leaders called the cuts a blow to "
         "rural towns. The cooperative will close two plants by the end of the year."},
        {"id": "solar", "title": "Norvale to hire 300 for prairie solar build-out", "outlet": "Energy Desk",
         "date": "2026-06-04", "text": "Norvale, the renewable energy developer, will create 300 jobs to build three "
         "solar parks on the prairie, the company said. Construction of the panels and battery storage begins in "
         "the autumn, and the parks will power 90,000 homes."},
    ]
    event = _evidence(tmp_path, empty_store, settings, rows, "How many jobs are affected by Norvale's announcement?")
    (d,) = event.disagreements
    assert d.kind is DisagreementKind.AMBIGUITY
    assert {c.number for c in d.claims} == {420, 300}


def test_a_claim_in_another_language_counts_where_the_sentence_before_names_the_subject(tmp_path, empty_store, settings):
    """Real index and embedder: across languages the cosine runs low, so a count whose subject is named only in the
    sentence before (in French, for an English question) still stands beside the other source's count."""
    from rag.types import DisagreementKind

    rows = [
        {"id": "orga", "title": "Festival de théâtre de rue : 61 000 spectateurs revendiqués à Brionne", "outlet": "L'Écho",
         "date": "2026-05-11", "text": "Le Festival de théâtre de rue de Brionne a fermé ses portes dimanche. Selon les "
         "organisateurs, 61 000 spectateurs ont assisté aux 140 spectacles proposés pendant trois jours. Le budget du "
         "festival atteint 900 000 euros."},
        {"id": "compte", "title": "Brionne : la fréquentation du festival en débat", "outlet": "Brionne Matin",
         "date": "2026-05-12", "text": "Combien de personnes ont réellement assisté au Festival de théâtre de rue de "
         "Brionne ? Un comptage réalisé par le cabinet indépendant Foules & Mesures à la demande de la municipalité fait "
         "état de 38 000 spectateurs, loin des chiffres avancés par l'association organisatrice. Les libraires se disent "
         "satisfaits."},
    ]
    event = _evidence(tmp_path, empty_store, settings, rows, "How many spectators attended the Brionne street theatre festival?")
    assert {c.number for c in event.claims} == {61000, 38000}
    assert [d.kind for d in event.disagreements] == [DisagreementKind.CONFLICT]


def test_copies_that_differ_in_a_figure_no_claim_reads_are_stated_without_the_model(tmp_path, empty_store, settings):
    """Real index and embedder: two copies of one sentence give two revenues, each as a comparison (so no per-source
    claim); code states both sides instead of saying the sources don't give it, and the model is never called."""
    from rag.ingest import Ingestor

    text = ("Mar 3, 2026 ... That represents a 40 percent increase year over year, compared to {} in revenue for "
            "Tarnwell in 2025. The company delivered 79,000 vehicles ...")
    rows = [{"id": "one", "title": "Tarnwell results", "outlet": "Wire One", "text": text.format("$2.1 billion")},
            {"id": "two", "title": "Tarnwell results", "outlet": "Wire Two", "text": text.format("$5.6 billion")}]
    path = tmp_path / "tarnwell.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    Ingestor(empty_store, settings).ingest_paths([path], progress=False)
    answer = Assistant(empty_store, settings.model_copy(update={"model": "scripted"})).ask(
        "What was Tarnwell's revenue?")  # the scripted generator has no reply queued: a call would fail
    assert not answer.claims and not answer.abstained
    assert "$2.1 billion" in answer.answer and "$5.6 billion" in answer.answer
    assert len(answer.disagreements) == 1


def test_the_day_a_count_is_asked_for_is_stated_by_the_articles_date_and_a_day_no_source_gives_is_called_out(
        tmp_path, empty_store, settings, scripted):
    rows = [{"id": "wire", "title": "Thousands march in Dorrington", "outlet": "Wire", "date": "2026-03-14",
             "text": "Police said 8,200 people marched through Dorrington against the hospital closure."},
            {"id": "post", "title": "Dorrington march", "outlet": "Post", "date": "2026-03-14",
             "text": "Organisers said 15,000 people marched through Dorrington against the hospital closure."}]
    _evidence(tmp_path, empty_store, settings, rows, "How many people marched through Dorrington?")
    assistant = Assistant(empty_store, settings.model_copy(update={"model": "scripted"}))
    scripted.enqueue(parrot)
    answer = assistant.ask("How many people marched through Dorrington on 14 March 2026?")
    assert "No source says" not in answer.answer and answer.disagreements
    scripted.enqueue(parrot)
    answer = assistant.ask("How many people marched through Dorrington on 20 March 2026?")
    assert answer.answer.startswith("No source says 20 March 2026")
