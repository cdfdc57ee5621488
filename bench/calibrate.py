"""`python -m bench.calibrate`: the cosine floors of another embedder, on all-MiniLM-L6-v2's scale.

Every cosine floor in the settings was set with all-MiniLM-L6-v2; another embedder spreads its cosines differently
(e5's sit between 0.7 and 0.95). On the same pairs of dev text, embedded by both, the other's cosine quantiles are fit
to MiniLM's as one line, a + b·cos (least squares over the 5th to 95th percentiles), once for question against
sentence and once for text against text. A floor t becomes a + b·t and a weight or margin w becomes b·w, so every
score (cosine plus weighted word overlap) keeps its order and each floor passes the same share of pairs.
The lines go into `rag.settings.CALIBRATION`. Only the dev splits are read.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
from pathlib import Path

import numpy as np

from evals.datasets import COPIES, STORIES2
from rag.sentences import split as split_sentences
from rag.settings import Embedder, Settings

from .report import emit


def _dev(path) -> list[dict]:
    stories = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return [s for s in stories if s.get("split") == "dev"]


def pairs(limit: int, seed: int = 0) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(question, sentence) pairs of each dev story, and (text, text) pairs: leads and sentences across articles."""
    rng = random.Random(seed)
    asked, texts = [], []
    for s in _dev(STORIES2) + _dev(COPIES):
        sentences = [t for d in s["docs"] for t in split_sentences(d["text"]) if len(t) > 20]
        for q in s.get("questions", []):
            asked += [(q["question"], t) for t in rng.sample(sentences, min(8, len(sentences)))]
        leads = [d["text"][:600] for d in s["docs"]]
        texts += list(itertools.combinations(leads, 2))[:6]
        texts += [tuple(rng.sample(sentences, 2)) for _ in range(6) if len(sentences) > 1]
    rng.shuffle(asked)
    rng.shuffle(texts)
    return asked[:limit], texts[:limit]


def cosines(embedder: Embedder, pairs_: list[tuple[str, str]], query: bool) -> np.ndarray:
    from rag.embed import get_embedder

    e = get_embedder(Settings().tuned(ingest={"embedder": embedder}))
    left = np.array([e.get_query_embedding(a) for a, _ in pairs_]) if query \
        else np.array(e.get_text_embedding_batch([a for a, _ in pairs_]))
    right = np.array(e.get_text_embedding_batch([b for _, b in pairs_]))
    return np.einsum("ij,ij->i", left, right)


def fit(reference: np.ndarray, other: np.ndarray) -> tuple[float, float]:
    """The line through the quantile pairs: other ≈ a + b·reference."""
    qs = np.linspace(0.05, 0.95, 19)
    b, a = np.polyfit(np.quantile(reference, qs), np.quantile(other, qs), 1)
    return round(float(a), 3), round(float(b), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embedder", default=Embedder.E5, type=Embedder)
    parser.add_argument("--pairs", type=int, default=1000, help="pairs of each kind")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args()
    asked, texts = pairs(args.pairs)
    rows, lines = [], {}
    for kind, ps, query in (("query", asked, True), ("passage", texts, False)):
        ref, other = cosines(Embedder.MINILM, ps, query), cosines(args.embedder, ps, query)
        a, b = fit(ref, other)
        lines[kind] = (a, b)
        rank = float(np.corrcoef(np.argsort(np.argsort(ref)), np.argsort(np.argsort(other)))[0, 1])
        rows.append({"pairs": kind, "n": len(ps), "MiniLM p5/p50/p95": "/".join(f"{x:.2f}" for x in np.quantile(ref, [.05, .5, .95])),
                     f"{args.embedder} p5/p50/p95": "/".join(f"{x:.2f}" for x in np.quantile(other, [.05, .5, .95])),
                     "a": a, "b": b, "rank correlation": round(rank, 2)})
    emit({"embedder": str(args.embedder), "reference": str(Embedder.MINILM), "rows": rows, "lines": lines}, args.out)


if __name__ == "__main__":
    main()
