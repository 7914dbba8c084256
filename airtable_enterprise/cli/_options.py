"""Options shared by several commands, and the progress bar."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from ._errors import EXIT_USAGE, CliError
from ._output import FORMATS, SUFFIX_FORMATS, format_of_suffix, is_stdout

__all__ = ["confirm", "format_options", "redis_url_option"]

F = TypeVar("F", bound=Callable[..., Any])


def format_options(formats: tuple[str, ...] = FORMATS) -> Callable[[F], F]:
    """``--format`` (default: table on a terminal, JSON Lines when piped) and ``--out``
    (``-`` is stdout). An ``--out`` suffix that names no format is refused before the
    command runs, unless ``--format`` is given."""
    by_suffix = [f"{suffix} ({fmt})" for suffix, fmt in SUFFIX_FORMATS.items() if fmt in formats]
    file_formats = [fmt for fmt in formats if fmt != "table"]

    def decorate(command: F) -> F:
        @functools.wraps(command)
        def checked(*args: Any, **kwargs: Any) -> Any:
            fmt, out = kwargs.get("fmt"), kwargs.get("out")
            folder = out.parent if out is not None and not is_stdout(out) else None
            # Before the command runs: a change applied, then no file to report it in.
            if folder is not None and not (folder.is_dir() and os.access(folder, os.W_OK)):
                raise click.BadParameter(
                    f"cannot write {out}: {folder} is not a folder this user can write to",
                    param_hint="'--out'",
                )
            if fmt is None and not is_stdout(out):
                assert out is not None
                if format_of_suffix(out) not in formats:
                    raise click.BadParameter(
                        f"this command writes {', '.join(file_formats)}, not {out.suffix}",
                        param_hint="'--out'",
                    )
            return command(*args, **kwargs)

        wrapped = click.option(
            "--out",
            "-o",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Write to this file instead of stdout (- is stdout).",
        )(checked)
        return click.option(  # type: ignore[return-value]
            "--format",
            "-f",
            "fmt",
            type=click.Choice(formats),
            help=f"Output format. Default: {'table on a terminal, ' if 'table' in formats else ''}"
            f"JSON Lines when piped; for --out FILE, from its suffix: {', '.join(by_suffix)}.",
        )(wrapped)

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


def confirm(question: str) -> bool:
    """Ask ``question`` on stderr (y/N). Without a terminal on stdin and no answer
    there (a cron job, ``< /dev/null``), say to pass --yes instead of a bare "Aborted!"."""
    try:
        return click.confirm(question, err=True)
    except click.Abort:
        if sys.stdin is not None and not sys.stdin.isatty():
            raise CliError(
                f"{question} needs an answer, and stdin is not a terminal: "
                "pass --yes to confirm (or --dry-run to only look)",
                EXIT_USAGE,
            ) from None
        raise
