"""``emulator serve ...``: the emulator's own command line, reached from this tool."""

from __future__ import annotations

import click

__all__ = ["emulator"]


@click.group()
def emulator() -> None:
    """The built-in Airtable Enterprise emulator (needs the `testing` extra)."""


@emulator.command(
    "serve",
    context_settings={"ignore_unknown_options": True, "help_option_names": []},
    add_help_option=False,
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def serve(ctx: click.Context, args: tuple[str, ...]) -> None:
    """Serve a synthetic enterprise over HTTP with uvicorn until Ctrl-C.

    Every argument goes unchanged to the emulator's own parser; see
    `airtable-enterprise emulator serve --help`.
    """
    from ..testing import main

    ctx.exit(main(["serve", *args]))
