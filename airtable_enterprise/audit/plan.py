"""Parallel backfill planning: the window's ranges, their split arithmetic, resume tokens.

``enterprise.audit_log(parallel=N, start_time=..., end_time=...)`` (REFERENCE §8). Pure
functions (:func:`cut`, :func:`boundary_split`, :func:`steal_point`, :func:`trim`) tested
on tables, the :class:`BackfillPlan` that ``_backfill.Backfill`` walks, and the
``backfill:`` checkpoint tokens. Re-exported by ``audit/backfill.py``.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import attrs

from .._core.convert import format_datetime
from ..errors import InvalidInputError
from ..models.audit import AuditLogEvent
from .checkpoint import decode_json_token, decode_key

__all__ = [
    "BackfillPlan",
    "Key",
    "Span",
    "boundary_split",
    "cut",
    "decode_token",
    "encode_token",
    "from_ms",
    "is_token",
    "plan_window",
    "steal_point",
    "to_ms",
    "trim",
]

_TOKEN_PREFIX = "backfill:"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)

Key = tuple[datetime, str]
Span = tuple[int, int]
#: Fetch one page of a range: ``(range params, cursor or None)`` to the response and

# ------------------------------------------------------------------ arithmetic


def to_ms(moment: datetime) -> int:
    """Milliseconds since the epoch, rounded down (the API's resolution, §1.8)."""
    return (moment - _EPOCH) // _MS


def from_ms(ms: int) -> datetime:
    return _EPOCH + ms * _MS


def cut(lo: int, hi: int, parts: int) -> list[Span]:
    """``[lo, hi)`` cut into at most ``parts`` equal, adjacent, non-empty ranges."""
    span = hi - lo
    count = max(1, min(parts, span))
    if span <= 0:
        return []
    bounds = [lo + span * i // count for i in range(count)] + [hi]
    return [(bounds[i], bounds[i + 1]) for i in range(count)]


def boundary_split(
    lo: int, hi: int, first: int, last: int, *, ascending: bool
) -> tuple[Span, Span] | None:
    """Split a range whose buffered events run from ``first`` to ``last`` (ms, walk order).

    Returns ``(complete, rest)``: ``complete`` keeps the buffered events strictly before
    ``last`` in walk order, ``rest`` (queued after it) fetches ``last``'s millisecond
    again. ``None`` when every buffered event shares one millisecond: no progress.
    """
    if first == last:
        return None
    if ascending:
        return (lo, last), (last, hi)
    return (last + 1, hi), (lo, last + 1)


def steal_point(lo: int, hi: int, frontier: int | None, *, ascending: bool) -> int | None:
    """Where to cut the unfetched part of a walking range in two (ms), or ``None``.

    ``frontier`` is the newest (ascending) or oldest (descending) millisecond fetched
    so far; more events at that millisecond may follow, so it stays with the walker.
    Ascending the walker keeps ``[lo, m)`` and the thief takes ``[m, hi)``;
    descending the walker keeps ``[m, hi)`` and the thief takes ``[lo, m)``.
    """
    if ascending:
        start = lo if frontier is None else frontier + 1
        middle = (start + hi) // 2
        return middle if start < middle < hi else None
    end = hi if frontier is None else frontier
    middle = (lo + end) // 2
    return middle if lo < middle < end else None


def trim(
    events: tuple[AuditLogEvent, ...], lo: int, hi: int, *, ascending: bool
) -> tuple[tuple[AuditLogEvent, ...], bool]:
    """The events of a page inside ``[lo, hi)`` and whether the page ran past the range's
    far end (the walker's chain was started with a wider window before a steal)."""
    if not events:
        return events, False
    limit = from_ms(hi) if ascending else from_ms(lo)
    if (events[-1].timestamp < limit) if ascending else (events[-1].timestamp >= limit):
        return events, False
    if ascending:
        kept = tuple(e for e in events if e.timestamp < limit)
    else:
        kept = tuple(e for e in events if e.timestamp >= limit)
    return kept, True


# --------------------------------------------------------------- resume tokens


def encode_token(window: Span, after: AuditLogEvent, query: str = "") -> str:
    """A checkpoint: every event up to ``after`` (walk order) of ``window`` was delivered.
    ``query`` is the query's fingerprint (``_resume.fingerprint``)."""
    body = {"q": query, "window": list(window), "after": [after.timestamp.isoformat(), after.id]}
    encoded = base64.urlsafe_b64encode(json.dumps(body, separators=(",", ":")).encode())
    return _TOKEN_PREFIX + encoded.decode()


def is_token(value: str) -> bool:
    return value.startswith(_TOKEN_PREFIX)


def decode_token(token: str, window: Span, query: str = "") -> Key:
    """The last delivered (timestamp, id) of a checkpoint saved from the same query."""
    if not is_token(token):
        raise InvalidInputError(
            "resume", token, "is not a parallel backfill checkpoint; use the same parallel="
        )
    body = decode_json_token("resume", token, _TOKEN_PREFIX)
    saved = body.get("window") if isinstance(body, dict) else None
    if not (
        isinstance(saved, list) and len(saved) == 2 and all(type(bound) is int for bound in saved)
    ):
        raise InvalidInputError("resume", token, "is not a checkpoint of this library")
    moment, event_id = decode_key("resume", token, body.get("after"))
    # Tokens of earlier versions carry no fingerprint: only their window is checked.
    if tuple(saved) != window or body.get("q", query) != query:
        raise InvalidInputError(
            "resume",
            token,
            "was saved from a different query (filters, sort order or time window differ)",
        )
    return moment, event_id


# ---------------------------------------------------------------------- the plan


@attrs.frozen(kw_only=True)
class BackfillPlan:
    """What :class:`Backfill` walks, from :func:`airtable_enterprise.audit.log.build_query`."""

    #: The request parameters without ``startTime``/``endTime``.
    params: tuple[tuple[str, str], ...]
    #: The query's whole window, in ms: resume tokens name it.
    window: Span
    #: What is left of it to walk (the window, or less when resuming).
    remaining: Span
    ascending: bool
    parallel: int
    page_size: int
    #: Resuming: events at or before this (timestamp, id) in walk order were delivered.
    after: Key | None = None
    #: The query's fingerprint, carried by every checkpoint (``_resume.fingerprint``).
    fingerprint: str = ""

    def range_params(self, lo: int, hi: int) -> list[tuple[str, str]]:
        times = [
            ("startTime", format_datetime(from_ms(lo))),
            ("endTime", format_datetime(from_ms(hi))),
        ]
        return times + list(self.params)


def plan_window(start: datetime, end: datetime, *, ascending: bool, after: Key | None) -> Span:
    """The part of ``[start, end)`` still to walk after ``after`` was delivered."""
    lo, hi = to_ms(start), to_ms(end)
    if after is None:
        return lo, hi
    moment = to_ms(after[0])
    # The events at the checkpoint's millisecond are fetched again and filtered.
    return (max(lo, moment), hi) if ascending else (lo, min(hi, moment + 1))
