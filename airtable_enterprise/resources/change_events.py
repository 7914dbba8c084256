"""Change events (REFERENCE §11): record-level changes of bases, with follow and resume.

``GET /v0/meta/enterpriseAccounts/{ent}/changeEvents``: Enterprise Scale, scope
``enterprise.changeEvents:read``. The feed must first be enabled by Airtable and
switched on in the admin panel; events exist from then on and are kept **14 days**.
The API pages newest first with a string ``offset``; ``startTime`` is inclusive and
``endTime`` exclusive.

:class:`ChangeEvents` iterates in one of two ways:

- **newest first** (the default): the API's own order, page after page.
- **oldest first with checkpoints** (``sort_asc=True``, ``follow=True`` or ``resume=``):
  the range is walked in contiguous time windows, each window's events sorted by
  (time, id) and delivered in that order. :attr:`ChangeEvents.checkpoint` after event
  *k* is a token that resumes at event *k+1*: each event exactly once, as the audit
  log's checkpoints do. With ``follow=True`` it then polls for new events (a growing
  interval while idle) and never ends; a cancelled or failed ``__anext__`` leaves it
  usable: the next call goes on after the last event delivered. A window holding more
  than ``max_buffer`` events is split (down to one millisecond, the wire's precision),
  so memory stays bounded during a 14-day backfill.

**Late events (the settle lag).** An event can become readable some time after its
timestamp (ingestion delay). An oldest-first walk therefore reads only up to the
*settled horizon*, ``clock() - lag``: a window once read is never read again, so an
event that appeared in it later would be lost. With ``follow=True`` each poll reads
from the previous horizon to the new one; a walk with an ``end_time`` inside the lag
waits until its end has settled. Every window starts where the previous one ended
(a resumed walk at its checkpoint's millisecond, inclusive) and events at or before
the last delivered ``(time, id)`` are dropped, so none is delivered twice. The bound:
an event readable later than ``lag`` after its timestamp is not delivered. The horizon
uses the client's clock: one running ``s`` seconds ahead of Airtable's shortens the lag
by ``s`` (a slow one only delays).

**A server that does not advance.** An ``offset`` that comes back again, cycles, or
leads to pages of events already seen ends the walk with
:class:`~airtable_enterprise.ResponseValidationError` (the audit log's
:class:`~airtable_enterprise._core.progress.ChainProgress` rule), never a loop or a
silent stop. So does an event outside the window asked for (or with no time), which
would otherwise move the resume point past events not yet delivered. Checkpoints are
bound to their enterprise account and ``end_time``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Self

import anyio

from .._core.convert import format_datetime, parse_datetime
from .._core.progress import RECENT, ChainProgress, fingerprint
from ..audit.log import TimeInput, to_wire_time
from ..errors import (
    ChangeEventsNotEnabledError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    ResponseValidationError,
)
from ..models.changes import ChangeEvent, ChangeEventsResponse

if TYPE_CHECKING:
    from ..api import AsyncApi

__all__ = [
    "DEFAULT_LAG",
    "MAX_EMPTY_PAGES",
    "MAX_PAGE_SIZE",
    "RETENTION",
    "ChangeEvents",
    "decode_checkpoint",
    "encode_checkpoint",
    "query_fingerprint",
]

#: ``pageSize`` maximum (default 10) (REFERENCE §11).
MAX_PAGE_SIZE = 100
#: Pages in a row with no event but an ``offset`` before a walk stops: the feed has no
#: filter, so a page is empty only when nothing is left (an ever-new offset on empty
#: pages looped, thousands of requests a second).
MAX_EMPTY_PAGES = 20
#: How long Airtable keeps change events.
RETENTION = timedelta(days=14)
#: How old an event must be before an oldest-first walk reads its window. Airtable
#: does not document its ingestion delay (REFERENCE §19), so this errs on the safe side.
DEFAULT_LAG = timedelta(seconds=60)
_PREFIX = "chg1."
_MAX_WINDOW = timedelta(days=1)
#: Times go on the wire in milliseconds: no window is cut finer.
_MIN_WINDOW = timedelta(milliseconds=1)
_NOT_ENABLED = (
    "change events are not available: they must be enabled by Airtable for this "
    "Enterprise Scale account and switched on in the admin panel, and the token needs "
    "the enterprise.changeEvents:read scope (REFERENCE §11)"
)

Key = tuple[datetime, str]


def query_fingerprint(path: str, end_time: datetime | None) -> str:
    """A short digest of what a walk covers: its endpoint (so its enterprise account)
    and ``end_time``. Every checkpoint carries it."""
    end = format_datetime(end_time) if end_time is not None else None
    digest = hashlib.sha256(json.dumps([path, end], separators=(",", ":")).encode())
    return digest.hexdigest()[:16]


def encode_checkpoint(after: Key, end_time: datetime | None, query: str | None = None) -> str:
    """The resume token of a position: after event ``after`` (time, id), bound to the
    query's ``end_time`` and, given ``query`` (:func:`query_fingerprint`), to its
    enterprise account."""
    moment = after[0]
    # Milliseconds, as the wire has them; a finer time a server sent is kept whole, or
    # events of that millisecond would sort after the cut position and come again.
    exact = moment.microsecond % 1000 == 0
    when = format_datetime(moment) if exact else moment.astimezone(UTC).isoformat()
    body = {"t": when.replace("+00:00", "Z"), "id": after[1]}
    if end_time is not None:
        body["end"] = format_datetime(end_time)
    if query is not None:
        body["q"] = query
    text = json.dumps(body, separators=(",", ":")).encode()
    return _PREFIX + base64.urlsafe_b64encode(text).decode().rstrip("=")


def decode_checkpoint(token: object, end_time: datetime | None, query: str | None = None) -> Key:
    """The position of a token made by :func:`encode_checkpoint` for the same query.

    A token of another enterprise account (its ``q`` differs from ``query``) or another
    ``end_time`` is refused. Tokens of earlier versions carry no ``q``: only their
    ``end_time`` is checked."""
    if not isinstance(token, str) or not token.startswith(_PREFIX):
        raise InvalidInputError("resume", token, "is not a change-events checkpoint")
    try:
        text = token[len(_PREFIX) :]
        body = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        key = (parse_datetime(body["t"]), body["id"])
        end = body.get("end")
        bound = parse_datetime(end) if end is not None else None
        format_datetime(key[0])  # in range once in UTC
        saved_query = body.get("q")
    except (binascii.Error, ValueError, KeyError, TypeError, AttributeError, OverflowError):
        raise InvalidInputError("resume", token, "is not a change-events checkpoint") from None
    if not (isinstance(key[1], str) and key[1]) or not isinstance(saved_query, str | None):
        raise InvalidInputError("resume", token, "is not a change-events checkpoint")
    if saved_query is not None and query is not None and saved_query != query:
        raise InvalidInputError(
            "resume",
            token,
            "was made for another enterprise account or query; resume with the same query",
        )
    if bound != end_time:
        raise InvalidInputError(
            "resume", token, "was made for another end_time; resume with the same query"
        )
    return key


def _key(event: ChangeEvent) -> Key:
    moment = event.time
    if moment is None:
        moment = datetime.min.replace(tzinfo=UTC)
    return moment, event.id


def _on_wire(moment: datetime) -> datetime:
    """``moment`` as the server sees it: cut to the millisecond, as :func:`format_datetime`
    sends it."""
    return moment - timedelta(microseconds=moment.microsecond % 1000)


def _whole_ms(span: timedelta) -> timedelta:
    return max(span - span % _MIN_WINDOW, _MIN_WINDOW)


def _seconds(name: str, value: object) -> timedelta:
    """A duration given as seconds or a ``timedelta``; not negative."""
    if isinstance(value, timedelta):
        span = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if value != value or value in (float("inf"), float("-inf")):
            raise InvalidInputError(name, value, "must be a finite number of seconds")
        span = timedelta(seconds=value)
    else:
        raise InvalidInputError(name, value, "must be a number of seconds or a timedelta")
    if span < timedelta(0) or span > RETENTION:
        raise InvalidInputError(name, value, "must be 0 to 14 days")
    return span


class ChangeEvents:
    """The events of :meth:`Enterprise.change_events`; ``async for`` over it.

    ```python
    feed = enterprise.change_events(follow=True, resume=saved)
    async for event in feed:
        handle(event)
        save(feed.checkpoint)
    ```

    ``lag`` (seconds or a ``timedelta``, default :data:`DEFAULT_LAG`) is the settle lag
    of the oldest-first modes (see the module docs); ``clock`` and ``sleep`` replace the
    real ones (tests).
    """

    def __init__(
        self,
        api: AsyncApi,
        path: str,
        *,
        start_time: TimeInput | None = None,
        end_time: TimeInput | None = None,
        page_size: int = MAX_PAGE_SIZE,
        sort_asc: bool = False,
        follow: bool = False,
        resume: str | None = None,
        poll_interval: float = 5.0,
        max_poll_interval: float = 60.0,
        max_buffer: int = 10_000,
        lag: float | timedelta = DEFAULT_LAG,
        clock: Callable[[], datetime] | None = None,
        sleep: Callable[[float], Awaitable[object]] | None = None,
    ) -> None:
        if isinstance(page_size, bool) or not isinstance(page_size, int):
            raise InvalidInputError("page_size", page_size, "must be an int")
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise InvalidInputError("page_size", page_size, f"must be 1 to {MAX_PAGE_SIZE}")
        for name, value in (
            ("poll_interval", poll_interval),
            ("max_poll_interval", max_poll_interval),
        ):
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                raise InvalidInputError(name, value, "must be a positive number of seconds")
        if isinstance(max_buffer, bool) or not isinstance(max_buffer, int) or max_buffer < 1:
            raise InvalidInputError("max_buffer", max_buffer, "must be a positive int")
        self._lag = _seconds("lag", lag)
        self._api = api
        self._path = path
        self._clock = clock or (lambda: datetime.now(UTC))
        self._sleep = sleep or anyio.sleep
        self._start = to_wire_time("start_time", start_time) if start_time is not None else None
        self._end = to_wire_time("end_time", end_time) if end_time is not None else None
        if follow and self._end is not None:
            raise InvalidInputError("follow", follow, "cannot be combined with end_time")
        if self._start is not None and self._end is not None and self._start >= self._end:
            raise InvalidInputError("end_time", end_time, "must be after start_time")
        self._page_size = page_size
        self._follow = bool(follow)
        self._ordered = bool(sort_asc or follow or resume is not None)
        self._query = query_fingerprint(path, self._end)
        self._after: Key | None = (
            decode_checkpoint(resume, self._end, self._query) if resume else None
        )
        self._poll = float(poll_interval)
        self._max_poll = float(max_poll_interval)
        self._max_buffer = max_buffer
        self._iterator: Any = None

    def __repr__(self) -> str:
        mode = "follow" if self._follow else ("ascending" if self._ordered else "descending")
        return f"<ChangeEvents {self._path} {mode}>"

    @property
    def checkpoint(self) -> str | None:
        """A token to pass as ``resume=``: continues right after the last event
        delivered (oldest-first modes only; ``None`` before the first event unless
        resuming). It only resumes the same enterprise account and ``end_time``."""
        if not self._ordered or self._after is None:
            return None
        return encode_checkpoint(self._after, self._end, self._query)

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> ChangeEvent:
        if self._iterator is None:
            self._iterator = self._ascending() if self._ordered else self._descending()
        try:
            event: ChangeEvent = await self._iterator.__anext__()
        except StopAsyncIteration:
            raise
        except BaseException:
            # A cancelled await (or an error) closed the walk inside. Oldest first, the
            # next call starts a new one after the last event delivered, as a resume
            # would: it must not end silently (a follow feed never ends).
            if self._ordered:
                self._iterator = None
            raise
        return event

    async def aclose(self) -> None:
        """Stop iterating (no request is left running)."""
        if self._iterator is not None:
            await self._iterator.aclose()

    # -- requests

    async def _page(
        self, start: datetime | None, end: datetime | None, offset: str | None
    ) -> ChangeEventsResponse:
        params: dict[str, str | int] = {"pageSize": self._page_size}
        if start is not None:
            params["startTime"] = format_datetime(start)
        if end is not None:
            params["endTime"] = format_datetime(end)
        if offset:
            params["offset"] = offset
        try:
            data = await self._api.request("GET", self._path, params=params)
        except (PermissionDeniedError, NotFoundError) as exc:
            raise ChangeEventsNotEnabledError(
                status_code=exc.status_code,
                error_type=exc.error_type,
                error_message=f"{exc.error_message or 'no message'}; {_NOT_ENABLED}",
                method=exc.method,
                path=exc.path,
                body=exc.body,
            ) from exc
        return self._api.structure(data, ChangeEventsResponse, method="GET", path=self._path)

    def _check_progress(
        self,
        progress: ChainProgress,
        requested: str | None,
        page: ChangeEventsResponse,
        empty: int,
    ) -> int:
        """Refuse a page whose ``offset`` takes the walk nowhere (it came back again, the
        page holds only events of recent pages, or it ends a run of empty pages too long
        for a feed without filters): following it would loop forever. ``empty`` is the
        run of empty pages before this one; returns the run including it."""
        assert page.offset is not None
        empty = empty + 1 if not page.events else 0
        if empty > MAX_EMPTY_PAGES or progress.stalled(
            requested, page.offset, (event.id for event in page.events)
        ):
            raise ResponseValidationError(
                f"the change-events offset does not advance (offset={page.offset!r} came "
                "back again, a page repeated recent events, or more than "
                f"{MAX_EMPTY_PAGES} pages in a row held no event): stopped",
                method="GET",
                path=self._path,
            )
        return empty

    async def _descending(self) -> Any:
        offset: str | None = None
        progress = ChainProgress()
        empty = 0
        # The recent (time, id) delivered: a page that starts with the end of the last
        # one again (a positional offset shifted by new events) hands each out once.
        recent: dict[tuple[datetime | None, str], None] = {}
        while True:
            page = await self._page(self._start, self._end, offset)
            if page.offset:
                # Checked before the page is delivered: a repeated page is never handed out.
                empty = self._check_progress(progress, offset, page, empty)
            for event in page.events:
                mark = (event.time, fingerprint(event.id))
                if mark in recent:
                    continue
                recent[mark] = None
                if len(recent) > RECENT:
                    del recent[next(iter(recent))]
                yield event
            if not page.offset:
                return
            offset = page.offset

    async def _window(self, start: datetime, end: datetime) -> list[ChangeEvent] | None:
        """Every event of [start, end) sorted oldest first; None when there are more
        than ``max_buffer`` (the caller splits the window). A window of one millisecond
        cannot be split: more than ``max_buffer`` events in it is an error."""
        found: list[ChangeEvent] = []
        offset: str | None = None
        progress, empty = ChainProgress(), 0
        low, high = _on_wire(start), _on_wire(end)
        while True:
            page = await self._page(start, end, offset)
            for event in page.events:
                # An event the window cannot hold would move the resume point past
                # events not yet delivered (they would be dropped as "seen"): refused.
                if event.time is None or not low <= event.time < high:
                    raise ResponseValidationError(
                        f"change event {event.id!r} at {event.time} is outside the window "
                        f"asked for ({format_datetime(start)} to {format_datetime(end)})",
                        method="GET",
                        path=self._path,
                    )
            found.extend(page.events)
            if len(found) > self._max_buffer:
                if end - start > _MIN_WINDOW:
                    return None
                raise ResponseValidationError(
                    f"more than max_buffer={self._max_buffer} change events between "
                    f"{format_datetime(start)} and {format_datetime(end)} (one millisecond, "
                    "which cannot be split): pass a larger max_buffer",
                    method="GET",
                    path=self._path,
                )
            if not page.offset:
                break
            empty = self._check_progress(progress, offset, page, empty)
            offset = page.offset
        found.sort(key=_key)
        return found

    async def _ascending(self) -> Any:
        # Nothing older than the retention exists: a start (or a checkpoint) further back
        # would only cost one empty request per day of the gap (a day of margin for clocks).
        oldest = self._clock() - RETENTION
        if self._after is not None:
            lower = max(self._after[0], oldest - _MAX_WINDOW)
        elif self._start is not None:
            lower = max(self._start, oldest - _MAX_WINDOW)
        else:
            lower = oldest
        window = _MAX_WINDOW
        idle = 0
        while True:
            # Only the settled part of the range is read: a window is never read again.
            horizon = self._clock() - self._lag
            upper = horizon if self._end is None else min(self._end, horizon)
            while lower < upper:
                end = min(lower + window, upper)
                events = await self._window(lower, end)
                if events is None:
                    window = _whole_ms(window / 2)
                    continue
                for event in events:
                    key = _key(event)
                    if self._after is not None and key <= self._after:
                        continue  # delivered already (or before the resume point)
                    self._after = key
                    idle = 0
                    yield event
                lower = end
                window = min(window * 2, _MAX_WINDOW)
            if self._end is not None:
                if lower >= self._end:
                    return
                # The end is inside the lag: wait until it has settled.
                remaining = (self._end - lower).total_seconds()
                await self._sleep(min(self._poll * 2 ** min(idle, 16), self._max_poll, remaining))
            elif not self._follow:
                return
            else:
                await self._sleep(min(self._poll * 2 ** min(idle, 16), self._max_poll))
            idle += 1
