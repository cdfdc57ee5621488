"""What every `rag` command shares: the error it raises, the --index option, opening the index."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from .registry import IndexUnusable
from .settings import Settings
from .store import Store


class CliError(click.ClickException):
    """A one-line reason on stderr and exit status 2: bad input, an unusable index or model."""

    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


index_option = click.option("--index", "index_dir", type=click.Path(path_type=Path), help="Index folder.")


def command_settings(ctx: click.Context, index_dir: Path | None) -> Settings:
    """The group's settings, with a command's own --index applied."""
    settings: Settings = ctx.obj
    if index_dir is not None:
        settings = settings.model_copy(update={"index_dir": index_dir})
    return settings


@contextmanager
def unusable_is_error() -> Iterator[None]:
    """An index its disk, server or embedder cannot serve is one line and an exit status, not a traceback."""
    try:
        yield
    except IndexUnusable as e:
        raise CliError(str(e)) from e


def open_index(settings: Settings, build: bool = True) -> Store:
    """The index, built from the corpus first when `build` and it is empty; an unusable one is a CliError."""
    from .ingest import ensure_index

    with unusable_is_error():
        store = Store(settings)
        if build:
            report = ensure_index(store, settings, progress=sys.stderr.isatty())
            if report is not None:
                click.echo(f"Built the index from {settings.corpus_dir}: {len(report.added)} articles.", err=True)
        return store
