"""`python -m bench.numberwords`: numbers written in words, read with and without text2num, per language.

`evals/data/numberwords.jsonl` holds news sentences in en/de/fr/es (written by a helper who had not read the code),
each with the quantities it states. A sentence's values are found by `rag.numbers.find`; recall is the share of gold
quantities found (as numbers as written, scale words applied, any span), precision the share of found values that are gold ones (years and dates are
not quantities and are left out of both). No model.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from collections import Counter
from pathlib import Path

from rag.language import load
from rag.numbers import ValueKind, find

from .report import emit

DATA = Path(__file__).resolve().parent.parent / "evals" / "data" / "numberwords.jsonl"


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(1.0, abs(b))


def score(rows: list[dict], text2num: bool) -> dict:
    by_lang: dict[str, Counter] = {}
    start = time.perf_counter()
    for r in rows:
        lang = dataclasses.replace(load(r["language"]), text2num=text2num)
        found = [v.number for v in find(r["sentence"], lang) if v.kind not in (ValueKind.YEAR, ValueKind.DATE)]
        gold = [float(v) for v in r["values"]]
        c = by_lang.setdefault(r["language"], Counter())
        left = list(found)
        for g in gold:
            hit = next((f for f in left if _same(f, g)), None)
            c["gold"] += 1
            if hit is not None:
                c["hit"] += 1
                left.remove(hit)
        c["found"] += len(found)
        c["wrong"] += len(left)
    ms = 1000 * (time.perf_counter() - start) / max(1, len(rows))
    out = {lang: {"recall": round(c["hit"] / c["gold"], 3), "precision": round(1 - c["wrong"] / max(1, c["found"]), 3),
                  "quantities": c["gold"]} for lang, c in sorted(by_lang.items())}
    return {"by_language": out, "ms_per_sentence": round(ms, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "locked"), default="dev")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args()
    rows = [r for r in map(json.loads, DATA.read_text(encoding="utf-8").splitlines()) if r["split"] == args.split]
    find("warm up", load("en"))
    emit({"split": args.split, "sentences": len(rows), "tables only": score(rows, False),
          "tables + text2num": score(rows, True)}, args.out)


if __name__ == "__main__":
    main()
