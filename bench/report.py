"""bench.json -> table.md (the README's performance table) and bench.png."""

from __future__ import annotations

import json
from pathlib import Path


def _f(v, unit: str = "", nd: int = 1) -> str:
    return "–" if v is None else f"{v:,.{nd}f}{unit}"


def _ratio(a, b) -> str:
    return "–" if not a or not b else f"{a / b:.2f}×"


def table(r: dict) -> str:
    ing, enc = r["ingest"], r["encode"]
    per_chunk = enc["by_batch"].get("32", next(iter(enc["by_batch"].values())))["per_chunk_ms"] / 1000
    lines = ["| measure | value |", "|---|---|", f"| embedder | {r.get('embedder', 'all-MiniLM-L6-v2')} |"]
    if ing["articles_added"]:
        lines += [
            f"| ingest: articles / chunks | {ing['articles_added']:,} / {ing['chunks']:,} in {_f(ing['wall_s'], ' s')} |",
            f"| ingest throughput | {ing['articles_added'] / ing['wall_s']:.2f} articles/s, "
            f"{ing['chunks'] / ing['wall_s']:.1f} chunks/s |",
            f"| ingest ÷ embedder time inside it | {_ratio(ing['wall_s'], ing['embed_s'])} |",
            f"| ingest ÷ embedder alone ({enc['sample']} of the same chunks, batch 32, scaled to {ing['chunks']:,}) "
            f"| {_ratio(ing['wall_s'], per_chunk * ing['chunks'])} |",
            f"| ingest peak RSS | {_f(ing['peak_rss_mb'], ' MB', 0)} |",
        ]
    else:
        lines.append(f"| ingest | already indexed by an earlier run ({ing['articles']:,} articles); `--fresh` re-measures |")
    lines.append("| embedder alone, ms per chunk by batch size | "
                 + ", ".join(f"{b}: {v['per_chunk_ms']:.0f}" for b, v in enc["by_batch"].items()) + " |")
    for name, v in r["retrieval"].items():
        lines.append(f"| retrieval p50 / p95 at {v['articles']:,} articles, {v['chunks']:,} chunks ({name}) | "
                     f"{_f(v['total_p50_ms'], ' ms')} / {_f(v['total_p95_ms'], ' ms')} "
                     f"(query embedding {_f(v['embed_p50_ms'])}, Chroma {_f(v['dense_p50_ms'])}, "
                     f"BM25 {_f(v['bm25_p50_ms'])} ms p50) |")
    o, b = r["answer"]["ours"], r["answer"]["baseline"]
    lines += [
        f"| evidence shown, p50 / p95 (ours) | {_f(o['evidence_p50_s'], ' s', 2)} / {_f(o['evidence_p95_s'], ' s', 2)} |",
        f"| first token p50 / p95: ours · baseline | {_f(o['ttft_p50_s'], ' s')} / {_f(o['ttft_p95_s'], ' s')} · "
        f"{_f(b['ttft_p50_s'], ' s')} / {_f(b['ttft_p95_s'], ' s')} |",
        f"| whole answer p50 / p95: ours · baseline | {_f(o['total_p50_s'], ' s')} / {_f(o['total_p95_s'], ' s')} · "
        f"{_f(b['total_p50_s'], ' s')} / {_f(b['total_p95_s'], ' s')} |",
        f"| baseline ÷ ours, p50: first token · whole answer | {_ratio(b['ttft_p50_s'], o['ttft_p50_s'])} · "
        f"{_ratio(b['total_p50_s'], o['total_p50_s'])} |",
        f"| accuracy on these {o['questions']} seed questions: ours · baseline | {o['accuracy']:.2f} · {b['accuracy']:.2f} |",
        f"| peak RSS of the answering process: ours · baseline | {_f(o['peak_rss_mb'], ' MB', 0)} · "
        f"{_f(b['peak_rss_mb'], ' MB', 0)} |",
    ]
    return "\n".join(lines)


def plot(path: Path, r: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    ret = r["retrieval"]
    names = [f"{v['chunks']:,} chunks" for v in ret.values()]
    x = range(len(names))
    axes[0].bar([i - 0.2 for i in x], [v["total_p50_ms"] for v in ret.values()], 0.4, label="p50")
    axes[0].bar([i + 0.2 for i in x], [v["total_p95_ms"] for v in ret.values()], 0.4, label="p95")
    axes[0].axhline(50, color="grey", ls="--", lw=1, label="target p95")
    axes[0].set_xticks(list(x), names)
    axes[0].set_ylabel("ms")
    axes[0].set_title("Hybrid retrieval latency")
    axes[0].legend()

    ans = r["answer"]
    for i, key in enumerate(("evidence_p50_s", "ttft_p50_s", "total_p50_s")):
        vals = [ans[s][key] or 0 for s in ("ours", "baseline")]
        axes[1].bar([i - 0.2, i + 0.2], vals, 0.4, color=["tab:blue", "tab:orange"],
                    label=["ours", "LlamaIndex default"] if i == 0 else None)
    axes[1].set_xticks([0, 1, 2], ["evidence", "first token", "whole answer"])
    axes[1].set_ylabel("seconds (p50)")
    axes[1].set_title(f"Answers, {ans['ours']['questions']} seed questions")
    axes[1].legend()

    enc = r["encode"]["by_batch"]
    axes[2].bar(list(enc), [v["per_chunk_ms"] for v in enc.values()], color="tab:green")
    axes[2].set_xlabel("embedding batch size")
    axes[2].set_ylabel("ms per chunk")
    axes[2].set_title("Embedder alone")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write(folder: Path, r: dict) -> str:
    md = table(r)
    (folder / "table.md").write_text(md + "\n")
    plot(folder / "bench.png", r)
    return md


def emit(result: dict, out: Path | None) -> None:
    """A bench's result as JSON on stdout, and in `out` too when given."""
    text = json.dumps(result, indent=1, ensure_ascii=False)
    print(text)
    if out:
        out.write_text(text, encoding="utf-8")
