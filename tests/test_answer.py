"""End to end with the real 1.5B model on the shipped corpus. Expectations come from reading the articles."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from rag.answer import Assistant, QuestionError, clean_question
from rag.settings import Settings
from rag.types import StanceValue

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def assistant(seed_store, seed_settings):
    return Assistant(seed_store, seed_settings)


def _verbatim(answer, store):
    for c in answer.citations:
        assert store.registry.text(c.source)[c.start : c.end] == c.quote, c
    for d in answer.disagreements:
        for claim in d.claims:
            assert claim.evidence_id in {c.id for c in answer.citations}


def _nums(text: str) -> str:
    return text.replace(",", "")


def test_mission_question(assistant, seed_store):
    a = assistant.ask("How many GPUs did DeepSeek claim?")
    _verbatim(a, seed_store)
    assert not a.abstained and a.disagreements
    sides = {(c.claimant, c.outlet, c.number) for c in a.disagreements[0].claims}
    assert ("DeepSeek", "GIGAZINE", 2048) in sides and ("DeepSeek", "unknown", 2000) in sides
    assert ("Insiders", "Gnoppix", 50000) in sides
    text = _nums(a.answer)
    assert "2048" in text and "2000" in text and "50000" in text
    assert "Insiders estimate around 50,000 GPUs" in a.answer  # an estimate stays an estimate
    assert a.timings.first_token_s is not None and a.timings.total_s > 0


def test_llama_gpu_hours_conflict(assistant, seed_store):
    a = assistant.ask("How many GPU hours did it take to train Llama?")
    _verbatim(a, seed_store)
    assert a.disagreements and "30.8 million" in a.answer and "39.3 million" in a.answer


def test_smuggling_stances_conflict(assistant, seed_store):
    a = assistant.ask("Did DeepSeek use smuggled chips?")
    _verbatim(a, seed_store)
    (d,) = a.disagreements
    assert {c.stance for c in d.claims} >= {StanceValue.YES, StanceValue.NO}
    assert {c.source for c in d.claims if c.stance is StanceValue.NO} >= {"us-probe-smuggling", "sherwood-gpu-mystery"}
    assert {c.source for c in d.claims if c.stance is StanceValue.YES} >= {"gnoppix-smuggled-chips"}


def test_v3_gpu_hours_agree_up_to_rounding(assistant, seed_store):
    a = assistant.ask("How many GPU hours did it take to train DeepSeek-V3?")
    _verbatim(a, seed_store)
    assert not a.disagreements and not a.abstained
    assert "2.8 million" in a.answer or "2.78 million" in a.answer or "2.788 million" in a.answer


def test_parameters_single_fact(assistant, seed_store):
    a = assistant.ask("How many parameters does DeepSeek-V3 have?")
    _verbatim(a, seed_store)
    assert "671 billion" in a.answer and not a.disagreements


def test_unanswerable_abstains_with_the_closest_passage(assistant, seed_store):
    a = assistant.ask("What is the capital of France?")
    _verbatim(a, seed_store)
    assert a.abstained and a.answer.startswith("The sources don't say")


def test_false_premise_is_corrected(assistant, seed_store):
    a = assistant.ask("Why did DeepSeek train on 100,000 H100 GPUs?")
    _verbatim(a, seed_store)
    assert "No source says 100,000" in a.answer


def test_nvidia_singapore_statement(assistant, seed_store):
    a = assistant.ask("What did Nvidia say about its revenue from Singapore?")
    _verbatim(a, seed_store)
    assert not a.abstained and "gigazine-singapore-probe" in {c.source for c in a.citations}


def test_a100_count(assistant, seed_store):
    a = assistant.ask("How many A100 GPUs does DeepSeek own?")
    _verbatim(a, seed_store)
    assert "10,000" in a.answer


def test_follow_up_uses_the_chat_history(assistant, seed_store):
    a = assistant.ask("and how many A100s?", history=["How many GPUs did DeepSeek claim?"])
    _verbatim(a, seed_store)
    assert "10,000" in a.answer


def test_export_ban_date_is_not_a_conflict(assistant, seed_store):
    a = assistant.ask("When did the US ban exports of the H800?")
    _verbatim(a, seed_store)
    assert not a.disagreements and "2023" in a.answer


def test_bad_questions_get_clear_errors():
    s = Settings()
    for bad, why in [("", "empty"), ("   \n\t", "empty"), ("?!?!", "no words"), ("x" * 5000, "too long")]:
        with pytest.raises(QuestionError, match=why):
            clean_question(bad, s)
    assert clean_question("How\x00 many\x07 GPUs?", s) == "How many GPUs?"


def test_cli_ask_json_stdin(seed_settings):
    env = {**os.environ, "RAG_INDEX_DIR": str(seed_settings.index_dir), "RAG_CORPUS_DIR": str(seed_settings.corpus_dir)}
    out = subprocess.run(
        [sys.executable, "-m", "rag", "ask", "--json", "-"], input="What is the capital of France?\n\n   \n?!\n",
        env=env, capture_output=True, text=True, timeout=600,
    )
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert rows[0]["abstained"] is True and {"question", "answer", "citations", "disagreements"} <= set(rows[0])
    assert rows[1] == {"question": "?!", "error": "the question has no words in it"}
    assert out.returncode == 2 and "Traceback" not in out.stderr
