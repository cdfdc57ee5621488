"""`rag feed add|list|remove|pull`: follow RSS / Atom feeds and ingest their new items."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .cli_base import CliError, command_settings, index_option, open_index


def _feeds(ctx: click.Context, index_dir: Path | None):
    from .feeds import Feeds

    settings = command_settings(ctx, index_dir)
    store = open_index(settings, build=False)
    return Feeds(store, settings), store


@click.group()
def feed() -> None:
    """Follow RSS / Atom feeds; `rag feed pull` ingests their new items."""


@feed.command(name="add")
@click.argument("url")
@index_option
@click.pass_context
def add(ctx: click.Context, url: str, index_dir: Path | None) -> None:
    """Follow a feed (it is downloaded once to check that it is one); nothing is ingested until `rag feed pull`."""
    from .feeds import FeedError

    feeds, _ = _feeds(ctx, index_dir)
    try:
        found, n_items, already = feeds.add(url)
    except FeedError as e:
        raise CliError(str(e)) from None
    state = "already followed" if already else "now followed"
    click.echo(f"{found.url} ({found.title or 'untitled'}): {state}, {n_items} items in it; `rag feed pull` ingests them")


@feed.command(name="list")
@index_option
@click.pass_context
def list_(ctx: click.Context, index_dir: Path | None) -> None:
    """The followed feeds: URL, title, items seen, last pull."""
    from .feeds import FeedError, load

    feeds, _ = _feeds(ctx, index_dir)
    try:
        followed = load(feeds.settings).feeds
    except FeedError as e:
        raise CliError(str(e)) from None
    for f in followed:
        click.echo(f"{f.url}\t{f.title or 'untitled'}\t{len(f.seen)} seen\tlast pulled {f.last_pulled or 'never'}")


@feed.command(name="remove")
@click.argument("url")
@index_option
@click.pass_context
def remove(ctx: click.Context, url: str, index_dir: Path | None) -> None:
    """Stop following a feed; the articles it brought stay (remove those with `rag remove ID`)."""
    from .feeds import FeedError

    feeds, _ = _feeds(ctx, index_dir)
    try:
        gone = feeds.remove(url)
    except FeedError as e:
        raise CliError(str(e)) from None
    if not gone:
        raise CliError(f"not followed: {url} (see `rag feed list`)")
    click.echo(f"stopped following {url}")


@feed.command(name="pull")
@click.argument("urls", nargs=-1)
@index_option
@click.pass_context
def pull(ctx: click.Context, urls: tuple[str, ...], index_dir: Path | None) -> None:
    """Ingest the new items of every followed feed (or of the URLs given).

    Each item that fails is named with its reason and tried again on the next pull; the rest are kept.
    Articles removed earlier are not taken back (`rag restore ID` does that). Exit status 1 if anything failed.
    """
    from .feeds import FeedError
    from .links import LinkStatus

    feeds, store = _feeds(ctx, index_dir)
    try:
        reports = feeds.pull(list(urls), progress=sys.stderr.isatty())
    except FeedError as e:
        raise CliError(str(e)) from None
    if not reports:
        click.echo("no feeds followed; add one with `rag feed add URL`")
        return
    bad = 0
    for r in reports:
        if r.error:
            bad += 1
            click.echo(f"skipped feed {r.error}", err=True)
            continue
        counts = {s: sum(x.status is s for x in r.results) for s in LinkStatus}
        for x in r.results:
            if x.status is LinkStatus.FAILED:
                click.echo(f"skipped {x.url}: {x.reason}", err=True)
            elif x.status is LinkStatus.REMOVED:
                click.echo(f"not taken back {x.url}: {x.reason}", err=True)
        bad += counts[LinkStatus.FAILED]
        later = f", {r.left_for_next} left for the next pull" if r.left_for_next else ""
        click.echo(
            f"{r.title or r.url}: {counts[LinkStatus.ADDED]} added, {counts[LinkStatus.REPLACED]} replaced, "
            f"{counts[LinkStatus.UNCHANGED]} unchanged, {counts[LinkStatus.DUPLICATE]} duplicates, "
            f"{counts[LinkStatus.REMOVED]} removed earlier, {counts[LinkStatus.FAILED]} failed, "
            f"{r.seen_before} seen before{later}."
        )
    click.echo(f"{store.registry.count()} articles in the index.")
    if bad:
        raise click.exceptions.Exit(1)
