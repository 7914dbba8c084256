"""Input checks run before any request: IDs, emails, enums.

Each check raises :class:`~airtable_enterprise.InvalidInputError` (a ``ValueError``)
naming the argument and the bad value, so nothing half-valid reaches Airtable.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping

from ..errors import InvalidInputError

logger = logging.getLogger("airtable_enterprise")

__all__ = [
    "ENABLED_STATES",
    "INTERFACE_PERMISSION_LEVELS",
    "MEMBERSHIP_STATES",
    "PERMISSION_LEVELS",
    "RESTRICTIONS",
    "USER_STATES",
    "answered_id",
    "check_bool",
    "check_choice",
    "check_email",
    "check_id",
    "check_ids",
    "check_index",
    "check_list",
    "check_name",
    "check_user",
    "is_email",
]

#: ``state`` of a user on the wire and in manage-user (REFERENCE §1.9, §4.3).
USER_STATES = ("provisioned", "deactivated")
#: ``state`` of the claim-users request (REFERENCE §4.8).
MEMBERSHIP_STATES = ("managed", "unmanaged")
#: Permission levels a collaborator can be given (REFERENCE §1.10; "none" is only read).
PERMISSION_LEVELS = ("read", "comment", "edit", "create", "owner")
#: Permission levels of an interface collaborator (REFERENCE §1.10, §7.5).
INTERFACE_PERMISSION_LEVELS = ("read", "comment", "edit")
#: ``state`` of a share or a block installation (REFERENCE §7.6, §7.7).
ENABLED_STATES = ("enabled", "disabled")
#: Workspace restriction values (REFERENCE §6.5).
RESTRICTIONS = ("unrestricted", "onlyOwners")

# A 3-letter prefix and 14 base-62 characters, 17 in all (REFERENCE §1.7).
_ID_BODY = re.compile(r"[A-Za-z0-9]{14}")
# One @, something on each side, a dot in the domain; no spaces, controls or
# invisible/bidi format characters (checked in is_email), no empty dot-separated label.
_EMAIL = re.compile(r"[^@\s.]+(?:\.[^@\s.]+)*@[^@\s.]+(?:\.[^@\s.]+)+")
# RFC 5321: a forward path is at most 256 octets, so an address is at most 254.
_MAX_EMAIL_LENGTH = 254


def check_id(argument: str, value: object, prefix: str | tuple[str, ...]) -> str:
    """Return ``value`` if it is an Airtable ID with ``prefix`` (e.g. ``"usr"``)."""
    prefixes = (prefix,) if isinstance(prefix, str) else prefix
    if (
        isinstance(value, str)
        and len(value) == 17
        and value.startswith(prefixes)
        and _ID_BODY.fullmatch(value, 3)
    ):
        return value
    # Not a well-formed ID: work out what is wrong with it.
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
    raise InvalidInputError(
        argument, value, "must be 17 characters: a 3-letter prefix and 14 letters or digits"
    )


def is_email(value: object) -> bool:
    """Whether ``value`` looks like an email address."""
    return (
        isinstance(value, str)
        and len(value) <= _MAX_EMAIL_LENGTH
        and value.isprintable()  # no NUL, controls, U+202E and other format characters
        and _EMAIL.fullmatch(value) is not None
    )


def answered_id(value: object, prefix: str) -> str:
    """An ID the server returned for a write it applied. A malformed one is kept as it
    came (and logged), never refused: :class:`InvalidInputError` means "nothing was
    sent", and a caller who believed it would repeat the write."""
    if isinstance(value, str) and len(value) == 17 and value.startswith(prefix):
        return value
    logger.warning("the server answered a malformed %s... ID %r; kept as is", prefix, value)
    return value if isinstance(value, str) else ("" if value is None else str(value))


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


def check_user(argument: str, value: object) -> str:
    """Return ``value`` if it is a user ID (``usr...``) or an email address; an email
    comes back in Unicode NFC, the form Airtable stores, so one typed in NFD (as macOS
    input may give) finds the same user."""
    if not isinstance(value, str) or "@" not in value:
        return check_id(argument, value, "usr")
    if is_email(value):
        return unicodedata.normalize("NFC", value)
    raise InvalidInputError(argument, value, "must be a user ID or an email address")


def check_list(argument: str, values: object, *, max_items: int | None = None) -> list[object]:
    """Return ``values`` as a non-empty list; a bare string or a mapping is refused.

    ``max_items`` is the most Airtable accepts in one request where it enforces a cap.
    """
    if isinstance(values, str | bytes | Mapping) or not isinstance(values, Iterable):
        raise InvalidInputError(
            argument, values, f"must be a list of values, not a {type(values).__name__}"
        )
    items = list(values)
    if not items:
        raise InvalidInputError(argument, items, "must not be empty")
    if max_items is not None and len(items) > max_items:
        raise InvalidInputError(
            argument,
            f"<{len(items)} items>",
            f"Airtable accepts at most {max_items} per request; got {len(items)}",
        )
    return items


def check_ids(
    argument: str, values: object, prefix: str | tuple[str, ...], *, max_items: int | None = None
) -> list[str]:
    """Return ``values`` as a non-empty list of IDs with ``prefix`` (see :func:`check_list`)."""
    return [
        check_id(f"{argument}[{i}]", value, prefix)
        for i, value in enumerate(check_list(argument, values, max_items=max_items))
    ]


def check_name(argument: str, value: object) -> str:
    """Return ``value`` if it is a non-blank string (a workspace, base or account name)."""
    if not isinstance(value, str):
        raise InvalidInputError(argument, value, f"must be a string, not a {type(value).__name__}")
    if not value.strip():
        raise InvalidInputError(argument, value, "must not be blank")
    return value


def check_bool(argument: str, value: object) -> bool:
    """Return ``value`` if it is a ``bool`` (``0``/``1``/``"yes"`` are refused)."""
    if not isinstance(value, bool):
        raise InvalidInputError(argument, value, "must be True or False")
    return value


def check_index(argument: str, value: object) -> int:
    """Return ``value`` if it is an ``int`` >= 0 (not a ``bool``)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputError(argument, value, "must be an int")
    if value < 0:
        raise InvalidInputError(argument, value, "must be >= 0")
    return value
