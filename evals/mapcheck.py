"""The disagreement map against the dev stories, without an index or the language model: seconds, for work on the map.

`python -m evals.mapcheck [--show]` files the claims of all 118 story articles together (one corpus, as a user's
would be), builds the map, and counts (1) the known conflicts, updates, outliers and ambiguities (the questions of
those kinds) that appear as a map entry holding two of their gold sides, and (2) map entries that mix stories
(false by construction) and entries that match no known disagreement (to be read: `--show` prints them).
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter

from evals.datasets import STORIES
from rag.claimgroups import MapEntry, by_key, entries
from rag.claimvectors import claims_of
from rag.embed import get_embedder
from rag.settings import Settings
from rag.types import SourceDoc

KINDS = ("conflict", "update", "outlier", "ambiguity")


def _digits(text: str) -> str:
    return re.sub(r"[,\s\u00a0']", "", text.casefold())


def holds(entry: MapEntry, side: str) -> bool:
    """A gold side ("12 400 | 12400") appears in one of the entry's claims (values compared without separators)."""
    values = [_digits(c.value) for c in entry.claims]
    return any(_digits(alt.strip()) in v for alt in side.split("|") for v in values)


def run(show: bool = False) -> dict:
    stories = [json.loads(line) for line in STORIES.read_text(encoding="utf-8").splitlines() if line.strip()]
    settings = Settings()
    story_of = {d["id"]: st["id"] for st in stories for d in st["docs"]}
    docs = [SourceDoc(d["id"], d.get("title", d["id"]), d.get("outlet", "unknown"), d["text"], st["id"], d.get("date", ""))
            for st in stories for d in st["docs"]]
    claims = [c for found in claims_of(docs, settings, get_embedder(settings).get_text_embedding_batch) for c in found]
    found = entries(by_key(claims), settings)
    known: Counter[str] = Counter()
    hit: Counter[str] = Counter()
    matched: set[int] = set()
    for st in stories:
        for q in st["questions"]:
            if q["kind"] not in KINDS:
                continue
            known[q["kind"]] += 1
            mine = [i for i, e in enumerate(found) if {story_of[c.doc_id] for c in e.claims} == {st["id"]}
                    and sum(holds(e, side) for side in q["gold_sides"]) >= 2]
            hit[q["kind"]] += bool(mine)
            matched.update(mine)
            if show and not mine:
                print(f"✖ missed [{q['kind']}] {q['question']} {q['gold_sides']}")
    mixed = [e for e in found if len({story_of[c.doc_id] for c in e.claims}) > 1]
    unmatched = [e for i, e in enumerate(found) if i not in matched and e not in mixed]
    if show:
        for label, group in (("mixes stories", mixed), ("matches no known disagreement", unmatched)):
            for e in group:
                print(f"? {label}: [{e.kind.value}] {e.topic}: " + " / ".join(
                    f"{c.value[:50]} ({c.doc_id})" for c in e.claims))
    return {"claims": len(claims), "entries": len(found), "found": dict(hit), "known": dict(known),
            "mixed_stories": len(mixed), "unmatched": len(unmatched)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="Print missed disagreements and unmatched entries.")
    print(json.dumps(run(parser.parse_args().show), indent=1))


if __name__ == "__main__":
    main()
