"""The web UI: a thin Gradio layer over rag.interfaces.Service. `python ui.py` serves http://127.0.0.1:7860 (and /v1, /mcp)."""

from __future__ import annotations

import json
from pathlib import Path

import gradio as gr

import rag  # noqa: F401  (offline environment first)
from rag import render
from rag.answer import EventKind, QuestionError, clean_question
from rag.chart import figure
from rag.claimgroups import MapEntry
from rag.corpus import SUPPORTED
from rag.disagreements import entry_json, timeline
from rag.fetch import is_url
from rag.ingest import ensure_index
from rag.interfaces.exports import answer_markdown, csl_items, map_entry_markdown
from rag.interfaces.server import build_app, serve
from rag.interfaces.service import Service
from rag.links import ingest_urls
from rag.plugins import load_plugins
from rag.registry import IndexUnusable
from rag.settings import Settings
from rag.store import Store
from rag.timeline import Timeline

EXAMPLES = [
    "How many GPUs did DeepSeek claim?",
    "Did DeepSeek use smuggled chips?",
    "How many GPU hours did it take to train Llama?",
    "What did Nvidia say about its revenue from Singapore?",
    "Why did DeepSeek go back to Nvidia for R2?",
]

# Citation markers are links (#cite-TURN-N in answers, #mapcite-ENTRY-N in the map); one delegated listener turns
# a click into a server call.
JS = """
() => {
  document.addEventListener('click', (event) => {
    const link = event.target.closest('a[href^="#cite-"], a[href^="#mapcite-"]');
    if (!link) return;
    event.preventDefault();
    const href = link.getAttribute('href');
    const prefix = href.startsWith('#mapcite-') ? 'map' : 'cite';
    const box = document.querySelector(`#${prefix}-ref textarea, #${prefix}-ref input`);
    box.value = href.slice(href.indexOf('-') + 1);
    box.dispatchEvent(new Event('input', {bubbles: true}));
    setTimeout(() => document.querySelector(`#${prefix}-go`).click(), 50);
  }, true);
}
"""
COPY_JS = "(text) => { if (navigator.clipboard) navigator.clipboard.writeText(text).catch(() => {}); }"
SCROLL_JS = "() => { setTimeout(() => document.querySelectorAll('#cite-mark').forEach((m) => m.scrollIntoView({block: 'center'})), 200); }"
CSS = """
.warning-card { border: 2px solid #dc2626; background: #fef2f2; border-radius: 8px; padding: 6px 12px; margin-bottom: 10px; }
.warning-card h4 { color: #b91c1c; margin: 0 0 4px 0; }
.disagree-card { border: 2px solid #d97706; background: #fffbeb; border-radius: 8px; padding: 8px 12px; margin-bottom: 10px; }
.disagree-card h3 { color: #b45309; margin: 0 0 6px 0; }
.disagree-table td, .disagree-table th { padding: 4px 6px; vertical-align: top; font-size: 0.9em; }
.side-stance-no td { background: #fee2e2; } .side-stance-yes td { background: #dcfce7; }
.article-text { white-space: pre-wrap; max-height: 420px; overflow-y: auto; font-family: inherit; font-size: 0.9em; }
.cite-quote { font-style: italic; border-left: 4px solid #2563eb; padding-left: 8px; }
mark { background: #fde047; }
.map-entry { border-left: 4px solid #d97706; padding: 4px 10px; margin-bottom: 12px; }
.map-entry.map-update { border-color: #2563eb; } .map-entry.map-ambiguity { border-color: #7c3aed; }
.map-entry h4 { margin: 0 0 4px 0; } .timeline .relation { font-variant: small-caps; color: #b45309; }
"""
THEME = gr.themes.Soft(font=["system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"])  # no web fonts


class App:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.store = Store(settings)
        ensure_index(self.store, settings, progress=True)
        self.service = Service(self.store, settings)  # the same JSON face as the CLI, /v1 and MCP
        self.assistant = self.service.assistant
        self.ingestor = self.service.ingestor

    def warm(self) -> None:
        """Load the embedder and the model before the first user waits for them."""
        self.assistant.retriever.search("warm up", 1)
        _ = self.assistant.generator

    # --- chat -------------------------------------------------------------------------------
    def respond(self, message: str, chat: list, answers: list):
        chat = list(chat or [])
        answers = list(answers or [])
        history = [a.question for a in answers]
        try:
            clean_question(message, self.settings)
        except QuestionError as e:
            yield chat, answers, gr.update(), f"⚠ {e}", message
            return
        turn, before = len(answers), len(chat)
        chat.append({"role": "user", "content": render.md_escape(message)})
        yield chat, answers, gr.update(), "Searching the articles…", ""
        draft = ""
        try:
            for event in self.assistant.stream(message, history=history):
                if event.kind is EventKind.EVIDENCE:
                    chat.append({"role": "assistant", "content": "…"})
                    panel = render.side_panel(event.evidence, event.disagreements, turn, event.warnings or [])
                    n_src = len({e.source for e in event.evidence})
                    yield chat, answers, panel, f"Found {len(event.evidence)} passages in {n_src} articles; drafting…", ""
                elif event.kind is EventKind.TOKEN:
                    draft += event.token
                    chat[-1] = {"role": "assistant", "content": render.md_escape(draft) + " ▌"}
                    yield chat, answers, gr.update(), "Writing a draft (not yet verified)…", ""
                else:
                    answer = event.answer
                    answers.append(answer)
                    if chat[-1]["role"] != "assistant":
                        chat.append({"role": "assistant", "content": ""})
                    chat[-1] = {"role": "assistant", "content": render.answer_message(answer, turn)}
                    panel = render.side_panel(answer.evidence, answer.disagreements, turn, answer.warnings)
                    yield chat, answers, panel, render.status_line(answer), ""
        except IndexUnusable as e:  # the index's disk or Chroma server failed: one line; the question stays
            yield chat[:before], answers, gr.update(), f"⚠ {e}", message

    def show_citation(self, ref: str, answers: list) -> str:
        try:
            turn, n = (int(x) for x in ref.split("-"))
            answer = answers[turn]
        except (ValueError, IndexError):
            return "<p><em>That citation is no longer available.</em></p>"
        found = {e.id: e for e in answer.evidence}.get(n)  # every citation is an evidence item
        if found is None:
            return "<p><em>No such citation.</em></p>"
        return render.citation_view(found, self.store.registry.text(found.source))

    # --- sources ----------------------------------------------------------------------------
    def sources_table(self) -> list[list]:
        origins = self.store.origins()  # a syndicated copy names the article whose text it runs
        return [[d.id, d.outlet, d.title, d.date, d.n_chunks, "" if origins.get(d.id, d.id) == d.id else origins[d.id]]
                for d in self.store.registry.docs()]

    def source_choices(self) -> list[tuple[str, str]]:
        return [(f"{d.outlet} — {d.title[:80]}", d.id) for d in self.store.registry.docs()]

    def show_source(self, doc_id: str | None) -> str:
        doc = self.store.registry.get(doc_id) if doc_id else None
        if doc is None:
            return ""
        return render.article_view(doc.title, doc.outlet, self.store.registry.text(doc_id) or "")

    def add_files(self, files: list | None, progress=gr.Progress(track_tqdm=True)):  # noqa: B008 (Gradio's API)
        if not files:
            return "Choose one or more files first.", gr.update(), gr.update()
        paths = [Path(f if isinstance(f, str) else f.name) for f in files]
        progress(0, desc="Reading files")
        try:
            report = self.ingestor.ingest_paths(paths, progress=True)
        except IndexUnusable as e:  # a full disk or a dead Chroma server; what was committed stays
            return f"✖ {render.md_escape(str(e))}", self.sources_table(), gr.update(choices=self.source_choices())
        return self._added(report)

    def add_link(self, url: str | None, progress=gr.Progress(track_tqdm=True)):  # noqa: B008 (Gradio's API)
        """Download one article by its URL; the page is kept in the index's uploads/ like an uploaded file."""
        url = (url or "").strip()
        if not url:
            return "Paste a link first.", gr.update(), gr.update()
        if not is_url(url):
            return f"✖ Not a link: {render.md_escape(url[:200])} (it must start with http:// or https://)", \
                gr.update(), gr.update()
        progress(0, desc="Downloading")
        try:
            report = ingest_urls(self.ingestor, [url], progress=True).report
        except IndexUnusable as e:  # a full disk or a dead Chroma server; what was committed stays
            return f"✖ {render.md_escape(str(e))}", self.sources_table(), gr.update(choices=self.source_choices())
        return self._added(report)

    def _added(self, report):
        lines = []
        if report.added or report.replaced:
            lines.append(f"✔ Added {len(report.added)}, replaced {len(report.replaced)}: "
                         + ", ".join(render.md_escape(x) for x in report.added + report.replaced))
        if report.unchanged:
            lines.append(f"Already indexed, unchanged: {', '.join(render.md_escape(x) for x in report.unchanged)}")
        for dup in report.duplicates:
            lines.append(f"Skipped duplicate: {render.md_escape(dup)}")
        for p in report.problems:
            where = p.where if is_url(p.where) else Path(p.where.split(':')[0]).name
            lines.append(f"✖ Rejected {render.md_escape(where)}: {render.md_escape(p.reason)}")
        choices = self.source_choices()
        return "\n\n".join(lines) or "Nothing to add.", self.sources_table(), gr.update(choices=choices)

    # --- disagreement map and timelines ----------------------------------------------------
    def map(self) -> list[MapEntry]:
        return self.service.map()

    def map_choices(self) -> list[tuple[str, int]]:
        return [(f"{e.topic} · {render.MAP_LABELS[e.kind]} · {e.sources} sources", i) for i, e in enumerate(self.map())]

    def show_map(self):
        entries = self.map()[: self.settings.map.page_size]
        return render.map_view(entries), gr.update(choices=self.map_choices(), value=0 if entries else None)

    def show_map_citation(self, ref: str) -> str:
        try:
            i, n = (int(x) for x in ref.split("-"))
            c = self.map()[i].claims[n - 1]
        except (ValueError, IndexError):
            return "<p><em>That citation is no longer available; the map has changed.</em></p>"
        return render.citation_view(render.map_citation(c, n), self.store.registry.text(c.doc_id))

    @staticmethod
    def _timeline(line: Timeline):
        return figure(line), render.timeline_view(line)

    def entry_timeline(self, i: int | None):
        entries = self.map()
        if i is None or not 0 <= int(i) < len(entries):
            return None, ""
        return self._timeline(timeline(entries[int(i)], self.settings))

    def question_timeline(self, question: str):
        try:
            return self._timeline(self.service.question_timeline(question))
        except (QuestionError, IndexUnusable) as e:
            return None, f"<p>⚠ {render.md_escape(str(e))}</p>"

    # --- exports --------------------------------------------------------------------------
    def export_answer(self, answers: list):
        """The latest answer as Markdown with footnotes, and its cited articles as CSL-JSON, shown opened."""
        if not answers:
            return "Ask a question first.", "[]", gr.update(open=True)
        answer, docs = answers[-1], self.service.docs()
        csl = json.dumps(csl_items(answer.citations, docs), ensure_ascii=False, indent=2)
        return answer_markdown(answer, docs), csl, gr.update(open=True)

    def export_entry(self, i: int | None) -> str:
        entries = self.map()
        if i is None or not 0 <= int(i) < len(entries):
            return "Pick a map entry first."
        return map_entry_markdown(entry_json(entries[int(i)]))

    # --- API --------------------------------------------------------------------------------
    def api_ask(self, question: str) -> dict:
        """Answer one question; the same JSON as `rag ask --json`."""
        return self.service.ask(question)

    def api_timeline(self, question: str) -> dict:
        """The sources' answers to a question ordered by article date, as `rag ask --timeline --json` gives them."""
        return self.service.timeline(question)

    def api_disagreements(self) -> dict:
        """The disagreement map, as `rag disagreements --json` gives it."""
        return self.service.disagreements()


def _latest_eval() -> str:
    from evals.report import summary_html
    from evals.run import latest_report

    return summary_html(latest_report())


def build(app: App) -> gr.Blocks:
    with gr.Blocks(title="News RAG — source-citing assistant") as demo:
        answers = gr.State([])
        gr.Markdown("## News RAG\nAsk about the articles. Every claim is cited; disagreements between sources are flagged.")
        with gr.Tab("Ask"):
            with gr.Row():
                with gr.Column(scale=3):
                    chat = gr.Chatbot(label="Chat", height=480, buttons=["copy", "copy_all"], elem_id="chat",
                                      feedback_options=None)
                    status = gr.Markdown("Ready.", elem_id="status")
                    with gr.Row():
                        box = gr.Textbox(placeholder="Ask a question…", show_label=False, scale=5, elem_id="question",
                                         max_length=app.settings.question.max_chars)
                        send = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
                    gr.Examples(EXAMPLES, inputs=box, label="Try")
                    with gr.Row():
                        clear = gr.Button("Clear chat", elem_id="clear")
                        copy_md = gr.Button("Copy as Markdown", elem_id="copy-markdown")
                    with gr.Accordion("Export the latest answer", open=False, elem_id="export") as export:
                        export_md = gr.Code(language="markdown", label="Markdown (footnotes hold each quote, outlet, "
                                                                       "date and link)", elem_id="export-markdown")
                        export_csl = gr.Code(language="json", label="Cited articles as CSL-JSON (Zotero: Import from "
                                                                    "Clipboard)", elem_id="export-csl")
                with gr.Column(scale=2):
                    citation = gr.HTML(elem_id="citation-view")
                    panel = gr.HTML(elem_id="side-panel")
            ref = gr.Textbox(visible="hidden", elem_id="cite-ref")
            go = gr.Button(visible="hidden", elem_id="cite-go")
        with gr.Tab("Disagreements"):
            gr.Markdown("Where the indexed sources disagree, found without a question, most sources first. "
                        "Click a [n] to read its quote in the article.")
            with gr.Row():
                with gr.Column(scale=3):
                    map_refresh = gr.Button("Refresh", elem_id="map-refresh")
                    map_html = gr.HTML(elem_id="map")
                with gr.Column(scale=2):
                    map_citation = gr.HTML(elem_id="map-citation")
            gr.Markdown("### Timeline\nA map entry's claims, or the sources' answers to a question, by article date.")
            with gr.Row():
                map_pick = gr.Dropdown([], label="Map entry", elem_id="timeline-pick", scale=3)
                timeline_q = gr.Textbox(label="…or a question", elem_id="timeline-question", scale=3)
                timeline_go = gr.Button("Show timeline", elem_id="timeline-go", scale=1)
            chart = gr.Plot(elem_id="timeline-chart", show_label=False)
            timeline_html = gr.HTML(elem_id="timeline-list")
            entry_copy = gr.Button("Copy the map entry as Markdown", elem_id="copy-entry")
            entry_md = gr.Code(language="markdown", label="The map entry as Markdown", elem_id="entry-markdown")
            map_ref = gr.Textbox(visible="hidden", elem_id="map-ref")
            map_go = gr.Button(visible="hidden", elem_id="map-go")
        with gr.Tab("Sources"):
            table = gr.Dataframe(app.sources_table(), headers=["id", "outlet", "title", "date", "chunks", "copy of"],
                                 interactive=False, elem_id="sources-table")
            pick = gr.Dropdown(app.source_choices(), label="Read an article", elem_id="source-pick")
            article = gr.HTML(elem_id="source-text")
        with gr.Tab("Add articles"):
            files = gr.File(file_count="multiple", file_types=list(SUPPORTED), label=f"Articles ({' '.join(SUPPORTED)})",
                            elem_id="upload")
            add = gr.Button("Add to the index", variant="primary", elem_id="add")
            with gr.Row():
                link = gr.Textbox(label="Add by link", placeholder="https://… (a news article's page)", scale=5,
                                  elem_id="link")
                add_link = gr.Button("Add link", scale=1, elem_id="add-link")
            added = gr.Markdown(elem_id="add-result")
        with gr.Tab("Evals"):
            evals_view = gr.HTML(elem_id="evals")
            gr.Button("Reload the latest report", elem_id="evals-reload").click(
                _latest_eval, None, evals_view, api_visibility="private")
        demo.load(_latest_eval, None, evals_view, api_visibility="private")

        outputs = [chat, answers, panel, status, box]
        for trigger in (send.click, box.submit):
            trigger(app.respond, [box, chat, answers], outputs, api_visibility="private", concurrency_limit=2,
                    concurrency_id="chat")
        clear.click(lambda: ([], [], "", "", "Ready."), None, [chat, answers, panel, citation, status],
                    api_visibility="private")
        copy_md.click(app.export_answer, answers, [export_md, export_csl, export], api_visibility="private").then(
            None, export_md, None, js=COPY_JS)
        entry_copy.click(app.export_entry, map_pick, entry_md, api_visibility="private").then(
            None, entry_md, None, js=COPY_JS)
        go.click(app.show_citation, [ref, answers], citation, api_visibility="private").then(
            None, None, None, js=SCROLL_JS)
        pick.change(app.show_source, pick, article, api_visibility="private")
        add.click(app.add_files, files, [added, table, pick], api_visibility="private")
        for trigger in (add_link.click, link.submit):
            trigger(app.add_link, link, [added, table, pick], api_visibility="private")
        for trigger in (map_refresh.click, demo.load):
            trigger(app.show_map, None, [map_html, map_pick], api_visibility="private")
        map_go.click(app.show_map_citation, map_ref, map_citation, api_visibility="private").then(
            None, None, None, js=SCROLL_JS)
        map_pick.change(app.entry_timeline, map_pick, [chart, timeline_html], api_visibility="private")
        for trigger in (timeline_go.click, timeline_q.submit):
            trigger(app.question_timeline, timeline_q, [chart, timeline_html], api_visibility="private")
        gr.api(app.api_ask, api_name="ask", concurrency_limit=2, concurrency_id="chat")
        gr.api(app.api_timeline, api_name="timeline", concurrency_limit=2, concurrency_id="chat")
        gr.api(app.api_disagreements, api_name="disagreements")
    return demo


def main() -> None:
    """The UI at /, the OpenAI-compatible API at /v1 and MCP at /mcp, on one server."""
    settings = Settings()
    load_plugins(settings)
    app = App(settings)
    app.warm()
    demo = build(app).queue(default_concurrency_limit=2)

    def mount_ui(api):
        return gr.mount_gradio_app(
            api, demo, path="/", server_name=settings.ui.host, server_port=settings.ui.port, theme=THEME, css=CSS,
            js=JS, max_file_size=settings.ingest.max_file_bytes, ssr_mode=False, show_error=True, allowed_paths=[],
            footer_links=["api"],
        )

    serve(build_app(app.service, mount_ui), settings)


if __name__ == "__main__":
    main()
