"""Access-review files: CSV or JSON Lines of :class:`AccessRow` records, written
atomically and read back for ``access-review --diff``.

CSV cells that a spreadsheet would run as a formula (starting ``= + - @``, a tab or a
CR) get a leading ``'``; so does a cell that already starts with ``'``, so that reading
back drops exactly one and every value comes back as written.

The last line of a file is its end marker, written last by :meth:`ReviewWriter.commit`:
the number of rows and the reviewed account's ID. In JSON Lines it is the object
``{"end_of_access_review": true, "rows": N, "enterprise_id": "ent..."}``; in CSV the
row ``END OF ACCESS REVIEW,rows=N,enterprise_id=ent...`` (then empty cells). A file cut
short, even at a line boundary, has no marker (or one whose count disagrees) and is
refused with :class:`IncompleteReviewError`: otherwise the users in the lost part would
read as removed. Files written by 0.1.0 have no marker; ``allow_unterminated`` (the
CLI's ``--allow-unterminated``) reads them, trusting that they are whole.
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

import attrs

from ..errors import InvalidInputError
from ..models.access_review import RECORD_FIELDS, AccessRow
from ._errors import EXIT_USAGE, CliError
from ._output import to_json

__all__ = [
    "CSV_END_MARK",
    "FILE_FORMATS",
    "JSONL_END_KEY",
    "IncompleteReviewError",
    "ReviewFile",
    "ReviewWriter",
    "read_review",
    "read_rows",
]

#: The formats of a review file.
FILE_FORMATS = ("csv", "jsonl")

#: The key of the JSON Lines end marker (no row has it).
JSONL_END_KEY = "end_of_access_review"
#: The first cell of the CSV end marker row.
CSV_END_MARK = "END OF ACCESS REVIEW"

_AGAIN = (
    "use the complete file, or run the review again; a file written by "
    "airtable-enterprise 0.1.0 (which has no end marker) is read with --allow-unterminated"
)


class IncompleteReviewError(CliError):
    """A review file that is not whole: no end marker (cut short, even at a line
    boundary), a marker whose row count disagrees, or lines after the marker. Exit 2."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path} is incomplete or truncated: {reason}; {_AGAIN}", EXIT_USAGE)
        self.path = path
        self.reason = reason


@attrs.frozen
class ReviewFile:
    """A review file read back by :func:`read_review`: its rows, and what its end marker
    says (``enterprise_id`` ``None`` and ``terminated`` false for a 0.1.0 file)."""

    rows: tuple[AccessRow, ...]
    enterprise_id: str | None
    terminated: bool


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
    by :meth:`commit` only, after the end marker (the row count and ``enterprise_id``,
    the reviewed account); leaving the ``with`` block without it removes the partial
    file. An existing ``path`` is refused unless ``overwrite``."""

    def __init__(
        self, path: Path, fmt: str, *, enterprise_id: str, overwrite: bool = False
    ) -> None:
        if fmt not in FILE_FORMATS:
            raise CliError(f"--format must be one of {', '.join(FILE_FORMATS)}", EXIT_USAGE)
        if path.exists() and not overwrite:
            raise CliError(
                f"{path} exists: pass --force to replace it, or choose another --out", EXIT_USAGE
            )
        self.path = path
        self.format = fmt
        self.enterprise_id = enterprise_id
        self.count = 0
        self._partial = path.with_name(path.name + ".partial")
        self._stream: IO[str] = _create(self._partial)
        self._csv: Any = None
        if fmt == "csv":
            # RFC 4180 line ends: the csv module quotes a cell holding any character of
            # the terminator, so a carriage return in a name is quoted (with "\n" alone
            # it was written bare and the file could not be read back).
            self._csv = csv.writer(self._stream, lineterminator="\r\n")
            self._csv.writerow(RECORD_FIELDS)

    def write(self, row: AccessRow) -> None:
        record = row.to_record()
        if self._csv is not None:
            self._csv.writerow([_csv_cell(record[name]) for name in RECORD_FIELDS])
        else:
            self._stream.write(to_json(record) + "\n")
        self.count += 1

    def commit(self) -> None:
        """Write the end marker, flush, sync and rename the finished file into place."""
        if self._csv is not None:
            marker = [CSV_END_MARK, f"rows={self.count}", f"enterprise_id={self.enterprise_id}"]
            cells = [_csv_cell(cell) for cell in marker]
            self._csv.writerow(cells + [""] * (len(RECORD_FIELDS) - len(cells)))
        else:
            end = {JSONL_END_KEY: True, "rows": self.count, "enterprise_id": self.enterprise_id}
            self._stream.write(to_json(end) + "\n")
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


def read_review(path: Path, *, allow_unterminated: bool = False) -> ReviewFile:
    """A review file this tool wrote (CSV or JSON Lines, told apart by their first
    character), checked whole: a file that is not one is a usage error naming the line;
    one without its end marker, or whose marker's count disagrees, is an
    :class:`IncompleteReviewError` unless ``allow_unterminated`` (0.1.0's files)."""
    rows: list[AccessRow] = []
    end: dict[str, Any] = {}
    for row in read_rows(path, allow_unterminated=allow_unterminated, _end=end):
        rows.append(row)
    return ReviewFile(tuple(rows), end.get("enterprise_id"), bool(end))


def read_rows(
    path: Path, *, allow_unterminated: bool = False, _end: dict[str, Any] | None = None
) -> Iterator[AccessRow]:
    """The rows of a review file, as :func:`read_review` checks them; the end marker's
    check comes after the last row, so act on the rows only once the iteration ends."""
    try:
        stream = path.open(encoding="utf-8-sig", newline="")  # a BOM, as Excel saves
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror or exc}", EXIT_USAGE) from None
    end: dict[str, Any] = {} if _end is None else _end
    count = 0
    with stream:
        first = stream.read(1)
        stream.seek(0)
        try:
            if first == "{":
                rows = _read_jsonl(stream, path, end)
            elif first:
                rows = _read_csv(stream, path, end)
            else:
                rows = iter(())
            for row in rows:
                count += 1
                yield row
        except InvalidInputError as exc:
            raise CliError(f"{path} is not an access review: {exc}", EXIT_USAGE) from None
        except UnicodeDecodeError:
            raise CliError(f"{path} is not an access review: not UTF-8 text", EXIT_USAGE) from None
        except csv.Error as exc:  # a cell over the csv module's size limit
            raise CliError(f"{path} is not an access review: {exc}", EXIT_USAGE) from None
    if not end:
        if allow_unterminated:
            return
        raise IncompleteReviewError(
            path, f"it has no end-of-review marker after its {count} row(s)"
        )
    if end["rows"] != count:
        raise IncompleteReviewError(
            path, f"its end marker counts {end['rows']} row(s) but {count} were read"
        )


def _after_end(path: Path, where: str) -> IncompleteReviewError:
    return IncompleteReviewError(
        path, f"{where} comes after the end-of-review marker (two files joined, or edited?)"
    )


def _read_jsonl(stream: IO[str], path: Path, end: dict[str, Any]) -> Iterator[AccessRow]:
    for number, line in enumerate(stream, 1):
        if not line.strip():
            continue
        where = f"line {number}"
        if not line.endswith("\n"):
            raise InvalidInputError(where, "<truncated>", "ends without a newline: cut short")
        if end:
            raise _after_end(path, where)
        try:
            record = json.loads(line)
        except (ValueError, RecursionError):  # bad JSON, a 5,000-digit number, deep nesting
            raise InvalidInputError(where, "<line>", "is not JSON") from None
        if isinstance(record, dict) and JSONL_END_KEY in record:
            end.update(_jsonl_end(record, where))
            continue
        yield AccessRow.from_record(record, where=where)


def _jsonl_end(record: dict[str, Any], where: str) -> dict[str, Any]:
    count, enterprise_id = record.get("rows"), record.get("enterprise_id")
    if record[JSONL_END_KEY] is not True:
        raise InvalidInputError(f"{where}.{JSONL_END_KEY}", record[JSONL_END_KEY], "must be true")
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise InvalidInputError(f"{where}.rows", count, "must be a row count")
    if not isinstance(enterprise_id, str) or not enterprise_id:
        raise InvalidInputError(f"{where}.enterprise_id", enterprise_id, "must be an account ID")
    return {"rows": count, "enterprise_id": enterprise_id}


def _read_csv(stream: IO[str], path: Path, end: dict[str, Any]) -> Iterator[AccessRow]:
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
        if not any(cells):
            continue  # a blank line (a spreadsheet's empty row)
        if end:
            raise _after_end(path, where)
        if _unescape(cells[0]).strip() == CSV_END_MARK:
            end.update(_csv_end(cells, where))
            continue
        if len(cells) != len(header):
            raise InvalidInputError(where, len(cells), f"has not {len(header)} cells")
        record = {name: _unescape(value) for name, value in zip(header, cells, strict=True)}
        yield AccessRow.from_record(record, where=where)


def _csv_end(cells: list[str], where: str) -> dict[str, Any]:
    fields: dict[str, str] = {}
    for cell in cells[1:]:
        name, equals, value = _unescape(cell).strip().partition("=")
        if equals:
            fields[name.strip()] = value.strip()
    count, enterprise_id = fields.get("rows", ""), fields.get("enterprise_id", "")
    if not (count.isascii() and count.isdigit()):
        raise InvalidInputError(f"{where} (end marker) rows", count, "must be a row count")
    if not enterprise_id:
        raise InvalidInputError(
            f"{where} (end marker) enterprise_id", enterprise_id, "must be an account ID"
        )
    return {"rows": int(count), "enterprise_id": enterprise_id}
