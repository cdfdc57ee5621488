"""results.jsonl, summary.json and a readable report.html with plots, in one folder per run."""

from __future__ import annotations

import html
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

METRICS = ["answer_accuracy", "citation_validity", "citation_support", "citation_recall", "disagreement_precision",
           "disagreement_recall", "abstention_accuracy"]
LATENCY = ["ttft_p50_s", "ttft_p95_s", "total_p50_s", "total_p95_s"]


def _bars(summary: dict, path: Path) -> None:
    systems = list(summary)
    fig, ax = plt.subplots(figsize=(10, 4))
    width = 0.8 / max(len(systems), 1)
    for i, system in enumerate(systems):
        values = [summary[system][m] or 0 for m in METRICS]
        ax.bar([x + i * width for x in range(len(METRICS))], values, width, label=system)
    ax.set_xticks([x + width * (len(systems) - 1) / 2 for x in range(len(METRICS))])
    ax.set_xticklabels([m.replace("_", "\n") for m in METRICS], fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.legend()
    ax.set_title("Groundedness metrics (higher is better)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _latency(rows: list[dict], path: Path) -> None:
    systems = sorted({r["system"] for r in rows})
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
    for ax, key, title in ((axes[0], "ttft_s", "time to first token (s)"), (axes[1], "total_s", "total time (s)")):
        data = [[r[key] for r in rows if r["system"] == s and r[key] is not None] for s in systems]
        ax.boxplot(data, tick_labels=systems)
        ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _drilldown(rows: list[dict]) -> str:
    out = ["<table class='drill'><tr><th>question</th><th>system</th><th>ok</th><th>answer</th><th>citations</th></tr>"]
    for r in rows:
        cites = "".join(
            f"<li class='{'' if c['valid'] else 'bad'}'>[{c['id']}] {html.escape(c['source'])} "
            f"{'✔' if c['valid'] else '✖ not verbatim at its offsets'}: “{html.escape(c['quote'][:300])}”</li>"
            for c in r["citations"]
        )
        ok = "✔" if r["scores"]["correct"] else "✖"
        out.append(
            f"<tr class='{'' if r['scores']['correct'] else 'wrong'}'><td>{html.escape(r['question'])}<br><small>"
            f"{html.escape(r['id'])}; gold: {html.escape(' / '.join(r['gold_facts']) or '(unanswerable)')}</small></td>"
            f"<td>{r['system']}</td><td>{ok}</td><td>{html.escape(r['answer'])}</td><td><ul>{cites}</ul></td></tr>"
        )
    out.append("</table>")
    return "".join(out)


def summary_html(report_html: Path | None) -> str:
    """The latest report's table and plots, self-contained (images inlined) for the UI's Evals tab."""
    import base64

    if report_html is None or not (report_html.parent / "summary.json").is_file():
        return "<p>No eval report yet. Run <code>rag eval</code> (or <code>rag eval --limit 3</code> for a quick one).</p>"
    data = json.loads((report_html.parent / "summary.json").read_text())
    summary, meta = data["summary"], data["meta"]
    head = "".join(f"<th>{html.escape(s)}</th>" for s in summary)
    body = "".join(
        f"<tr><td>{m}</td>" + "".join(f"<td>{'' if summary[s][m] is None else round(summary[s][m], 2)}</td>" for s in summary)
        + "</tr>" for m in METRICS + LATENCY
    )
    imgs = "".join(
        f'<img alt="{name}" style="max-width:100%" src="data:image/png;base64,'
        f'{base64.b64encode((report_html.parent / name).read_bytes()).decode()}">'
        for name in ("metrics.png", "latency.png") if (report_html.parent / name).is_file()
    )
    return (f"<p>Run {html.escape(meta.get('started', ''))} on {html.escape(', '.join(meta.get('datasets', [])))}: "
            f"{meta.get('questions')} questions, model {html.escape(str(meta.get('model')))}. Full report: "
            f"<code>{html.escape(str(report_html))}</code></p><table><tr><th>metric</th>{head}</tr>{body}</table>{imgs}")


def write(folder: Path, rows: list[dict], summary: dict, meta: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "results.jsonl", "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    (folder / "summary.json").write_text(json.dumps({"meta": meta, "summary": summary}, indent=2), encoding="utf-8")
    _bars(summary, folder / "metrics.png")
    _latency(rows, folder / "latency.png")
    head = "".join(f"<th>{html.escape(s)}</th>" for s in summary)
    body = "".join(
        f"<tr><td>{m}</td>" + "".join(
            f"<td>{'' if summary[s][m] is None else (f'{summary[s][m]:.2f}' if isinstance(summary[s][m], float) else summary[s][m])}</td>"
            for s in summary) + "</tr>"
        for m in ["questions"] + METRICS + LATENCY
    )
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>Groundedness eval {html.escape(meta['started'])}</title>
<style>body{{font-family:system-ui,sans-serif;margin:24px}} table{{border-collapse:collapse}} td,th{{border:1px solid #ccc;padding:4px 8px;vertical-align:top;font-size:13px}}
.wrong td{{background:#fff1f2}} li.bad{{color:#b91c1c;font-weight:bold}} img{{max-width:100%}}</style></head><body>
<h1>Groundedness eval</h1><p>{html.escape(json.dumps(meta))}</p>
<h2>Summary</h2><table><tr><th>metric</th>{head}</tr>{body}</table>
<p>Metric definitions: see the README ("Evals").</p>
<img src="metrics.png" alt="metrics"><img src="latency.png" alt="latency">
<h2>Per question</h2>{_drilldown(rows)}</body></html>"""
    (folder / "report.html").write_text(page, encoding="utf-8")
    return folder / "report.html"
