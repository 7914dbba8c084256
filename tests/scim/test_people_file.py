"""The HR file as spreadsheets write it: BOM, CRLF, empty rows, case-variant duplicates."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from airtable_enterprise.cli import cli
from airtable_enterprise.scim.people import read_people

SPREADSHEET = (
    "email,first name,last name,active,groups,title\r\n"
    "Ann.Lee@ours.example,Zoë,Ünal,true,Data;  New Group ;,Engineer\r\n"
    "\r\n"
    ",,,,,\r\n"
    "  ,  , ,,,\r\n"
    "bob@ours.example,Bob,B,false,,\r\n"
)


def test_rows_with_only_empty_cells_are_skipped_like_blank_lines() -> None:
    people = read_people(SPREADSHEET, domains={"ours.example"})
    assert people.problems == ()
    assert [p.email for p in people.people] == ["Ann.Lee@ours.example", "bob@ours.example"]
    assert people.people[0].groups == frozenset({"Data", "New Group"})
    assert people.people[0].given_name == "Zoë"


def test_the_cli_reads_a_bom_crlf_file_with_empty_rows(tmp_path: Path) -> None:
    source = tmp_path / "people.csv"
    source.write_bytes(b"\xef\xbb\xbf" + SPREADSHEET.encode())
    result = CliRunner().invoke(
        cli,
        [
            "--emulator",
            "scim",
            "sync",
            "--from",
            str(source),
            "--dry-run",
            "--domain",
            "ours.example",
            "--format",
            "jsonl",
        ],
    )
    assert "bad row" not in result.output, result.output
    assert result.exit_code == 0, result.output
    assert "ann.lee@ours.example" in result.output.lower()
