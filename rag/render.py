"""Answers and articles as safe HTML / Markdown for the UI: every article-derived string is escaped."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Collection, Iterable, Sequence

from .claimgroups import MapEntry, as_claim
from .claimmap import MapClaim
from .timeline import Point, Timeline
from .types import Answer, Citation, ClaimKind, Disagreement, DisagreementKind, Evidence, SourceWarning

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~])")


def md_escape(text: str) -> str:
    """Plain text inside Markdown: no links, images, HTML or emphasis can come from an article."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


_MARKER = re.compile(r"\[(\d+)\]")


def _quoted_spans(text: str, article_texts: Iterable[str]) -> list[tuple[int, int]]:
    """Where the answer repeats article text that itself holds a [n] (a quote, a claim's value)."""
    spans = []
    for piece in set(article_texts):
        if not piece or not _MARKER.search(piece):
            continue
        at = text.find(piece)
        while at >= 0:
            spans.append((at, at + len(piece)))
            at = text.find(piece, at + 1)
    return spans


def marked_markdown(answer_text: str, link: Callable[[int], str], article_texts: Iterable[str] = (),
                    live: Collection[int] | None = None, escape: Callable[[str], str] = md_escape) -> str:
    """The answer as Markdown with each marker the pipeline wrote turned into `link(n)`, the rest escaped.

    A [n] inside article text the answer repeats (`article_texts`: quotes, claim values) is the
    article's own and stays plain text, as does a number that is not one of the `live` citations:
    an article cannot make a citation, let alone one that points at another source.
    """
    quoted = _quoted_spans(answer_text, article_texts)
    out, pos = [], 0
    for m in _MARKER.finditer(answer_text):
        n = int(m.group(1))
        if any(a <= m.start() and m.end() <= b for a, b in quoted) or (live is not None and n not in live):
            continue
        out.append(escape(answer_text[pos : m.start()]))
        out.append(link(n))
        pos = m.end()
    out.append(escape(answer_text[pos:]))
    return "".join(out)


def answer_markdown(
    answer_text: str, turn: int, article_texts: Iterable[str] = (), live: Collection[int] | None = None
) -> str:
    """The answer with each live marker a link the page's script turns into 'show this citation'."""
    return marked_markdown(answer_text, lambda n: f"[\\[{n}\\]](#cite-{turn}-{n})", article_texts, live)


def article_texts(answer: Answer) -> list[str]:
    """Article text an answer may repeat (quotes, claim values): a [n] inside it is the article's, not a citation."""
    return [e.quote for e in answer.evidence] + [c.quote for c in answer.citations] + [c.value for c in answer.claims]


def answer_message(answer: Answer, turn: int) -> str:
    """The chat message of a verified answer: only its own markers are live, never an article's."""
    return answer_markdown(answer.answer, turn, article_texts(answer), live={e.id for e in answer.evidence})


def _e(text: str) -> str:
    """Article-derived text as HTML text; brackets as entities, so no "[n]" of an article reads as a marker."""
    return html.escape(text, quote=True).replace("[", "&#91;").replace("]", "&#93;")


KIND_LABELS = {  # how the card names each kind of disagreement
    DisagreementKind.CONFLICT: "Conflict:",
    DisagreementKind.UPDATE: "Changed over time:",
    DisagreementKind.AMBIGUITY: "Different things, one name:",
    DisagreementKind.OUTLIER: "One source differs:",
}


def disagreement_card(disagreements: list[Disagreement], turn: int) -> str:
    if not disagreements:
        return ""
    parts = ['<div class="disagree-card"><h3>⚠ Sources disagree</h3>']
    for d in disagreements:
        label = KIND_LABELS[d.kind]
        parts.append(f'<div class="disagree-topic"><span class="kind kind-{d.kind.value}">{label}</span> '
                     f'{_e(d.topic)}</div><table class="disagree-table">')
        parts.append("<tr><th>Source</th><th>Who</th><th>Claim</th><th>Cite</th></tr>")
        for c in d.claims:
            value = c.value if len(c.value) < 160 else c.value[:157] + "…”"
            side = f"{c.kind.value}-{c.stance.value}" if c.stance else c.kind.value
            parts.append(
                f'<tr class="side side-{side}"><td>{_e(c.outlet)}<br><small>{_e(c.source)}'
                f'{" · " + _e(c.date) if c.date else ""}</small>'
                f"</td><td>{_e(c.claimant)} <em>{_e(c.verb_form)}</em></td><td>{_e(value)}</td>"
                f'<td><a href="#cite-{turn}-{c.evidence_id}">[{c.evidence_id}]</a></td></tr>'
            )
        parts.append("</table>")
    parts.append("</div>")
    return "".join(parts)


def evidence_list(evidence: list[Evidence], turn: int) -> str:
    if not evidence:
        return '<div class="evidence"><em>No passages found.</em></div>'
    items = "".join(
        f'<li><a href="#cite-{turn}-{e.id}">[{e.id}]</a> <strong>{_e(e.outlet)}</strong> — {_e(e.quote)}</li>'
        for e in evidence
    )
    return f'<div class="evidence"><h4>Evidence</h4><ol class="evidence-list">{items}</ol></div>'


def warning_card(warnings: Sequence[SourceWarning]) -> str:
    """Articles set aside because they address AI systems: which, and what they say, as text."""
    if not warnings:
        return ""
    by_source: dict[str, list[SourceWarning]] = {}
    for w in warnings:
        by_source.setdefault(w.source, []).append(w)
    items = "".join(
        f"<li><strong>{_e(ws[0].outlet)}</strong> — “{_e(ws[0].title)}” <small>({_e(source)})</small>: contains "
        f"instructions aimed at AI systems, not used. " + " ".join(f"<br><small>{_e(w.reason)}: “{_e(w.sentence[:200])}”"
                                                                   f"</small>" for w in ws[:3]) + "</li>"
        for source, ws in by_source.items()
    )
    return f'<div class="warning-card"><h4>⚠ Articles set aside</h4><ul>{items}</ul></div>'


def side_panel(evidence: list[Evidence], disagreements: list[Disagreement], turn: int,
               warnings: Sequence[SourceWarning] = ()) -> str:
    return warning_card(warnings) + disagreement_card(disagreements, turn) + evidence_list(evidence, turn)


def citation_view(c: Citation, article: str | None) -> str:
    """The quote, its outlet and title, and the whole article with the quoted span highlighted."""
    head = (
        f'<div class="citation"><div class="cite-quote">“{_e(c.quote)}”</div>'
        f'<div class="cite-meta">[{c.id}] {_e(c.outlet)} — {_e(c.title)} '
        f"<small>({_e(c.source)}, characters {c.start}–{c.end})</small></div></div>"
    )
    if article is None:
        return head + "<p><em>The article is no longer in the index.</em></p>"
    body = (
        _e(article[: c.start]) + '<mark id="cite-mark">' + _e(article[c.start : c.end]) + "</mark>" + _e(article[c.end :])
    )
    return head + f'<pre class="article-text">{body}</pre>'


def article_view(title: str, outlet: str, text: str) -> str:
    return f'<h3>{_e(title)}</h3><p><em>{_e(outlet)}</em></p><pre class="article-text">{_e(text)}</pre>'


def status_line(answer: Answer) -> str:
    t = answer.timings
    if answer.error:
        return f"⚠ generation failed ({answer.error}); the evidence is kept, ask again · total {t.total_s:.1f} s"
    first = f"first token {t.first_token_s:.1f} s · " if t.first_token_s is not None else ""
    verdict = "abstained (the sources don't answer this)" if answer.abstained else f"{len(answer.citations)} citations verified"
    removed = f" · {len(answer.removed)} unsupported draft sentence(s) removed" if answer.removed else ""
    return f"✔ {verdict}{removed} · {first}total {t.total_s:.1f} s"


def map_citation(c: MapClaim, n: int) -> Citation:
    """A map claim as a numbered citation of its sentence, for the same quote view as an answer's."""
    return Citation(n, c.doc_id, c.title, c.outlet, c.quote, c.start, c.end)


MAP_LABELS = {  # how the map names each kind: updates and ambiguities are not contradictions
    DisagreementKind.CONFLICT: "Conflict",
    DisagreementKind.UPDATE: "Changed over time",
    DisagreementKind.AMBIGUITY: "Different things, one name",
    DisagreementKind.OUTLIER: "One source differs",
}


def _copy_of(e: MapEntry, c: MapClaim) -> str:
    """A syndicated copy names the article whose text it runs: its figure is not another independent report."""
    origin = e.origin(c.doc_id)
    return f" · copy of {_e(origin)}" if origin != c.doc_id else ""


def map_view(entries: list[MapEntry]) -> str:
    """Every map entry with its topic, kind and sides; each claim's [n] opens its quote (`#mapcite-ENTRY-N`)."""
    if not entries:
        return '<div class="map"><em>No disagreements found among the indexed articles.</em></div>'
    parts = ['<div class="map">']
    for i, e in enumerate(entries):
        parts.append(f'<div class="map-entry map-{e.kind.value}"><h4><span class="kind kind-{e.kind.value}">'
                     f'{MAP_LABELS[e.kind]}:</span> {_e(e.topic)} <small>· {e.sources} independent sources</small></h4>'
                     '<table class="disagree-table"><tr><th>Side</th><th>Who</th><th>Source</th><th>Cite</th></tr>')
        n = 0
        for side in e.sides:
            about = sorted({v for c in side for v in c.variants})
            label = side[0].stance.value if side[0].stance else side[0].value
            label += f" (about {', '.join(about)})" if about else ""
            for j, c in enumerate(side):
                n += 1
                value = f"<strong>{_e(label)}</strong>" if j == 0 else ""
                quote = c.quote if len(c.quote) <= 180 else c.quote[:177] + "…"
                parts.append(f'<tr class="side side-{c.kind.value}-{c.stance.value if c.stance else "v"}"><td>{value}</td>'
                             f"<td>{_e(c.claimant)} <em>{_e(as_claim(c, n).verb_form)}</em><br><small>“{_e(quote)}”</small></td>"
                             f"<td>{_e(c.outlet)}<br><small>{_e(c.date or 'undated')} · {_e(c.doc_id)}{_copy_of(e, c)}</small></td>"
                             f'<td><a href="#mapcite-{i}-{n}">[{n}]</a></td></tr>')
        parts.append("</table></div>")
    parts.append("</div>")
    return "".join(parts)


def timeline_view(line: Timeline) -> str:
    """The timeline as a list: dated reports oldest first with how each relates to the earlier ones, then the
    undated ones apart."""
    def item(p: Point) -> str:
        c, cite = p.claim, p.citation
        rel = f' <span class="relation">{p.relation.value}</span>' if p.relation else ""
        return (f"<li><strong>{_e(p.to_json()['date'] or 'undated')}</strong> {_e(c.claimant)} <em>{_e(c.verb_form)}</em> "
                f"{_e(c.value if c.kind is not ClaimKind.STANCE else (c.stance.value if c.stance else ''))} "
                f"({_e(c.outlet)}){rel}<br><small class=\"cite-quote\">“{_e(cite.get('quote', ''))}”</small></li>")

    dated = "".join(item(p) for p in line.points) or "<li><em>No dated report.</em></li>"
    undated = "".join(item(p) for p in line.undated)
    apart = f"<h5>Without a date (not placed on the timeline)</h5><ul>{undated}</ul>" if undated else ""
    return f'<div class="timeline"><h4>{_e(line.topic)}</h4><ol>{dated}</ol>{apart}</div>'
