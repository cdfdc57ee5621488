"""Article-derived strings reach the page only as text."""

from __future__ import annotations

from rag import render
from rag.types import Citation

HOSTILE = "<script>alert(1)</script> <img src=x onerror=alert(2)> [click](javascript:alert(3))"


def test_markdown_escape_neutralises_html_and_links():
    out = render.md_escape(HOSTILE)
    assert "<script>" not in out and "<img" not in out and "](javascript:" not in out


def test_answer_markers_become_citation_links_and_nothing_else_does():
    md = render.answer_markdown(f"DeepSeek says 2,048 [3]. {HOSTILE} [12]", turn=4)
    assert "](#cite-4-3)" in md and "](#cite-4-12)" in md
    assert "<script>" not in md and "](javascript:" not in md


def test_citation_view_escapes_title_quote_and_article_and_highlights_the_span():
    article = "Intro. <b>bold</b> 2,048 GPUs here. Outro <script>x()</script>"
    start = article.index("2,048")
    c = Citation(1, "doc", HOSTILE, "Out<i>let</i>", "2,048 GPUs here.", start, start + 16)
    html = render.citation_view(c, article)
    assert "<script>" not in html and "<b>" not in html and "<i>" not in html and "<img" not in html
    assert '<mark id="cite-mark">2,048 GPUs here.</mark>' in html
