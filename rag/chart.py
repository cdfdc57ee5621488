"""The timeline as a chart (matplotlib, drawn off-screen): dated reports on a time axis, each marked by how it
relates to the earlier ones; stances on a yes / open / no scale. Undated reports are counted, never placed."""

from __future__ import annotations

from datetime import date

import matplotlib

matplotlib.use("Agg")  # no display: the UI serves the figure

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from .timeline import Relation, Timeline  # noqa: E402
from .types import ClaimKind, StanceValue  # noqa: E402

_COLOURS = {Relation.FIRST: "#2563eb", Relation.REPEATS: "#16a34a", Relation.COPIES: "#9ca3af",
            Relation.REVISES: "#d97706", Relation.CONTRADICTS: "#dc2626"}
_STANCE_Y = {StanceValue.NO: 0.0, StanceValue.OPEN: 0.5, StanceValue.YES: 1.0}


def _day(iso: str) -> float:
    parts = [int(p) for p in iso.split("-")] + [1, 1]
    return float(mdates.date2num(date(parts[0], parts[1], parts[2])))


def _span_days(line: Timeline) -> int:
    days = [_day(p.to_json()["date"]) for p in line.points]
    return int(max(days) - min(days)) + 1


def figure(line: Timeline) -> Figure:
    fig, ax = plt.subplots(figsize=(8, 3.6), dpi=90)
    stances = any(p.claim.kind is ClaimKind.STANCE for p in line.points)
    for relation, colour in _COLOURS.items():
        pts = [p for p in line.points if p.relation is relation]
        xs = [_day(p.to_json()["date"]) for p in pts]
        ys = [_STANCE_Y.get(p.claim.stance, 0.5) if stances and p.claim.stance else (p.claim.number or 0.0) for p in pts]
        if pts:
            ax.scatter(xs, ys, s=70, color=colour, label=relation.value, zorder=3)
            for x, y, p in zip(xs, ys, pts):
                ax.annotate(p.claim.outlet[:24], (x, y), textcoords="offset points", xytext=(4, 6), fontsize=8)
    if line.points and not stances:
        ax.plot([_day(p.to_json()["date"]) for p in line.points], [p.claim.number or 0.0 for p in line.points],
                color="#94a3b8", linewidth=1, zorder=2)
    if stances:
        ax.set_yticks(list(_STANCE_Y.values()), [s.value for s in _STANCE_Y])
    ax.set_title(line.topic[:90], fontsize=10)
    if line.undated:
        ax.text(0.01, 0.02, f"{len(line.undated)} undated report(s) listed below, not placed", transform=ax.transAxes,
                fontsize=8, color="#475569")
    if not line.points:
        ax.set_axis_off()
        ax.text(0.5, 0.5, "No dated reports", transform=ax.transAxes, ha="center", va="center", fontsize=11)
    else:
        ax.legend(fontsize=8, loc="best")
        ax.xaxis_date()
        ax.xaxis.set_major_locator(mdates.DayLocator(interval=max(1, _span_days(line) // 8)))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))
        fig.autofmt_xdate()
    fig.tight_layout()
    plt.close(fig)  # the UI keeps the figure; pyplot must not
    return fig
