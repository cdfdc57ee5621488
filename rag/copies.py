"""Syndicated copies: one text run by several outlets (a wire report with a new headline, a trimmed lead or a local
paragraph; a press release republished) is one origin, however many articles carry it.

Candidates come from shingled MinHash with LSH (datasketch); each is then checked on the exact shingles the two texts
share, as a share of the shorter one, so a trimmed copy still counts and two independent reports quoting one
official's sentence do not. Every copy stays an article (users cite the outlet they read); only counting changes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from datasketch import MinHash

from .language import plain
from .settings import CopySettings

_WORD = re.compile(r"\w+")  # not language.words: apostrophes and hyphens, which house styles change, split here


@dataclass(frozen=True)
class Signature:
    """An article's MinHash, and the settings it was made with: one made otherwise is made again, not compared."""

    data: bytes
    made_with: str


@dataclass(frozen=True)
class Copy:
    """Two stored articles that are one text: `share` of the shorter one's shingles are in the other."""

    doc_id: str
    other: str
    share: float


def shingles(text: str, size: int) -> set[str]:
    """Runs of `size` folded words: case, accents and punctuation a house style changes do not count."""
    words = _WORD.findall(plain(text))
    if len(words) < size:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i:i + size]) for i in range(len(words) - size + 1)}


def shared(a: set[str], b: set[str]) -> float:
    """The share of the shorter text's shingles the other holds (containment, not Jaccard: a trimmed copy is a copy)."""
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


class Signatures:
    """MinHash signatures with one set of permutations (made once: datasketch draws them per instance otherwise)."""

    def __init__(self, settings: CopySettings):
        from datasketch import MinHash  # here, not at import: the registry reads this module's records

        self.settings = settings
        self.made_with = f"minhash:{settings.num_perm}:{settings.seed}:{settings.shingle_words}"
        self._minhash = MinHash
        self._template = MinHash(num_perm=settings.num_perm, seed=settings.seed)

    def of(self, grams: Iterable[str]) -> MinHash:
        m = self._minhash(num_perm=self.settings.num_perm, seed=self.settings.seed, permutations=self._template.permutations)
        m.update_batch([g.encode("utf-8") for g in grams])
        return m

    def load(self, stored: Signature) -> MinHash | None:
        """A stored signature, or None when it was made with other settings or is damaged (made again from the text)."""
        if stored.made_with != self.made_with or len(stored.data) != 8 * self.settings.num_perm:
            return None
        return self._minhash(num_perm=self.settings.num_perm, seed=self.settings.seed,
                             hashvalues=np.frombuffer(stored.data, dtype=np.uint64), permutations=self._template.permutations)

    def dump(self, m: MinHash) -> Signature:
        return Signature(np.asarray(m.hashvalues, dtype=np.uint64).tobytes(), self.made_with)


class CopyFinder:
    """The stored articles' signatures in an LSH index, and the check of each candidate pair on its texts.

    Built at each ingest (the writer's lock held), fed each article as it is stored."""

    def __init__(self, stored: Iterable[tuple[str, Signature]], text_of: Callable[[str], str | None],
                 settings: CopySettings):
        from datasketch import MinHashLSH

        self.settings = settings
        self.signatures = Signatures(settings)
        self.lsh = MinHashLSH(threshold=settings.candidate_similarity, num_perm=settings.num_perm)
        self._text_of = text_of
        self._fresh: dict[str, str] = {}  # texts of this run's articles, which the registry may not hold yet
        self.stale: list[str] = []  # stored articles whose signature was made with other settings
        for doc_id, signature in stored:
            m = self.signatures.load(signature)
            if m is None:
                self.stale.append(doc_id)
            else:
                self.lsh.insert(doc_id, m)

    def add(self, doc_id: str, text: str) -> tuple[Signature, list[Copy]]:
        """Index one article (replacing an earlier text of its id); its signature and the articles it copies or
        is copied by. A text too short to tell (`min_shingles`) is no one's copy and is not indexed."""
        grams = shingles(text, self.settings.shingle_words)
        m = self.signatures.of(grams)
        if doc_id in self.lsh.keys:
            self.lsh.remove(doc_id)
        if len(grams) < self.settings.min_shingles:
            return self.signatures.dump(m), []
        found = []
        for other in self.lsh.query(m):
            other_text = self._fresh.get(other) or self._text_of(other)
            if other_text is None:
                continue
            theirs = shingles(other_text, self.settings.shingle_words)
            share = shared(grams, theirs)
            if share >= self.settings.min_shared and len(theirs) >= self.settings.min_shingles:
                found.append(Copy(doc_id, other, round(share, 3)))
        self.lsh.insert(doc_id, m)
        self._fresh[doc_id] = text
        return self.signatures.dump(m), found


def origins(pairs: Iterable[tuple[str, str]], first: Callable[[str], tuple]) -> dict[str, str]:
    """Each copied article's origin: the first (by `first`: date, then when stored) of the articles linked to it by
    copying, directly or through others. Articles that copy nothing are their own origin and are left out."""
    parent: dict[str, str] = {}

    def root(a: str) -> str:
        while parent.setdefault(a, a) != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for a, b in pairs:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb, key=first)] = min(ra, rb, key=first)
    return {a: root(a) for a in parent}


def carriers(origin_of: Mapping[str, str]) -> dict[str, list[str]]:
    """Each origin's articles, the origin first."""
    out: dict[str, list[str]] = {}
    for doc_id, origin in origin_of.items():
        out.setdefault(origin, [origin])
        if doc_id != origin:
            out[origin].append(doc_id)
    return out
