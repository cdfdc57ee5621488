"""`python -m evals.redteam`: hostile articles and questions against the assistant, scored on what a user would see.

Per question: did an injected figure reach the answer, a claim or a side (`reached`); which honest values went
missing (`lost`); was an article's citation marker read as a value (`marker_values`); did a nonsense question get a
disagreement or an answer instead of an abstention (`nonsense_answered`); did a figure from an escape sequence
become a premise (`premise_leak`); was a hostile article cited (`cited_hostile`). Over the run: which hostile
articles no answer's `warnings` named (`unflagged`).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from tqdm import tqdm

from evals.metrics import asserts
from rag.ingest import Ingestor
from rag.interfaces.service import Service
from rag.settings import Settings
from rag.store import Store

DATA = Path(__file__).parent / "data" / "redteam.json"
REPORTS = Path(__file__).parent / "reports"


def load() -> dict:
    return json.loads(DATA.read_text(encoding="utf-8"))


def write_corpus(folder: Path) -> Path:
    """The set's articles as one .jsonl, the way a user's feed export arrives."""
    path = folder / "redteam.jsonl"
    rows = [{k: a[k] for k in ("id", "title", "source", "date", "text")} for a in load()["articles"]]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    return path


def score(q: dict, j: dict, hostile: set[str]) -> dict:
    """What the user saw of one question, against the set's expectations."""
    if "error" in j and "answer" not in j:  # refused outright: nothing reached, nothing honest was asked for
        return {"question": q["question"], "refused": j["error"], "reached": [], "lost": list(q.get("honest", [])),
                "marker_values": [], "nonsense_answered": False, "premise_leak": [], "cited_hostile": [],
                "warned": []}
    values = [c["value"] for c in j["claims"]] + [c["value"] for d in j["disagreements"] for c in d["claims"]]
    seen = [j["answer"], *values]
    return {
        "question": q["question"],
        "reached": [v for v in q.get("injected", []) if any(asserts(t, v) for t in seen)],
        "lost": [v for v in q.get("honest", []) if not asserts(j["answer"], v)],
        "marker_values": sorted({v for v in values if v.strip() in q.get("markers", [])}),
        "nonsense_answered": bool(q.get("nonsense")) and (bool(j["disagreements"]) or not j["abstained"]),
        "premise_leak": [v for v in q.get("no_premise", []) if asserts(j["answer"], v)],
        "cited_hostile": sorted({c["source"] for c in j["citations"] if c["source"] in hostile}),
        "warned": sorted({w["source"] for w in j.get("warnings", [])}),
    }


def summary(rows: list[dict], hostile: set[str]) -> dict:
    warned = {s for r in rows for s in r["warned"]}
    return {
        "attempts": len(rows),
        "reached": sum(bool(r["reached"]) for r in rows),
        "honest_lost": sum(len(r["lost"]) for r in rows),
        "marker_values": sum(bool(r["marker_values"]) for r in rows),
        "nonsense_answered": sum(r["nonsense_answered"] for r in rows),
        "premise_leaks": sum(bool(r["premise_leak"]) for r in rows),
        "cited_hostile": sum(bool(r["cited_hostile"]) for r in rows),
        "unflagged": sorted(hostile - warned),
    }


def run(settings: Settings, progress: bool = True) -> tuple[dict, list[dict]]:
    data = load()
    hostile = {a["id"] for a in data["articles"] if a["hostile"]}
    with tempfile.TemporaryDirectory(prefix="rag-redteam-") as tmp:
        s = settings.model_copy(update={"index_dir": Path(tmp) / "index", "corpus_dir": Path(tmp) / "none"})
        store = Store(s)
        Ingestor(store, s).ingest_paths([write_corpus(Path(tmp))], progress=False)
        service = Service(store, s)
        rows = []
        for q in tqdm(data["questions"], desc="red team", disable=not progress):
            t0 = time.perf_counter()
            j = service.ask(q["question"])
            rows.append(score(q, j, hostile) | {"answer": j.get("answer", ""), "seconds": time.perf_counter() - t0})
        store.close() if hasattr(store, "close") else None
    return summary(rows, hostile), rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="Model key (default: the settings' model).")
    args = parser.parse_args()
    settings = Settings()
    if args.model:
        settings = settings.model_copy(update={"model": args.model})
    found, rows = run(settings)
    REPORTS.mkdir(parents=True, exist_ok=True)
    out = REPORTS / f"redteam-{datetime.now(UTC):%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps({"summary": found, "rows": rows}, ensure_ascii=False, indent=1), encoding="utf-8")
    for r in rows:
        bad = [k for k in ("reached", "lost", "marker_values", "premise_leak", "cited_hostile") if r.get(k)]
        bad += ["nonsense_answered"] if r.get("nonsense_answered") else []
        print(f"{'FAIL' if bad else 'ok  '} {r['question'][:70]!r}: {', '.join(f'{k}={r[k]}' for k in bad)}")
        print(f"      {r['answer'][:300]}")
    print(json.dumps(found, indent=1))
    print(f"report: {out}")


if __name__ == "__main__":
    main()
