"""The verifier refuses what the evidence does not say; property tests included."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from rag.question import analyse
from rag.types import Claim, ClaimKind, Evidence
from rag.verify import check, quote_is_verbatim

EV = [
    Evidence(1, "gig", "T", "GIGAZINE", "it said it took about 2.8 million GPU hours to train with 2048 NVIDIA H800s.", 0, 10, 1.0),
    Evidence(2, "gno", "T", "Gnoppix", "Insiders estimate DeepSeek’s clusters now encompass around 50,000 GPUs.", 0, 10, 1.0),
]
CLAIMS = [
    Claim("gig", "GIGAZINE", "DeepSeek", "says", "2048 NVIDIA H800s", 2048, ClaimKind.VALUE, False, 1),
    Claim("gno", "Gnoppix", "Insiders", "estimates", "around 50,000 GPUs", 50000, ClaimKind.VALUE, True, 2),
]


def test_supported_sentence_passes_and_marker_is_kept():
    (c,) = check("DeepSeek says it trained with 2,048 NVIDIA H800s [1].", EV, CLAIMS)
    assert c.ok and c.cited == (1,)


def test_number_not_in_cited_quote_is_refused():
    (c,) = check("DeepSeek trained with 4,096 GPUs [1].", EV, CLAIMS)
    assert not c.ok and "4,096" in c.reason


def test_misattributed_estimate_is_refused():
    (c,) = check("DeepSeek claimed about 50,000 GPUs [2].", EV, CLAIMS)
    assert not c.ok and "Insiders" in c.reason


def test_marker_to_missing_evidence_is_dropped_and_reattached_by_content():
    (c,) = check("Insiders estimate around 50,000 GPUs [9].", EV, CLAIMS)
    assert c.ok and c.cited == (2,)


def test_a_name_not_in_the_cited_passage_is_refused():
    (c,) = check("Jensen Huang said it took about 2.8 million GPU hours [1].", EV, CLAIMS)
    assert not c.ok and "Jensen" in c.reason
    (ok,) = check("GIGAZINE reports 2.8 million GPU hours with 2048 NVIDIA H800s [1].", EV, CLAIMS)
    assert ok.ok  # the outlet of the cited source is a name the passage stands for


def test_uncited_unsupported_sentence_is_refused():
    (c,) = check("Nvidia sold 7 million chips to Mars.", EV, CLAIMS)
    assert not c.ok


@given(st.text(min_size=1, max_size=50), st.integers(0, 60), st.integers(0, 60))
def test_verbatim_check_never_accepts_a_quote_not_at_its_offsets(quote, start, length):
    source = "There is no evidence that DeepSeek used smuggled chips, officials said."
    end = start + length
    assert quote_is_verbatim(source, quote, start, end) == (source[start:end] == quote)


def test_a_compound_name_is_named_by_its_distinctive_part():
    from rag.verify import supported_names

    quote = "V3’s training reportedly cost under $6 million."
    assert supported_names("It cost under $6 million to train DeepSeek-V3.", [quote], "Gnoppix")[0]
    assert not supported_names("It cost under $6 million to train Llama-3.", [quote], "Gnoppix")[0]


def test_a_number_in_the_quote_of_another_kind_does_not_answer_the_question():
    ev = [Evidence(1, "a", "T", "Wire", "Brakel Logistics employs 5,000 people at its plant.", 0, 10, 1.0)]
    (c,) = check("Brakel Logistics had revenue of 5,000 [1].", ev, [], analyse("What was the revenue of Brakel Logistics?"))
    assert not c.ok and "not a money" in c.reason


def test_a_name_in_the_sentence_before_the_quote_counts_and_an_uncited_value_is_attached():
    ev = [Evidence(1, "a", "T", "Wire", "It was designed by Foster and Partners in 2019.", 0, 10, 1.0,
                   before="The Marlow library opened on Monday.")]
    claims = [Claim("a", "Wire", "Wire", "reports", "2019", 2019, ClaimKind.VALUE, False, 1, "date:2019")]
    (named,) = check("The Marlow library was designed by Foster and Partners [1].", ev, claims)
    assert named.ok
    (year,) = check("The Marlow library was designed in 2019.", ev, claims, analyse("When was the Marlow library designed?"))
    assert year.ok and year.cited == (1,)
