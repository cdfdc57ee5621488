"""The `rag` CLI in-process (click's CliRunner) on real indexes; test_answer.py keeps subprocess runs of the entry point."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from rag.cli import main

from .conftest import ScriptedGenerator


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def _env(settings) -> dict[str, str]:
    return {"RAG_CORPUS_DIR": str(settings.corpus_dir), "RAG_INDEX_DIR": str(settings.index_dir)}


def test_ask_json_keeps_its_fields_and_quotes_verbatim(runner, seed_store, seed_settings, scripted: ScriptedGenerator):
    scripted.enqueue("DeepSeek says it used 2048 GPUs [1].")
    out = runner.invoke(main, ["ask", "--json", "--model", "scripted", "How many GPUs did DeepSeek claim?"],
                        env=_env(seed_settings))
    assert out.exit_code == 0, out.output
    j = json.loads(out.stdout)
    assert {"answer", "abstained", "citations", "claims", "disagreements", "removed", "timings"} <= set(j)
    assert j["disagreements"] and {d["kind"] for d in j["disagreements"]} <= {"conflict", "update", "ambiguity", "outlier"}
    for c in j["citations"]:
        assert seed_store.registry.text(c["source"])[c["start"]:c["end"]] == c["quote"]


def test_bad_questions_and_queries_get_one_line_errors(runner, seed_store, seed_settings):
    empty = runner.invoke(main, ["search", "   "], env=_env(seed_settings))
    assert empty.exit_code == 2 and empty.stderr.strip() == "error: the query is empty"
    too_long = runner.invoke(main, ["ask", "--model", "scripted", "x" * 5000], env=_env(seed_settings))
    assert too_long.exit_code == 2 and "too long" in too_long.stderr and "Traceback" not in too_long.output


def test_a_bad_setting_in_the_environment_is_named_in_one_line_with_what_it_accepts(runner, tmp_path):
    for var, value, says in (("RAG_INGEST__EMBEDDER", "bogus", "multilingual-e5-small"),
                             ("RAG_RETRIEVAL__TOP_K", "0", "greater than or equal to 1")):
        result = runner.invoke(main, ["sources"], env={"RAG_INDEX_DIR": str(tmp_path / "index"), var: value})
        assert result.exit_code == 2 and f"invalid setting: {var}: " in result.output and says in result.output
        assert "Traceback" not in result.output and not (tmp_path / "index").exists()


def test_unknown_model_is_refused_with_the_known_ones(runner, seed_store, seed_settings):
    out = runner.invoke(main, ["ask", "--model", "gpt-9", "Who?"], env=_env(seed_settings))
    assert out.exit_code == 2 and "unknown model 'gpt-9'" in out.stderr and "qwen2.5-coder-1.5b" in out.stderr


def test_ingest_remove_restore_round_trip(runner, tmp_path):
    env = {"RAG_CORPUS_DIR": str(tmp_path / "no-corpus"), "RAG_INDEX_DIR": str(tmp_path / "index")}
    good = tmp_path / "harbour.txt"
    good.write_text("Harbour strike ends\n\nDock workers in Port Ellery ended a nine-day strike on Monday, "
                    "the union said, after the port authority agreed to a 4 percent raise.\n")
    bad = tmp_path / "image.txt"
    bad.write_bytes(b"\x00\x01\x02binary" * 50)
    added = runner.invoke(main, ["ingest", str(good), str(bad)], env=env)
    assert added.exit_code == 1  # one file rejected: the rest went in, the reason is named
    assert f"skipped {bad}" in added.stderr and "binary" in added.stderr and "1 added" in added.stdout
    (doc_id,) = [line.split("\t")[0] for line in runner.invoke(main, ["sources"], env=env).stdout.splitlines()]

    unknown = runner.invoke(main, ["remove", "no-such-article"], env=env)
    assert unknown.exit_code == 2 and "no article with id 'no-such-article'" in unknown.stderr
    removed = runner.invoke(main, ["remove", doc_id, "--reason", "duplicate of the wire copy"], env=env)
    assert removed.exit_code == 0 and runner.invoke(main, ["sources"], env=env).stdout == ""
    listed = runner.invoke(main, ["sources", "--removed"], env=env).stdout
    assert doc_id in listed and "duplicate of the wire copy" in listed
    again = runner.invoke(main, ["remove", doc_id], env=env)
    assert again.exit_code == 2 and "already removed" in again.stderr

    assert runner.invoke(main, ["restore", doc_id], env=env).exit_code == 0
    hits = json.loads(runner.invoke(main, ["search", "--json", "strike Port Ellery"], env=env).stdout)["hits"]
    assert hits and hits[0]["source"] == doc_id


def test_disagreements_lists_the_shipped_disagreements_most_sources_first_each_quote_verbatim(runner, seed_store,
                                                                                              seed_settings):
    out = runner.invoke(main, ["disagreements", "--json"], env=_env(seed_settings))
    assert out.exit_code == 0, out.output
    j = json.loads(out.stdout)
    topics = [e["topic"] for e in j["entries"]]
    assert {"whether “smuggled” (DeepSeek)", "number of GPUs (DeepSeek)", "number of GPU hours (Llama)"} <= set(topics)
    assert [e["sources"] for e in j["entries"]] == sorted((e["sources"] for e in j["entries"]), reverse=True)
    for e in j["entries"]:
        assert e["kind"] in {"conflict", "update", "ambiguity", "outlier"} and len(e["sides"]) >= 2
        for side in e["sides"]:
            for c in side["claims"]:
                cite = c["citation"]
                assert seed_store.registry.text(cite["source"])[cite["start"]:cite["end"]] == cite["quote"]
    text = runner.invoke(main, ["disagreements"], env=_env(seed_settings))
    assert text.exit_code == 0 and "1. conflict · 4 sources · whether “smuggled” (DeepSeek)" in text.stdout


def test_disagreements_filters_by_outlet_and_date_and_refuses_a_bad_date(runner, seed_store, seed_settings):
    only = json.loads(runner.invoke(main, ["disagreements", "--json", "--outlet", "gnoppix"], env=_env(seed_settings)).stdout)
    assert only["entries"] and all(any(c["outlet"] == "Gnoppix" for s in e["sides"] for c in s["claims"])
                                   for e in only["entries"])
    assert len(only["entries"]) < json.loads(runner.invoke(main, ["disagreements", "--json"],
                                                           env=_env(seed_settings)).stdout)["total"]
    dated = json.loads(runner.invoke(main, ["disagreements", "--json", "--since", "2020-01-01"], env=_env(seed_settings)).stdout)
    assert dated["entries"] == []  # the shipped articles carry no date: nothing is placed after one
    bad = runner.invoke(main, ["disagreements", "--since", "last week"], env=_env(seed_settings))
    assert bad.exit_code == 2 and bad.stderr.strip() == "error: 'since' takes a date such as 2026-03-14, not 'last week'"


def test_ask_timeline_orders_the_sources_answers_and_keeps_undated_ones_apart(runner, seed_store, seed_settings,
                                                                             scripted: ScriptedGenerator):
    scripted.enqueue("Meta used 30.8 million GPU hours [1].")
    out = runner.invoke(main, ["ask", "--json", "--timeline", "--model", "scripted",
                               "How many GPU hours did it take to train Llama?"], env=_env(seed_settings))
    assert out.exit_code == 0, out.output
    line = json.loads(out.stdout)["timeline"]
    assert line["points"] == []  # no shipped article has a date
    values = {p["value"] for p in line["undated"]}
    assert any("30.8" in v for v in values) and any("39.3" in v for v in values)
    for p in line["undated"]:
        cite = p["citation"]
        assert seed_store.registry.text(cite["source"])[cite["start"]:cite["end"]] == cite["quote"]
