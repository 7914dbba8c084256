"""Options shared by several commands, and the progress bar."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)

from ._output import FORMATS, stderr_console

__all__ = ["format_options", "progress_bar", "redis_url_option"]

F = TypeVar("F", bound=Callable[..., Any])


def format_options(formats: tuple[str, ...] = FORMATS) -> Callable[[F], F]:
    """``--format`` (default: table on a terminal, JSON Lines when piped) and ``--out``."""

    def decorate(command: F) -> F:
        command = click.option(
            "--out",
            "-o",
            type=click.Path(dir_okay=False, writable=True, path_type=Path),
            help="Write to this file instead of stdout.",
        )(command)
        return click.option(
            "--format",
            "-f",
            "fmt",
            type=click.Choice(formats),
            help="Output format. Default: table on a terminal, JSON Lines when piped "
            "or written to a file (csv/json from the file's suffix).",
        )(command)

    return decorate


def redis_url_option(command: F) -> F:
    """``--redis-url`` / ``AIRTABLE_REDIS_URL``: share the rate limit through a store."""
    return click.option(
        "--redis-url",
        envvar="AIRTABLE_REDIS_URL",
        show_envvar=True,
        metavar="URL",
        help="Share the token's rate limit and 429 cooldown with every process using "
        "this Redis/Valkey store (redis://, rediss://, valkey://).",
    )(command)


def progress_bar() -> Progress:
    """A progress bar on stderr, shown only when stderr is a terminal."""
    console = stderr_console()
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
