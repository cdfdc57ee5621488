"""`python -m bench.spans`: the routes to each source's own answer, side by side on one dataset, through the
assistant's own code.

- rules: `claims.extract` (number and unit parsing, attribution, the spaCy veto) alone;
- model: the packaged model reads each of the best articles (rag.reading); only the verbatim and typed checks stand;
- final: the model's reading through every named check (rag.checks), as the assistant runs `route=model`.

Reported per route, over the dataset's answerable value and name questions and its unanswerable ones: questions
where a kept span holds a gold fact, where one holds a value the question lists as tempting but wrong, conflicts
whose every side is held, unanswerable questions given a span, and the time to the claims per question. On
`stories2-locked` read only these aggregate lines. Numbers are reported, not asserted.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from tqdm import tqdm

from evals.datasets import Item
from evals.metrics import asserts, has_fact
from evals.run import fresh_store, load
from rag.answer import Assistant, EventKind
from rag.checks import CHECKS
from rag.ingest import Ingestor
from rag.question import AnswerType, analyse
from rag.settings import Route, Settings
from rag.types import IngestReport

NAMED = (AnswerType.PERSON, AnswerType.ORGANISATION, AnswerType.PLACE, AnswerType.CATEGORY)


def asked(items: list[Item]) -> list[Item]:
    """Questions a span can answer: values and names (stances and open questions have none), and unanswerable ones."""
    return [it for it in items if it.kind != "false_premise"
            and (analyse(it.question).type.valued or analyse(it.question).type in NAMED)]


def routes(settings: Settings) -> dict[str, Settings]:
    """The three readers as settings of one assistant: only the route and its checks differ (the reading's other
    settings, from the environment too, are kept)."""
    naive = tuple(c.name for c in CHECKS if c.name != "typed")  # a value question's span must hold a value
    reading = settings.reading

    def read(**update) -> Settings:
        return settings.model_copy(update={"reading": reading.model_copy(update=update)})

    return {"rules": read(route=Route.RULES), "model": read(route=Route.MODEL, checks_off=naive),
            "final": read(route=Route.MODEL)}


def tally(held: dict[str, int], it: Item, values: list[str]) -> None:
    said = " | ".join(values)
    if not it.answerable:
        held["unanswerable"] += 1
        held["unanswerable given a span"] += bool(values)
        return
    held["answerable"] += 1
    held["a gold fact held"] += any(has_fact(said, f) for f in it.gold_facts)
    held["a tempting wrong value held"] += any(asserts(said, v) for v in it.tempting)
    if it.gold_sides and it.disagreement and it.kind != "update":
        held["sides questions"] += 1
        held["every side held"] += all(has_fact(said, f) for f in it.gold_sides)


def main(argv: list[str] | None = None) -> dict[str, object]:
    p = argparse.ArgumentParser(prog="python -m bench.spans", description=__doc__.splitlines()[0])
    p.add_argument("--dataset", default="stories", help="a dataset name `rag eval` takes (default: stories)")
    p.add_argument("--limit", type=int, default=0, help="every Nth question only (0: all)")
    p.add_argument("--routes", nargs="+", choices=("rules", "model", "final"), default=["rules", "model", "final"],
                   help="the routes to run (default: all three)")
    p.add_argument("--out", type=Path, default=None, help="write the result JSON here")
    p.add_argument("--details", type=Path, default=None,
                   help="write each question's kept values and refusals here, one JSON line per route (dev sets only: "
                        "the locked split is read as aggregates)")
    args = p.parse_args(argv)
    items = load([args.dataset], None)
    with tempfile.TemporaryDirectory() as tmp:
        store, s = fresh_store(Path(tmp), Settings())
        Ingestor(store, s).ingest_docs(items[0].docs, IngestReport(), progress=True)
        store.lexical.refresh()
        assistants = {name: Assistant(store, r) for name, r in routes(s).items() if name in args.routes}
        models = [a for name, a in assistants.items() if name != "rules"]
        for a in models[1:]:  # one model loaded, shared by the model routes
            a._generator = models[0].generator
        chosen = asked(items)[:: args.limit or 1]
        details = args.details.open("w", encoding="utf-8") if args.details else None
        held: dict[str, dict[str, int]] = {name: defaultdict(int) for name in assistants}
        seconds: dict[str, list[float]] = {name: [] for name in assistants}
        for it in tqdm(chosen, desc="Spans", unit="question"):
            for name, assistant in assistants.items():
                t0 = time.perf_counter()
                events = assistant.stream(it.question)
                event = next(e for e in events if e.kind is EventKind.EVIDENCE)
                seconds[name].append(time.perf_counter() - t0)
                values = [c.value for c in event.claims or []]
                tally(held[name], it, values)
                if details is not None:  # a model route's answer is code's statement: the refusals cost no more time
                    done = [e.answer for e in events if e.answer] if name != "rules" else []
                    details.write(json.dumps({"id": it.id, "kind": it.kind, "route": name, "values": values,
                                              "sides": it.gold_sides or it.gold_facts,
                                              "refused": done[0].removed if done else []}) + "\n")
    if details is not None:
        details.close()
    result: dict[str, object] = {name: {**dict(held[name]), "p50 s": round(statistics.median(seconds[name]), 2),
                     "p95 s": round(statistics.quantiles(seconds[name], n=20)[-1], 2)} for name in held}
    result["questions"] = len(chosen)
    result["dataset"] = args.dataset
    line = json.dumps(result)
    if args.out:
        args.out.write_text(line + "\n", encoding="utf-8")
    print(line)
    return result


if __name__ == "__main__":
    main()
