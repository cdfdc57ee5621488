"""BM25 over the registry's chunks, cached on disk and rebuilt only when the registry changes."""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import numpy as np

from .registry import Registry
from .tokens import TOKENIZER, tokenize


class Lexical:
    """BM25 over the registry's current chunks, rebuilt only when the registry's generation moves."""

    def __init__(self, registry: Registry, folder: Path):
        self.registry = registry
        self.folder = folder
        self.generation = -1
        self.ids: list[str] = []
        self.bm25 = None
        self._lock = threading.Lock()

    def _fresh(self) -> None:
        import bm25s

        gen = self.registry.generation()
        if gen == self.generation:
            return
        saved = self.folder / f"gen-{gen}-{TOKENIZER}"
        if (saved / "ids.txt").is_file():
            bm25 = bm25s.BM25.load(str(saved))
            ids = (saved / "ids.txt").read_text().splitlines()
        else:
            ids, corpus = [], []
            for row, text in self.registry.all_chunks():
                ids.append(row.chunk_id)
                corpus.append(tokenize(text) or ["_empty_"])
            bm25 = None
            if ids:
                bm25 = bm25s.BM25()
                bm25.index(corpus, show_progress=False)
                self._save(bm25, ids, gen)
        self.bm25, self.ids, self.generation = bm25, ids, gen

    def _save(self, bm25, ids: list[str], gen: int) -> None:
        tmp = self.folder / f".tmp-{os.getpid()}-{time.monotonic_ns()}"
        try:
            bm25.save(str(tmp))
            (tmp / "ids.txt").write_text("\n".join(ids))
            final = self.folder / f"gen-{gen}-{TOKENIZER}"
            if not final.exists():
                tmp.rename(final)
            for old in self.folder.glob("gen-*"):
                if old != final:
                    shutil.rmtree(old, ignore_errors=True)
        except OSError:
            pass  # a read-only or busy index still answers from memory
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def refresh(self) -> None:
        with self._lock:
            self._fresh()

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        with self._lock:
            self._fresh()
            bm25, ids = self.bm25, self.ids
        if bm25 is None:
            return []
        tokens = [t for t in tokenize(query) if t in bm25.vocab_dict]
        if not tokens:
            return []
        scores = bm25.get_scores(tokens)
        k = min(k, len(ids))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(ids[i], float(scores[i])) for i in top if scores[i] > 0]


    def rare_matches(self, query: str, max_chunks: int) -> dict[str, int]:
        """Chunks holding a query token that occurs in at most `max_chunks` chunks: chunk id -> how many such tokens.

        A token that few chunks contain (a product code, an id, a rare name) is the strongest evidence
        a lexical match can give, and the one the dense ranking is blind to.
        """
        with self._lock:
            self._fresh()
            bm25, ids = self.bm25, self.ids
        if bm25 is None:
            return {}
        # bm25s keeps its scores as a token-major sparse matrix: a token's chunks are one slice of it.
        indptr, indices = bm25.scores["indptr"], bm25.scores["indices"]
        found: dict[str, int] = {}
        for token in set(tokenize(query)):
            t = bm25.vocab_dict.get(token)
            if t is None or indptr[t + 1] - indptr[t] > max_chunks:
                continue
            for i in indices[indptr[t] : indptr[t + 1]]:
                found[ids[i]] = found.get(ids[i], 0) + 1
        return found
