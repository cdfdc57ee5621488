from __future__ import annotations

import json

import pytest

from evals import metrics
from evals.datasets import RGB, SEED, Item, load_jsonl, load_rgb
from evals.run import invalid_citations, run


def test_seed_set_is_large_and_well_formed():
    items = load_jsonl(SEED)
    assert len(items) >= 40
    assert sum(not i.answerable for i in items) >= 5 and sum(i.false_premise for i in items) >= 2
    assert sum(i.disagreement for i in items) >= 5
    assert all(i.gold_facts or not i.answerable for i in items)


@pytest.mark.skipif(not RGB.is_file(), reason="shared/datasets is not beside this checkout")
def test_rgb_conflict_items_mix_true_and_swapped_passages():
    item = load_rgb()[0]
    kinds = {d.id.split("-")[0] for d in item.docs}
    assert kinds == {"true", "swapped", "other"} and item.disagreement
    assert not any(d.id.startswith("swapped") for d in load_rgb(conflict=False)[0].docs)


def test_accuracy_rules():
    assert metrics.is_correct("They used 2048 GPUs [1].", False, ["2,048 | 2000"], True)
    assert not metrics.is_correct("They used 4096 GPUs [1].", False, ["2,048"], True)
    assert not metrics.is_correct("The sources don't say.", True, ["2,048"], True)
    assert metrics.is_correct("The sources don't say.", True, [], False)


ARTICLE = "Rund 1.150 Beschäftigte von Kessler folgten am Dienstag in Kornhagen dem Aufruf zum Warnstreik der IG Metall."


@pytest.mark.parametrize("answer, cited, found", [
    ("Kornhagener Tageblatt reports Rund 1.150 [1].", "de-art", True),  # the figure, without the gold's noun
    ("Kornhagener Tageblatt reports 1150 workers [1].", "de-art", True),  # another notation of the same value
    ("The Tageblatt says about 1,150 workers joined the strike [1].", "de-art", True),  # the answer's own notation
    ("Kornhagener Tageblatt reports 1.500 [1].", "de-art", False),  # another figure
    ("Another paper reports Rund 1.150 [1].", "other-art", False),  # the gold article not cited
])
def test_a_figure_is_found_however_worded_where_its_article_is_cited(answer, cited, found):
    item = Item(id="x", question="How many took part?", gold_facts=["1.150 Beschäftigte"], gold_sources=["de-art"],
                disagreement=False, kind="single")
    texts = {"de-art": ARTICLE, "other-art": "Something else entirely happened in Brenmouth on Monday."}
    assert metrics.figure_found(answer, False, item, [{"source": cited}], texts.get) is found
    assert not metrics.figure_found(answer, True, item, [{"source": cited}], texts.get)  # an abstention finds nothing


def test_support_needs_numbers_names_and_similarity():
    quote = "Insiders estimate DeepSeek’s clusters now encompass around 50,000 GPUs."
    assert metrics.supports("Insiders estimate DeepSeek has around 50,000 GPUs [2].", [quote], 0.8)
    assert not metrics.supports("Insiders estimate DeepSeek has around 60,000 GPUs [2].", [quote], 0.8)
    assert not metrics.supports("Nvidia estimates DeepSeek has around 50,000 GPUs [2].", [quote], 0.8)
    assert not metrics.supports("Insiders estimate DeepSeek has around 50,000 GPUs [2].", [quote], 0.2)


@pytest.mark.slow
def test_small_eval_run_writes_a_report_and_every_citation_of_ours_is_verbatim(tmp_path):
    names = ["seed", "rgb"] if RGB.is_file() else ["seed"]
    html = run(names, limit=2, baseline=False, out=tmp_path / "report")
    assert html.is_file() and (tmp_path / "report" / "metrics.png").is_file()
    summary = json.loads((tmp_path / "report" / "summary.json").read_text())["summary"]["ours"]
    assert summary["questions"] == 2 * len(names)
    assert summary["citation_validity"] == 1.0
    assert invalid_citations(html) == []


def test_the_claims_only_loop_counts_flags_per_kind_against_the_gold(seed_store, seed_settings):
    from evals.flags import flags
    from rag.answer import Assistant

    items = [it for it in load_jsonl(SEED) if it.question.startswith(("How many GPU hours did it take to train Llama",
                                                                       "What is the capital"))]
    assert len(items) >= 1
    assistant = Assistant(seed_store, seed_settings)
    result = flags(items, lambda item: assistant)
    counts = result["seed"]
    assert counts.total == len(items) and counts.right == counts.total  # the Llama GPU-hours conflict is flagged; the rest are not
    conflicts = sum(it.disagreement for it in items)
    assert conflicts >= 1 and counts.all_sides == conflicts  # and the code's statement names both figures
    assert counts.gold_value >= conflicts  # a claim holds a gold figure


def test_the_stock_baseline_answers_from_its_own_index_with_quotes_of_the_articles(seed_store, seed_settings, scripted):
    """Its chunker rejoins whitespace, so a quote is the article's words, not always its bytes (validity says so)."""
    from evals.systems import StockBaseline

    scripted.enqueue("DeepSeek says it trained V3 on 2048 H800 GPUs [1].")
    outcome = StockBaseline(seed_store, seed_settings, scripted).run("How many GPUs did DeepSeek claim?")
    assert outcome.answer.startswith("DeepSeek says") and [c["id"] for c in outcome.citations] == [1]
    (c,) = outcome.citations
    assert " ".join(c["quote"].split()) in " ".join((seed_store.registry.text(c["source"]) or "").split())


def test_stories2_splits_share_no_story_and_each_question_lists_tempting_wrong_values():
    from evals.datasets import STORIES2, load_stories

    dev, locked = load_stories(STORIES2, "dev"), load_stories(STORIES2, "locked")
    assert len({i.corpus for i in dev}) == 1 and not {d.id for d in dev[0].docs} & {d.id for d in locked[0].docs}
    assert len({i.id.rsplit("-q", 1)[0] for i in locked}) >= 40 and all(i.tempting for i in dev + locked)
    assert metrics.strict({"scores": {"correct": True}, "answer": "4 were arrested, 1,200 marched", "tempting": ["4"]}) \
        is False
