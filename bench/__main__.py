"""`python -m bench` (or `make bench`): every number of the README's performance table, in one run.

Writes bench/results/<time>/bench.json, table.md and bench.png. Each step runs in its own process
(peak RSS per step) and is resumable: the news index and the ~100k-chunk index are kept in bench/data/
and a re-run continues them instead of starting again.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from rag.settings import Embedder, Settings

from .data import DATA, news_jsonl
from .report import write

RESULTS = Path(__file__).parent / "results"


def job(*args: str) -> dict:
    """Run one bench.jobs step in a fresh interpreter; its progress shows, its last line is the result."""
    print(f"\n== {' '.join(args)}", file=sys.stderr, flush=True)
    proc = subprocess.run([sys.executable, "-m", "bench.jobs", *args], stdout=subprocess.PIPE, text=True,
                          env={**os.environ, "TOKENIZERS_PARALLELISM": "false"})
    if proc.returncode:
        sys.exit(f"bench step {args[0]} failed (exit {proc.returncode}); re-run to resume")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> Path:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    p.add_argument("--articles", type=int, default=None, help="first N news articles only (default: all 3,824)")
    p.add_argument("--scale-chunks", type=int, default=100_000, help="size of the replicated index")
    p.add_argument("--encode-sample", type=int, default=600, help="chunks timed with the embedder alone")
    p.add_argument("--questions", type=int, default=12, help="seed questions answered end to end per system")
    p.add_argument("--fresh", action="store_true", help="re-ingest the news from scratch (default: resume)")
    args = p.parse_args(argv)

    started = datetime.now(UTC)
    out = RESULTS / started.strftime("%Y%m%d-%H%M%S")
    out.mkdir(parents=True, exist_ok=True)
    embedder = Settings().ingest.embedder  # RAG_INGEST__EMBEDDER: an index keeps its embedder, so each has its own
    own = "" if embedder is Embedder.MINILM else f"-{embedder}"
    limit = f"-{args.articles}" if args.articles else ""
    seed_dir, news_dir, scale_dir = (DATA / f"index-seed{own}", DATA / f"index-news{limit}{own}",
                                     DATA / f"index-scale{limit}{own}")

    if args.fresh:
        shutil.rmtree(news_dir, ignore_errors=True)
        shutil.rmtree(scale_dir, ignore_errors=True)
    from evals.datasets import SEED, load_jsonl

    seed_items = load_jsonl(SEED)
    jsonl = news_jsonl(args.articles)
    titles = [json.loads(line)["title"] for line in jsonl.read_text(encoding="utf-8").splitlines()]
    queries = [it.question for it in seed_items] + titles[:: max(1, len(titles) // 57)][:57]
    (out / "queries.json").write_text(json.dumps(queries))
    questions = [{"id": it.id, "question": it.question, "gold_facts": it.gold_facts, "answerable": it.answerable}
                 for it in seed_items[: args.questions]]
    (out / "questions.json").write_text(json.dumps(questions))

    r: dict = {"started": started.isoformat(timespec="seconds"), "machine": f"{os.cpu_count()} CPUs",
               "args": vars(args), "embedder": str(embedder)}
    r["seed_index"] = job("seed", str(seed_dir))
    r["ingest"] = job("ingest", str(jsonl), str(news_dir))
    r["encode"] = job("encode", str(news_dir), str(args.encode_sample), "8,32,64")
    r["replicate"] = job("replicate", str(news_dir), str(scale_dir), str(args.scale_chunks))
    r["retrieval"] = {name: job("retrieval", str(d), str(out / "queries.json"))
                      for name, d in (("seed", seed_dir), ("news", news_dir), ("scale", scale_dir))}
    r["answer"] = {s: job("answer", s, str(seed_dir), str(out / "questions.json")) for s in ("ours", "baseline")}
    r["wall_s"] = round(time.time() - started.timestamp(), 1)
    (out / "bench.json").write_text(json.dumps(r, indent=2))
    table = write(out, r)
    print(table)
    print(f"\nbench results: {out}", file=sys.stderr)
    return out


if __name__ == "__main__":
    main()
