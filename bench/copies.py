"""`python -m bench.copies`: syndicated copies grouped into origins, measured.

1. On evals/data/copies.jsonl (stories with wire copies, republished releases and independent reports, each article
   labelled with its origin by the writer): pairwise precision and recall of the grouping, per split; and each
   question's disagreement label (agree / conflict / outlier) from the gold figures counted by article, as before,
   and by origin, as now, against the writer's label.
2. On the 3,824 news articles of the performance bench: the grouping's time (the same CopyFinder ingest runs, every
   article in turn) beside the embedder's own time for the same articles' chunks (a timed sample, scaled), in one run,
   and the copies it finds there.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from pathlib import Path

from evals.datasets import SEED
from rag.compare import classify
from rag.copies import CopyFinder
from rag.settings import Settings
from rag.types import Claim, ClaimKind, DisagreementKind

from .data import news_jsonl
from .report import emit

COPIES = SEED.parent / "copies.jsonl"
# a copy that changed its report's figure must be flagged (as a conflict, or as the one source that differs where
# independent reports back the figure); the statement then names that outlet's version
_KINDS = {"agree": {None}, "conflict": {DisagreementKind.CONFLICT}, "outlier": {DisagreementKind.OUTLIER},
          "copy_changed": {DisagreementKind.CONFLICT, DisagreementKind.OUTLIER}}


def grouped(docs: list[dict], settings: Settings) -> dict[str, str]:
    """Each article's origin as ingest finds it (articles in the order given, the first of a group its origin)."""
    from rag.copies import origins

    texts = {d["id"]: d["text"] for d in docs}
    finder = CopyFinder([], texts.get, settings.copies)
    pairs = [(c.doc_id, c.other) for d in docs for c in finder.add(d["id"], d["text"])[1]]
    order = {d["id"]: (n,) for n, d in enumerate(docs)}
    found = origins(pairs, order.__getitem__)
    return {d["id"]: found.get(d["id"], d["id"]) for d in docs}


def _pairs(label: dict[str, str]) -> set[frozenset[str]]:
    return {frozenset(p) for p in itertools.combinations(sorted(label), 2) if label[p[0]] == label[p[1]]}


def _claims(story: dict, question: dict, origin_of: dict[str, str]) -> list[list[Claim]]:
    """The gold figures as claims: each value from every article of its origins whose text states it."""
    sides = []
    for n, (value, labels) in enumerate(question["origins"].items()):
        bare = {lab.removesuffix("*changed") for lab in labels}
        docs = [d for d in story["docs"] if d["origin"] in bare and value in d["text"]]
        sides.append([Claim(source=d["id"], outlet=d["outlet"], claimant=d["outlet"], verb="reports", value=value,
                            number=float(n), kind=ClaimKind.VALUE, hedged=False, evidence_id=1, norm=value,
                            date=d["date"], origin=origin_of.get(d["id"], "")) for d in docs])
    return [s for s in sides if s]


def grouping(settings: Settings) -> dict:
    stories = [json.loads(line) for line in COPIES.read_text(encoding="utf-8").splitlines() if line.strip()]
    out: dict = {}
    for split in sorted({s["split"] for s in stories}):
        tp = fp = fn = 0
        labels = {"by article": 0, "by origin": 0}
        questions = 0
        for story in (s for s in stories if s["split"] == split):
            found = grouped(story["docs"], settings)
            gold, got = _pairs({d["id"]: d["origin"] for d in story["docs"]}), _pairs(found)
            tp, fp, fn = tp + len(gold & got), fp + len(got - gold), fn + len(gold - got)
            for q in story["questions"]:
                want = _KINDS[q["kind"]]
                questions += 1
                labels["by article"] += classify(_claims(story, q, {}), settings.claims) in want
                labels["by origin"] += classify(_claims(story, q, found), settings.claims) in want
        out[split] = {"stories": sum(s["split"] == split for s in stories), "pairs": tp + fn,
                      "precision": round(tp / (tp + fp), 3) if tp + fp else 1.0,
                      "recall": round(tp / (tp + fn), 3) if tp + fn else 1.0,
                      "questions": questions, "label correct, counted by article": labels["by article"],
                      "label correct, counted by origin": labels["by origin"]}
    return out


def cost(settings: Settings, sample: int) -> dict:
    """The grouping's time over the news corpus beside the embedder's time for its chunks (sample scaled)."""
    from rag.chunk import Chunker
    from rag.corpus import read_paths
    from rag.embed import get_embedder

    docs = [d for _, found, _ in read_paths([news_jsonl()], settings) for d in found]
    chunker = Chunker(settings)
    chunks = [c.text for d in docs for c in chunker.chunks(d)]
    t0 = time.perf_counter()
    finder = CopyFinder([], {}.get, settings.copies)
    copies = [c for d in docs for c in finder.add(d.id, d.text)[1]]
    grouping_s = time.perf_counter() - t0
    embedder = get_embedder(settings)
    embedder.get_text_embedding_batch(chunks[:32])  # warm
    t0 = time.perf_counter()
    embedder.get_text_embedding_batch(chunks[:sample])
    embed_s = (time.perf_counter() - t0) * len(chunks) / min(sample, len(chunks))
    return {"articles": len(docs), "chunks": len(chunks), "grouping_s": round(grouping_s, 2),
            "embedder_s (scaled)": round(embed_s, 1), "grouping ÷ embedder": round(grouping_s / embed_s, 4),
            "copy pairs found": len(copies),
            "examples": [(c.doc_id, c.other, c.share) for c in copies[:8]]}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.copies", description=__doc__.splitlines()[0])
    p.add_argument("--no-cost", action="store_true", help="skip the news corpus timing")
    p.add_argument("--sample", type=int, default=600, help="chunks timed with the embedder alone")
    p.add_argument("--out", type=Path, help="write the results as JSON here too")
    args = p.parse_args(argv)
    settings = Settings()
    result = {"grouping": grouping(settings)}
    if not args.no_cost:
        result["cost"] = cost(settings, args.sample)
    emit(result, args.out)


if __name__ == "__main__":
    main()
