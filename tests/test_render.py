"""Article-derived strings reach the page only as text."""

from __future__ import annotations

import re

from rag import render
from rag.types import Answer, Citation, Claim, ClaimKind, Disagreement, Evidence

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


# An article that writes citation markers of its own, hoping they become live links to other sources.
MARKED = "Officials said [1] the count was wrong [2], see [3](#cite-0-3)."


def _live_markers(markup: str) -> list[str]:
    """Citation links in HTML (href) or Markdown (](...)); an escaped "\\](" is text."""
    return re.findall(r'(?:href="|(?<!\\)\]\()(#cite-\d+-\d+)', markup)


def test_markers_inside_quoted_article_text_stay_plain_text():
    answer = f"The sources don't say. The closest they come: Wire writes “{MARKED}” [4]."
    md = render.answer_markdown(answer, turn=0, article_texts=[MARKED], live={4})
    assert _live_markers(md) == ["#cite-0-4"]  # only the pipeline's own marker
    assert "\\[1\\]" in md and "\\[2\\]" in md  # shown, as text


def test_a_chat_message_makes_only_the_answers_own_markers_live():
    ev = Evidence(4, "wire-x", "Title [1]", "Wire [2]", MARKED, 0, len(MARKED), 0.5)
    claim = Claim("wire-x", "Wire [2]", "Officials", "say", "the count was wrong [2]", None, ClaimKind.ENTITY, False, 4)
    text = f"Officials say “the count was wrong [2]” [4]. Also [7]. The closest: “{MARKED}” [4]."
    answer = Answer("q", text, [Citation.of(ev)], [claim], [], False, evidence=[ev])
    md = render.answer_message(answer, turn=2)
    assert _live_markers(md) == ["#cite-2-4", "#cite-2-4"]  # [7] points at no evidence: plain text too


def test_article_text_in_html_views_never_carries_a_marker():
    ev = Evidence(1, "wire-x", f"Title {MARKED}", f"Wire {MARKED}", MARKED, 0, len(MARKED), 0.5)
    claim = Claim("wire-x", f"Wire {MARKED}", "Officials [2]", "say", MARKED, None, ClaimKind.ENTITY, False, 1)
    views = {
        "evidence": render.evidence_list([ev], turn=0),
        "card": render.disagreement_card([Disagreement(f"topic {MARKED}", (claim, claim))], turn=0),
        "citation": render.citation_view(Citation(1, "wire-x", ev.title, ev.outlet, MARKED, 8, 8 + len(MARKED)),
                                         f"Before. {MARKED} After [2]."),
        "article": render.article_view(f"Title {MARKED}", f"Wire {MARKED}", f"Body {MARKED} [1]"),
    }
    pipeline_links = {"evidence": 1, "card": 2, "citation": 0, "article": 0}
    for name, markup in views.items():
        assert len(_live_markers(markup)) == pipeline_links[name], name
        # The pipeline's own links and the citation's own number label removed, no "[n]" is left.
        text_only = re.sub(r'<a [^>]*>\[\d+\]</a>|<div class="cite-meta">\[\d+\]', "", markup)
        assert not re.search(r"\[\d+\]", text_only), name  # the article's brackets are entities, not markers
        assert "&#91;1&#93;" in markup and "<a href=\"#cite-0-3\"" not in markup
