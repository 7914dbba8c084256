"""At 80 columns, the tables of the admin, SCIM and job commands never cut a row's ID or
any email (issue 17 point 5, applied to the commands of issues 13-15); lesser columns
give way."""

from __future__ import annotations

import re

import pytest

from airtable_enterprise.testing import Emulator, generate_enterprise

from .conftest import Invoke

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
#: The first cell of a table row.
FIRST_CELL = re.compile(r"^│ ([a-z]{3}[A-Za-z0-9]*[A-Z0-9][A-Za-z0-9]*…?)")
EMAIL_LIKE = re.compile(r"[\w.+-]+@[\w.-]*\w")


@pytest.fixture
def emulator() -> Emulator:
    world = generate_enterprise(seed=3, users=60, events=600)
    return Emulator(world, job_duration=0.0)


def commands(emulator: Emulator) -> list[list[str]]:
    base = next(b for b in emulator.world.bases.values() if b.id)
    return [
        ["whoami"],
        ["groups", "list"],
        ["tokens", "list"],
        ["bases", "collaborators", base.id],
        ["bases", "shares", base.id],
        ["packages", "list"],
        ["scim", "users", "list"],
        ["scim", "groups", "list"],
        ["exports", "list"],
        ["audit", "requests", "list"],
    ]


@pytest.mark.parametrize("index", range(10))
def test_ids_and_emails_are_whole_at_80_columns(
    invoke_tty: Invoke, emulator: Emulator, index: int
) -> None:
    base = next(iter(emulator.world.bases))
    assert invoke_tty(["exports", "create", "--base", base]).exit_code == 0
    args = commands(emulator)[index]
    result = invoke_tty(args, env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    text = ANSI.sub("", result.stdout)
    emails = {u.email for u in emulator.world.users.values()}
    for line in text.splitlines():
        first = FIRST_CELL.match(line)
        if first:
            assert len(first.group(1)) == 17, (args, line)
        for fragment in EMAIL_LIKE.findall(line):
            assert fragment in emails, (args, fragment, line)


def test_tokens_list_keeps_the_broad_flag_at_80_columns(invoke_tty: Invoke) -> None:
    result = invoke_tty(["tokens", "list", "--broad"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    text = ANSI.sub("", result.stdout)
    header = next(line for line in text.splitlines() if "┃ id" in line)
    assert "broad" in header, text
    assert "mode: all" in text or "write" in text
