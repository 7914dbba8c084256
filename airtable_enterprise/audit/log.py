"""Audit log paging: cursor walks, chunk merging, read-ahead, parallel backfill, follow.

``GET /v0/meta/enterpriseAccounts/{ent}/auditLogEvents`` (REFERENCE §8). The pieces:

- :func:`build_query` checks every argument before any request and plans the cursor
  chains: one per combination of filter chunks (the API takes at most 100 values per
  filter). A ``parallel`` backfill is planned and walked by ``audit/backfill.py`` instead.
- :func:`next_step` is the pure cursor rule of §8.3: which cursor to follow and when
  a walk ends.
- :class:`AuditLog` walks the chains. Used with ``async with`` it runs one producer
  task per chain that fetches ahead of the caller into a small buffer; iterated bare
  it fetches on demand (chains still concurrently within a step), so nothing runs
  between two pages and a ``break`` leaves nothing behind.
- Several chains are merged in the requested order (timestamp, then id), each event
  once, and each merged page carries a checkpoint token covering every chain.

The query checks live in ``audit/query.py`` and the chain walk in ``audit/walk.py``;
their public names are importable from here.
"""

from __future__ import annotations

import functools
from collections import deque
from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Self

import anyio
import attrs
from anyio.abc import TaskGroup

from .._core.progress import ChainProgress
from ..errors import ResponseValidationError
from ..models.audit import AuditLogEvent, AuditLogPage, AuditLogPagination, AuditLogResponse
from .backfill import DEPTH, Backfill
from .checkpoint import encode_chains
from .query import (
    MAX_CHAINS,
    MAX_FILTER_VALUES,
    MAX_PAGE_SIZE,
    AuditLogOptions,
    AuditLogQuery,
    FilterInput,
    TimeInput,
    build_query,
    to_wire_time,
)
from .walk import _RECENT_IDS, Step, _Fetched, _OnDemand, _ReadAhead, _Walker, next_step

if TYPE_CHECKING:
    from ..api import AsyncApi

__all__ = [
    "MAX_CHAINS",
    "MAX_FILTER_VALUES",
    "MAX_PAGE_SIZE",
    "AuditLog",
    "AuditLogEvents",
    "AuditLogOptions",
    "AuditLogQuery",
    "FilterInput",
    "Step",
    "TimeInput",
    "build_query",
    "next_step",
    "to_wire_time",
]

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
