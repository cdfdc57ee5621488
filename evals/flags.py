"""Claims and disagreement flags without the model: the fast loop for work on the claims code.

`python -m evals.flags [stories|seed|rgb|rgb-clean] [--work DIR] [--show]` runs each question up to the stream's evidence event
(everything but generation, so a full pass over the 208-question dev set takes minutes, not an hour) and counts,
per question kind, how often a disagreement is flagged exactly when the gold says there is one (and how often
as that kind: a conflict as a conflict, an update as an update; and how often the code's own statement of it names
every gold side; and how often some claim holds a gold value). With `--show`
it prints each wrong question with the claims it found. It measures flags only; `rag eval` measures answers.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from tqdm import tqdm

from evals.datasets import SEED, Item, load_jsonl, load_rgb, load_stories
from evals.metrics import has_fact
from evals.run import fresh_store, seed_index
from rag.answer import Assistant, EventKind
from rag.compare import statement
from rag.ingest import Ingestor
from rag.question import analyse
from rag.settings import Settings
from rag.types import IngestReport


class FlagCounts(NamedTuple):
    """One kind's counts. `all_sides` is a floor on `rag eval`'s conflict_all_sides (the code's statements stand in
    every answer whatever the model drafts); `gold_value` counts answerable questions where some per-source claim
    holds a gold fact, a ceiling of sorts on what the model can be shown."""

    right: int  # the flag matches the gold
    as_kind: int  # flagged as the gold's kind (a conflict as a conflict, an update as an update)
    all_sides: int  # flagged, and the code's statements name every gold side
    gold_value: int  # some claim's value holds a gold fact
    total: int


def flags(items: list[Item], assistant_for: Callable[[Item], Assistant], show: bool = False) -> dict[str, FlagCounts]:
    """Per kind, the counts of `FlagCounts`; `assistant_for` gives the assistant over each item's corpus."""
    right: Counter[str] = Counter()
    as_kind: Counter[str] = Counter()
    named: Counter[str] = Counter()
    valued: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for item in tqdm(items, desc="Claims", unit="question"):
        event = next(e for e in assistant_for(item).stream(item.question) if e.kind is EventKind.EVIDENCE)
        flagged = bool(event.disagreements)
        kind = item.kind or ("rgb" if item.docs else "seed")
        total[kind] += 1
        right[kind] += flagged == item.disagreement
        as_kind[kind] += flagged and item.disagreement and any(d.kind == kind for d in event.disagreements or [])
        said = " ".join(statement(d, analyse(item.question)) for d in event.disagreements or [])
        all_named = flagged and item.disagreement and all(has_fact(said, f) for f in item.gold_sides or item.gold_facts)
        named[kind] += all_named
        values = " | ".join(c.value for c in event.claims or [])
        valued[kind] += item.answerable and any(has_fact(values, f) for f in item.gold_facts)
        if show and (flagged != item.disagreement or (flagged and not all_named)):
            sides = [f"{c.claimant[:25]}: {c.value[:40]} @{c.source}" for c in event.claims or []][:8]
            why = "sides" if flagged == item.disagreement else "flag"
            tqdm.write(f"✖ {why} {item.id} [{kind}] {item.question}\n    gold {item.gold_sides or item.gold_facts} → "
                       + (said if why == "sides" else str(sides)))
    return {k: FlagCounts(right[k], as_kind[k], named[k], valued[k], total[k]) for k in sorted(total)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dataset", choices=["stories", "seed", "rgb", "rgb-clean"])
    ap.add_argument("--work", type=Path, default=Path("evals/reports/flags-index"), help="index folder (rebuilt)")
    ap.add_argument("--show", action="store_true", help="print each wrong question with its claims")
    args = ap.parse_args()
    settings = Settings()
    if args.dataset.startswith("rgb"):  # each question over its own passages, as `rag eval` runs them
        items = load_rgb(conflict=args.dataset == "rgb")

        def own_index(item: Item) -> Assistant:
            store, s = fresh_store(args.work, settings)
            Ingestor(store, s).ingest_docs(item.docs, IngestReport(), progress=False)
            store.lexical.refresh()
            return Assistant(store, s)

        result = flags(items, own_index, args.show)
    else:
        if args.dataset == "seed":
            store, s = seed_index(args.work, settings)
            items = load_jsonl(SEED)
        else:
            items = load_stories()
            store, s = fresh_store(args.work, settings)
            Ingestor(store, s).ingest_docs(items[0].docs, IngestReport(), progress=True)  # one shared index
            store.lexical.refresh()
        assistant = Assistant(store, s)
        result = flags(items, lambda item: assistant, args.show)
    print(json.dumps({k: f"{c.right}/{c.total}" + (f" ({c.as_kind} as {k}, {c.all_sides} all sides)" if c.as_kind or c.all_sides else "")
                      + (f" gold value {c.gold_value}" if c.gold_value else "") for k, c in result.items()}))


if __name__ == "__main__":
    main()
