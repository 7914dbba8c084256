"""The HR file of ``scim sync``: one person per CSV row, checked before anything is sent.

Columns (header names are matched ignoring case, spaces, ``_`` and ``-``): ``email``,
``first name``, ``last name`` (required); ``active`` (``true``/``false``, ``yes``/``no``,
``1``/``0``; default true); ``groups`` (names separated by ``;``); and the optional
``title``, ``department``, ``employee number``. An optional column that is absent is
left alone by the sync; present but empty, it clears the attribute.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Iterable
from typing import TextIO

import attrs

from .._core.validate import is_email

__all__ = ["ATTRIBUTE_COLUMNS", "People", "Person", "RowProblem", "read_people"]

_TRUE = {"true", "yes", "y", "1", "active"}
_FALSE = {"false", "no", "n", "0", "inactive", "deactivated"}
#: Optional columns -> the person's attribute.
ATTRIBUTE_COLUMNS = {
    "title": "title",
    "department": "department",
    "employeenumber": "employee_number",
}
_REQUIRED = ("email", "firstname", "lastname")


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
        """The email, lower-cased: how a row and a directory user are matched."""
        return self.email.lower()


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
    return "".join(ch for ch in header.lower() if ch not in " _-")


def read_people(source: TextIO | str, *, domains: Collection[str] | None = None) -> People:
    """Read and check an HR file (an open text file or its text).

    Problems (a bad email, an email outside ``domains`` when given, a duplicate email,
    a blank name, a bad ``active``) are collected with their line numbers; rows whose
    cells are all empty are skipped as blank lines; a missing required column is a
    :class:`ValueError`.
    """
    stream = io.StringIO(source) if isinstance(source, str) else source
    reader = csv.DictReader(stream)
    columns = {_normal(name): name for name in reader.fieldnames or ()}
    missing = [name for name in _REQUIRED if name not in columns]
    if missing:
        raise ValueError(
            f"the file has no {', '.join(missing)} column (header: {reader.fieldnames})"
        )
    allowed = {d.lower() for d in domains} if domains is not None else None
    people: list[Person] = []
    problems: list[RowProblem] = []
    first_line: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        cell = {key: (row.get(name) or "").strip() for key, name in columns.items()}
        if not any(cell.values()):
            continue  # a spreadsheet's empty row (",,,,"), like a blank line
        email = cell["email"]
        problem = _problem(cell, allowed, first_line.get(email.lower()))
        if problem is not None:
            problems.append(RowProblem(line, email, problem))
            continue
        first_line[email.lower()] = line
        people.append(_person(cell, columns, line))
    return People(tuple(people), tuple(problems), has_groups="groups" in columns)


def _problem(cell: dict[str, str], domains: set[str] | None, seen_at: int | None) -> str | None:
    email = cell["email"]
    if not is_email(email):
        return "not a valid email address"
    if domains is not None and email.rsplit("@", 1)[-1].lower() not in domains:
        return f"the domain {email.rsplit('@', 1)[-1]!r} is not one of the enterprise's"
    if seen_at is not None:
        return f"duplicate email (first on line {seen_at})"
    for key, label in (("firstname", "first name"), ("lastname", "last name")):
        if not cell[key]:
            return f"the {label} is empty"
    active = cell.get("active", "")
    if active and active.lower() not in _TRUE | _FALSE:
        return f"active must be true or false, not {active!r}"
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
        active=not active or active.lower() in _TRUE,
        groups=groups,
        line=line,
        **attributes,
    )


def _split_groups(text: str) -> Iterable[str]:
    return (name.strip() for name in text.split(";") if name.strip())
