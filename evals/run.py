"""`rag eval` / `python -m evals`: run the datasets through ours and the baseline, score, write the report."""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from tqdm import tqdm

from rag.corpus import apply_manifest, load_manifest, read_file
from rag.embed import get_embedder
from rag.generate import load_generator
from rag.ingest import Ingestor
from rag.settings import Embedder, Settings
from rag.store import Store
from rag.types import IngestReport

from . import metrics, report
from .datasets import RGB, SEED, SPLITS, STORIES2, Item, load_copies, load_crosslang, load_jsonl, load_rgb, load_stories
from .systems import Baseline, Ours, StockBaseline

REPORTS = Path(__file__).parent / "reports"

SPLIT_SETS = {"copies": load_copies, "crosslang": load_crosslang}


def load(names: list[str], limit: int | None) -> list[Item]:
    items: list[Item] = []
    for name in names:
        if name == "seed":
            found = load_jsonl(SEED)
        elif name == "stories":
            found = load_stories()
        elif name == "stories2" or name.removeprefix("stories2-") in SPLITS:
            found = load_stories(STORIES2, name.removeprefix("stories2-") if name != "stories2" else None)
        elif name.partition("-")[0] in SPLIT_SETS and name.partition("-")[2] in ("", *SPLITS):
            found = SPLIT_SETS[name.partition("-")[0]](name.partition("-")[2] or None)
        elif name in ("rgb", "rgb-clean"):
            if not RGB.is_file():
                raise FileNotFoundError(f"the RGB data is not at {RGB}")
            found = load_rgb(conflict=name == "rgb")
        else:
            found = load_jsonl(Path(name))
        items += found[:limit] if limit else found
    return items


def fresh_store(folder: Path, settings: Settings) -> tuple[Store, Settings]:
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient.clear_system_cache()  # one small index per item: don't let Chroma keep them all open
    if folder.exists():
        shutil.rmtree(folder)
    s = settings.model_copy(update={"index_dir": folder})
    return Store(s), s


def seed_index(folder: Path, settings: Settings) -> tuple[Store, Settings]:
    """The shipped articles only (no user uploads), in a temporary index."""
    store, s = fresh_store(folder, settings)
    manifest = load_manifest(settings.corpus_dir)
    docs = [apply_manifest(d, entry, s) for name, entry in manifest.items()
            for d in read_file(settings.corpus_dir / name, s)[0]]
    Ingestor(store, s).ingest_docs(docs, IngestReport(), progress=False)
    return store, s


def run(names: list[str], limit: int | None = None, baseline: bool = True, out: Path | None = None,
        settings: Settings | None = None, stock: bool = False) -> Path:
    """`stock`: the baseline is LlamaIndex as its quick start builds it (`StockBaseline`), not over our collection."""
    settings = settings or Settings()
    items = load(names, limit)
    # One model instance per system, as each would run in its own process: each keeps its fixed prompt
    # prefix in llama.cpp's KV cache instead of evicting the other's (weights are mmapped, shared).
    ours_llm, baseline_llm = load_generator(settings), load_generator(settings)

    def make_systems(store: Store, s: Settings) -> list:
        plain = StockBaseline if stock else Baseline
        return [Ours(store, s, ours_llm)] + ([plain(store, s, baseline_llm)] if baseline else [])

    embedder = get_embedder(settings.tuned(ingest={"embedder": Embedder.MINILM}))  # one metric for every embedder
    started = datetime.now(UTC)
    folder = out or REPORTS / started.strftime("%Y%m%d-%H%M%S")
    folder.mkdir(parents=True, exist_ok=True)
    partial = open(folder / "results.partial.jsonl", "w", encoding="utf-8")  # survives an interrupted run
    rows: list[dict] = []
    work = Path(tempfile.mkdtemp(prefix="rag-eval-"))
    try:
        seed_store = seed_systems = None
        shared: dict[str, tuple] = {}  # corpus key -> (store, settings, systems), kept as a running server would
        for item in tqdm(items, desc="Evaluating", unit="question"):
            if item.corpus:
                if item.corpus not in shared:
                    store, s = fresh_store(work / item.corpus, settings)
                    Ingestor(store, s).ingest_docs(item.docs, IngestReport(), progress=True)
                    store.lexical.refresh()
                    shared[item.corpus] = (store, s, make_systems(store, s))
                store, s, systems = shared[item.corpus]
            elif item.docs:
                store, s = fresh_store(work / "item", settings)
                Ingestor(store, s).ingest_docs(item.docs, IngestReport(), progress=False)
                store.lexical.refresh()
                systems = make_systems(store, s)
            else:  # the seed index keeps its systems (and their caches), as a running server would
                if seed_store is None:
                    seed_store, seed_settings = seed_index(work / "seed", settings)
                store, s = seed_store, seed_settings
                seed_systems = systems = seed_systems or make_systems(store, s)
            for system in systems:
                outcome = system.run(item.question)
                scored = metrics.score(outcome, item, store.registry.text, embedder.get_text_embedding_batch)
                valid = metrics.valid_citations(outcome.citations, store.registry.text)
                rows.append(row := {
                    "id": item.id, "system": system.name, "question": item.question, "gold_facts": item.gold_facts,
                    "gold_sources": item.gold_sources, "gold_disagreement": item.disagreement,
                    "answerable": item.answerable, "answer": outcome.answer, "kind": item.kind,
                    "gold_sides": item.gold_sides, "domain": item.domain, "tempting": item.tempting,
                    "citations": [{**c, "valid": c["id"] in valid} for c in outcome.citations],
                    "ttft_s": outcome.ttft_s, "total_s": outcome.total_s, "scores": asdict(scored),
                    **outcome.extra,
                })
                partial.write(json.dumps(row, ensure_ascii=False) + "\n")
                partial.flush()
    finally:
        partial.close()
        shutil.rmtree(work, ignore_errors=True)
    summary = metrics.summarize(rows)
    meta = {"started": started.isoformat(timespec="seconds"), "datasets": names, "limit": limit,
            "questions": len(items), "model": ours_llm.name, "wall_s": round(time.time() - started.timestamp(), 1)}
    html_path = report.write(folder, rows, summary, meta)
    (folder / "results.partial.jsonl").unlink(missing_ok=True)
    return html_path


def latest_report() -> Path | None:
    found = sorted(REPORTS.glob("*/report.html")) if REPORTS.is_dir() else []
    return found[-1] if found else None


def invalid_citations(report_html: Path) -> list[dict]:
    """Citations whose quote is not verbatim at its offsets (CI fails on any of ours)."""
    rows = [json.loads(line) for line in (report_html.parent / "results.jsonl").read_text().splitlines()]
    return [c | {"question": r["question"]} for r in rows if r["system"] == "ours" for c in r["citations"] if not c["valid"]]
