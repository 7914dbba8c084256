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
import click
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from .._core.convert import format_datetime
from .._core.text import unsafe_character

__all__ = [
    "FORMATS",
    "STREAM_FORMATS",
    "SUFFIX_FORMATS",
    "Column",
    "Encoder",
    "RecordWriter",
    "View",
    "cell",
    "csv_cell",
    "draw_table",
    "encoder_for",
    "fit_widths",
    "format_of_suffix",
    "is_stdout",
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

#: The formats ``--out``'s suffix chooses.
SUFFIX_FORMATS = {".csv": "csv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}


@attrs.frozen
class Column:
    """A table/CSV column: its header and how to get its value from a record.

    A ``key`` column (an email, an ID) is never split across lines or shortened in a
    table; the others give way first (shortened with "…", then hidden). By default a
    column is a key when its header names an ID or an email (:func:`is_key_header`), so
    a new command's table cannot forget it."""

    header: str
    value: Callable[[Any], object]
    key: bool = attrs.field(
        default=attrs.Factory(lambda self: is_key_header(self.header), takes_self=True)
    )


#: Headers of columns that hold IDs or emails besides ``id``, ``email``, ``*_id``, ``*_email``.
_KEY_HEADERS = {"username", "user", "token", "subject", "created_by", "email_or_name", "on"}


def is_key_header(header: str) -> bool:
    """Whether a column called ``header`` holds IDs or emails (never cut in a table)."""
    name = header.lower()
    return name in {"id", "email", *_KEY_HEADERS} or name.endswith(("_id", "_email"))


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


#: What a spreadsheet reads as the start of a formula (OWASP's CSV-injection rule).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """A value as a CSV cell a spreadsheet shows as text: like :func:`cell`, with a
    leading ``'`` before a text that starts with ``= + - @``, a tab or a carriage return
    (``=cmd|' /C calc'!A0`` -> ``'=cmd|' /C calc'!A0``), so opening the file never runs a
    formula. Numbers are written as they are (``-3`` stays a number)."""
    text = cell(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return text
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@attrs.frozen
class _Csv:
    view: View

    def _line(self, values: Sequence[str]) -> str:
        buffer = io.StringIO()
        # "\r\n" makes the writer quote a value holding a lone "\r" too (with "\n" it
        # does not, and a spreadsheet would start a new row there); lines end in "\n".
        csv.writer(buffer, lineterminator="\r\n").writerow(values)
        return buffer.getvalue()[:-2] + "\n"

    def header(self) -> str:
        return self._line([csv_cell(column.header) for column in self.view.columns])

    def record(self, record: Any, *, first: bool) -> str:
        return self._line([csv_cell(column.value(record)) for column in self.view.columns])

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


def is_stdout(out: Path | None) -> bool:
    """Whether ``--out`` names stdout (``-``) or was not given."""
    return out is None or str(out) == "-"


def format_of_suffix(out: Path) -> str:
    """The format ``out``'s suffix names: ``.csv``, ``.json``, ``.jsonl``/``.ndjson``;
    JSON Lines without a suffix (``-``, ``/dev/stdout``); a usage error otherwise."""
    suffix = out.suffix.lower()
    if not suffix:
        return "jsonl"
    found = SUFFIX_FORMATS.get(suffix)
    if found is None:
        raise click.BadParameter(
            f"unknown suffix {suffix!r}: use .jsonl, .ndjson, .csv or .json, or pass --format",
            param_hint="'--out'",
        )
    return found


def resolve_format(fmt: str | None, out: Path | None, stdout: IO[str] | None = None) -> str:
    """The format asked for; else the one ``out``'s suffix names (see
    :func:`format_of_suffix`); else ``table`` on a terminal and JSON Lines when piped."""
    if fmt is not None:
        return fmt
    if not is_stdout(out):
        assert out is not None
        return format_of_suffix(out)
    stream = stdout if stdout is not None else sys.stdout
    return "table" if stream.isatty() else "jsonl"


def stderr_console() -> Console:
    """The console for progress bars, notices and summaries: stderr, so stdout stays data."""
    return Console(file=sys.stderr, highlight=False, soft_wrap=True)


class RecordWriter:
    """Writes records one at a time in one format, to stdout or a file; a context manager.

    Streaming formats are written as they come; a table is drawn when closed.
    """

    def __init__(
        self, fmt: str, view: View, stream: IO[str], *, close_stream: bool, single: bool = False
    ) -> None:
        self.format = fmt
        self.view = view
        self.count = 0
        self._single = single and fmt == "json"
        self._stream = stream
        self._close_stream = close_stream
        self._rows: list[list[str]] = []
        self._table = view.table_columns()
        self._encoder = encoder_for(fmt, view) if fmt != "table" else None
        if self._encoder is not None and not self._single:
            stream.write(self._encoder.header())

    def write(self, record: Any) -> None:
        if self._single:
            if self.count:
                raise ValueError("a single-record writer got a second record")
            self._stream.write(to_json(self.view.json_of(record)) + "\n")
        elif self._encoder is None:
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
        elif not self._single:
            self._stream.write(self._encoder.footer(empty=self.count == 0))
        self._stream.flush()
        if self._close_stream:
            self._stream.close()

    def _draw_table(self) -> None:
        draw_table(
            Console(file=self._stream, highlight=False),
            self.view.title,
            [(column.header, column.key) for column in self._table],
            self._rows,
        )

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


def open_writer(
    fmt: str | None, view: View, out: Path | None = None, *, single: bool = False
) -> RecordWriter:
    """A :class:`RecordWriter` to ``out`` (a file, never a table; ``-`` is stdout) or
    to stdout. ``single``: the command shows one object, so JSON is that object rather
    than an array of one."""
    stdout = sys.stdout
    chosen = resolve_format(fmt, out, stdout)
    if is_stdout(out):
        return RecordWriter(chosen, view, stdout, close_stream=False, single=single)
    assert out is not None
    if chosen == "table":
        chosen = "jsonl"
    stream = out.open("w", encoding="utf-8", newline="")
    return RecordWriter(chosen, view, stream, close_stream=True, single=single)


# ----------------------------------------------------------------------- tables

#: The narrowest a lesser column is shortened to before it is hidden.
_MIN_WIDTH = 8
#: What each column adds to a table's width: a space either side and a border.
_COLUMN_FRAME = 3


def fit_widths(
    natural: Sequence[int], keys: Sequence[bool], width: int | None
) -> tuple[list[int | None], int]:
    """How wide each column may be to fit ``width`` (``None``: hidden), and the table's width.

    Key columns keep their natural width. The others are shortened, widest first, down
    to :data:`_MIN_WIDTH`, then hidden from the right, until the table fits; a table
    of key columns alone may stay wider than ``width``.
    """
    limits: list[int | None] = list(natural)

    def total() -> int:
        return 1 + sum(limit + _COLUMN_FRAME for limit in limits if limit is not None)

    if width is None:
        return limits, total()
    lesser = [index for index, key in enumerate(keys) if not key]
    while total() > width:
        shrinkable = [i for i in lesser if (limits[i] or 0) > min(natural[i], _MIN_WIDTH)]
        if shrinkable:
            widest = max(shrinkable, key=lambda i: limits[i] or 0)
            floor = min(natural[widest], _MIN_WIDTH)
            current = limits[widest] or 0
            limits[widest] = max(floor, current - (total() - width))
            continue
        shown = [i for i in lesser if limits[i] is not None]
        if not shown:
            break
        limits[shown[-1]] = None
    spare = width - total()
    for index in lesser:  # room freed by a hidden column goes back to shortened ones
        limit = limits[index]
        if limit is not None and spare > 0:
            grow = min(spare, natural[index] - limit)
            limits[index], spare = limit + grow, spare - grow
    return limits, total()


def terminal_text(text: str) -> str:
    """``text`` with each control, line-separator, lone-surrogate or bidi character
    written as its escape (``\\x1b``, ``\\u202e``): safe to show on a terminal."""
    if unsafe_character(text) is None:
        return text
    return "".join(repr(c)[1:-1] if unsafe_character(c) else c for c in text)


def draw_table(
    console: Console,
    title: str | None,
    columns: Sequence[tuple[str, bool]],
    rows: Sequence[Sequence[str]],
) -> None:
    """Print a table of ``columns`` (header, is-key) to ``console`` without ever
    splitting a key cell (an email, an ID) across lines.

    On a terminal, lesser columns are shortened or hidden (named in the caption) to
    fit its width; elsewhere (a pipe, a file) every column is shown in full.
    """
    # Server text is shown as it is: never read as rich markup ("[/x]" raised MarkupError,
    # "[red]" restyled), and controls (ESC sequences) and bidi characters escaped.
    columns = [(terminal_text(header), key) for header, key in columns]
    rows = [[terminal_text(value) for value in row] for row in rows]
    natural = [
        max([cell_len(header), *(cell_len(row[index]) for row in rows)])
        for index, (header, _) in enumerate(columns)
    ]
    width = console.width if console.is_terminal else None
    limits, needed = fit_widths(natural, [key for _, key in columns], width)
    hidden = [header for (header, _), limit in zip(columns, limits, strict=True) if limit is None]
    caption = f"hidden to fit: {', '.join(hidden)} (--format csv shows all)" if hidden else None
    table = Table(title=title, caption=caption, header_style="bold")
    shown = [index for index, limit in enumerate(limits) if limit is not None]
    for index in shown:
        header, key = columns[index]
        limit = limits[index]
        if key:
            table.add_column(Text(header), no_wrap=True, min_width=natural[index])
        else:
            table.add_column(Text(header), no_wrap=True, overflow="ellipsis", max_width=limit)
    for row in rows:
        table.add_row(*(Text(row[index]) for index in shown))
    before = console.width
    console.width = max(needed, width or 0)  # rich caps print(width=) at the console's
    try:
        console.print(table, crop=False)
    finally:
        console.width = before
