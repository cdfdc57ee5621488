"""Scores for one answer; every metric is defined in the README and computed here, in code you can read."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from evals.datasets import Item
from evals.systems import Outcome
from rag import numbers
from rag.language import detect, load
from rag.sentences import split
from rag.verify import MARKER, markers, quote_is_verbatim

SUPPORT_COSINE = 0.5
OPENERS = {"Sources", "They", "She", "He", "Its", "Their", "No", "One", "Both", "Some", "Other", "Others", "What",
           "In", "The", "It", "This", "That", "For", "But", "And", "However", "Yet", "As", "According", "Most",
           "While", "When", "Since", "There", "Even", "Here", "Police", "Officials"}


@dataclass
class Scored:
    correct: bool
    citations: int
    valid: int
    cited_sentences: int
    supported: int
    sentences: int
    sentences_with_support: int
    predicted_disagreement: bool
    abstained: bool
    figure_found: bool = False


def _norm(text: str) -> str:
    return re.sub(r"(?<=\d),(?=\d{3})", "", text).lower()


def has_fact(answer: str, fact: str) -> bool:
    return any(_norm(alt.strip()) in _norm(answer) for alt in fact.split("|") if alt.strip())


def is_correct(answer: str, abstained: bool, facts: list[str], answerable: bool) -> bool:
    """All gold facts present; an abstention is right only where the question is unanswerable."""
    if not answerable:
        return abstained
    if abstained:
        return False
    return all(has_fact(answer, f) for f in facts)


def figure_found(answer: str, abstained: bool, item: Item, citations: list[dict], source_text) -> bool:
    """The gold's figure stated, however worded ("Rund 1.150" for "1.150 Beschäftigte"), with a gold source cited:
    a claim found in the article, the measure of reading across languages. A gold with no figure: as written."""
    if abstained or not item.answerable or not item.gold_sources:
        return False
    if not any(c.get("source") in item.gold_sources for c in citations):
        return False
    lang = load(detect(source_text(item.gold_sources[0]) or ""))  # the gold as the article writes it
    # the answer's figures as the article writes them (a quote) and as the answer's own language does ("1,150")
    said = numbers.find(answer, lang) + numbers.find(answer, load(detect(answer)))
    for fact in item.gold_facts:
        gold = numbers.find(fact, lang)
        if not gold and not has_fact(answer, fact):
            return False
        if gold and not all(any(v.kind is g.kind and numbers.same(v, g) for v in said) for g in gold):
            return False
    return True


def entities(sentence: str) -> set[str]:
    """Capitalised words (names, outlets, models), bar common sentence openers: what a quote must also name."""
    words = re.findall(r"[A-Za-z][\w’'-]*", MARKER.sub(" ", sentence))
    return {w.lower() for i, w in enumerate(words)
            if w[0].isupper() and len(w) > 2 and not (i == 0 and w in OPENERS)}


def supports(sentence: str, quotes: list[str], cosine: float, sources: str = "") -> bool:
    """Citation support: numbers and names of the sentence appear in its quotes (names may also be the cited
    sources' outlet or title: "GIGAZINE reports"), and sentence and quotes are about the same thing."""
    joined = " ".join(quotes)
    have = numbers.find(joined)
    for v in numbers.find(MARKER.sub(" ", sentence)):
        if v.base >= 10 and not any(numbers.same(v, h) for h in have):
            return False
    low = f"{joined} {sources}".lower()
    if not all(e in low for e in entities(sentence)):
        return False
    return cosine >= SUPPORT_COSINE


def valid_citations(citations: list[dict], source_text) -> set[int]:
    """Ids of the citations whose quote stands verbatim at its offsets in the stored article."""
    return {c["id"] for c in citations
            if quote_is_verbatim(source_text(c["source"]), c["quote"], c["start"], c["end"])}


def score(outcome: Outcome, item: Item, source_text, embed) -> Scored:
    """One system's outcome on one item; `source_text(id)` gives the stored article text."""
    answer, citations, abstained = outcome.answer, outcome.citations, outcome.abstained
    valid_ids = valid_citations(citations, source_text)
    by_id = {c["id"]: c for c in citations}
    sentences = [s for s in split(answer) if re.search(r"[A-Za-z]{3}", MARKER.sub("", s))]
    cited = [(s, markers(s)) for s in sentences]
    cited = [(s, [n for n in ids if n in by_id]) for s, ids in cited]
    supported = 0
    with_support = 0
    pairs = [(s, ids) for s, ids in cited if ids]
    if pairs:
        vecs = embed([MARKER.sub("", s) for s, _ in pairs] + [" ".join(by_id[n]["quote"] for n in ids) for _, ids in pairs])
        k = len(pairs)
        cos = np.sum(np.array(vecs[:k]) * np.array(vecs[k:]), axis=1)
        for (s, ids), c in zip(pairs, cos):
            meta = " ".join(f"{by_id[n].get('outlet', '')} {by_id[n].get('title', '')}" for n in ids)
            if supports(s, [by_id[n]["quote"] for n in ids], float(c), meta):
                supported += 1
                if all(n in valid_ids for n in ids):
                    with_support += 1
    return Scored(
        correct=is_correct(answer, abstained, item.gold_facts, item.answerable),
        citations=len(citations), valid=len(valid_ids), cited_sentences=len(pairs), supported=supported,
        sentences=len(sentences), sentences_with_support=with_support,
        predicted_disagreement=outcome.disagreements > 0, abstained=abstained,
        figure_found=figure_found(answer, abstained, item, citations, source_text),
    )


def asserts(answer: str, value: str) -> bool:
    """`value` stands in the answer as a whole figure or word ("14" is not in "2014"); thousands separators ignored."""
    plain = re.sub(r"(?<=\d)[,\u202f\u00a0 ](?=\d{3}\b)", "", answer)
    target = re.sub(r"(?<=\d)[,\u202f\u00a0 ](?=\d{3}\b)", "", value.strip())
    return bool(target) and re.search(rf"(?<![\w.]){re.escape(target)}(?!\w)", plain, re.I) is not None


def strict(row: dict) -> bool:
    """Correct, and no tempting wrong value of the question's articles asserted beside the gold."""
    return row["scores"]["correct"] and not any(asserts(row["answer"], v) for v in row.get("tempting", []))


def percentile(values: list[float], q: float) -> float | None:
    return float(np.percentile(values, q)) if values else None


def _kinds(row: dict) -> list[str]:
    return [d.get("kind", "conflict") for d in row.get("disagreements", [])]


def by_kind(rows: list[dict]) -> dict:
    """The dev set's targets: conflicts flagged with every side named, updates stated as updates, single-source
    accuracy, false disagreements, abstention on unanswerable questions."""
    def share(selected, ok):
        return round(sum(ok(r) for r in selected) / len(selected), 3) if selected else None

    of = lambda kind: [r for r in rows if r.get("kind") == kind]  # noqa: E731
    flagged = lambda r: r["scores"]["predicted_disagreement"]  # noqa: E731
    return {
        "conflict_all_sides": share([r for r in rows if r.get("kind") in ("conflict", "outlier", "ambiguity")],
                                    lambda r: flagged(r) and all(has_fact(r["answer"], f) for f in r.get("gold_sides") or r["gold_facts"])),
        "update_stated": share(of("update"), lambda r: "update" in _kinds(r)),
        # a conflict named a conflict, one source against several an outlier: where copies of one wire report were
        # counted as several sources, a reporter's own count was called the outlier
        "conflict_kind_named": share([r for r in rows if r.get("kind") in ("conflict", "outlier")],
                                     lambda r: r["kind"] in _kinds(r)),
        "single_accuracy": share(of("single"), lambda r: r["scores"]["correct"]),
        "single_figure_found": share(of("single"), lambda r: r["scores"].get("figure_found", False)),
        "single_strict": share([r for r in of("single") if "tempting" in r], lambda r: strict(r)),
        "false_disagreement": share([r for r in rows if r.get("kind") and not r["gold_disagreement"]], flagged),
        "unanswerable_abstention": share(of("unanswerable"), lambda r: r["scores"]["abstained"]),
    }


def summarize(rows: list[dict]) -> dict:
    """Aggregate per system: the table of the report."""
    def ratio(a, b):
        return round(a / b, 3) if b else None

    out = {}
    for system in sorted({r["system"] for r in rows}):
        rs = [r for r in rows if r["system"] == system]
        s = [r["scores"] for r in rs]
        gold_d = [r["gold_disagreement"] for r in rs]
        pred_d = [x["predicted_disagreement"] for x in s]
        tp = sum(g and p for g, p in zip(gold_d, pred_d))
        ttft = [r["ttft_s"] for r in rs if r["ttft_s"] is not None]
        total = [r["total_s"] for r in rs]
        out[system] = {
            "questions": len(rs),
            "answer_accuracy": ratio(sum(x["correct"] for x in s), len(s)),
            "citation_validity": ratio(sum(x["valid"] for x in s), sum(x["citations"] for x in s)),
            "citation_support": ratio(sum(x["supported"] for x in s), sum(x["cited_sentences"] for x in s)),
            "citation_recall": ratio(sum(x["sentences_with_support"] for x in s), sum(x["sentences"] for x in s)),
            "disagreement_precision": ratio(tp, sum(pred_d)),
            "disagreement_recall": ratio(tp, sum(gold_d)),
            "abstention_accuracy": ratio(sum(x["abstained"] == (not r["answerable"]) for x, r in zip(s, rs)), len(s)),
            **by_kind(rs),
            "ttft_p50_s": percentile(ttft, 50), "ttft_p95_s": percentile(ttft, 95),
            "total_p50_s": percentile(total, 50), "total_p95_s": percentile(total, 95),
        }
    return out
