"""Errors name what the user typed (issue 26): an option (``--period``), a global option
(``--enterprise``) or an argument's metavar (``PACKAGE``), never the library's parameter
(``time_period``, ``enterprise_account_id``, ``package_or_release``)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import click
import pytest

from airtable_enterprise.cli import cli

from .conftest import Invoke

_INVALID = re.compile(r"Error: invalid (\S+(?: \S+)?) '")


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (["audit", "requests", "create", "--period", "2026-13"], "--period"),
        (["--enterprise", "bogus", "info"], "--enterprise"),
        (["packages", "install", "bogus", "wspAAAAAAAAAAAAAA", "Name"], "PACKAGE"),
        (["--enterprise", "entBOGUS", "users", "get", "usrAAAAAAAAAAAAAA"], "--enterprise"),
    ],
)
def test_a_bad_value_is_named_as_the_user_typed_it(
    invoke: Invoke, args: list[str], name: str
) -> None:
    result = invoke(args)
    assert result.exit_code == 2, result.output
    assert f"Error: invalid {name} " in result.stderr


def _leaves(
    group: click.Group, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    for name, command in sorted(group.commands.items()):
        if name in {"emulator", "demo"}:
            continue
        if isinstance(command, click.Group):
            yield from _leaves(command, (*path, name))
        else:
            yield (*path, name), command


def _argv(path: tuple[str, ...], command: click.Command) -> list[str] | None:
    """The command with every required argument set to a value no check accepts."""
    arguments = [p for p in command.params if isinstance(p, click.Argument)]
    if not any(a.required for a in arguments):
        return None  # e.g. `audit tail`, which would follow the log until stopped
    values: list[str] = []
    for argument in arguments:
        if argument.type is not click.STRING and not isinstance(
            argument.type, click.types.StringParamType
        ):
            return None  # a Choice or a path: click checks it itself
        values += ["bogus"] * (1 if argument.required else 0)
    return [*path, *values, *(["--yes"] if any(o.name == "yes" for o in command.params) else [])]


LEAVES = [(p, c) for p, c in _leaves(cli) if _argv(p, c) is not None]


@pytest.mark.parametrize(("path", "command"), LEAVES, ids=[" ".join(p) for p, _ in LEAVES])
def test_every_command_names_a_bad_argument_as_its_help_does(
    invoke: Invoke, path: tuple[str, ...], command: click.Command
) -> None:
    argv = _argv(path, command)
    assert argv is not None
    result = invoke(argv)
    match = _INVALID.search(result.stderr)
    if match is None:
        return  # refused otherwise (not found, a usage error) or accepted as a name
    shown = {max(p.opts, key=len) for p in command.params if isinstance(p, click.Option)}
    shown |= {
        (p.metavar or (p.name or "").upper()).rstrip(".")
        for p in command.params
        if isinstance(p, click.Argument)
    }
    shown |= {"--enterprise"}
    named = match.group(1)
    assert named.split(" ")[0] in shown or named in shown, f"{argv}: {result.stderr}"
