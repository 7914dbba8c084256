"""Tables never split an email or an ID; lesser columns give way; JSON of one object
is that object; an --out suffix that names no format is refused."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from airtable_enterprise.cli._output import fit_widths
from airtable_enterprise.testing import Emulator

from .conftest import Invoke

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def plain(text: str) -> str:
    return ANSI.sub("", text)


@pytest.mark.parametrize(
    ("natural", "keys", "width", "expected"),
    [
        ([10, 20, 5], [True, True, False], None, [10, 20, 5]),
        ([10, 20, 5], [True, True, False], 100, [10, 20, 5]),
        # the lesser column is shortened first ...
        ([30, 20], [True, False], 50, [30, 13]),
        # ... to 8 characters at the least, then hidden from the right (the room it
        # leaves goes back to the shortened ones)
        ([30, 20, 20], [True, False, False], 50, [30, 13, None]),
        # key columns stay whole even when they alone are too wide
        ([40, 40, 10], [True, True, False], 50, [40, 40, None]),
    ],
)
def test_fit_widths_keeps_key_columns_whole(
    natural: list[int], keys: list[bool], width: int | None, expected: list[int | None]
) -> None:
    limits, total = fit_widths(natural, keys, width)
    assert limits == expected
    assert total == 1 + sum(limit + 3 for limit in limits if limit is not None)


@pytest.mark.parametrize("columns", ["40", "60", "100"])
def test_emails_are_never_split_on_a_narrow_terminal(
    invoke_tty: Invoke, emulator: Emulator, columns: str
) -> None:
    result = invoke_tty(["users", "inactive", "--days", "0"], env={"COLUMNS": columns})
    assert result.exit_code == 0, result.output
    text = plain(result.stdout)
    emails = {u.email for u in emulator.world.users.values() if u.state != "deactivated"}
    shown = {email for email in emails if email in text}
    assert shown, text
    # each listed user's whole email is on one line; nothing is cut mid-address
    for line in text.splitlines():
        for fragment in re.findall(r"[\w.+-]+@[\w.-]+", line):
            assert fragment in emails, (fragment, line)
    if columns == "40":
        assert "hidden to fit" in text


def test_piped_tables_show_every_column_in_full(invoke: Invoke, emulator: Emulator) -> None:
    result = invoke(["users", "inactive", "--days", "0", "--format", "table"])
    assert result.exit_code == 0, result.output
    assert "hidden to fit" not in result.stdout
    header = result.stdout.splitlines()[2]
    for column in ("email", "state", "license", "last_activity", "bases", "days_idle"):
        assert column in header


def test_workspace_collaborators_name_each_base(invoke: Invoke, emulator: Emulator) -> None:
    workspace = next(w for w in emulator.world.workspaces.values() if w.base_ids)
    result = invoke(["workspaces", "collaborators", workspace.id, "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    on_bases = [row for row in rows if row["baseId"]]
    assert on_bases
    for row in on_bases:
        assert row["baseName"] == emulator.world.bases[row["baseId"]].name
    assert all(row["baseName"] is None for row in rows if not row["baseId"])


@pytest.mark.parametrize("tty", [False, True], ids=["piped", "terminal"])
def test_info_as_json_is_the_object(
    invoke: Invoke, invoke_tty: Invoke, emulator: Emulator, tty: bool
) -> None:
    result = (invoke_tty if tty else invoke)(["info", "--format", "json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert isinstance(found, dict)
    assert found["id"] == emulator.enterprise_id


@pytest.mark.parametrize("tty", [False, True], ids=["piped", "terminal"])
def test_an_out_suffix_naming_no_format_is_refused_before_any_request(
    invoke: Invoke, invoke_tty: Invoke, emulator: Emulator, tmp_path: Path, tty: bool
) -> None:
    out = tmp_path / "users.xlsx"
    requests = emulator.stats.requests
    result = (invoke_tty if tty else invoke)(["users", "export", "--out", str(out)])
    assert result.exit_code == 2
    assert ".xlsx" in result.stderr
    assert "--format" in result.stderr
    assert not out.exists()
    assert emulator.stats.requests == requests


def test_an_explicit_format_writes_any_file_name(invoke: Invoke, tmp_path: Path) -> None:
    out = tmp_path / "users.txt"
    result = invoke(["users", "export", "--format", "csv", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("id,email,")


def test_tail_help_names_only_the_formats_it_accepts(invoke: Invoke) -> None:
    result = invoke(["audit", "tail", "--help"], terminal_width=200)
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    assert "[table|jsonl|csv]" in text
    assert ".json (json)" not in text
    assert "JSON Lines when piped" in text
