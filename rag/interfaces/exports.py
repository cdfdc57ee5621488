"""Answers and map entries as people paste them into their work: Markdown with footnotes, a chat reply with its
quotes under it, and CSL-JSON (`article-newspaper`) for Zotero and other reference managers.

Everything an article wrote is escaped: pasted Markdown cannot gain a link, an image or a citation from an article.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from ..render import article_texts, marked_markdown
from ..types import Answer, Citation, StoredDoc

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~&])")  # no link, image, HTML, emphasis, code, heading or table
_LINE_START = re.compile(r"^([-+>]|\d+[.)])")  # a list, a quote block: only where the text opens a line
_SAFE_URL = re.compile(r"https?://[^\s<>\"'`\\]+")
_DAY = re.compile(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")


def md_text(text: str) -> str:
    """Plain text inside Markdown, one line: CommonMark backslash escapes, so it reads as written once rendered."""
    escaped = _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))
    return _LINE_START.sub(lambda m: m.group(1)[:-1] + "\\" + m.group(1)[-1], escaped)


def _url(doc: StoredDoc | None) -> str:
    """The article's link, where it is a plain http(s) URL (an article's metadata is untrusted too)."""
    return doc.url if doc is not None and _SAFE_URL.fullmatch(doc.url or "") else ""


def _reference(c: Citation, doc: StoredDoc | None) -> str:
    """“quote” — Outlet, *Title*, date, <link>: what a footnote or a source line says of one citation."""
    parts = [md_text(c.outlet), f"*{md_text(c.title)}*"]
    if doc is not None and doc.date:
        parts.append(md_text(doc.date))
    if _url(doc):
        parts.append(f"<{_url(doc)}>")
    return f"“{md_text(c.quote)}” — " + ", ".join(parts)


def _body(answer: Answer, link: Callable[[int], str]) -> str:
    live = {c.id for c in answer.citations}
    return marked_markdown(answer.answer, link, article_texts(answer), live, escape=md_text)


def answer_markdown(answer: Answer, docs: Mapping[str, StoredDoc]) -> str:
    """The question, the verified answer with Markdown footnotes, and one footnote per citation with its quote,
    outlet, title, date and link."""
    lines = [f"**{md_text(answer.question)}**", "", _body(answer, lambda n: f"[^{n}]"), ""]
    lines += [f"[^{c.id}]: {_reference(c, docs.get(c.source))}" for c in answer.citations]
    return "\n".join(lines + _set_aside(answer)).rstrip() + "\n"


def chat_reply(answer: Answer, docs: Mapping[str, StoredDoc], with_sources: bool = True) -> str:
    """A chat client's text: the verified answer with its [n] markers, then each [n]'s quote, for clients that show
    nothing but the text."""
    lines = [_body(answer, lambda n: f"[{n}]")]
    if with_sources and answer.citations:
        lines += ["", "Sources:", *(f"- [{c.id}] {_reference(c, docs.get(c.source))}" for c in answer.citations)]
    return "\n".join(lines + _set_aside(answer))


def _set_aside(answer: Answer) -> list[str]:
    """The articles not used because they address AI systems, named so the reader knows."""
    shown = {w.source: w for w in answer.warnings}.values()
    return ["", "Set aside:", *(f"- {md_text(w.message)}" for w in shown)] if shown else []


def _issued(date: str) -> dict | None:
    m = _DAY.fullmatch(date or "")
    return {"date-parts": [[int(g) for g in m.groups() if g]]} if m else None


def csl_items(citations: list[Citation], docs: Mapping[str, StoredDoc]) -> list[dict]:
    """The cited articles as CSL-JSON items, one per article, in the order first cited."""
    items: dict[str, dict] = {}
    for c in citations:
        if c.source in items:
            continue
        doc = docs.get(c.source)
        item: dict[str, object] = {"id": c.source, "type": "article-newspaper", "title": c.title,
                                   "container-title": c.outlet}
        issued = _issued(doc.date) if doc is not None else None
        if issued:
            item["issued"] = issued
        if _url(doc):
            item["URL"] = _url(doc)
        items[c.source] = item
    return list(items.values())


def map_entry_markdown(entry: dict) -> str:
    """One disagreement map entry (as `entry_json` gives it): its topic and kind, then each side with who says it,
    where, when, and the quote."""
    lines = [f"### {md_text(entry['topic'])} ({entry['kind']}, {entry['sources']} sources)", ""]
    for side in entry["sides"]:
        about = f" (about {', '.join(side['about'])})" if side["about"] else ""
        lines.append(f"- **{md_text(str(side['value']) + about)}**")
        for c in side["claims"]:
            cite = c["citation"]
            when = c["date"] or "undated"
            lines.append(f"  - {md_text(c['claimant'])} {md_text(c['verb'])} — {md_text(c['outlet'])}, {md_text(when)}, "
                         f"{md_text(cite['source'])} {cite['start']}:{cite['end']}: “{md_text(cite['quote'])}”")
    return "\n".join(lines) + "\n"
