"""Audit log queries: every argument checked before any request, the cursor chains planned.

``GET /v0/meta/enterpriseAccounts/{ent}/auditLogEvents`` (REFERENCE §8.1). :func:`build_query`
plans one cursor chain per combination of filter chunks (the API takes at most 100 values
per filter); a ``parallel`` backfill is planned here and walked by ``audit/backfill.py``.
Re-exported by ``audit/log.py``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from typing import TypedDict

import attrs

from .._core.convert import format_datetime
from .._core.validate import check_id
from ..errors import InvalidInputError
from .checkpoint import decode_chains, fingerprint, is_chain_token
from .plan import BackfillPlan, cut, decode_token, is_token, plan_window

__all__ = [
    "MAX_CHAINS",
    "MAX_FILTER_VALUES",
    "MAX_PAGE_SIZE",
    "AuditLogOptions",
    "AuditLogQuery",
    "FilterInput",
    "TimeInput",
    "build_query",
    "to_wire_time",
]

#: ``pageSize`` maximum (REFERENCE §8.1, §18: the spec's "100" is wrong).
MAX_PAGE_SIZE = 1000
#: Values per filter parameter in one request (``originatingUserId``, ``eventType``, ``modelId``).
MAX_FILTER_VALUES = 100
#: Most cursor chains one query may fan out into (filter chunks x parallel sub-windows).
MAX_CHAINS = 64

TimeInput = datetime | date | str
FilterInput = str | Iterable[str]


class AuditLogOptions(TypedDict, total=False):
    """The keyword arguments of :meth:`Enterprise.audit_log` (for ``audit_events``)."""

    page_size: int | None
    page_limit: int | None
    sort_asc: bool | None
    previous: str | None
    next: str | None
    start_time: TimeInput | None
    end_time: TimeInput | None
    user_id: FilterInput | None
    event_type: FilterInput | None
    model_id: FilterInput | None
    category: FilterInput | None
    resume: str | None
    follow: bool
    poll_interval: float
    max_poll_interval: float
    parallel: int
    read_ahead: int


#: ``pageSize`` when none is sent (§8.1).
_DEFAULT_PAGE_SIZE = 10


# ------------------------------------------------------------------ input checks


def to_wire_time(argument: str, value: object) -> datetime:
    """An aware UTC ``datetime`` from a ``datetime``, ``date`` or ISO 8601 string.

    A value without a UTC offset (naive ``datetime``, ``date``, ISO string without
    ``Z``/offset) means local time, as ``datetime.now() - timedelta(days=7)`` intends.
    """
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime.combine(value, time())
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            raise InvalidInputError(argument, value, "is not an ISO 8601 date or time") from None
    else:
        raise InvalidInputError(
            argument,
            value,
            f"must be a datetime, date or ISO 8601 string, not {type(value).__name__}",
        )
    try:
        if parsed.tzinfo is None:
            parsed = parsed.astimezone()  # local time
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError, OSError):
        raise InvalidInputError(argument, value, "is out of the range of dates") from None


def _check_int(argument: str, value: object, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputError(argument, value, "must be an int")
    if value < low or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f">= {low}"
        raise InvalidInputError(argument, value, f"must be {bounds}")
    return value


def _check_seconds(argument: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise InvalidInputError(argument, value, "must be a positive number of seconds")
    if math.isinf(value):
        raise InvalidInputError(argument, value, "must be finite")
    return float(value)


def _check_filter(argument: str, value: FilterInput | None, prefix: str | None) -> tuple[str, ...]:
    """A filter's values, in order, without repeats (so chunks never overlap)."""
    if value is None:
        return ()
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, Iterable):
        raise InvalidInputError(argument, value, "must be a string or an iterable of strings")
    seen: dict[str, None] = {}
    for item in values:
        if prefix is not None:
            check_id(argument, item, prefix)
        elif not isinstance(item, str) or not item:
            raise InvalidInputError(argument, item, "must be a non-empty string")
        seen[item] = None
    if not seen:
        # An empty list would silently mean "no filter": every event of the enterprise.
        raise InvalidInputError(argument, value, "is empty; pass None for no filter")
    return tuple(seen)


def _chunks(values: tuple[str, ...]) -> list[tuple[str, ...]]:
    if not values:
        return [()]
    return [values[i : i + MAX_FILTER_VALUES] for i in range(0, len(values), MAX_FILTER_VALUES)]


@attrs.frozen(kw_only=True)
class AuditLogQuery:
    """A checked audit log query: the request parameters of each cursor chain and how
    to walk them. Built by :func:`build_query`."""

    #: Per chain, the query parameters every request of that chain repeats (§8.3:
    #: "repeat the same request with only the cursor added").
    chains: tuple[tuple[tuple[str, str], ...], ...]
    ascending: bool
    bounded: bool
    page_limit: int | None
    follow: bool
    poll_interval: float
    max_poll_interval: float
    read_ahead: int
    #: Where each chain starts: ``None`` (first page), a cursor, or ``False`` (done).
    start: tuple[str | bool | None, ...]
    #: The first request's cursor key (``next``/``previous``) when given explicitly.
    start_key: str | None
    #: Merged resume: events at or before this (timestamp, id) in the walk's order were
    #: already delivered.
    resume_after: tuple[datetime, str] | None
    #: ``parallel > 1``: the time-range work queue that replaces the chains' walk.
    backfill: BackfillPlan | None = None
    #: The query's fingerprint (filters, order, window): every checkpoint carries it.
    fingerprint: str = ""
    #: The ``resume=`` checkpoint the walk starts from (``None``: from the start).
    resumed_from: str | None = None

    @property
    def follow_key(self) -> str:
        """The cursor this walk follows: ``next`` ascending, ``previous`` descending."""
        return "next" if self.ascending else "previous"


def build_query(
    *,
    page_size: int | None = None,
    page_limit: int | None = None,
    sort_asc: bool | None = False,
    previous: str | None = None,
    next: str | None = None,
    start_time: TimeInput | None = None,
    end_time: TimeInput | None = None,
    user_id: FilterInput | None = None,
    event_type: FilterInput | None = None,
    model_id: FilterInput | None = None,
    category: FilterInput | None = None,
    resume: str | None = None,
    follow: bool = False,
    poll_interval: float = 5.0,
    max_poll_interval: float = 60.0,
    parallel: int = 1,
    read_ahead: int = 1,
) -> AuditLogQuery:
    """Check every argument of :meth:`Enterprise.audit_log` and plan its cursor chains.

    Raises :class:`~airtable_enterprise.InvalidInputError` (a ``ValueError``) for
    anything Airtable would refuse or that cannot mean what the caller wants.
    """
    if page_size is not None:
        _check_int("page_size", page_size, 1, MAX_PAGE_SIZE)
    if page_limit is not None:
        _check_int("page_limit", page_limit, 1)
    if sort_asc is None:
        sort_asc = False
    if not isinstance(sort_asc, bool):
        raise InvalidInputError("sort_asc", sort_asc, "must be a bool")
    if not isinstance(follow, bool):
        raise InvalidInputError("follow", follow, "must be a bool")
    poll = _check_seconds("poll_interval", poll_interval)
    max_poll = _check_seconds("max_poll_interval", max_poll_interval)
    if max_poll < poll:
        raise InvalidInputError("max_poll_interval", max_poll_interval, "must be >= poll_interval")
    # Each of the `parallel` chains holds pages in memory: bounded like the chains.
    _check_int("parallel", parallel, 1, MAX_CHAINS)
    _check_int("read_ahead", read_ahead, 1)
    start = to_wire_time("start_time", start_time) if start_time is not None else None
    end = to_wire_time("end_time", end_time) if end_time is not None else None
    if start is not None and end is not None and start >= end:
        # endTime is exclusive (§8.1), so start == end is an empty window too.
        raise InvalidInputError("start_time", start_time, "must be before end_time")
    if follow and (end is not None or not sort_asc):
        raise InvalidInputError(
            "follow", follow, "needs sort_asc=True and no end_time (a stream of new events)"
        )
    if parallel > 1 and (start is None or end is None):
        raise InvalidInputError("parallel", parallel, "needs both start_time and end_time")
    for name, cursor in (("previous", previous), ("next", next), ("resume", resume)):
        if cursor is not None and (not isinstance(cursor, str) or not cursor):
            raise InvalidInputError(name, cursor, "must be a cursor string")
    given = [(n, c) for n, c in (("previous", previous), ("next", next), ("resume", resume)) if c]
    if len(given) > 1:
        raise InvalidInputError(given[1][0], given[1][1], f"cannot be combined with {given[0][0]}")

    users = _check_filter("user_id", user_id, "usr")
    types = _check_filter("event_type", event_type, None)
    models = _check_filter("model_id", model_id, None)
    categories = _check_filter("category", category, None)

    common: list[tuple[str, str]] = []
    if page_size is not None:
        common.append(("pageSize", str(page_size)))
    common.append(("sortOrder", "ascending" if sort_asc else "descending"))
    # category has no documented maximum (§8.1): sent whole, unknown values pass through.
    common.extend(("category", value) for value in categories)

    filter_chunks = [
        [("originatingUserId", v) for v in u]
        + [("eventType", v) for v in t]
        + [("modelId", v) for v in m]
        for u in _chunks(users)
        for t in _chunks(types)
        for m in _chunks(models)
    ]
    if len(filter_chunks) > MAX_CHAINS:
        raise InvalidInputError(
            "user_id/event_type/model_id",
            f"{len(users)}/{len(types)}/{len(models)} values",
            f"would need {len(filter_chunks)} cursor chains (max {MAX_CHAINS}); split the query",
        )
    if parallel > 1 and start is not None and end is not None:  # both checked above
        plan = _backfill_plan(
            start,
            end,
            params=(*common, *filter_chunks[0]),
            chunked=len(filter_chunks) > 1,
            parallel=parallel,
            ascending=sort_asc,
            page_size=page_size,
            cursor=previous or next,
            resume=resume,
        )
        chains = [tuple(plan.range_params(lo, hi)) for lo, hi in cut(*plan.remaining, parallel)]
        return AuditLogQuery(
            chains=tuple(chains),
            ascending=sort_asc,
            bounded=True,
            page_limit=page_limit,
            follow=False,
            poll_interval=poll,
            max_poll_interval=max_poll,
            read_ahead=read_ahead,
            start=(None,) * len(chains),
            start_key=None,
            resume_after=plan.after,
            backfill=plan,
            fingerprint=plan.fingerprint,
            resumed_from=resume,
        )
    times: list[tuple[str, str]] = []
    if start is not None:
        times.append(("startTime", format_datetime(start)))
    if end is not None:
        times.append(("endTime", format_datetime(end)))
    chains = [tuple(times + common + chunk) for chunk in filter_chunks]
    query_print = fingerprint(chains)

    starts: tuple[str | bool | None, ...] = (None,) * len(chains)
    start_key: str | None = None
    resume_after: tuple[datetime, str] | None = None
    if len(chains) > 1 and (previous or next):
        raise InvalidInputError(
            "previous" if previous else "next",
            previous or next,
            "is one API cursor, but this query walks several cursor chains; use resume=",
        )
    if previous or next:
        start_key = "previous" if previous else "next"
        starts = (previous or next,)
    elif resume:
        starts, resume_after = _decode_resume(resume, len(chains), query_print)

    return AuditLogQuery(
        chains=tuple(chains),
        ascending=sort_asc,
        bounded=end is not None,
        page_limit=page_limit,
        follow=follow,
        poll_interval=poll,
        max_poll_interval=max_poll,
        read_ahead=read_ahead,
        start=starts,
        start_key=start_key,
        resume_after=resume_after,
        fingerprint=query_print,
        resumed_from=resume,
    )


def _backfill_plan(
    start: datetime,
    end: datetime,
    *,
    params: tuple[tuple[str, str], ...],
    chunked: bool,
    parallel: int,
    ascending: bool,
    page_size: int | None,
    cursor: str | None,
    resume: str | None,
) -> BackfillPlan:
    """The plan of a parallel backfill (``audit/backfill.py``): a work queue of time ranges."""
    if chunked:
        # Each filter chunk would need its own work queue, merged by timestamp.
        raise InvalidInputError(
            "parallel", parallel, "cannot be combined with filters over 100 values"
        )
    if cursor is not None:
        raise InvalidInputError(
            "previous/next", cursor, "is one API cursor; a parallel backfill resumes with resume="
        )
    window = plan_window(start, end, ascending=ascending, after=None)
    query_print = fingerprint([[*params, ("window", f"{window[0]}:{window[1]}")]])
    after = decode_token(resume, window, query_print) if resume is not None else None
    return BackfillPlan(
        fingerprint=query_print,
        params=params,
        window=window,
        remaining=plan_window(start, end, ascending=ascending, after=after),
        ascending=ascending,
        parallel=parallel,
        page_size=page_size if page_size is not None else _DEFAULT_PAGE_SIZE,
        after=after,
    )


# -------------------------------------------------------------- resume tokens


def _decode_resume(
    token: str, chain_count: int, query: str
) -> tuple[tuple[str | bool | None, ...], tuple[datetime, str] | None]:
    if is_token(token):
        raise InvalidInputError(
            "resume", token, "is a parallel backfill checkpoint; pass the same parallel="
        )
    if not is_chain_token(token):
        # A raw API cursor (page.pagination's): it cannot say which query it came from.
        if chain_count > 1:
            raise InvalidInputError(
                "resume", token, "is a single-chain cursor; this query walks several chains"
            )
        return (token,), None
    return decode_chains(token, chain_count=chain_count, query=query)


# ------------------------------------------------------------- the cursor rule
