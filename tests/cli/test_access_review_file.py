"""Review files end with a marker (the row count and the account's ID), so a file cut
short, even exactly at a line boundary, is refused instead of read as a smaller review
whose lost users would show up as removed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airtable_enterprise import AccessRow
from airtable_enterprise.cli._access_file import (
    CSV_END_MARK,
    IncompleteReviewError,
    ReviewWriter,
    read_review,
    read_rows,
)
from airtable_enterprise.models.access_review import RECORD_FIELDS
from airtable_enterprise.testing import Emulator

from .conftest import Invoke

ENT = "entAAAAAAAAAAAAAA"
FORMATS = ("csv", "jsonl")


def make_rows(count: int, *, names: tuple[str, ...] = ("plain",)) -> list[AccessRow]:
    rows = []
    for n in range(count):
        rows.append(
            AccessRow(
                user_id=f"usr{n:014d}",
                email=f"user{n}@acme.example",
                state="provisioned",
                is_admin=n == 0,
                external=False,
                last_activity_time=datetime(2026, 6, 1, 12, n % 60, tzinfo=UTC),
                resource_kind="enterprise" if n % 3 == 0 else "workspace",
                resource_id=ENT if n % 3 == 0 else f"wsp{n:014d}",
                resource_name=None if n % 3 == 0 else names[n % len(names)],
                permission_level="member" if n % 3 == 0 else "edit",
            )
        )
    return rows


def write(path: Path, fmt: str, rows: list[AccessRow], enterprise_id: str = ENT) -> bytes:
    with ReviewWriter(path, fmt, enterprise_id=enterprise_id, overwrite=True) as writer:
        for row in rows:
            writer.write(row)
        writer.commit()
    return path.read_bytes()


def refused(path: Path, **options: bool) -> click.ClickException:
    with pytest.raises(click.ClickException) as caught:
        list(read_rows(path, **options))
    assert caught.value.exit_code == 2
    return caught.value


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_file_ends_with_its_marker_and_reads_back_whole(tmp_path: Path, fmt: str) -> None:
    rows = make_rows(7)
    path = tmp_path / f"r.{fmt}"
    text = write(path, fmt, rows).decode()
    last = text.splitlines()[-1]
    if fmt == "csv":
        # Under the header's first columns, as a spreadsheet shows it; no cell a
        # spreadsheet would run as a formula.
        assert last == ",".join([CSV_END_MARK, "rows=7", f"enterprise_id={ENT}"] + [""] * 13)
        assert len(RECORD_FIELDS) == 16
    else:
        assert last == f'{{"end_of_access_review":true,"rows":7,"enterprise_id":"{ENT}"}}'
    review = read_review(path)
    assert list(review.rows) == rows
    assert (review.enterprise_id, review.terminated) == (ENT, True)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("crlf", [False, True])
@pytest.mark.parametrize("bom", [False, True])
def test_a_file_cut_at_any_line_boundary_is_refused(
    tmp_path: Path, fmt: str, crlf: bool, bom: bool
) -> None:
    path = tmp_path / f"r.{fmt}"
    data = write(path, fmt, make_rows(6))
    if crlf:
        data = data.replace(b"\n", b"\r\n")
    if bom:
        data = b"\xef\xbb\xbf" + data
    path.write_bytes(data)
    assert len(list(read_rows(path))) == 6  # whole, it reads
    boundaries = [i + 1 for i, byte in enumerate(data) if byte == ord("\n")]
    assert boundaries[-1] == len(data)
    for cut in [0, *boundaries[:-1]]:
        path.write_bytes(data[:cut])
        error = refused(path)
        assert isinstance(error, IncompleteReviewError), (cut, error.message)
        assert "incomplete or truncated" in error.message
        assert "no end-of-review marker" in error.message
        assert "--allow-unterminated" in error.message


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    fmt=st.sampled_from(FORMATS),
    count=st.integers(0, 12),
    names=st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=4),
    crlf=st.booleans(),
    bom=st.booleans(),
    data=st.data(),
)
def test_any_cut_short_of_the_whole_file_is_refused(
    tmp_path: Path,
    fmt: str,
    count: int,
    names: list[str],
    crlf: bool,
    bom: bool,
    data: st.DataObject,
) -> None:
    # Names with quotes, commas, newlines, formula characters and non-ASCII letters: a
    # cut may fall inside a quoted CSV cell, a JSON string or a multi-byte character.
    path = tmp_path / f"r.{fmt}"
    rows = make_rows(count, names=tuple(names))
    whole = write(path, fmt, rows)
    if crlf and fmt == "jsonl":  # (CSV keeps newlines inside quoted cells as written)
        whole = whole.replace(b"\n", b"\r\n")
    if bom:
        whole = b"\xef\xbb\xbf" + whole
    path.write_bytes(whole)
    assert list(read_rows(path)) == rows
    cut = data.draw(st.integers(0, len(whole) - 1), label="cut")
    path.write_bytes(whole[:cut])
    refused(path)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", ["a\rb", "a\r\nb", "a\nb", "\r", "end\r"])
def test_a_name_with_line_breaks_reads_back_as_written(tmp_path: Path, fmt: str, name: str) -> None:
    # A bare carriage return was written unquoted in CSV (the csv module quotes only the
    # characters of the line terminator, then "\n"), and the file could not be read back.
    path = tmp_path / f"r.{fmt}"
    rows = make_rows(3, names=(name,))
    write(path, fmt, rows)
    assert list(read_rows(path)) == rows


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_duplicated_marker_or_rows_after_it_are_refused(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"r.{fmt}"
    lines = write(path, fmt, make_rows(4)).decode().splitlines(keepends=True)
    marker, row = lines[-1], lines[-2]
    for extra in (marker, row, row + marker):
        path.write_text("".join(lines) + extra)
        error = refused(path)
        assert isinstance(error, IncompleteReviewError)
        assert "after the end-of-review marker" in error.message
    # Two whole reviews joined: the first one's marker is followed by rows.
    body = lines[1:] if fmt == "csv" else lines
    path.write_text("".join(lines) + "".join(body))
    assert "after the end-of-review marker" in refused(path).message


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("claimed", [0, 3, 5, 40])
def test_a_marker_whose_count_disagrees_is_refused(tmp_path: Path, fmt: str, claimed: int) -> None:
    path = tmp_path / f"r.{fmt}"
    text = write(path, fmt, make_rows(4)).decode()
    was = "rows=4" if fmt == "csv" else '"rows":4'
    path.write_text(text.replace(was, was.replace("4", str(claimed))))
    error = refused(path)
    assert isinstance(error, IncompleteReviewError)
    assert f"counts {claimed} row(s) but 4 were read" in error.message
    # ... even when 0.1.0's files are let in: a marker that is there is checked.
    refused(path, allow_unterminated=True)


@pytest.mark.parametrize(
    "marker",
    [
        '{"end_of_access_review":true,"rows":"4","enterprise_id":"entX"}',
        '{"end_of_access_review":true,"rows":true,"enterprise_id":"entX"}',
        '{"end_of_access_review":true,"rows":-1,"enterprise_id":"entX"}',
        '{"end_of_access_review":true,"rows":4}',
        '{"end_of_access_review":false,"rows":4,"enterprise_id":"entX"}',
    ],
)
def test_a_malformed_jsonl_marker_is_refused(tmp_path: Path, marker: str) -> None:
    path = tmp_path / "r.jsonl"
    lines = write(path, "jsonl", make_rows(4)).decode().splitlines(keepends=True)
    path.write_text("".join(lines[:-1]) + marker + "\n")
    assert "is not an access review" in refused(path).message


@pytest.mark.parametrize("cells", [["rows=x", f"enterprise_id={ENT}"], ["rows=4"], []])
def test_a_malformed_csv_marker_is_refused(tmp_path: Path, cells: list[str]) -> None:
    path = tmp_path / "r.csv"
    lines = write(path, "csv", make_rows(4)).decode().splitlines(keepends=True)
    path.write_text("".join(lines[:-1]) + ",".join([CSV_END_MARK, *cells]) + "\n")
    assert "is not an access review" in refused(path).message


def test_a_csv_marker_neutralised_as_a_formula_still_reads(tmp_path: Path) -> None:
    # A tool (or this one, on a cell starting with = + - @) that puts a ' before each
    # cell; and a spreadsheet that drops the empty cells at the end of the row.
    path = tmp_path / "r.csv"
    rows = make_rows(5)
    lines = write(path, "csv", rows).decode().splitlines(keepends=True)
    marked = f"'{CSV_END_MARK},'rows=5,'enterprise_id={ENT}\r\n"
    path.write_text("".join(lines[:-1]) + marked, newline="")
    review = read_review(path)
    assert list(review.rows) == rows
    assert review.enterprise_id == ENT


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_0_1_0_file_without_marker_reads_only_when_allowed(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"r.{fmt}"
    rows = make_rows(5)
    lines = write(path, fmt, rows).decode().splitlines(keepends=True)
    path.write_text("".join(lines[:-1]))  # exactly what 0.1.0 wrote
    assert isinstance(refused(path), IncompleteReviewError)
    review = read_review(path, allow_unterminated=True)
    assert list(review.rows) == rows
    assert (review.enterprise_id, review.terminated) == (None, False)


def test_an_empty_file_is_incomplete(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text("")
    assert isinstance(refused(path), IncompleteReviewError)
    assert read_review(path, allow_unterminated=True).rows == ()


# ------------------------------------------------------------------------- the CLI


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_diff_refuses_a_previous_review_cut_at_a_line_boundary(
    invoke: Invoke, emulator: Emulator, tmp_path: Path, suffix: str
) -> None:
    previous = tmp_path / f"q1{suffix}"
    assert invoke(["access-review", "--out", str(previous)]).exit_code == 0
    lines = previous.read_text().splitlines(keepends=True)
    previous.write_text("".join(lines[: len(lines) // 2]))  # a partial copy
    out = tmp_path / "q2.jsonl"
    result = invoke(["access-review", "--out", str(out), "--diff", str(previous)])
    assert result.exit_code == 2, result.output
    assert "incomplete or truncated" in result.stderr
    assert "user_removed" not in result.stdout
    assert not out.exists()


def test_diff_reads_a_0_1_0_review_with_allow_unterminated(
    invoke: Invoke, emulator: Emulator, tmp_path: Path
) -> None:
    previous = tmp_path / "q1.csv"
    assert invoke(["access-review", "--out", str(previous)]).exit_code == 0
    lines = previous.read_text().splitlines(keepends=True)
    assert lines[-1].startswith(CSV_END_MARK)
    previous.write_text("".join(lines[:-1]))
    args = ["access-review", "--out", str(tmp_path / "q2.jsonl"), "--diff", str(previous)]
    refused = invoke(args)
    assert refused.exit_code == 2
    assert "--allow-unterminated" in refused.stderr
    result = invoke([*args, "--allow-unterminated"])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""  # nothing changed
