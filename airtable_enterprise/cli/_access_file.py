"""Access-review files: CSV or JSON Lines of :class:`AccessRow` records, written
atomically and read back for ``access-review --diff``.

CSV cells that a spreadsheet would run as a formula (starting ``= + - @``, a tab or a
CR) get a leading ``'``; so does a cell that already starts with ``'``, so that reading
back drops exactly one and every value comes back as written.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

from ..errors import InvalidInputError
from ..models.access_review import RECORD_FIELDS, AccessRow
from ._errors import EXIT_USAGE, CliError
from ._output import to_json

__all__ = ["FILE_FORMATS", "ReviewWriter", "read_rows"]

#: The formats of a review file.
FILE_FORMATS = ("csv", "jsonl")

#: First characters a spreadsheet reads as the start of a formula (and our own escape).
_RISKY = ("=", "+", "-", "@", "\t", "\r", "'")


def _escape(text: str) -> str:
    return "'" + text if text.startswith(_RISKY) else text


def _unescape(text: str) -> str:
    return text[1:] if text.startswith("'") else text


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return _escape(" ".join(value))
    return _escape(str(value))


class ReviewWriter:
    """Writes rows to ``path`` through a ``.partial`` file beside it, renamed into place
    by :meth:`commit` only; leaving the ``with`` block without it removes the partial file.
    An existing ``path`` is refused unless ``overwrite``."""

    def __init__(self, path: Path, fmt: str, *, overwrite: bool = False) -> None:
        if fmt not in FILE_FORMATS:
            raise CliError(f"--format must be one of {', '.join(FILE_FORMATS)}", EXIT_USAGE)
        if path.exists() and not overwrite:
            raise CliError(
                f"{path} exists: pass --force to replace it, or choose another --out", EXIT_USAGE
            )
        self.path = path
        self.format = fmt
        self.count = 0
        self._partial = path.with_name(path.name + ".partial")
        self._stream: IO[str] = _create(self._partial)
        self._csv: Any = None
        if fmt == "csv":
            self._csv = csv.writer(self._stream, lineterminator="\n")
            self._csv.writerow(RECORD_FIELDS)

    def write(self, row: AccessRow) -> None:
        record = row.to_record()
        if self._csv is not None:
            self._csv.writerow([_csv_cell(record[name]) for name in RECORD_FIELDS])
        else:
            self._stream.write(to_json(record) + "\n")
        self.count += 1

    def commit(self) -> None:
        """Flush, sync and rename the finished file into place."""
        self._stream.flush()
        os.fsync(self._stream.fileno())
        self._stream.close()
        os.replace(self._partial, self.path)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self._stream.closed:
            self._stream.close()
            self._partial.unlink(missing_ok=True)


def _create(partial: Path) -> IO[str]:
    """A new file at ``partial``: a stale one (a killed run's) is removed first, and a
    link planted there is never followed (the review would be written through it)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        partial.unlink(missing_ok=True)
        descriptor = os.open(partial, flags, 0o666)
    except OSError as exc:
        raise CliError(f"cannot write {partial}: {exc.strerror or exc}", EXIT_USAGE) from None
    return open(descriptor, "w", encoding="utf-8", newline="")


def read_rows(path: Path) -> Iterator[AccessRow]:
    """The rows of a review file this tool wrote (CSV or JSON Lines, told apart by their
    first character); a file that is not one is a usage error naming the line."""
    try:
        stream = path.open(encoding="utf-8-sig", newline="")  # a BOM, as Excel saves
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror or exc}", EXIT_USAGE) from None
    with stream:
        first = stream.read(1)
        stream.seek(0)
        try:
            if first == "{":
                yield from _read_jsonl(stream, path)
            elif first:
                yield from _read_csv(stream, path)
        except InvalidInputError as exc:
            raise CliError(f"{path} is not an access review: {exc}", EXIT_USAGE) from None
        except UnicodeDecodeError:
            raise CliError(f"{path} is not an access review: not UTF-8 text", EXIT_USAGE) from None
        except csv.Error as exc:  # a cell over the csv module's size limit
            raise CliError(f"{path} is not an access review: {exc}", EXIT_USAGE) from None


def _read_jsonl(stream: IO[str], path: Path) -> Iterator[AccessRow]:
    for number, line in enumerate(stream, 1):
        if not line.strip():
            continue
        where = f"line {number}"
        if not line.endswith("\n"):
            raise InvalidInputError(where, "<truncated>", "ends without a newline: cut short")
        try:
            record = json.loads(line)
        except (ValueError, RecursionError):  # bad JSON, a 5,000-digit number, deep nesting
            raise InvalidInputError(where, "<line>", "is not JSON") from None
        yield AccessRow.from_record(record, where=where)


def _read_csv(stream: IO[str], path: Path) -> Iterator[AccessRow]:
    text = stream.read()
    if not text.endswith("\n"):
        raise InvalidInputError(str(path), "<truncated>", "ends without a newline: cut short")
    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    missing = [name for name in RECORD_FIELDS if name != "held" and name not in header]
    if missing:
        raise InvalidInputError("header", header[:3], f"lacks the columns {', '.join(missing)}")
    for number, cells in enumerate(reader, 2):
        where = f"line {number}"
        if len(cells) != len(header):
            raise InvalidInputError(where, len(cells), f"has not {len(header)} cells")
        record = {name: _unescape(value) for name, value in zip(header, cells, strict=True)}
        yield AccessRow.from_record(record, where=where)
