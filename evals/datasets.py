"""Evaluation items: the seed set written from the articles, RGB counterfactuals, or any JSONL of the same shape."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from rag.settings import PROJECT_ROOT
from rag.types import SourceDoc

SEED = Path(__file__).parent / "data" / "seed.jsonl"
STORIES = Path(__file__).parent / "data" / "stories.jsonl"
# 80 later stories by a writer who had not read the rules, each marked `dev` (tune on it) or `locked` (read only its
# aggregate scores, once a change is finished); every question lists the tempting wrong values its articles hold.
STORIES2 = Path(__file__).parent / "data" / "stories2.jsonl"
SPLITS = ("dev", "locked")
RGB = PROJECT_ROOT.parent / "shared" / "datasets" / "rgb_en_fact" / "en_fact.json"


ItemKind = Literal["conflict", "update", "ambiguity", "outlier", "agreement", "single", "unanswerable", "false_premise"]
COPIES = Path(__file__).parent / "data" / "copies.jsonl"  # wire copies, republished releases, independent reports
CROSSLANG = Path(__file__).parent / "data" / "crosslang.jsonl"  # like stories in en/de/fr/es, one question in four
_COPY_KINDS: dict[str, ItemKind] = {"agree": "agreement", "conflict": "conflict", "outlier": "outlier", "copy_changed": "conflict"}


@dataclass
class Item:
    id: str
    question: str
    gold_facts: list[str]  # each must appear in a correct answer; "a | b" accepts either
    gold_sources: list[str]
    disagreement: bool
    answerable: bool = True
    false_premise: bool = False
    docs: list[SourceDoc] = field(default_factory=list)  # empty: the shipped corpus; else its own index
    corpus: str = ""  # items with the same corpus key share one index of their `docs` (a user's mixed corpus)
    kind: ItemKind | Literal[""] = ""  # "": not labelled (the seed and RGB sets)
    gold_sides: list[str] = field(default_factory=list)  # each side's value ("a | b" accepts either)
    domain: str = ""
    tempting: list[str] = field(default_factory=list)  # wrong values the articles hold: asserting one is wrong


def load_jsonl(path: Path) -> list[Item]:
    items = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        rec = json.loads(line)
        docs = [SourceDoc(id=d["id"], title=d.get("title", d["id"]), outlet=d.get("source", "unknown"), text=d["text"],
                          origin=f"{path}:{n}") for d in rec.get("docs", [])]
        items.append(Item(id=rec.get("id", f"{path.stem}-{n}"), question=rec["question"],
                          gold_facts=rec.get("gold_facts", []), gold_sources=rec.get("gold_sources", []),
                          disagreement=bool(rec.get("disagreement")), answerable=rec.get("answerable", True),
                          false_premise=rec.get("false_premise", False), docs=docs))
    return items


def _answers(value) -> str:
    """RGB answers are a string or a (nested) list of aliases: any alias counts."""
    if isinstance(value, str):
        return value
    flat = []
    for v in value:
        flat.extend(v if isinstance(v, list) else [v])
    return " | ".join(str(v) for v in flat)


def load_rgb(path: Path = RGB, conflict: bool = True, per_side: int = 2, negatives: int = 2) -> list[Item]:
    """Each question gets its own small corpus: true passages, swapped copies (when `conflict`) and distractors."""
    items = []
    for line in path.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        qid = f"rgb-{rec['id']}-{'conflict' if conflict else 'clean'}"
        docs = []
        for kind, passages, n in (("true", rec["positive"], per_side if conflict else per_side + 1),
                                  ("swapped", rec["positive_wrong"] if conflict else [], per_side),
                                  ("other", rec["negative"], negatives)):
            for i, text in enumerate(passages[:n]):
                docs.append(SourceDoc(id=f"{kind}-{i}", title=f"{kind} passage {i}", outlet=f"Outlet {kind.upper()}-{i}",
                                      text=text, origin=qid))
        golds = [_answers(rec["answer"])]
        items.append(Item(qid, rec["query"], golds, [d.id for d in docs if d.id.startswith("true")], conflict,
                          docs=docs))
    return items


def load_stories(path: Path = STORIES, split: str | None = None) -> list[Item]:
    """A multi-domain story set: every story's articles in ONE index, so other stories' figures are distractors;
    with `split`, only that split's stories (and their articles), so dev and locked never share an index."""
    stories = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if split is not None:
        stories = [st for st in stories if st.get("split") == split]
    corpus = path.stem + (f"-{split}" if split else "")
    docs = [SourceDoc(id=d["id"], title=d.get("title", d["id"]), outlet=d.get("outlet", "unknown"), text=d["text"],
                      origin=f"{path.name}:{st['id']}", date=d.get("date", "")) for st in stories for d in st["docs"]]
    items = []
    for st in stories:
        for q in st["questions"]:
            items.append(Item(id=q["id"], question=q["question"], gold_facts=q.get("gold_facts", []),
                              gold_sources=[d["id"] for d in st["docs"]], disagreement=bool(q.get("disagreement")),
                              answerable=q.get("answerable", True), false_premise=q.get("false_premise", False),
                              docs=docs, corpus=corpus, kind=q.get("kind", ""), gold_sides=q.get("gold_sides", []),
                              domain=st.get("domain", ""), tempting=q.get("tempting_wrong", [])))
    return items


def load_copies(split: str | None = None) -> list[Item]:
    """The syndication set as stories: each question's figures (by origin label in the file) are its sides; a
    question is a disagreement unless every origin states one figure."""
    stories = [json.loads(line) for line in COPIES.read_text(encoding="utf-8").splitlines() if line.strip()]
    stories = [st for st in stories if split is None or st["split"] == split]
    docs = [SourceDoc(id=d["id"], title=d["title"], outlet=d["outlet"], text=d["text"], origin=f"copies.jsonl:{st['id']}",
                      date=d["date"]) for st in stories for d in st["docs"]]
    corpus = "copies" + (f"-{split}" if split else "")
    return [Item(id=f"{st['id']}-q{n}", question=q["question"], gold_facts=list(q["origins"]),
                 gold_sources=[d["id"] for d in st["docs"]], disagreement=q["kind"] != "agree", docs=docs, corpus=corpus,
                 kind=_COPY_KINDS[q["kind"]], gold_sides=list(q["origins"]) if q["kind"] != "agree" else [],
                 domain=st.get("domain", ""))
            for st in stories for n, q in enumerate(st["questions"], 1)]


def load_crosslang(split: str | None = None) -> list[Item]:
    """Each article asked about in the three languages it is not written in, among its split's like articles (four
    strikes, four floods… in four languages): the answer is the article's own figure, quoted in its language."""
    stories = [json.loads(line) for line in CROSSLANG.read_text(encoding="utf-8").splitlines() if line.strip()]
    stories = [st for st in stories if split is None or st["split"] == split]
    docs = [SourceDoc(id=a["id"], title=a["title"], outlet=a["outlet"], text=a["text"], origin=f"crosslang.jsonl:{st['id']}",
                      date=a["date"]) for st in stories for a in [st["article"]]]
    corpus = "crosslang" + (f"-{split}" if split else "")
    return [Item(id=f"{st['id']}-{lang}", question=q, gold_facts=[st["answer"]], gold_sources=[st["article"]["id"]],
                 disagreement=False, docs=docs, corpus=corpus, kind="single", domain=st["article"]["language"])
            for st in stories for lang, q in st["questions"].items() if lang != st["article"]["language"]]
