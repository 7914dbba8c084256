"""CSV output neutralises spreadsheet formulas (issue 23 point 8, OWASP's CSV-injection
rule): a cell starting with ``= + - @``, a tab or a carriage return gets a leading ``'``
in every CSV the tool writes; JSON output keeps the value as Airtable sent it."""

from __future__ import annotations

import csv
import io
import json

import pytest

from airtable_enterprise.cli._output import csv_cell
from airtable_enterprise.testing import Emulator

from .conftest import Invoke

HOSTILE = ["=cmd|' /C calc'!A0", "+SUM(1)", "-2+3", "@evil", "\tTab", "\rReturn"]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_text_that_starts_a_formula_gets_a_leading_quote(text: str) -> None:
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize(
    ("value", "shown"),
    [("Ada", "Ada"), ("a=b", "a=b"), (-3, "-3"), (2.5, "2.5"), (None, ""), (True, "true")],
)
def test_other_values_are_written_as_they_are(value: object, shown: str) -> None:
    assert csv_cell(value) == shown


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_scim_users_list_csv_carries_no_formula(invoke: Invoke, emulator: Emulator) -> None:
    users = [emulator.make_user(first_name=name, last_name=name) for name in HOSTILE]
    result = invoke(["scim", "users", "list", "-f", "csv"])
    assert result.exit_code == 0, result.output
    by_id = {row["id"]: row for row in _rows(result.stdout)}
    for user, name in zip(users, HOSTILE, strict=True):
        assert by_id[user.id]["givenName"] == "'" + name
        assert by_id[user.id]["familyName"] == "'" + name
    raw = {
        row["id"]: row
        for row in map(
            json.loads, invoke(["scim", "users", "list", "-f", "jsonl"]).stdout.splitlines()
        )
    }
    assert raw[users[0].id]["name"]["givenName"] == HOSTILE[0]  # JSON: as Airtable sent it


def test_groups_list_csv_carries_no_formula(invoke: Invoke, emulator: Emulator) -> None:
    groups = [emulator.make_group(name) for name in HOSTILE]
    result = invoke(["groups", "list", "-f", "csv"])
    assert result.exit_code == 0, result.output
    names = {row["id"]: row["name"] for row in _rows(result.stdout)}
    for group, name in zip(groups, HOSTILE, strict=True):
        assert names[group.id] == "'" + name
    for name in names.values():
        assert not name.startswith(("=", "+", "-", "@", "\t", "\r"))
