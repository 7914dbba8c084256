"""Input checks run before any request: IDs, emails, enums.

Each check raises :class:`~airtable_enterprise.InvalidInputError` (a ``ValueError``)
naming the argument and the bad value, so nothing half-valid reaches Airtable.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from .errors import InvalidInputError

__all__ = ["check_choice", "check_email", "check_id", "is_email"]

# A 3-letter prefix and 14 base-62 characters, 17 in all (REFERENCE §1.7).
_ID_BODY = re.compile(r"[A-Za-z0-9]{14}")
# Deliberately loose: one @, something on each side, a dot in the domain, no spaces.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def check_id(argument: str, value: object, prefix: str | tuple[str, ...]) -> str:
    """Return ``value`` if it is an Airtable ID with ``prefix`` (e.g. ``"usr"``)."""
    prefixes = (prefix,) if isinstance(prefix, str) else prefix
    expected = " or ".join(f"'{p}'" for p in prefixes)
    if not isinstance(value, str):
        raise InvalidInputError(
            argument,
            value,
            f"must be a string ID starting with {expected}, not a {type(value).__name__}",
        )
    if not value.startswith(prefixes):
        if is_email(value):
            raise InvalidInputError(
                argument, value, f"is an email address; an ID starting with {expected} is needed"
            )
        raise InvalidInputError(argument, value, f"must be an ID starting with {expected}")
    if len(value) != 17 or not _ID_BODY.fullmatch(value[3:]):
        raise InvalidInputError(
            argument, value, "must be 17 characters: a 3-letter prefix and 14 letters or digits"
        )
    return value


def is_email(value: object) -> bool:
    """Whether ``value`` looks like an email address."""
    return isinstance(value, str) and _EMAIL.fullmatch(value) is not None


def check_email(argument: str, value: object) -> str:
    """Return ``value`` if it looks like an email address."""
    if not isinstance(value, str):
        raise InvalidInputError(
            argument, value, f"must be an email string, not a {type(value).__name__}"
        )
    if not is_email(value):
        raise InvalidInputError(argument, value, "must be an email address")
    return value


def check_choice(argument: str, value: object, choices: Collection[str]) -> str:
    """Return ``value`` if it is one of ``choices``."""
    if not isinstance(value, str) or value not in choices:
        allowed = ", ".join(repr(c) for c in choices)
        raise InvalidInputError(argument, value, f"must be one of {allowed}")
    return value
