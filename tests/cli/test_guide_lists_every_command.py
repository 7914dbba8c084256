"""The CLI guide lists every command (issue 26): each leaf command of the tool appears
in the "Every command" table of docs/guides/cli.md, with its arguments."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click

from airtable_enterprise.cli import cli

GUIDE = Path(__file__).parents[2] / "docs" / "guides" / "cli.md"


def _leaves(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[str]:
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from _leaves(command, (*path, name))
        else:
            yield " ".join((*path, name))


def test_every_command_is_in_the_guide() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    table = text[text.index("## Every command") :]
    rows = {line.split("`")[1] for line in table.splitlines() if line.startswith("| `")}
    listed = {row.split(" ")[0] for row in rows}
    missing = [
        leaf
        for leaf in _leaves(cli)
        if not any(row == leaf or row.startswith(leaf + " ") for row in rows)
    ]
    assert not missing, f"add these to the 'Every command' table of {GUIDE.name}: {missing}"
    assert listed  # the table was found
