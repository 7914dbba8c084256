"""Output: a table on a terminal, JSON Lines / CSV / JSON when piped or asked for.

A command describes its records once, as a :class:`View` (the columns of the table and
of CSV, and the JSON object of each record), and hands them to a writer made by
:func:`open_writer`. JSON output is the wire object Airtable sent (``raw``), so nothing
is lost; the table and CSV show the columns an admin reads.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Protocol, Self

import attrs
from rich.console import Console
from rich.table import Table

from .._convert import format_datetime

__all__ = [
    "FORMATS",
    "STREAM_FORMATS",
    "Column",
    "Encoder",
    "RecordWriter",
    "View",
    "cell",
    "encoder_for",
    "open_writer",
    "resolve_format",
    "stderr_console",
    "table_cell",
    "to_json",
]

#: Every ``--format``; ``table`` is the default on a terminal.
FORMATS = ("table", "jsonl", "csv", "json")
#: The formats written record by record, fit for files and pipes.
STREAM_FORMATS = ("jsonl", "csv", "json")

_SUFFIX_FORMATS = {".csv": "csv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}


@attrs.frozen
class Column:
    """A table/CSV column: its header and how to get its value from a record."""

    header: str
    value: Callable[[Any], object]


@attrs.frozen
class View:
    """How a command's records are shown: ``columns`` for the table and CSV, ``json``
    for JSON and JSON Lines (by default the record's ``raw`` wire object)."""

    columns: Sequence[Column]
    json: Callable[[Any], object] = attrs.field(default=lambda record: record.raw)
    title: str | None = None
    #: The headers of the columns a terminal table shows (default: all of them).
    table: Sequence[str] | None = None

    def table_columns(self) -> list[Column]:
        """The columns of the terminal table."""
        if self.table is None:
            return list(self.columns)
        return [column for column in self.columns if column.header in self.table]

    def json_of(self, record: Any) -> object:
        """The JSON value of ``record``."""
        convert: Callable[[Any], object] = self.json
        return convert(record)


def _json_default(value: object) -> object:
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def to_json(value: object) -> str:
    """Compact JSON of ``value`` (mappings, datetimes and tuples included)."""
    return json.dumps(value, default=_json_default, ensure_ascii=False, separators=(",", ":"))


def cell(value: object) -> str:
    """A value as one table or CSV cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, str):
        return value
    if isinstance(value, Iterable) and not isinstance(value, Mapping):
        return ";".join(cell(item) for item in value)
    return str(value)


def table_cell(value: object) -> str:
    """A value as a terminal table cell: like :func:`cell`, times to the minute."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
    return cell(value)


class Encoder(Protocol):
    """Turns records into text: a ``header``, one chunk per record, a ``footer``."""

    def header(self) -> str: ...
    def record(self, record: Any, *, first: bool) -> str: ...
    def footer(self, *, empty: bool) -> str: ...


@attrs.frozen
class _JsonLines:
    view: View

    def header(self) -> str:
        return ""

    def record(self, record: Any, *, first: bool) -> str:
        return to_json(self.view.json_of(record)) + "\n"

    def footer(self, *, empty: bool) -> str:
        return ""


@attrs.frozen
class _JsonArray:
    view: View

    def header(self) -> str:
        return "["

    def record(self, record: Any, *, first: bool) -> str:
        return ("\n" if first else ",\n") + to_json(self.view.json_of(record))

    def footer(self, *, empty: bool) -> str:
        return "]\n" if empty else "\n]\n"


@attrs.frozen
class _Csv:
    view: View

    def _line(self, values: Sequence[str]) -> str:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerow(values)
        return buffer.getvalue()

    def header(self) -> str:
        return self._line([column.header for column in self.view.columns])

    def record(self, record: Any, *, first: bool) -> str:
        return self._line([cell(column.value(record)) for column in self.view.columns])

    def footer(self, *, empty: bool) -> str:
        return ""


def encoder_for(fmt: str, view: View) -> Encoder:
    """The encoder of a streaming format (``jsonl``, ``csv``, ``json``)."""
    if fmt == "jsonl":
        return _JsonLines(view)
    if fmt == "csv":
        return _Csv(view)
    if fmt == "json":
        return _JsonArray(view)
    raise ValueError(f"not a streaming format: {fmt!r}")


def resolve_format(fmt: str | None, out: Path | None, stdout: IO[str] | None = None) -> str:
    """The format asked for; else guessed from ``out``'s suffix (JSON Lines by default);
    else ``table`` on a terminal and JSON Lines when piped."""
    if fmt is not None:
        return fmt
    if out is not None:
        return _SUFFIX_FORMATS.get(out.suffix.lower(), "jsonl")
    stream = stdout if stdout is not None else sys.stdout
    return "table" if stream.isatty() else "jsonl"


def stderr_console() -> Console:
    """The console for progress bars, notices and summaries: stderr, so stdout stays data."""
    return Console(file=sys.stderr, highlight=False, soft_wrap=True)


class RecordWriter:
    """Writes records one at a time in one format, to stdout or a file; a context manager.

    Streaming formats are written as they come; a table is drawn when closed.
    """

    def __init__(self, fmt: str, view: View, stream: IO[str], *, close_stream: bool) -> None:
        self.format = fmt
        self.view = view
        self.count = 0
        self._stream = stream
        self._close_stream = close_stream
        self._rows: list[list[str]] = []
        self._table = view.table_columns()
        self._encoder = encoder_for(fmt, view) if fmt != "table" else None
        if self._encoder is not None:
            stream.write(self._encoder.header())

    def write(self, record: Any) -> None:
        if self._encoder is None:
            self._rows.append([table_cell(column.value(record)) for column in self._table])
        else:
            self._stream.write(self._encoder.record(record, first=self.count == 0))
        self.count += 1

    def flush(self) -> None:
        """Push what was written so far to the reader (a pipe, a file)."""
        self._stream.flush()

    def write_all(self, records: Iterable[Any]) -> None:
        for record in records:
            self.write(record)

    def close(self) -> None:
        if self._encoder is None:
            self._draw_table()
        else:
            self._stream.write(self._encoder.footer(empty=self.count == 0))
        self._stream.flush()
        if self._close_stream:
            self._stream.close()

    def _draw_table(self) -> None:
        table = Table(title=self.view.title, show_lines=False, header_style="bold")
        for column in self._table:
            table.add_column(column.header, overflow="fold")
        for row in self._rows:
            table.add_row(*row)
        Console(file=self._stream, highlight=False).print(table)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        elif self._close_stream:
            self._stream.close()


def open_writer(fmt: str | None, view: View, out: Path | None = None) -> RecordWriter:
    """A :class:`RecordWriter` to ``out`` (a file, never a table) or to stdout."""
    stdout = sys.stdout
    chosen = resolve_format(fmt, out, stdout)
    if out is None:
        return RecordWriter(chosen, view, stdout, close_stream=False)
    if chosen == "table":
        chosen = "jsonl"
    stream = out.open("w", encoding="utf-8", newline="")
    return RecordWriter(chosen, view, stream, close_stream=True)
