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
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--since", default="", help="Only entries with a claim from an article dated on or after DATE (YYYY-MM-DD).")
@click.option("--outlet", default="", help="Only entries in which this outlet takes part.")
@index_option
@click.pass_context
def disagreements(ctx: click.Context, as_json: bool, since: str, outlet: str, index_dir: Path | None) -> None:
    """Every place where the indexed sources disagree, most sources first: conflicts, updates over time,
    different things sharing a name, and lone outliers, each side with who says it, where, when, and its quote."""
    from .disagreements import entry_json, map_entries
    from .numbers import iso_day

    since_day = iso_day(since) if since else ""
    if since and not since_day:
        raise CliError(f"--since takes a date such as 2026-03-14, not '{since}'")
    settings = command_settings(ctx, index_dir)
    store = open_index(settings)
    found = map_entries(store.registry, settings, since_day, outlet.strip())
    shown = [entry_json(e) for e in found[:settings.map.page_size]]
    if as_json:
        click.echo(json.dumps({"since": since_day, "outlet": outlet.strip(), "total": len(found), "entries": shown},
                              ensure_ascii=False))
        return
    if not shown:
        click.echo("No disagreements found" + (" for these filters." if since or outlet else "."))
    for n, e in enumerate(shown, 1):
        click.echo(f"{n}. {LABELS[DisagreementKind(e['kind'])]} · {e['sources']} sources · {e['topic']}")
        for side in e["sides"]:
            click.echo(f"   {_side_label(side)}:")
            for c in side["claims"]:
                cite = c["citation"]
                when = f", {c['date']}" if c["date"] else ", undated"
                click.echo(f"     - {c['claimant']} {c['verb']} ({c['outlet']}{when}) [{cite['source']} "
                           f"{cite['start']}:{cite['end']}] “{' '.join(cite['quote'].split())[:200]}”")
    if len(found) > len(shown):
        click.echo(f"({len(found) - len(shown)} more; narrow with --since or --outlet, or see --json)")
