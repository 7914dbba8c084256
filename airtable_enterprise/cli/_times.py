"""Times on the command line: ``7d``, ``12h``, ``30m``, ``2w`` ago, or ISO 8601; and
lengths of time (``15m``)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import click

from ..audit.log import to_wire_time
from ..errors import InvalidInputError

__all__ = ["parse_duration", "parse_when"]

_RELATIVE = re.compile(r"(\d+)\s*([smhdw])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_when(option: str, text: str, now: datetime) -> datetime:
    """``text`` as an aware UTC time: a duration before ``now`` (``7d``) or an ISO
    8601 date/time (no offset means local time, as the library reads it)."""
    match = _RELATIVE.fullmatch(text.strip().lower())
    if match is not None:
        amount, unit = int(match.group(1)), match.group(2)
        return (now - timedelta(**{_UNITS[unit]: amount})).astimezone(UTC)
    try:
        return to_wire_time(option, text)
    except InvalidInputError:
        raise click.BadParameter(
            f"{text!r} is neither a duration like 7d, 12h, 30m nor an ISO 8601 time",
            param_hint=f"'{option}'",
        ) from None


def parse_duration(option: str, text: str) -> timedelta:
    """``text`` as a length of time: ``15m``, ``2h``, ``1d``, ``0s``."""
    match = _RELATIVE.fullmatch(text.strip().lower())
    if match is None:
        raise click.BadParameter(
            f"{text!r} is not a duration like 30s, 15m, 2h, 1d", param_hint=f"'{option}'"
        )
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
