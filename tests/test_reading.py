"""The model reads each source, code checks what it read: each named check on a small fixture (the model's proposal
written by hand), and the pipeline around the reading with the scripted model."""

from __future__ import annotations

import json
import re

import pytest

from rag import numbers
from rag.answer import Assistant, split_questions
from rag.checks import CHECKS, active, checked, holds_asked_value, locate
from rag.claims import ClaimDraft
from rag.question import analyse
from rag.reading import Proposal, Reader, Window, windows
from rag.settings import ReadingSettings, Route, Settings
from rag.types import ClaimKind, Sentence, StanceValue

MARCH = ("Police said 14 people were arrested after about 3,000 marched through Veldham on Saturday; "
         "the organisers, Clean Air Now, had expected 5,000.")


def sentence(text: str, source: str = "a", start: int = 0, outlet: str = "Veldham Post") -> Sentence:
    return Sentence(source=source, title="March in Veldham", outlet=outlet, text=text, start=start,
                    end=start + len(text), furniture=False, prev="", date="2026-05-02")


def proposal(span: str | None, *texts: str, stance: StanceValue | None = None) -> Proposal:
    return Proposal(Window("a", "March in Veldham", tuple(sentence(t) for t in texts or (MARCH,))), span, stance)


def run(span: str | None, question: str, *texts: str, stance: StanceValue | None = None, off: tuple[str, ...] = ()):
    return checked([proposal(span, *texts, stance=stance)], analyse(question), {}, off)


def test_a_verbatim_figure_of_the_asked_kind_becomes_a_claim_with_its_speaker():
    drafts, refusals = run("14", "How many people were arrested in Veldham?")
    assert refusals == []
    [d] = drafts
    assert (d.value, d.kind, d.claimant, d.reading.number) == ("14", ClaimKind.VALUE, "Police", 14)


def test_a_span_found_only_inside_a_longer_number_is_not_verbatim():
    drafts, refusals = run("2", "How many people were hurt in Veldham?", "Officials said 23 people were hurt.")
    assert drafts == [] and [r.check for r in refusals] == ["verbatim"]


def test_the_proposed_figure_is_cited_as_the_source_writes_it():
    drafts, _ = run("30%", "What share of homes in Veldham will be affordable?",
                    "Officers said 30 per cent of the homes would be affordable.")
    assert [d.value for d in drafts] == ["30 per cent"]


@pytest.mark.parametrize("span, shown", [("12,000", "more than 12,000"), ("about 3,000", "About 3,000"), ("14", "14"),
                                         ("4.1bn", "£4.1bn"), ("42.000", "42.000 toneladas")])
def test_the_figure_is_shown_whole_with_the_hedge_currency_and_unit_the_source_writes(span, shown):
    text = ("About 3,000 marched in Veldham, organisers said more than 12,000, and 14 were arrested; the clean-up "
            "cost £4.1bn and the co-op's 42.000 toneladas of olives were saved.")
    question = "How much did the clean-up in Veldham cost?" if "4.1" in span else \
        "How many tonnes of olives were saved?" if "42" in span else "How many people marched in Veldham?"
    drafts, _ = run(span, question, text)
    assert [d.value for d in drafts] == [shown]


def test_a_figure_the_source_does_not_state_is_refused_as_not_verbatim():
    drafts, refusals = run("1200000", "How much did the march in Veldham cost?")
    assert drafts == [] and refusals[0].check == "verbatim"


@pytest.mark.parametrize("question, span, check", [
    ("How many people were arrested in Veldham?", "on Saturday", "typed"),
    ("Who organised the march in Veldham?", "14", "named"),
    ("Who did Clean Air Now say organised the march?", "Clean Air Now", "not_the_subject"),
])
def test_each_check_refuses_its_own_example(question, span, check):
    drafts, refusals = run(span, question)
    assert drafts == [] and [r.check for r in refusals] == [check]


def test_a_dateline_is_refused_as_an_answer():
    text = "VELDHAM, May 2 (Wire) - About 3,000 people marched on Saturday."
    drafts, refusals = run("May 2", "When did people march in Veldham?", text)
    assert drafts == [] and refusals[0].check == "dateline"


def test_a_check_switched_off_lets_its_example_through():
    drafts, _ = run("Clean Air Now", "Who did Clean Air Now say organised the march?", off=("not_the_subject",))
    assert [d.value for d in drafts] == ["Clean Air Now"]


def test_an_unknown_check_name_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown check"):
        active(("no_such_check",))


def test_every_check_has_a_name_an_example_and_answer_types():
    assert len({c.name for c in CHECKS}) == len(CHECKS)
    assert all(c.example and c.types for c in CHECKS)


def test_not_stated_is_neither_a_claim_nor_a_refusal():
    assert run(None, "How many people were injured in Veldham?") == ([], [])


def test_a_stance_cites_the_words_the_model_copied():
    text = "Clean Air Now denied that it had paid the marchers."
    drafts, _ = run("denied that it had paid the marchers", "Did Clean Air Now pay the marchers in Veldham?", text,
                    stance=StanceValue.NO)
    [d] = drafts
    assert (d.kind, d.stance, d.value) == (ClaimKind.STANCE, StanceValue.NO, "“denied that it had paid the marchers”")


@pytest.mark.parametrize("question, text, worth", [
    ("How many people were arrested in Veldham?", MARCH, True),
    ("How many people were arrested in Veldham?", "Police made arrests after the march.", False),
    ("How much did the march in Veldham cost?", MARCH, False),  # counts, no sum
    ("How much did the march in Veldham cost?", "The council paid £40,000 for stewards.", True),
])
def test_only_sentences_whose_figures_could_be_the_asked_kind_are_worth_reading(question, text, worth):
    assert holds_asked_value(sentence(text), analyse(question)) is worth


def test_locate_ignores_case_and_spaces_but_returns_the_sources_characters():
    s, a, b = locate(proposal("14  PEOPLE"))
    assert s.text[a:b] == "14 people"


def test_windows_read_the_best_articles_best_first_each_in_article_order():
    cfg = ReadingSettings(sources=2, sentences=2, min_score=0.3)
    scored = [(sentence("One.", "a", 0), 0.5), (sentence("Two.", "a", 10), 0.9), (sentence("Three.", "a", 20), 0.4),
              (sentence("Four.", "b", 0), 0.95), (sentence("Five.", "c", 0), 0.6), (sentence("Six.", "d", 0), 0.1)]
    found = windows(scored, cfg)
    assert [w.source for w in found] == ["b", "a"]
    assert [s.text for s in found[1].sentences] == ["One.", "Two."]


def test_a_reply_outside_the_schema_reads_as_not_stated(scripted):
    scripted.read_as("not json", '{"answers": ["null"]}', '["14"]')
    w = proposal(None).window
    read = Reader(scripted, ReadingSettings()).read("How many were arrested?", analyse("How many were arrested?").type,
                                                    [w, w, w])
    assert read == []


def test_an_article_that_reports_two_answers_gives_two_proposals_each_checked_alone(scripted):
    text = "Police put the crowd in Veldham at 3,000, while Clean Air Now said 8,000 took part."
    scripted.read_as('{"answers": ["3,000", "8,000", "3,000"]}')
    question = "How many people took part in the march in Veldham?"
    read = Reader(scripted, ReadingSettings()).read(question, analyse(question).type, [proposal(None, text).window])
    assert [p.span for p in read] == ["3,000", "8,000"]
    drafts, _ = checked(read, analyse(question), {})
    assert [(d.value, d.claimant) for d in drafts] == [("3,000", "Police"), ("8,000", "Clean Air Now")]


def test_no_more_answers_than_the_setting_allows_are_read(scripted):
    scripted.read_as('{"answers": ["14", "3,000", "5,000"]}')
    question = "How many people were arrested in Veldham?"
    read = Reader(scripted, ReadingSettings(answers=1)).read(question, analyse(question).type, [proposal(None).window])
    assert [p.span for p in read] == ["14"]


def test_each_article_is_read_with_its_own_sentences_last(scripted):
    w1 = Window("a", "First", (sentence("Police said 14 were arrested."),))
    w2 = Window("b", "Second", (sentence("Organisers said 20 were arrested.", "b"),))
    Reader(scripted, ReadingSettings()).read("How many were arrested?", analyse("How many were arrested?").type, [w1, w2])
    first, second = (p[1]["content"] for p in scripted.prompts)
    assert first.endswith("1. Police said 14 were arrested.") and second.endswith("1. Organisers said 20 were arrested.")
    assert first.split("\nArticle:")[0] == second.split("\nArticle:")[0]  # the shared start llama.cpp reuses


STREIK = "Rund 1.150 Beschäftigte von Kessler folgten in Kornhagen dem Aufruf zum Warnstreik."


def test_an_article_in_another_language_is_read_with_the_question_in_its_language(scripted):
    w_de = Window("de", "Warnstreik in Kornhagen", (sentence(STREIK, "de"),))
    w_en = Window("en", "March in Veldham", (sentence(MARCH, "en"),))
    question = "How many employees of Kessler in Kornhagen took part in the strike?"
    scripted.read_as('{"question": "Wie viele Beschäftigte von Kessler in Kornhagen streikten?"}')
    reader = Reader(scripted, ReadingSettings(translate=True))
    asked_in = reader.in_their_languages(analyse(question), [w_de, w_en, w_de], {"de": "de", "en": "en"})
    assert asked_in == {"de": "Wie viele Beschäftigte von Kessler in Kornhagen streikten?"}
    assert len(scripted.prompts) == 1 and "into German: How many employees" in scripted.prompts[0][1]["content"]
    reader.read(question, analyse(question).type, [w_de, w_en], asked_in)
    german, english = (p[1]["content"] for p in scripted.prompts[1:])
    assert "Question: Wie viele Beschäftigte" in german and f"Question: {question}" in english


@pytest.mark.parametrize("reply", [
    '{"question": "Wie viele Beschäftigte streikten 2024?"}',  # every name lost: it asks about any strike
    '{"question": "Wie viele Beschäftigte von Kessler streikten 2023?"}',  # a figure changed
    '{"question": "Wie viele Beschäftigte von Kessler streikten 2024 in 15 Werken?"}',  # a figure added
    '{"question": "Wie viele Beschäftigte von Kessler streikten?"}',  # a figure dropped
    '{"question": ""}',
    "not json",
])
def test_a_translation_that_loses_what_the_question_names_is_not_used(scripted, reply):
    question = "How many employees of Kessler took part in the strike in 2024?"
    scripted.read_as(reply)
    w_de = Window("de", "Warnstreik in Kornhagen", (sentence(STREIK, "de"),))
    asked_in = Reader(scripted, ReadingSettings(translate=True)).in_their_languages(analyse(question), [w_de],
                                                                                    {"de": "de"})
    assert asked_in == {"de": question}


def test_a_translation_that_keeps_the_names_and_figures_is_used(scripted):
    question = "How many employees of Kessler took part in the strike in 2024?"
    scripted.read_as('{"question": "Wie viele Beschäftigte von Kessler streikten im Jahr 2024?"}')
    w_de = Window("de", "Warnstreik in Kornhagen", (sentence(STREIK, "de"),))
    asked_in = Reader(scripted, ReadingSettings(translate=True)).in_their_languages(analyse(question), [w_de],
                                                                                    {"de": "de"})
    assert asked_in == {"de": "Wie viele Beschäftigte von Kessler streikten im Jahr 2024?"}


def test_with_translation_off_every_article_is_read_with_the_question_as_asked(scripted):
    w_de = Window("de", "Warnstreik in Kornhagen", (sentence(STREIK, "de"),))
    asked_in = Reader(scripted, ReadingSettings(translate=False)).in_their_languages(
        analyse("How many employees of Kessler took part in the strike?"), [w_de], {"de": "de"})
    assert asked_in == {} and scripted.prompts == []


@pytest.fixture
def model_route(seed_store, seed_settings: Settings, scripted):
    settings = seed_settings.model_copy(update={"model": "scripted",
                                                "reading": ReadingSettings(route=Route.MODEL)})
    return Assistant(seed_store, settings)


def test_two_sources_read_differently_become_a_disagreement_stated_by_code(model_route, scripted):
    def reply(messages):  # each article's first thousands figure, whatever it counts: the sources' own words
        text = messages[1]["content"]
        if "Sentences:" not in text:
            return '{"states": "yes"}'  # the second reading of one sentence
        found = re.findall(r"\b\d{1,3},\d{3}\b", text.split("Sentences:")[1])
        return json.dumps({"answers": found[:1]})

    scripted.read_as(*[reply] * 16)
    answer = model_route.ask("How many GPUs does DeepSeek have?")
    assert answer.disagreements, answer.answer
    sides = {c.value for d in answer.disagreements for c in d.claims}
    assert len(sides) >= 2 and all(v in answer.answer for v in sides)
    assert scripted.queue == [] and not any(p[0]["content"].startswith("You answer") for p in scripted.prompts)


def test_a_question_in_german_over_english_articles_is_read_and_confirmed_in_english(seed_store, seed_settings,
                                                                                    scripted):
    settings = seed_settings.model_copy(update={"model": "scripted",
                                                "reading": ReadingSettings(route=Route.MODEL, translate=True)})
    asked = "How many GPUs does DeepSeek have?"

    def reply(messages):
        text = messages[1]["content"]
        if text.startswith("Translate into English:"):
            return json.dumps({"question": asked})
        if "Sentences:" not in text:
            return '{"states": "yes"}'
        found = re.findall(r"\b\d{1,3},\d{3}\b", text.split("Sentences:")[1])
        return json.dumps({"answers": found[:1]})

    scripted.read_as(*[reply] * 16)
    answer = Assistant(seed_store, settings).ask("Wie viele GPUs hat DeepSeek?")
    assert answer.claims, answer.answer
    reads = [p[1]["content"] for p in scripted.prompts if p[1]["content"].startswith(("Task A", "Task B"))]
    assert reads and all(f"Question: {asked}" in r for r in reads)
    assert sum(p[1]["content"].startswith("Translate") for p in scripted.prompts) == 1  # once per language


@pytest.fixture
def mixed_route(seed_store, seed_settings: Settings, scripted):
    settings = seed_settings.model_copy(update={"model": "scripted", "reading": ReadingSettings(route=Route.MIXED)})
    return Assistant(seed_store, settings)


def test_the_mixed_route_leaves_articles_in_the_questions_language_to_the_rules(mixed_route, scripted):
    scripted.enqueue("DeepSeek trained V3 on 2,048 Nvidia H800 GPUs [1].")
    answer = mixed_route.ask("How many Nvidia H800 GPUs were used to train DeepSeek-V3?")
    assert answer.claims and not any(p[1]["content"].startswith(("Task", "Translate")) for p in scripted.prompts)


def test_the_mixed_route_has_the_model_read_articles_in_another_language(mixed_route, scripted):
    def reply(messages):
        text = messages[1]["content"]
        if text.startswith("Translate into English:"):
            return json.dumps({"question": "How many Nvidia H800 GPUs were used to train DeepSeek-V3?"})
        if "Sentences:" not in text:
            return '{"states": "yes"}'
        return json.dumps({"answers": re.findall(r"\b\d,\d{3}\b", text.split("Sentences:")[1])[:1]})

    scripted.read_as(*[reply] * 16)
    answer = mixed_route.ask("Wie viele Nvidia-H800-GPUs wurden für das Training von DeepSeek-V3 genutzt?")
    assert answer.claims, answer.answer
    assert any(p[1]["content"].startswith("Task A") for p in scripted.prompts)


DOCKS = [  # one strike, two reports, two languages: the rules read the English one, the model the German one
    ("docks-en", "Dockworkers walk out at Tollard terminal in Brenmouth", "Brenmouth Evening Post",
     "Container traffic at the Tollard terminal in Brenmouth stopped on Wednesday after 640 dockworkers walked out "
     "in a dispute over shift patterns, the union said. Picket lines formed at both gates from 6am."),
    ("docks-de", "Hafenstreik in Brenmouth: Tollard-Terminal steht still", "Hafenzeitung",
     "Am Tollard-Terminal in Brenmouth haben am Mittwoch nach Angaben der Gewerkschaft 700 Hafenarbeiter die Arbeit "
     "niedergelegt. Die Streikposten standen seit sechs Uhr an beiden Toren des Terminals."),
]


@pytest.fixture(scope="module")
def docks_store(tmp_path_factory):
    from rag.ingest import Ingestor
    from rag.store import Store
    from rag.types import IngestReport, SourceDoc

    from .conftest import make_settings

    settings = make_settings(tmp_path_factory.mktemp("docks"), model="scripted",
                             reading=ReadingSettings(route=Route.MIXED))
    store = Store(settings)
    docs = [SourceDoc(id=i, title=title, outlet=outlet, text=text, origin="test", date="2024-03-14")
            for i, title, outlet, text in DOCKS]
    Ingestor(store, settings).ingest_docs(docs, IngestReport(), progress=False)
    store.lexical.refresh()
    return store, settings


def test_the_mixed_route_keeps_the_rules_reading_in_the_questions_language_and_adds_the_models_in_another(
        docks_store, scripted):
    def reply(messages):
        text = messages[1]["content"]
        if "Sentences:" not in text:
            return '{"states": "yes"}'
        return json.dumps({"answers": re.findall(r"\b\d{3} \w+", text.split("Sentences:")[1])[:1]})

    scripted.read_as(*[reply] * 8)
    store, settings = docks_store
    answer = Assistant(store, settings).ask("How many dockworkers went on strike at the Tollard terminal in Brenmouth?")
    read = [p[1]["content"].split("Sentences:")[1] for p in scripted.prompts if p[1]["content"].startswith("Task A")]
    assert read and all("Hafenarbeiter" in r and "dockworkers" not in r for r in read)  # the model reads German only
    by_source = sorted((c.source, c.value) for c in answer.claims)
    assert by_source == [("docks-de", "700 Hafenarbeiter"), ("docks-en", "640 dockworkers")], answer.answer
    assert answer.disagreements and "640" in answer.answer and "700" in answer.answer


def test_when_no_source_states_it_the_answer_abstains_and_names_what_was_refused(model_route, scripted):
    scripted.read_as(*['{"answers": ["DeepSeek"]}'] * 8)  # a name where a count is asked
    answer = model_route.ask("How many Nvidia H800 GPUs were used to train DeepSeek-V3?")
    assert answer.abstained and answer.claims == []
    assert any("check typed" in r for r in answer.removed), answer.removed


def test_a_stance_is_read_with_the_number_of_its_sentence_and_cites_that_sentence_whole(scripted):
    w = Window("a", "Pay", (sentence("The march was peaceful."), sentence("Clean Air Now denied paying anyone.", start=30)))
    scripted.read_as('{"answer": "no", "sentence": 2}', '{"answer": "yes", "sentence": 7}')
    question = "Did Clean Air Now pay the marchers?"
    first, second = Reader(scripted, ReadingSettings()).read(question, analyse(question).type, [w, w])
    assert (first.stance, first.span) == (StanceValue.NO, "Clean Air Now denied paying anyone.")
    assert (second.stance, second.span) == (StanceValue.YES, None)  # no such sentence: nothing to cite
    drafts, refusals = checked([first, second], analyse(question), {})
    assert [d.stance for d in drafts] == [StanceValue.NO] and [r.check for r in refusals] == ["verbatim"]


def _rules_read(text: str) -> ClaimDraft:
    v = numbers.find(text)[0]
    return ClaimDraft(sentence(MARCH), "Police", "said", text, ClaimKind.VALUE, False, v.key, reading=v)


@pytest.mark.parametrize("states, kept", [(True, ["5,000"]), (False, [])])
def test_where_the_rules_read_another_figure_in_the_article_the_second_reading_decides(states, kept):
    asked: list[str] = []
    question = analyse("How many people were arrested in Veldham?")
    drafts, refusals = checked([proposal("5,000")], question, {}, rules=[_rules_read("14")],
                               confirm=lambda c: asked.append(c.span) or states)
    assert [d.value for d in drafts] == kept and asked == ["5,000"]
    assert [r.check for r in refusals] == ([] if states else ["readers_agree"])


def test_where_both_readers_read_one_figure_it_stands_without_a_second_model_reading():
    asked: list[str] = []
    question = analyse("How many people were arrested in Veldham?")
    drafts, _ = checked([proposal("14")], question, {}, rules=[_rules_read("14 people")],
                        confirm=lambda c: asked.append(c.span) or False)
    assert [d.value for d in drafts] == ["14"] and asked == []


@pytest.mark.parametrize("states, kept", [(True, ["14"]), (False, [])])
def test_where_only_the_model_reads_a_figure_its_second_reading_decides(states, kept):
    asked: list[str] = []
    question = analyse("How many people were arrested in Veldham?")
    drafts, refusals = checked([proposal("14")], question, {}, rules=[],
                               confirm=lambda c: asked.append(c.span) or states)
    assert [d.value for d in drafts] == kept and asked == ["14"]
    assert [r.check for r in refusals] == ([] if states else ["confirmed"])


def test_the_second_reading_asks_about_the_one_sentence_and_the_proposed_words(scripted):
    scripted.read_as('{"states": "no"}', '{"states": "yes"}')
    reader = Reader(scripted, ReadingSettings())
    assert not reader.confirm("How many were arrested?", MARCH, "3,000")
    assert reader.confirm("How many were arrested?", MARCH, "14")
    assert scripted.prompts[0][1]["content"].endswith("Proposed answer: 3,000") and MARCH in scripted.prompts[0][1]["content"]


@pytest.fixture(scope="module")
def stories_store(tmp_path_factory):
    """Two stories of the dev split in an index of their own (each is the other's distractor)."""
    from evals.datasets import STORIES2, load_stories
    from rag.ingest import Ingestor
    from rag.store import Store
    from rag.types import IngestReport

    from .conftest import make_settings

    items = [it for it in load_stories(STORIES2, "dev") if it.id.startswith(("cresswick-runway", "dellbrook-harnell"))]
    settings = make_settings(tmp_path_factory.mktemp("stories"), reading=ReadingSettings(route=Route.MODEL))
    store = Store(settings)
    docs = [d for d in items[0].docs if d.id.startswith(("cresswick-runway", "dellbrook-harnell"))]
    Ingestor(store, settings).ingest_docs(docs, IngestReport(), progress=False)
    store.lexical.refresh()
    return Assistant(store, settings), {it.question: it for it in items}


def _quotes_verbatim(answer, store) -> None:
    for c in answer.citations:
        assert store.registry.text(c.source)[c.start:c.end] == c.quote


@pytest.mark.slow
def test_the_real_model_reads_both_sides_of_a_conflict_and_code_states_them(stories_store):
    assistant, items = stories_store
    it = items["How many flights were cancelled because of the runway closure at Cresswick International Airport on 15 September?"]
    answer = assistant.ask(it.question)
    _quotes_verbatim(answer, assistant.store)
    assert answer.disagreements, answer.answer
    assert all(side.split(" | ")[0] in answer.answer for side in it.gold_sides), answer.answer


@pytest.mark.slow
def test_the_real_model_reading_abstains_where_no_source_answers(stories_store):
    assistant, items = stories_store
    answer = assistant.ask("When will building work start at Harnell Farm in Dellbrook?")
    _quotes_verbatim(answer, assistant.store)
    assert answer.abstained and not answer.claims, answer.answer


@pytest.mark.parametrize("message, first, rest", [
    ("How many GPUs does DeepSeek have?", "How many GPUs does DeepSeek have?", []),
    ("How many attended? Did DeepSeek use smuggled chips?", "How many attended?", ["Did DeepSeek use smuggled chips?"]),
    ("Tell me about the U.S. probe. Who leads it?", "Tell me about the U.S. probe. Who leads it?", []),
])
def test_a_message_is_split_into_its_questions(message, first, rest):
    assert split_questions(message) == (first, rest)


def test_a_message_with_two_questions_says_which_one_it_answered(model_route, scripted):
    answer = model_route.ask("How many people attended? Did DeepSeek use smuggled chips?")
    assert answer.answer.endswith("This answers “How many people attended?” only; "
                                  "ask “Did DeepSeek use smuggled chips?” on its own."), answer.answer
    assert answer.question == "How many people attended?"


def test_with_the_typed_check_off_a_value_question_still_gets_no_claim_without_a_value():
    drafts, refusals = run("on Saturday", "How many people were arrested in Veldham?", off=("typed",))
    assert drafts == [] and [r.check for r in refusals] == ["typed"]
