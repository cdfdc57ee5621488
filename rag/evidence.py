"""Pick the sentences that bear on the question, each with its exact span in the stored article."""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np

from . import sentences
from .embed import get_embedder
from .language import fold
from .settings import Settings
from .tokens import tokenize
from .types import Evidence, Hit, Sentence


def split_sentences(hit: Hit, min_chars: int) -> list[Sentence]:
    out: list[Sentence] = []
    prev = ""
    for start, end in sentences.spans(hit.text):
        text = hit.text[start:end]
        if len(text) >= min_chars and re.search(r"[^\W\d_]{3}", text):
            s = hit.start + start
            out.append(Sentence(source=hit.source, title=hit.title, outlet=hit.outlet, text=text, start=s, end=s + len(text),
                                furniture=hit.furniture, prev=prev, date=hit.date))
            prev = text
    return out


def _overlap(question_tokens: set[str], text: str) -> float:
    if not question_tokens:
        return 0.0
    return len(question_tokens & set(tokenize(text))) / len(question_tokens)


class EvidenceSelector:
    def __init__(self, settings: Settings):
        self.settings = settings
        self._cache: dict[str, np.ndarray] = {}  # sentence text -> embedding; articles repeat across questions

    def candidates(self, hits: list[Hit]) -> list[Sentence]:
        """Every distinct sentence of the hits: overlapping chunks and repeated paragraphs collapse, and a
        sentence cut short by a chunk's end gives way to the whole one starting at the same offset."""
        by_start: dict[tuple[str, int], Sentence] = {}
        texts: set[tuple[str, str]] = set()
        for hit in hits:
            for s in split_sentences(hit, self.settings.evidence.min_sentence_chars):
                key = (s.source, s.start)
                if (s.source, s.text) in texts:
                    continue
                if key not in by_start or len(s.text) > len(by_start[key].text):
                    by_start[key] = s
                    texts.add((s.source, s.text))
        return list(by_start.values())

    def score(self, question: str, sentences: list[Sentence]) -> list[float]:
        """Cosine similarity to the question plus a lexical bonus (names and numbers matter in news)."""
        if not sentences:
            return []
        cfg = self.settings.evidence
        embedder = get_embedder(self.settings)
        q = np.array(embedder.get_query_embedding(question))
        missing = [s.text for s in sentences if s.text not in self._cache]
        if missing:
            for text, vec in zip(missing, embedder.get_text_embedding_batch(missing)):
                self._cache[text] = np.array(vec)
            while len(self._cache) > cfg.embedding_cache:  # bounded: drop the oldest
                self._cache.pop(next(iter(self._cache)))
        m = np.stack([self._cache[s.text] for s in sentences])
        cos = m @ q
        q_tokens = set(tokenize(question))
        out = []
        for s, c in zip(sentences, cos):
            score = float(c) + cfg.lexical_weight * _overlap(q_tokens, s.text)
            if s.furniture:
                score -= cfg.furniture_penalty
            out.append(score)
        return out

    def select(
        self, scored: list[tuple[Sentence, float]], must: list[Sentence], limit: int | None = None,
        origins: Mapping[str, str] | None = None,
    ) -> list[Evidence]:
        """Best sentences, a few per source, plus those the claims rest on; numbered in text order. Syndicated copies
        (`origins`: copies.origins) are one source: a sentence a chosen one's copy carries takes no place of its own,
        and is evidence only where a claim rests on it (so each outlet that ran it is cited)."""
        limit = limit or self.settings.evidence.max_evidence
        origins = origins or {}
        placed: dict[tuple[str, str], str] = {}  # (origin, sentence text) -> the article it was first chosen from

        def origin(s: Sentence) -> str:
            return origins.get(s.source, s.source)

        def copied(s: Sentence) -> bool:  # the same sentence of a chosen one's report, run by another outlet
            first = placed.get((origin(s), fold(s.text)))
            return first is not None and first != s.source

        chosen: list[Sentence] = []
        per_source: dict[str, int] = {}  # places taken per independent source

        def take(s: Sentence) -> None:
            chosen.append(s)
            placed.setdefault((origin(s), fold(s.text)), s.source)
            per_source[origin(s)] = per_source.get(origin(s), 0) + 1

        for s in dict.fromkeys(must):
            if copied(s):
                chosen.append(s)  # rides with the place its report's sentence took
            elif sum(per_source.values()) >= limit:
                continue
            else:
                take(s)
        for s, _ in sorted(scored, key=lambda p: -p[1]):
            if sum(per_source.values()) >= limit:
                break
            if s in chosen or copied(s) or per_source.get(origin(s), 0) >= self.settings.evidence.per_source:
                continue
            take(s)
        scores = {s: sc for s, sc in scored}
        chosen.sort(key=lambda s: (s.source, s.start))
        return [
            Evidence(id=i, source=s.source, title=s.title, outlet=s.outlet, quote=s.text, start=s.start, end=s.end,
                     score=round(scores.get(s, 0.0), 4), before=s.prev)
            for i, s in enumerate(chosen, 1)
        ]
