"""Audit log paging: cursor walks, chunk merging, read-ahead, parallel backfill, follow.

``GET /v0/meta/enterpriseAccounts/{ent}/auditLogEvents`` (REFERENCE §8). The pieces:

- :func:`build_query` checks every argument before any request and plans the cursor
  chains: one per combination of filter chunks (the API takes at most 100 values per
  filter). A ``parallel`` backfill is planned and walked by ``_backfill.py`` instead.
- :func:`next_step` is the pure cursor rule of §8.3: which cursor to follow and when
  a walk ends.
- :class:`AuditLog` walks the chains. Used with ``async with`` it runs one producer
  task per chain that fetches ahead of the caller into a small buffer; iterated bare
  it fetches on demand (chains still concurrently within a step), so nothing runs
  between two pages and a ``break`` leaves nothing behind.
- Several chains are merged in the requested order (timestamp, then id), each event
  once, and each merged page carries a checkpoint token covering every chain.
"""

from __future__ import annotations

import enum
import functools
import math
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import UTC, date, datetime, time
from types import TracebackType
from typing import TYPE_CHECKING, Self, TypedDict

import anyio
import attrs
from anyio.abc import TaskGroup
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from ._backfill import DEPTH, Backfill, BackfillPlan, cut, decode_token, is_token, plan_window
from ._convert import format_datetime
from ._progress import ChainProgress
from ._resume import decode_chains, encode_chains, fingerprint, is_chain_token
from ._validate import check_id
from .errors import InvalidInputError, ResponseValidationError
from .models.audit import AuditLogEvent, AuditLogPage, AuditLogPagination, AuditLogResponse

if TYPE_CHECKING:
    from .api import AsyncApi

__all__ = [
    "MAX_CHAINS",
    "MAX_FILTER_VALUES",
    "MAX_PAGE_SIZE",
    "AuditLog",
    "AuditLogEvents",
    "AuditLogQuery",
    "Step",
    "build_query",
    "next_step",
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
_RECENT_IDS = 4096


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
    """The plan of a parallel backfill (``_backfill.py``): a work queue of time ranges."""
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


class Step(enum.Enum):
    """What a response means for its cursor chain (REFERENCE §8.3)."""

    #: Deliver the page; more pages follow with the returned cursor.
    CONTINUE = "continue"
    #: Deliver the page; the followed cursor is absent: nothing is left.
    END = "end"
    #: A stream (no endTime) returned no events: caught up. Deliver the page and stop;
    #: its ``next`` is where to poll from later.
    CAUGHT_UP = "caught_up"
    #: Caught up while following: do not deliver, wait, poll again with ``next``.
    POLL = "poll"


def _cursor(value: str | None) -> str | None:
    # §8.1: the literal string "null" counts as no cursor.
    return value if value and value != "null" else None


def next_step(
    response: AuditLogResponse, *, ascending: bool, bounded: bool, follow: bool
) -> tuple[Step, str | None]:
    """The step after ``response`` and the cursor to continue (or resume) from.

    Descending follows ``previous`` until it is absent. Ascending follows ``next``;
    bounded (endTime given), ``next`` is absent once no newer event is in range and
    an empty page with a cursor means "keep going". Streaming, ``next`` is always
    present, so an empty page means caught up.
    """
    pagination = response.pagination
    cursor = _cursor(pagination.next if ascending else pagination.previous)
    if cursor is None:
        return Step.END, None
    if ascending and not bounded and not response.events:
        return (Step.POLL if follow else Step.CAUGHT_UP), cursor
    return Step.CONTINUE, cursor


# --------------------------------------------------------------- chain walking


@attrs.define
class _Fetched:
    """One response of one chain, with the cursors around it."""

    response: AuditLogResponse
    step: Step
    #: The cursor that requested this page (``None``: the chain's first request).
    requested_with: str | None
    #: The cursor to continue from after this page (``None`` once the chain ended).
    cursor: str | None


@attrs.define
class _Failed:
    """An error raised in a producer task, re-raised in the caller's task."""

    error: Exception


Fetch = Callable[[Sequence[tuple[str, str]]], Awaitable[AuditLogResponse]]


@attrs.define
class _Walker:
    """One cursor chain: sends its requests in order and applies :func:`next_step`."""

    fetch: Fetch
    params: tuple[tuple[str, str], ...]
    query: AuditLogQuery
    cursor: str | None
    cursor_key: str
    #: In a merge, report idle polls (follow mode) instead of waiting silently, so the
    #: other chains are not held back.
    report_idle: bool = False
    done: bool = False
    #: The endpoint, for the error when the server's cursor does not advance.
    path: str = ""
    _idle_polls: int = 0
    #: Cursors this chain followed and events it handed out (the most recent ones).
    _progress: ChainProgress = attrs.Factory(ChainProgress)

    def _check_progress(self, requested: str | None, response: AuditLogResponse) -> None:
        """Refuse a page that takes the walk nowhere (:class:`ChainProgress`): a server
        doing that would make the walk spin forever, spending requests."""
        cursor = self.cursor
        assert cursor is not None  # a CONTINUE step always has one
        if self._progress.stalled(requested, cursor, (event.id for event in response.events)):
            raise ResponseValidationError(
                f"the audit log cursor does not advance ({self.cursor_key}={cursor!r} "
                "came back again, or a page repeated recent events): stopped",
                method="GET",
                path=self.path,
            )

    async def fetch_next(self) -> _Fetched:
        """The next page to deliver (or, with ``report_idle``, an idle poll)."""
        query = self.query
        while True:
            if self._idle_polls:
                await anyio.sleep(
                    min(
                        query.poll_interval * 2 ** (self._idle_polls - 1),
                        query.max_poll_interval,
                    )
                )
            requested_with = self.cursor
            params = list(self.params)
            if requested_with is not None:
                params.append((self.cursor_key, requested_with))
            response = await self.fetch(params)
            step, cursor = next_step(
                response, ascending=query.ascending, bounded=query.bounded, follow=query.follow
            )
            # After the first request, a chain always follows its own direction's cursor.
            self.cursor_key = query.follow_key
            if cursor is not None:
                self.cursor = cursor
            if step is Step.CONTINUE:
                self._check_progress(requested_with, response)
            if step is Step.POLL:
                self._idle_polls = min(self._idle_polls + 1, 32)
                if self.report_idle:
                    return _Fetched(response, step, requested_with, self.cursor)
                continue
            self._idle_polls = 0
            if step in (Step.END, Step.CAUGHT_UP):
                self.done = True
            return _Fetched(response, step, requested_with, cursor)


# -------------------------------------------------------------- page sources


class _OnDemand:
    """Bare iteration: fetch when asked, several chains concurrently within one call.
    Nothing runs between two pages, so leaving the loop leaves nothing behind."""

    def __init__(self, walkers: Sequence[_Walker]) -> None:
        self._walkers = walkers

    async def take(self, indexes: Sequence[int]) -> dict[int, _Fetched]:
        results: dict[int, _Fetched] = {}
        if len(indexes) == 1:
            results[indexes[0]] = await self._walkers[indexes[0]].fetch_next()
            return results

        failures: list[Exception] = []

        async def one(index: int, cancel_scope: anyio.CancelScope) -> None:
            try:
                results[index] = await self._walkers[index].fetch_next()
            except Exception as exc:
                # Raise the error itself in the caller, not an ExceptionGroup.
                failures.append(exc)
                cancel_scope.cancel()

        async with anyio.create_task_group() as tg:
            for index in indexes:
                tg.start_soon(one, index, tg.cancel_scope)
        if failures:
            raise failures[0]
        return results

    async def aclose(self) -> None:
        return None


class _ReadAhead:
    """``async with`` iteration: one producer task per chain fetches up to
    ``read_ahead`` pages ahead of the caller. The buffer is what keeps memory flat:
    a producer blocks on a full buffer, it never accumulates pages."""

    def __init__(self, walkers: Sequence[_Walker], task_group: TaskGroup, read_ahead: int) -> None:
        self._receivers: list[MemoryObjectReceiveStream[_Fetched | _Failed]] = []
        for walker in walkers:
            # The page a producer holds while blocked in send() is one of the read_ahead.
            send, receive = anyio.create_memory_object_stream[_Fetched | _Failed](read_ahead - 1)
            self._receivers.append(receive)
            task_group.start_soon(_produce, walker, send)
        #: The error a producer handed over: raised again by every later take, so an
        #: iteration resumed after it sees the error, not a closed stream.
        self._failure: Exception | None = None

    async def take(self, indexes: Sequence[int]) -> dict[int, _Fetched]:
        results: dict[int, _Fetched] = {}
        for index in indexes:
            if self._failure is not None:
                raise self._failure
            item = await self._receivers[index].receive()
            if isinstance(item, _Failed):
                self._failure = item.error
                raise item.error
            results[index] = item
        return results

    async def aclose(self) -> None:
        for receiver in self._receivers:
            await receiver.aclose()


async def _produce(walker: _Walker, send: MemoryObjectSendStream[_Fetched | _Failed]) -> None:
    async with send:
        try:
            while not walker.done:
                item = await walker.fetch_next()
                await send.send(item)
        except anyio.BrokenResourceError:
            return  # the caller stopped reading
        except Exception as exc:
            # Hand the error to the caller's task, so it sees the APIError itself
            # rather than an ExceptionGroup from the task group.
            try:
                await send.send(_Failed(exc))
            except anyio.BrokenResourceError:
                return


# ---------------------------------------------------------------- the iterator


def _key(event: AuditLogEvent) -> tuple[datetime, str]:
    return (event.timestamp, event.id)


def _checkpoint(states: list[str | bool | None], query: str, event: AuditLogEvent) -> str:
    """The checkpoint after ``event``: the chains fetch again the pages it came from."""
    return encode_chains(states, _key(event), query)


@attrs.define
class _ChainBuffer:
    """A chain's undelivered events (from at most one page) and its checkpoint state."""

    events: deque[AuditLogEvent] = attrs.Factory(deque)
    #: The cursor that fetched the buffered page (re-requested on resume).
    page_cursor: str | None = None
    #: The cursor after the buffered page.
    after: str | None = None
    done: bool = False
    idle: bool = False

    def checkpoint(self) -> str | bool | None:
        if self.events:
            return self.page_cursor
        if self.after is not None:
            return self.after
        return False if self.done else None


class AuditLog:
    """The pages of an audit log query, in the requested order.

    Returned by :meth:`Enterprise.audit_log`. Iterate it bare (pages are fetched on
    demand) or, for read-ahead, inside ``async with``:

    ```python
    async with enterprise.audit_log(sort_asc=True, start_time=since) as pages:
        async for page in pages:
            handle(page.events)
            save(page.cursor)
    ```

    Leaving the ``async with`` block (``break``, an exception, cancellation) cancels
    every request in flight before the block exits.
    """

    def __init__(self, api: AsyncApi, path: str, query: AuditLogQuery) -> None:
        self._api = api
        self._path = path
        self._query = query
        merged = len(query.chains) > 1
        #: ``parallel > 1``: the time-range work queue walks instead of the chains.
        self._backfill = (
            Backfill(query.backfill, self._fetch_range, depth=max(DEPTH, query.read_ahead))
            if query.backfill is not None
            else None
        )
        self._walkers = [
            _Walker(
                fetch=self._fetch,
                params=params,
                query=query,
                cursor=start if isinstance(start, str) else None,
                cursor_key=query.start_key or query.follow_key,
                report_idle=merged,
                done=start is False,
                path=path,
            )
            for params, start in zip(query.chains, query.start, strict=True)
            if self._backfill is None
        ]
        self._buffers = [_ChainBuffer(after=w.cursor, done=w.done) for w in self._walkers]
        self._source: _OnDemand | _ReadAhead | None = None
        self._task_group: TaskGroup | None = None
        self._iterating = False
        self._pages = 0
        self._finished = False
        self._last_key = query.resume_after
        #: A single chain resumed mid-page: the re-fetched page's events up to here go.
        self._skip = query.resume_after
        self._recent: dict[str, None] = {}

    def __repr__(self) -> str:
        return f"<AuditLog {self._path} chains={len(self._query.chains)}>"

    @property
    def query(self) -> AuditLogQuery:
        """The checked query and its cursor chains."""
        return self._query

    async def _fetch(self, params: Sequence[tuple[str, str]]) -> AuditLogResponse:
        data = await self._api.request("GET", self._path, params=list(params))
        return self._api.structure(data, AuditLogResponse, method="GET", path=self._path)

    async def _fetch_range(
        self, params: Sequence[tuple[str, str]], cursor: str | None, progress: ChainProgress
    ) -> tuple[AuditLogResponse, str | None]:
        """One page of a parallel backfill's range (a bounded chain, §8.3)."""
        query = self._query
        if cursor is not None:
            params = [*params, (query.follow_key, cursor)]
        response = await self._fetch(params)
        step, following = next_step(response, ascending=query.ascending, bounded=True, follow=False)
        if (
            step is Step.CONTINUE
            and following is not None
            and progress.stalled(cursor, following, (event.id for event in response.events))
        ):
            raise ResponseValidationError(
                f"the audit log cursor does not advance ({query.follow_key}={following!r} "
                "came back again, or a page repeated recent events): stopped",
                method="GET",
                path=self._path,
            )
        return response, (following if step is Step.CONTINUE else None)

    # -- lifecycle

    async def __aenter__(self) -> Self:
        if self._iterating:
            raise RuntimeError("this AuditLog is already being iterated")
        self._iterating = True
        task_group = anyio.create_task_group()
        await task_group.__aenter__()
        self._task_group = task_group
        if self._backfill is not None:
            self._backfill.start(task_group)
        else:
            self._source = _ReadAhead(self._walkers, task_group, self._query.read_ahead)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        task_group, self._task_group = self._task_group, None
        self._finished = True
        if task_group is None:
            return None
        task_group.cancel_scope.cancel()
        if self._source is not None:
            await self._source.aclose()
        # The producers never raise (they hand errors to the caller), so once they are
        # cancelled the task group has nothing to report. Exiting it "cleanly" lets the
        # caller's own exception (or the error a producer handed over) propagate as
        # itself: anyio would otherwise wrap it in an ExceptionGroup.
        await task_group.__aexit__(None, None, None)
        return None

    async def aclose(self) -> None:
        """Stop: no more pages. (Inside ``async with``, leaving the block does this.)"""
        self._finished = True

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> AuditLogPage:
        if self._finished:
            raise StopAsyncIteration
        self._iterating = True
        limit = self._query.page_limit
        if self._backfill is not None:
            page = await self._backfill.next_page()
        else:
            if self._source is None:
                self._source = _OnDemand(self._walkers)
            page = await (self._next_single() if len(self._walkers) == 1 else self._next_merged())
        if page is None:
            self._finished = True
            raise StopAsyncIteration
        self._pages += 1
        if limit is not None and self._pages >= limit:
            self._finished = True
        return page

    # -- one chain: the API's pages as they come

    async def _next_single(self) -> AuditLogPage | None:
        buffer = self._buffers[0]
        if buffer.done:
            return None
        assert self._source is not None
        fetched = (await self._source.take([0]))[0]
        buffer.done = fetched.step in (Step.END, Step.CAUGHT_UP)
        events = fetched.response.events
        skip = self._skip
        if skip is not None and events:
            ascending = self._query.ascending
            events = tuple(e for e in events if (_key(e) > skip if ascending else _key(e) < skip))
            if events:
                self._skip = None
        query = self._query.fingerprint
        requested = fetched.requested_with
        return AuditLogPage(
            events=events,
            pagination=fetched.response.pagination,
            cursor=encode_chains([fetched.cursor], None, query) if fetched.cursor else None,
            response=fetched.response,
            # Mid-page: fetch this page again and drop what was delivered.
        ).with_checkpoints(functools.partial(_checkpoint, [requested], query))

    # -- several chains: merged by (timestamp, id), each event once

    async def _next_merged(self) -> AuditLogPage | None:
        assert self._source is not None
        ascending = self._query.ascending
        buffers = self._buffers
        while True:
            live = [i for i, b in enumerate(buffers) if not b.done]
            needy = [i for i in live if not buffers[i].events and not buffers[i].idle]
            if needy:
                self._apply(await self._source.take(needy))
                continue
            waiting = [i for i in live if not buffers[i].idle]
            ready = [b for b in buffers if b.events]
            # A checkpoint inside this page fetches again the pages its events come from.
            before: list[str | bool | None] = [
                b.page_cursor if b.events else b.checkpoint() for b in buffers
            ]
            if not ready:
                if not live:
                    return None
                # Every live chain is an idle follower: wait for their next polls.
                for i in live:
                    buffers[i].idle = False
                continue
            # An event is safe to deliver once no chain can still produce one before it:
            # every non-idle chain has buffered events up to at least that key.
            if waiting:
                ends = [_key(buffers[i].events[-1]) for i in waiting]
                frontier = min(ends) if ascending else max(ends)
            else:
                frontier = None
            batch: list[AuditLogEvent] = []
            for b in ready:
                events = b.events
                while events and (
                    frontier is None
                    or (_key(events[0]) <= frontier if ascending else _key(events[0]) >= frontier)
                ):
                    batch.append(events.popleft())
            batch.sort(key=_key, reverse=not ascending)
            delivered = self._dedupe(batch)
            finished = all(b.done and not b.events for b in buffers)
            if not delivered:
                if finished:
                    return None
                continue
            states = [b.checkpoint() for b in buffers]
            query = self._query.fingerprint
            cursor = (
                None
                if finished and all(s is False for s in states)
                else encode_chains(states, self._last_key, query)
            )
            return AuditLogPage(
                events=tuple(delivered),
                pagination=AuditLogPagination(),
                cursor=cursor,
            ).with_checkpoints(functools.partial(_checkpoint, before, query))

    def _apply(self, fetched: dict[int, _Fetched]) -> None:
        after = self._query.resume_after
        ascending = self._query.ascending
        for index, item in fetched.items():
            buffer = self._buffers[index]
            buffer.page_cursor = item.requested_with
            buffer.after = item.cursor
            buffer.idle = item.step is Step.POLL
            buffer.done = item.step in (Step.END, Step.CAUGHT_UP)
            events = item.response.events
            if len(events) > 1:
                events = tuple(sorted(events, key=_key, reverse=not ascending))
            if after is not None:
                # Resuming: this page may be re-fetched from a checkpoint taken mid-page.
                events = tuple(
                    e for e in events if (_key(e) > after if ascending else _key(e) < after)
                )
            buffer.events.extend(events)

    def _dedupe(self, batch: list[AuditLogEvent]) -> list[AuditLogEvent]:
        # An event matches several chains when it matches several filter values (a
        # modelId matches events inside the model too, §8.1): deliver it once.
        recent = self._recent
        delivered = []
        for event in batch:
            if event.id in recent:
                continue
            recent[event.id] = None
            delivered.append(event)
        while len(recent) > _RECENT_IDS:
            del recent[next(iter(recent))]
        if delivered:
            self._last_key = _key(delivered[-1])
        return delivered

    # -- events

    def events(self) -> AuditLogEvents:
        """The same walk, one event at a time."""
        return AuditLogEvents(self)


class AuditLogEvents:
    """The events of an :class:`AuditLog`, one at a time (``async with`` for read-ahead).

    Returned by :meth:`Enterprise.audit_events`. ``cursor`` is the checkpoint after
    the last event handed out: resuming from it (``resume=``, same query) continues
    with the next event, so a consumer that saves it after each event and crashes
    processes every event exactly once.
    """

    def __init__(self, pages: AuditLog) -> None:
        self.pages = pages
        self._page: AuditLogPage | None = None
        self._index = -1

    @property
    def cursor(self) -> str | None:
        """The checkpoint after the last event handed out; before the first, the
        ``resume=`` checkpoint the walk started from (``None`` without one)."""
        if self._page is None:
            return self.pages.query.resumed_from
        return self._page.cursor_after(self._index)

    def __repr__(self) -> str:
        return f"<AuditLogEvents of {self.pages!r}>"

    async def __aenter__(self) -> Self:
        await self.pages.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        return await self.pages.__aexit__(exc_type, exc, tb)

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> AuditLogEvent:
        page = self._page
        while page is None or self._index + 1 >= len(page.events):
            page = await self.pages.__anext__()
            # Every earlier event was handed out: an empty page's cursor is current.
            self._page, self._index = page, -1
        self._index += 1
        return page.events[self._index]

    async def aclose(self) -> None:
        """Stop: no more events."""
        await self.pages.aclose()
