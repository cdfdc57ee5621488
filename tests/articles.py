"""Generated articles on invented subjects: each states one count only it holds, so an answer's citations tell
whose answer it is."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

_ONSETS = "b d f g k l m n p r s t v z br dr gr kr pl st tr".split()
_VOWELS = "a e i o u ai ei ou".split()
NOUNS = ("visitors", "workers", "members", "volunteers", "patients", "students", "tenants", "passengers")
PLACES = ("harbour", "museum", "clinic", "library", "depot", "market", "college", "observatory")


@dataclass(frozen=True)
class Article:
    id: str
    name: str
    noun: str
    count: int
    text: str
    title: str

    @property
    def figure(self) -> str:
        return f"{self.count:,}"

    @property
    def question(self) -> str:
        return f"How many {self.noun} did the {self.name} {self.place} have last year?"

    @property
    def place(self) -> str:
        return self.title.split()[2]

    def record(self) -> dict:
        return {"id": self.id, "title": self.title, "source": "Test Wire", "url": "", "date": "2025-03-01",
                "text": self.text}


def _word(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(syllables)).capitalize()


def articles(n: int, seed: int = 0) -> list[Article]:
    """`n` articles, each about its own invented place with its own count (no two share a name or a figure)."""
    rng = random.Random(seed)
    names: set[str] = set()
    out = []
    while len(out) < n:
        name = _word(rng, 3)
        if name in names:
            continue
        names.add(name)
        i = len(out)
        noun, place = NOUNS[i % len(NOUNS)], PLACES[(i // len(NOUNS)) % len(PLACES)]
        count = 1_000 + 7_919 * (i + 1) + seed * 13  # distinct per article and per seed
        person, town = f"{_word(rng, 2)} {_word(rng, 2)}", _word(rng, 2)
        title = f"The {name} {place} reports its figures"
        text = (
            f"{title}\n\n{person}, who runs the {name} {place} in {town}, said that the {name} {place} had "
            f"{count:,} {noun} last year. The {name} {place} opened in {1950 + i % 60} and lies near the old "
            f"road to {town}. Its board meets every spring to review the accounts."
        )
        out.append(Article(f"art-{seed}-{i:04d}", name, noun, count, text, title))
    return out


def write_jsonl(path: Path, items: list[Article]) -> Path:
    path.write_text("".join(json.dumps(a.record()) + "\n" for a in items), encoding="utf-8")
    return path
