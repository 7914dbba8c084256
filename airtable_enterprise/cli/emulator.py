"""``emulator serve ...``: the emulator's own ``serve`` command, reached from this tool."""

from __future__ import annotations

import click

from ..testing.cli import serve

__all__ = ["emulator"]


@click.group()
def emulator() -> None:
    """The built-in Airtable Enterprise emulator (needs the `testing` extra)."""


emulator.add_command(serve)
