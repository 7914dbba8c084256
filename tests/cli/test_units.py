"""The pure pieces: formats, cells, relative times, checkpoints."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
import pytest

from airtable_enterprise.cli._checkpoint import Checkpoint, CheckpointError, checkpoint_path
from airtable_enterprise.cli._output import Column, RecordWriter, View, cell, resolve_format
from airtable_enterprise.cli._times import parse_when


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("fmt", "out", "stdout", "expected"),
    [
        (None, None, _Tty(), "table"),
        (None, None, io.StringIO(), "jsonl"),
        (None, Path("users.csv"), _Tty(), "csv"),
        (None, Path("users.JSON"), _Tty(), "json"),
        (None, Path("users"), _Tty(), "jsonl"),
        (None, Path("-"), _Tty(), "table"),
        ("jsonl", Path("users.txt"), _Tty(), "jsonl"),
        ("csv", None, _Tty(), "csv"),
    ],
)
def test_format_follows_the_option_then_the_suffix_then_the_terminal(
    fmt: str | None, out: Path | None, stdout: io.StringIO, expected: str
) -> None:
    assert resolve_format(fmt, out, stdout) == expected


def test_cells() -> None:
    when = datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    assert [cell(None), cell(True), cell(3), cell(when), cell(("a", "b"))] == [
        "",
        "true",
        "3",
        "2024-01-02T03:04:05.678Z",
        "a;b",
    ]


def test_json_array_writer_is_valid_json_when_empty_and_full() -> None:
    view = View(columns=(Column("x", lambda r: r),), json=lambda r: {"x": r})
    for records, expected in (([], "[]\n"), ([1, 2], '[\n{"x":1},\n{"x":2}\n]\n')):
        stream = io.StringIO()
        with RecordWriter("json", view, stream, close_stream=False) as writer:
            writer.write_all(records)
        assert stream.getvalue() == expected


def test_csv_writer_quotes_commas_and_newlines() -> None:
    view = View(columns=(Column("name", lambda r: r),))
    stream = io.StringIO()
    with RecordWriter("csv", view, stream, close_stream=False) as writer:
        writer.write("Doe, Jane\nII")
    assert stream.getvalue() == 'name\n"Doe, Jane\nII"\n'


def test_relative_and_absolute_times() -> None:
    now = datetime(2024, 6, 1, tzinfo=UTC)
    assert parse_when("--since", "7d", now) == now - timedelta(days=7)
    assert parse_when("--since", "2w", now) == now - timedelta(weeks=2)
    assert parse_when("--since", "90m", now) == now - timedelta(minutes=90)
    assert parse_when("--since", "2024-05-01T00:00:00Z", now) == datetime(2024, 5, 1, tzinfo=UTC)
    with pytest.raises(click.BadParameter):
        parse_when("--since", "last tuesday", now)


def test_checkpoint_round_trip_and_damage(tmp_path: Path) -> None:
    path = checkpoint_path(tmp_path / "events.jsonl")
    assert path.name == "events.jsonl.checkpoint"
    saved = Checkpoint(query={"since": "7d"}).advanced(cursor="abc", offset=120, events=7)
    saved.save(path)
    loaded = Checkpoint.load(path)
    assert loaded == saved
    assert not loaded.complete
    assert loaded.advanced(cursor=None, offset=130, events=1).complete
    path.write_text('{"version": 1, "query": {}, "cursor": 5, "offset": 0}')
    with pytest.raises(CheckpointError, match="damaged"):
        Checkpoint.load(path)
    path.write_text("{not json")
    with pytest.raises(CheckpointError, match="cannot read"):
        Checkpoint.load(path)


def test_checkpoint_names_the_options_that_changed(tmp_path: Path) -> None:
    saved = Checkpoint(query={"since": "7d", "format": "csv", "resolved_start": "x"})
    saved.check_query({"since": "7d", "format": "csv"}, tmp_path)
    with pytest.raises(CheckpointError, match="format"):
        saved.check_query({"since": "7d", "format": "jsonl"}, tmp_path)
