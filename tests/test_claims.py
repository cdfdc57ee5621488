"""Claim extraction and disagreement rules on real article sentences (no model involved)."""

from __future__ import annotations

from hypothesis import given, strategies as st

from rag import claims as cl
from rag.evidence import EvidenceSelector
from rag.retrieve import Retriever


def _sentences(store, settings, question):
    hits = Retriever(store, settings).search(question, settings.evidence_chunks)
    return EvidenceSelector(settings).candidates(hits)


def test_mission_question_claims_keep_claimant_apart_from_outlet(seed_store, seed_settings):
    q = "How many GPUs did DeepSeek claim?"
    found = cl.quantity_claims(_sentences(seed_store, seed_settings, q), cl.frame(q))
    table = {(f["claimant"], f["number"], s.outlet) for s, f in found}
    assert ("DeepSeek", 2048, "GIGAZINE") in table
    assert ("DeepSeek researchers", 2048, "Sherwood News") in table
    assert ("DeepSeek", 2000, "unknown") in table
    assert ("Insiders", 50000, "Gnoppix") in table
    assert ("Scale AI CEO Alexandr Wang", 50000, "Sherwood News") in table
    # Other companies' fleets are not DeepSeek's: Musk's 100,000 and Meta's 49,152 stay out.
    assert not {n for _, n, _ in table} & {100000, 49152, 16384, 1.3e6}
    hedged = {f["claimant"]: f["hedged"] for _, f in found}
    assert hedged["Insiders"] and hedged["Scale AI CEO Alexandr Wang"] and not hedged["DeepSeek"]


def test_rounding_agrees_and_real_conflicts_do_not():
    assert cl.compatible(2048, 2000) and cl.compatible(2.78e6, 2.8e6) and cl.compatible(2.788e6, 2.8e6)
    assert not cl.compatible(2048, 50000) and not cl.compatible(30.8e6, 39.3e6)
    groups = cl.group_values([2048, 2000, 50000, 10000, 50000])
    assert sorted(sorted(g) for g in groups) == [[0, 1], [2, 4], [3]]


@given(st.lists(st.floats(min_value=1, max_value=1e12), min_size=1, max_size=12))
def test_grouping_is_a_partition(values):
    groups = cl.group_values(values)
    assert sorted(i for g in groups for i in g) == list(range(len(values)))


def test_stance_claims_find_both_sides(seed_store, seed_settings):
    q = "Did DeepSeek use smuggled chips?"
    found = cl.stance_claims(_sentences(seed_store, seed_settings, q), cl.frame(q))
    kinds = {(s.source, f["kind"]) for s, f in found}
    assert ("us-probe-smuggling", "stance:no") in kinds
    assert ("sherwood-gpu-mystery", "stance:no") in kinds
    assert ("gnoppix-smuggled-chips", "stance:yes") in kinds


def test_llama_gpu_hours_inherit_the_subject_from_the_previous_sentence(seed_store, seed_settings):
    q = "How many GPU hours did it take to train Llama?"
    found = cl.quantity_claims(_sentences(seed_store, seed_settings, q), cl.frame(q))
    assert {(s.source, f["number"]) for s, f in found} == {
        ("gigazine-singapore-probe", 30.8e6), ("sherwood-gpu-mystery", 39.3e6)
    }


def test_aligned_sentences_that_differ_in_a_name_are_a_conflict():
    from rag.types import Sentence

    a = Sentence("s1", "t", "A", "The game was played at Raymond James Stadium in Tampa, Florida, the home stadium.", 0, 80, False, "")
    b = Sentence("s2", "t", "B", "The game was played at Raymond James Stadium in Glendale, Arizona, the home stadium.", 0, 82, False, "")
    ((_, _, va, vb),) = cl.aligned_conflicts([a, b])
    assert {va, vb} == {"Tampa, Florida", "Glendale, Arizona"}


def test_datelines_and_publication_days_are_not_conflicts():
    from rag.types import Sentence

    def s(source, text):
        return Sentence(source, "t", source, text, 0, len(text), False, "")

    assert cl.aligned_conflicts([s("a", "Jul 10, 2021 ..."), s("b", "Jul 11, 2021 ...")]) == []
    assert cl.aligned_conflicts([
        s("a", "Sep 11, 2021 Emma Raducanu won the US Open title in New York on Saturday night."),
        s("b", "Sep 12, 2021 Emma Raducanu won the US Open title in New York on Saturday night."),
    ]) == []


def test_a_rate_per_unit_is_not_a_count_of_that_unit(seed_store, seed_settings):
    q = "How many tokens was DeepSeek-V3 trained on?"
    found = cl.quantity_claims(_sentences(seed_store, seed_settings, q), cl.frame(q))
    assert [f["number"] for _, f in found] == [14.8e12]


def test_the_code_states_each_side_of_a_name_conflict_with_its_own_answer():
    from rag.answer import _disagreements, disagreement_sentence
    from rag.types import Evidence, Sentence

    texts = {"true-0": "Facebook bought Instagram in 2012 for a record-setting $1 billion in cash and stock.",
             "swapped-0": "Apple bought Instagram in 2012 for a record-setting $1 billion in cash and stock."}
    sents = {i: Sentence(src, "t", f"Outlet {src.upper()}", t, 0, len(t), False, "")
             for i, (src, t) in enumerate(texts.items(), 1)}
    evidence = [Evidence(i, s.source, s.title, s.outlet, s.text, 0, len(s.text), 0.9) for i, s in sents.items()]
    q = "Who acquired Instagram?"
    (d,) = _disagreements(cl.frame(q), q, [], evidence, sents)
    sentence = disagreement_sentence(d)
    assert "Outlet TRUE-0 reports “Facebook” [1]" in sentence and "Outlet SWAPPED-0 reports “Apple” [2]" in sentence
