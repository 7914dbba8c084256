"""Wire-format helpers shared by the emulator: IDs, ULIDs, timestamps, error bodies."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "ApiFailure",
    "format_time",
    "make_id",
    "parse_time",
    "ulid_from_int",
    "ulid_to_int",
]

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# Crockford's base 32, as ULIDs use it: no I, L, O, U.
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CROCKFORD_VALUE = {ch: i for i, ch in enumerate(_CROCKFORD)}
# Two digits for every 10-bit value, so a ULID takes 13 lookups rather than 26 shifts.
_CROCKFORD_PAIRS = [high + low for high in _CROCKFORD for low in _CROCKFORD]


def make_id(prefix: str, rng: random.Random) -> str:
    """A 3-letter prefix and 14 base-62 characters, 17 in all (REFERENCE §1.7)."""
    return prefix + "".join(rng.choices(_BASE62, k=14))


def ulid_from_int(value: int) -> str:
    """The 26-character ULID text of a 128-bit integer (48-bit ms time, 80 random bits).

    Audit-log event IDs look like ULIDs (REFERENCE §1.7), and ULIDs sort by time, so the
    emulator keys its event store on them. (A 1,000-event page renders 1,000 of these.)
    """
    pairs = _CROCKFORD_PAIRS
    return "".join([pairs[(value >> shift) & 1023] for shift in range(120, -1, -10)])


def ulid_to_int(text: str) -> int:
    """The integer of a ULID text; ``ValueError`` when it is not one."""
    if len(text) != 26:
        raise ValueError("a ULID has 26 characters")
    value = 0
    for ch in text.upper():
        digit = _CROCKFORD_VALUE.get(ch)
        if digit is None:
            raise ValueError(f"{ch!r} is not a Crockford base-32 digit")
        value = (value << 5) | digit
    if value >> 128:
        raise ValueError("a ULID holds 128 bits")
    return value


def format_time(moment: datetime) -> str:
    """ISO 8601 UTC with milliseconds and ``Z``, as Airtable writes times (REFERENCE §1.8)."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def format_ms(ms: int) -> str:
    """:func:`format_time` of a Unix time in milliseconds."""
    seconds, millis = divmod(ms, 1000)
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{millis:03d}Z"


def parse_time(text: str) -> datetime:
    """An ISO 8601 input time (``Z`` or an offset; naive means UTC); ``ValueError`` if bad."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def to_ms(moment: datetime) -> int:
    """Unix time in whole milliseconds."""
    return int(moment.timestamp() * 1000)


class ApiFailure(Exception):
    """An error response the emulator sends: ``{"error": {"type", "message"}}``.

    ``error_type`` None gives the bare-string form ``{"error": "NOT_FOUND"}`` that
    Airtable uses for undefined routes (REFERENCE §1.4).
    """

    def __init__(self, status: int, error_type: str | None, message: str | None = None) -> None:
        self.status = status
        self.error_type = error_type
        self.message = message
        super().__init__(f"{status} {error_type}: {message}")

    def body(self) -> dict[str, Any]:
        if self.error_type is None:
            return {"error": "NOT_FOUND"}
        error: dict[str, Any] = {"type": self.error_type}
        if self.message is not None:
            error["message"] = self.message
        return {"error": error}


# The documented error bodies (REFERENCE §1.4 and the fixtures of each endpoint).
MODEL_NOT_FOUND_MESSAGE = (
    "Invalid permissions, or the requested model was not found. Check that both your user "
    "and your token have the required permissions, and that the model names and/or ids "
    "are correct."
)
NOT_PERMITTED_MESSAGE = "You are not permitted to perform this operation"
INVALID_REQUEST_MESSAGE = "Invalid request: parameter validation failed. Check your request data."


def model_not_found() -> ApiFailure:
    """403 ``INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND``: Airtable's answer for unknown objects."""
    return ApiFailure(403, "INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND", MODEL_NOT_FOUND_MESSAGE)


def not_permitted(message: str = NOT_PERMITTED_MESSAGE) -> ApiFailure:
    """403 ``INVALID_PERMISSIONS`` with the page's message."""
    return ApiFailure(403, "INVALID_PERMISSIONS", message)


def invalid_request(detail: str | None = None) -> ApiFailure:
    """422 ``INVALID_REQUEST_UNKNOWN``; ``detail`` replaces the generic message."""
    message = f"Invalid request: {detail}" if detail else INVALID_REQUEST_MESSAGE
    return ApiFailure(422, "INVALID_REQUEST_UNKNOWN", message)
