"""The HR file of ``scim sync``: one person per CSV row, checked before anything is sent.

Columns (header names are matched ignoring case, spaces, ``_`` and ``-``; ``columns``
renames an HR export's own headers, e.g. ``{"Work Email": "email"}``): ``email``,
``first name``, ``last name`` (required); ``active``; ``groups`` (names separated by
``;``); and the optional ``title``, ``department``, ``employee number``. An optional
column that is absent is left alone by the sync; present but empty, it clears the
attribute. Other columns are ignored.

``active`` accepts exactly :data:`TRUE_VALUES` and :data:`FALSE_VALUES` (any case);
an empty cell, or no ``active`` column, means active. Anything else is a row problem.

Cells are read in Unicode NFC. Emails are compared by
:func:`~airtable_enterprise._core.text.email_key` (case, NFC/NFD and surrounding spaces
ignored). Names, titles and group names
must not contain controls (NUL, CR, LF, tab), line separators or bidi controls.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from typing import TextIO, TypeVar

import attrs

from .._core.text import email_key, unsafe_character
from .._core.validate import is_email

__all__ = [
    "ATTRIBUTE_COLUMNS",
    "COLUMNS",
    "FALSE_VALUES",
    "TRUE_VALUES",
    "People",
    "PeopleFileError",
    "Person",
    "RowProblem",
    "read_people",
]

_T = TypeVar("_T")

#: ``active`` cells read as active (compared case-insensitively).
TRUE_VALUES = ("true", "yes", "y", "1", "active")
#: ``active`` cells read as deactivated (compared case-insensitively).
FALSE_VALUES = ("false", "no", "n", "0", "inactive", "deactivated")
#: Optional columns -> the person's attribute.
ATTRIBUTE_COLUMNS = {
    "title": "title",
    "department": "department",
    "employeenumber": "employee_number",
}
_REQUIRED = ("email", "firstname", "lastname")
#: Every column the sync reads, as written in the documentation.
COLUMNS = (
    "email",
    "first name",
    "last name",
    "active",
    "groups",
    "title",
    "department",
    "employee number",
)
_TEXT_CELLS = {
    "firstname": "first name",
    "lastname": "last name",
    "title": "title",
    "department": "department",
    "employeenumber": "employee number",
    "groups": "groups",
}


class PeopleFileError(ValueError):
    """The file cannot be read as an HR file: a missing or doubled column, a bad
    ``columns`` mapping, or a row the CSV reader cannot parse (``line`` is set then)."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        self.reason = reason
        self.line = line
        super().__init__(f"line {line}: {reason}" if line is not None else reason)


@attrs.frozen(kw_only=True)
class Person:
    """One row: who should exist, whether active, in which groups, with which attributes.

    ``title``/``department``/``employee_number`` are ``None`` when the file has no such
    column (the sync leaves them alone) and ``""`` when the cell is empty (cleared).
    """

    email: str
    given_name: str
    family_name: str
    active: bool = True
    groups: frozenset[str] | None = None
    title: str | None = None
    department: str | None = None
    employee_number: str | None = None
    line: int = 0

    @property
    def key(self) -> str:
        """How a row and a directory user are matched: the email's key (case, NFC/NFD
        and surrounding spaces ignored)."""
        return email_key(self.email)


@attrs.frozen
class RowProblem:
    """A row that cannot be used, with its line number in the file."""

    line: int
    email: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.email or '(no email)'}: {self.reason}"


@attrs.frozen
class People:
    """The checked rows of a file and the problems of the others."""

    people: tuple[Person, ...]
    problems: tuple[RowProblem, ...]
    #: Whether the file has a ``groups`` column (without one, memberships are left alone).
    has_groups: bool = False


def _normal(header: str) -> str:
    return "".join(ch for ch in header.casefold() if ch not in " _-")


def _columns(fieldnames: Iterable[str], rename: Mapping[str, str]) -> dict[str, str]:
    """Our column -> the file's header, from the header row and the renames."""
    known = {_normal(name) for name in COLUMNS}
    wanted: dict[str, str] = {}
    for header, column in rename.items():
        if _normal(column) not in known:
            raise PeopleFileError(
                f"{header!r}={column!r}: {column!r} is not a column "
                f"(the columns: {', '.join(COLUMNS)})"
            )
        if wanted.get(_normal(header), _normal(column)) != _normal(column):
            raise PeopleFileError(f"{header!r} is mapped to two columns")
        wanted[_normal(header)] = _normal(column)
    headers = list(fieldnames)
    present = {_normal(header) for header in headers}
    for header in rename:
        if _normal(header) not in present:
            raise PeopleFileError(f"the file has no column {header!r} (header: {headers})")
    columns: dict[str, str] = {}
    renamed = set(wanted.values())
    for header in headers:
        source = _normal(header)
        if source in wanted:
            column = wanted[source]
        elif source in renamed:
            continue  # an explicitly mapped column wins over one of the same name
        else:
            column = source
        if column not in known:
            continue  # a column the sync does not read
        if column in columns:
            raise PeopleFileError(f"two columns for {column!r}: {columns[column]!r} and {header!r}")
        columns[column] = header
    missing = [name for name in _REQUIRED if name not in columns]
    if missing:
        labels = {_normal(name): name for name in COLUMNS}
        hint = ""
        if len(headers) == 1 and any(sep in headers[0] for sep in ";\t|"):
            hint = "; the file is read as comma-separated, this one looks separated otherwise"
        raise PeopleFileError(
            f"the file has no {', '.join(labels[name] for name in missing)} column "
            f"(header: {headers}){hint}"
        )
    return columns


def read_people(
    source: TextIO | str,
    *,
    domains: Collection[str] | None = None,
    columns: Mapping[str, str] | None = None,
) -> People:
    """Read and check an HR file (an open text file or its text).

    Problems (a bad email, an email outside ``domains`` when given, a duplicate email,
    a blank name, a name with control or bidi characters, a bad ``active``) are
    collected with their line numbers; rows whose cells are all empty are skipped as
    blank lines. ``columns`` maps the file's headers to the sync's columns. A missing
    required column, a bad mapping or a row the CSV reader cannot parse (a cell over
    its 131,072-character limit) is a :class:`PeopleFileError` (a ``ValueError``).
    """
    stream = io.StringIO(source) if isinstance(source, str) else source
    reader = csv.DictReader(stream)
    rows = _rows(reader)
    fieldnames = _parse(reader, lambda: reader.fieldnames) or ()
    found = _columns(fieldnames, columns or {})
    allowed = {email_key(d) for d in domains} if domains is not None else None
    people: list[Person] = []
    problems: list[RowProblem] = []
    first_line: dict[str, int] = {}
    for row in rows:
        line = reader.line_num
        if not any(_filled(value) for value in row.values()):
            continue  # a spreadsheet's empty row (",,,,"), like a blank line
        # Every cell in NFC, the form directories store (the sync compares in NFC too).
        cell = {
            key: unicodedata.normalize("NFC", (row.get(name) or "").strip())
            for key, name in found.items()
        }
        email = cell["email"]
        problem = _problem(cell, allowed, first_line.get(email_key(email)))
        if problem is not None:
            problems.append(RowProblem(line, email, problem))
            continue
        first_line[email_key(email)] = line
        people.append(_person(cell, found, line))
    return People(tuple(people), tuple(problems), has_groups="groups" in found)


def _parse(reader: csv.DictReader[str], step: Callable[[], _T]) -> _T:
    try:
        return step()
    except csv.Error as exc:
        # The record that failed starts on the line after the last one read whole.
        raise PeopleFileError(str(exc), reader.line_num + 1) from None


def _rows(reader: csv.DictReader[str]) -> Iterator[dict[str, str]]:
    iterator = iter(reader)
    while True:
        row = _parse(reader, lambda: next(iterator, None))
        if row is None:
            return
        yield row


def _filled(value: object) -> bool:
    if isinstance(value, list):  # cells beyond the header
        return any(_filled(item) for item in value)
    return isinstance(value, str) and bool(value.strip())


def _problem(cell: dict[str, str], domains: set[str] | None, seen_at: int | None) -> str | None:
    email = cell["email"]
    if not is_email(email):
        return "not a valid email address"
    if domains is not None and email_key(email.rsplit("@", 1)[-1]) not in domains:
        return f"the domain {email.rsplit('@', 1)[-1]!r} is not one of the enterprise's"
    if seen_at is not None:
        return f"duplicate email (first on line {seen_at})"
    for key, label in (("firstname", "first name"), ("lastname", "last name")):
        if not cell[key]:
            return f"the {label} is empty"
    for key, label in _TEXT_CELLS.items():
        bad = unsafe_character(cell.get(key, ""))
        if bad is not None:
            return f"the {label} contains a control or bidi character (U+{ord(bad):04X})"
    active = cell.get("active", "")
    if active and active.casefold() not in TRUE_VALUES + FALSE_VALUES:
        return (
            f"active must be one of {', '.join(TRUE_VALUES)} (active) or "
            f"{', '.join(FALSE_VALUES)} (deactivated), or empty (active); not {active!r}"
        )
    return None


def _person(cell: dict[str, str], columns: dict[str, str], line: int) -> Person:
    active = cell.get("active", "")
    groups = None
    if "groups" in columns:
        groups = frozenset(_split_groups(cell["groups"]))
    attributes = {attr: cell[key] for key, attr in ATTRIBUTE_COLUMNS.items() if key in columns}
    return Person(
        email=cell["email"],
        given_name=cell["firstname"],
        family_name=cell["lastname"],
        active=not active or active.casefold() in TRUE_VALUES,
        groups=groups,
        line=line,
        **attributes,
    )


def _split_groups(text: str) -> Iterable[str]:
    return (name.strip() for name in text.split(";") if name.strip())
