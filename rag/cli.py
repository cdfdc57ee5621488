"""`rag`: ingest, search, ask, remove, reindex, reembed, sources, serve, mcp, eval, from the shell."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import click
from pydantic import ValidationError

from . import __version__
from .cli_base import CliError, command_settings, index_option, open_index, unusable_is_error
from .cli_feed import feed
from .cli_map import disagreements
from .plugins import PluginError, load_plugins
from .registry import IndexUnusable
from .settings import Settings
from .store import Store
from .types import IngestReport


@click.group()
@click.version_option(__version__)
@click.option("--index", "index_dir", type=click.Path(path_type=Path), help="Index folder (default: index/).")
@click.option("-v", "--verbose", count=True, help="Log progress (-v) and stage timings (-vv) to stderr.")
@click.pass_context
def main(ctx: click.Context, index_dir: Path | None, verbose: int) -> None:
    """A source-citing news assistant over your own articles, fully offline."""
    if verbose:
        logging.basicConfig(stream=sys.stderr, format="%(asctime)s %(name)s %(levelname)s %(message)s")
        logging.getLogger("rag").setLevel(logging.DEBUG if verbose > 1 else logging.INFO)  # ours, not the libraries'
    try:
        settings = Settings()
    except ValidationError as e:  # a RAG_* variable out of range or unknown: name it, no traceback
        raise CliError("invalid setting: " + "; ".join(
            f"RAG_{'__'.join(str(p) for p in err['loc']).upper()}: {err['msg']}" for err in e.errors())) from None
    if index_dir is not None:
        settings = settings.model_copy(update={"index_dir": index_dir})
    try:
        load_plugins(settings)
    except PluginError as e:
        raise CliError(str(e)) from e
    ctx.obj = settings


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--force", is_flag=True, help="Take in articles removed earlier too, undoing their removal.")
@index_option
@click.pass_context
def ingest(ctx: click.Context, paths: tuple[str, ...], force: bool, index_dir: Path | None) -> None:
    """Add articles (.txt .md .html .pdf .jsonl, folders, or http(s) URLs); unchanged ones are skipped.

    Files from outside corpus/ are copied into the index's own uploads/ folder, and a URL's page is
    kept in uploads/links/, so `rag reindex` of that index (and of no other) rebuilds from them offline.
    """
    from .fetch import is_url
    from .ingest import Ingestor, library
    from .links import ingest_urls

    settings = command_settings(ctx, index_dir)
    store = open_index(settings, build=False)
    urls = [p for p in paths if is_url(p)]
    targets = [Path(p) for p in paths if not is_url(p)] or ([] if urls else library(settings))
    ingestor = Ingestor(store, settings)
    report = IngestReport()
    with unusable_is_error():
        if targets:
            report = ingestor.ingest_paths(targets, progress=True, force=force)
        if urls:
            report.merge(ingest_urls(ingestor, urls, force=force, progress=True).report)
    _print_report(report, store)


def _print_report(report: IngestReport, store: Store) -> None:
    for problem in report.problems:
        click.echo(f"skipped {problem}", err=True)
    for dup in report.duplicates:
        click.echo(f"skipped {dup}: duplicate", err=True)
    click.echo(
        f"{len(report.added)} added, {len(report.replaced)} replaced, {len(report.unchanged)} unchanged, "
        f"{len(report.duplicates)} duplicates, {len(report.problems)} rejected; {report.chunks} chunks written; "
        f"{store.registry.count()} articles in the index."
    )
    if report.problems:
        raise click.exceptions.Exit(1)


@main.command()
@click.argument("query")
@click.option("--k", default=5, show_default=True, type=click.IntRange(1, 100))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@index_option
@click.pass_context
def search(ctx: click.Context, query: str, k: int, as_json: bool, index_dir: Path | None) -> None:
    """Hybrid (dense + BM25) search over the indexed articles."""
    from .retrieve import Retriever

    if not query.strip():
        raise CliError("the query is empty")
    settings = command_settings(ctx, index_dir)
    hits = Retriever(open_index(settings), settings).search(query[: settings.question.max_chars], k)
    if as_json:
        click.echo(json.dumps({"query": query, "hits": [h.to_json() for h in hits]}, ensure_ascii=False))
        return
    for n, h in enumerate(hits, 1):
        click.echo(f"[{n}] {h.title} — {h.outlet} ({h.source} {h.start}:{h.end}) score {h.score:.4f}")
        click.echo("    " + " ".join(h.text.split())[:300])


@main.command()
@click.argument("doc_id")
@click.option("--reason", default="", help="Why it was removed; kept with the decision.")
@index_option
@click.pass_context
def remove(ctx: click.Context, doc_id: str, reason: str, index_dir: Path | None) -> None:
    """Remove one article (by id); it stays out, also after `rag reindex`, until `rag restore`."""
    from .ingest import Ingestor

    settings = command_settings(ctx, index_dir)
    store = open_index(settings, build=False)
    if not Ingestor(store, settings).remove(doc_id, reason.strip()):
        decision = store.registry.removal(doc_id)
        if decision is not None:
            raise CliError(f"'{doc_id}' was already removed on {decision.removed_at[:10]} (see `rag sources --removed`)")
        raise CliError(f"no article with id '{doc_id}' (see `rag sources`)")
    click.echo(f"removed {doc_id}; `rag restore {doc_id}` brings it back")


@main.command()
@click.argument("doc_id")
@index_option
@click.pass_context
def restore(ctx: click.Context, doc_id: str, index_dir: Path | None) -> None:
    """Undo `rag remove`: re-ingest the article from its kept copy."""
    from .ingest import Ingestor

    settings = command_settings(ctx, index_dir)
    store = open_index(settings, build=False)
    with unusable_is_error():
        try:
            report = Ingestor(store, settings).restore(doc_id)
        except KeyError:
            raise CliError(f"no removal of '{doc_id}' is recorded (see `rag sources --removed`)") from None
    _print_report(report, store)


@main.command()
@click.option("--removed", "removed", is_flag=True, help="List the removal decisions instead.")
@index_option
@click.pass_context
def sources(ctx: click.Context, removed: bool, index_dir: Path | None) -> None:
    """List the indexed articles (or, with --removed, the articles removed and why)."""
    settings = command_settings(ctx, index_dir)
    store = open_index(settings)
    if removed:
        for r in store.registry.removals():
            click.echo(f"{r.id}\tremoved {r.removed_at}\t{r.reason or '(no reason given)'}\t{r.origin or r.url}")
        return
    origins = store.origins()
    for d in store.registry.docs():
        copy = f"\tcopy of {origins[d.id]}" if origins.get(d.id, d.id) != d.id else ""
        click.echo(f"{d.id}\t{d.outlet}\t{d.n_chunks} chunks\t{d.title}{copy}")


@main.command()
@index_option
@click.pass_context
def reindex(ctx: click.Context, index_dir: Path | None) -> None:
    """Rebuild the index from corpus/ and its own uploads, e.g. after corruption or an upgrade."""
    from .ingest import reindex as rebuild

    settings = command_settings(ctx, index_dir)
    with unusable_is_error():
        report = rebuild(settings, progress=True)
    for problem in report.problems:
        click.echo(f"skipped {problem}", err=True)
    click.echo(f"Rebuilt {settings.index_dir}: {len(report.added)} articles, {report.chunks} chunks.")


@main.command()
@index_option
@click.pass_context
def reembed(ctx: click.Context, index_dir: Path | None) -> None:
    """Move the index to the embedder the settings name (RAG_INGEST__EMBEDDER), in place; a stopped run resumes."""
    from .reembed import reembed as move

    settings = command_settings(ctx, index_dir)
    with unusable_is_error():
        done = move(settings, progress=True)
    if not done.articles and not done.resumed:
        click.echo(f"{settings.index_dir} is already embedded with {done.target}.")
        return
    resumed = f" ({done.resumed} moved by an earlier run)" if done.resumed else ""
    click.echo(f"Moved {settings.index_dir} from {done.source} to {done.target}: {done.articles} articles, "
               f"{done.chunks} chunks{resumed}.")


def _print_answer(answer) -> None:
    click.echo(answer.answer)
    if answer.citations:
        click.echo("\nSources:")
        for c in answer.citations:
            click.echo(f"  [{c.id}] {c.outlet} — {c.title} ({c.source} {c.start}:{c.end})")
            click.echo(f"      “{c.quote}”")
    for d in answer.disagreements:
        click.echo(f"\nSources disagree — {d.topic}:")
        for c in d.claims:
            click.echo(f"  - {c.text} (reported by {c.outlet}) [{c.evidence_id}]")
    for w in {w.source: w for w in answer.warnings}.values():
        click.echo(f"\nSet aside: {w.message}: “{w.sentence[:200]}”")
    t = answer.timings
    first = f"{t.first_token_s:.1f} s" if t.first_token_s is not None else "n/a"
    click.echo(f"\n(first token {first}, total {t.total_s:.1f} s)", err=True)


def _print_timeline(line) -> None:
    click.echo(f"\nTimeline — {line.topic}:")
    for p in line.points:
        c = p.claim
        click.echo(f"  {p.to_json()['date']}  {c.text} ({c.outlet}) [{c.evidence_id}] — {p.relation.value}")
    for p in line.undated:
        click.echo(f"  undated     {p.claim.text} ({p.claim.outlet}) [{p.claim.evidence_id}]")
    if not line.points and not line.undated:
        click.echo("  no source answers it with a value or a stance")


FORMATS = ("text", "json", "markdown", "csl")


@main.command()
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (= --format json); with QUESTION '-', "
                                                      "one per stdin line.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="text (default), json, markdown (the answer with footnotes holding each quote, outlet, date and "
                   "link) or csl (the cited articles as CSL-JSON for reference managers).")
@click.option("--model", default=None, help="Model key (qwen2.5-coder-1.5b, qwen2.5-coder-0.5b, smollm2-135m).")
@click.option("--timeline", is_flag=True, help="Also give the sources' answers by article date (JSON: a 'timeline' field).")
@index_option
@click.pass_context
def ask(ctx: click.Context, question: str, as_json: bool, fmt: str | None, model: str | None, timeline: bool,
        index_dir: Path | None) -> None:
    """Answer a question with verified citations and flagged disagreements."""
    from .answer import QuestionError
    from .interfaces.exports import answer_markdown, csl_items
    from .interfaces.service import Service
    from .models import ModelUnavailable
    from .timeline import of_answer

    if as_json and fmt not in (None, "json"):
        raise CliError(f"--json and --format {fmt} ask for two formats; give one")
    fmt = "json" if as_json else fmt or "text"
    settings = command_settings(ctx, index_dir)
    if model:
        settings = settings.model_copy(update={"model": model})
    questions = (line.rstrip("\n") for line in sys.stdin) if question == "-" else iter([question])
    try:
        service = Service(open_index(settings), settings)
        _ = service.assistant.generator  # load the model once, before the first question
    except ModelUnavailable as e:
        raise CliError(str(e)) from e
    status = 0
    for q in questions:
        if question == "-" and not q.strip():
            continue
        try:
            answer = service.answer(q)
        except (QuestionError, IndexUnusable) as e:  # a bad question, or the index's disk or server failed
            if fmt == "json":
                click.echo(json.dumps({"question": q, "error": str(e)}, ensure_ascii=False))
                sys.stdout.flush()
            else:
                click.echo(f"error: {e}", err=True)
            status = 2
            continue
        if answer.error:  # generation failed midway; the answer says so and keeps the evidence
            click.echo(f"error: {answer.error}", err=True)
            status = max(status, 1)
        if fmt == "json":
            click.echo(json.dumps(service.answer_json(answer, timeline), ensure_ascii=False))
        elif fmt == "markdown":
            click.echo(answer_markdown(answer, service.docs()))
        elif fmt == "csl":
            click.echo(json.dumps(csl_items(answer.citations, service.docs()), ensure_ascii=False, indent=2))
        else:
            _print_answer(answer)
            if timeline:
                _print_timeline(of_answer(answer, settings.claims.rounding_tolerance))
        sys.stdout.flush()
    if status:
        raise click.exceptions.Exit(status)


@main.command()
@click.option("--host", default=None, help="Interface to listen on (default RAG_UI__HOST, 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Port (default RAG_UI__PORT, 7860).")
@index_option
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None, index_dir: Path | None) -> None:
    """Serve the program APIs without the web UI: OpenAI-compatible chat at /v1, MCP (Streamable HTTP) at /mcp.

    Without RAG_API__KEY they answer this machine only; with it, any client that sends the key."""
    from .interfaces.server import build_app
    from .interfaces.server import serve as run
    from .interfaces.service import Service

    settings = command_settings(ctx, index_dir)
    settings = settings.tuned(ui={k: v for k, v in {"host": host, "port": port}.items() if v is not None})
    service = Service(open_index(settings), settings)
    service.assistant.retriever.search("warm up", 1)  # the embedder loads before the first client waits for it
    click.echo(f"Serving http://{settings.ui.host}:{settings.ui.port}/v1 (OpenAI-compatible) and /mcp (MCP)", err=True)
    run(build_app(service), settings)


@main.command(name="mcp")
@index_option
@click.pass_context
def mcp_stdio(ctx: click.Context, index_dir: Path | None) -> None:
    """Serve the assistant to an MCP client over stdio (the client starts this command)."""
    from .interfaces.mcp_server import build_mcp
    from .interfaces.service import Service

    settings = command_settings(ctx, index_dir)
    build_mcp(Service(open_index(settings), settings)).run("stdio")


@main.command(name="eval")
@click.option("--dataset", "datasets", multiple=True, default=("seed", "rgb"), show_default=True,
              help="seed, stories, stories2-dev, stories2-locked (read only its aggregate scores), copies-dev, "
                   "copies-locked (wire copies beside independent reports), crosslang-dev, crosslang-locked (each article "
                   "asked about in the three other languages), rgb (conflicting passages), rgb-clean (true "
                   "passages only) or a JSONL path; repeatable.")
@click.option("--limit", type=click.IntRange(1), default=None, help="At most N questions per dataset.")
@click.option("--no-baseline", is_flag=True, help="Skip the plain LlamaIndex baseline.")
@click.option("--stock-baseline", is_flag=True, help="The baseline as LlamaIndex's quick start builds it (its own index, "
                                                      "1,024-token chunks, top 3) instead of over our collection.")
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Report folder (default evals/reports/<time>).")
@click.pass_context
def eval_(ctx: click.Context, datasets: tuple[str, ...], limit: int | None, no_baseline: bool, stock_baseline: bool,
          out: Path | None) -> None:
    """Groundedness evals: accuracy, citation validity/support/recall, disagreement, abstention, latency."""
    from evals.run import invalid_citations, run

    try:
        path = run(list(datasets), limit, baseline=not no_baseline, out=out, settings=ctx.obj, stock=stock_baseline)
    except FileNotFoundError as e:
        raise CliError(str(e)) from e
    summary = json.loads((path.parent / "summary.json").read_text())["summary"]
    for system, values in summary.items():
        click.echo(f"{system}: " + ", ".join(f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in values.items()))
    click.echo(f"report: {path}")
    bad = invalid_citations(path)
    if bad:
        raise CliError(f"{len(bad)} citation(s) of ours are not verbatim at their offsets")


main.add_command(feed)  # `rag feed ...` lives in its own module
main.add_command(disagreements)
