"""`rag disagreements`: where the indexed sources disagree, found without a question."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .cli_base import CliError, command_settings, index_option, open_index
from .types import DisagreementKind

LABELS = {
    DisagreementKind.CONFLICT: "conflict",
    DisagreementKind.UPDATE: "changed over time",
    DisagreementKind.AMBIGUITY: "different things, one name",
    DisagreementKind.OUTLIER: "one source differs",
}


def _side_label(side: dict) -> str:
    about = f" (about {', '.join(side['about'])})" if side["about"] else ""
    return f"{side['value']}{about}"


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (= --format json).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default=None,
              help="text (default), json, or markdown (each entry with its sides and quotes, to paste).")
@click.option("--since", default="", help="Only entries with a claim from an article dated on or after DATE (YYYY-MM-DD).")
@click.option("--outlet", default="", help="Only entries in which this outlet takes part.")
@index_option
@click.pass_context
def disagreements(ctx: click.Context, as_json: bool, fmt: str | None, since: str, outlet: str,
                  index_dir: Path | None) -> None:
    """Every place where the indexed sources disagree, most sources first: conflicts, updates over time,
    different things sharing a name, and lone outliers, each side with who says it, where, when, and its quote."""
    from .interfaces.exports import map_entry_markdown
    from .interfaces.service import RequestError, map_page

    if as_json and fmt not in (None, "json"):
        raise CliError(f"--json and --format {fmt} ask for two formats; give one")
    fmt = "json" if as_json else fmt or "text"
    settings = command_settings(ctx, index_dir)
    store = open_index(settings)
    try:
        page = map_page(store.registry, settings, since, outlet)
    except RequestError as e:
        raise CliError(str(e)) from e
    shown = page["entries"]
    if fmt == "json":
        click.echo(json.dumps(page, ensure_ascii=False))
        return
    if not shown:
        click.echo("No disagreements found" + (" for these filters." if since or outlet else "."))
    for n, entry in enumerate(shown, 1):
        if fmt == "markdown":
            click.echo(map_entry_markdown(entry))
            continue
        click.echo(f"{n}. {LABELS[DisagreementKind(entry['kind'])]} · {entry['sources']} sources · {entry['topic']}")
        for side in entry["sides"]:
            click.echo(f"   {_side_label(side)}:")
            for c in side["claims"]:
                cite = c["citation"]
                when = f", {c['date']}" if c["date"] else ", undated"
                copy = f", a copy of {c['origin']}" if c["origin"] != c["source"] else ""
                click.echo(f"     - {c['claimant']} {c['verb']} ({c['outlet']}{when}{copy}) [{cite['source']} "
                           f"{cite['start']}:{cite['end']}] “{' '.join(cite['quote'].split())[:200]}”")
    if page["total"] > len(shown):
        click.echo(f"({page['total'] - len(shown)} more; narrow with --since or --outlet, or see --json)")
