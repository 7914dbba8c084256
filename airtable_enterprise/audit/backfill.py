"""Parallel backfill of a bounded audit log window: a work queue of time ranges.

``enterprise.audit_log(parallel=N, start_time=..., end_time=...)`` (REFERENCE §8).
One cursor chain is bound by latency: each page waits for the previous page's cursor.
Several chains over disjoint time ranges are not, but their pages must reach the caller
in walk order and memory must stay bounded. The pieces:

- The window is a list of ranges ``[lo, hi)`` (whole milliseconds: ``startTime`` is
  inclusive and ``endTime`` exclusive, §8.1) in walk order: oldest first ascending,
  newest first descending. The caller reads the first range (the *current* one).
- ``parallel`` workers each take the earliest pending range and walk it as one cursor
  chain (§8.3), appending its pages to that range's buffer.
- A range that is not current stops after ``depth`` buffered pages and is split at the
  newest fetched millisecond ``t`` (ascending): it becomes ``[lo, t)``, complete, its
  events at ``t`` dropped, and ``[t, hi)`` is queued right after it, so the events at
  ``t`` are fetched again, by the next chain, and never twice delivered.
- A worker with nothing pending *steals* the unfetched half of the earliest range
  still holding at least ``steal_pages`` pages (estimated from the event density seen
  so far): the range's end moves to the midpoint, the walker drops what it fetches
  past it, and the other half is queued after it. This keeps several chains busy just
  ahead of the caller instead of far down the window.
- Buffered pages plus requests in flight never exceed ``capacity``; only the current
  range may read ahead beyond it (``depth`` pages), so the caller can always progress.

The split arithmetic is in pure functions (:func:`cut`, :func:`boundary_split`,
:func:`steal_point`, :func:`trim`) tested on tables, in ``audit/plan.py`` with the
plan and the resume tokens; their names are importable from here.
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Awaitable, Callable, Sequence

import anyio
import attrs
from anyio.abc import TaskGroup

from .._core.progress import ChainProgress
from ..models.audit import AuditLogEvent, AuditLogPage, AuditLogPagination, AuditLogResponse
from .plan import (
    _MS,
    BackfillPlan,
    boundary_split,
    cut,
    decode_token,
    encode_token,
    from_ms,
    is_token,
    plan_window,
    steal_point,
    to_ms,
    trim,
)

__all__ = [
    "CAPACITY_FACTOR",
    "DEPTH",
    "STEAL_PAGES",
    "Backfill",
    "BackfillPlan",
    "RangeFetch",
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

#: Pages a non-current range buffers before it is split (the caller's range reads
#: this many pages ahead).
DEPTH = 2
#: Buffered pages plus requests in flight, per worker and per page of ``depth``:
#: room for each worker's split-off pages plus as many again near the caller.
CAPACITY_FACTOR = 2
#: A range is worth stealing from while it still holds this many pages (estimated):
#: each steal costs one partly filled page at the new boundary.
STEAL_PAGES = 4

#: the cursor to continue from (``None`` once the chain has ended).
RangeFetch = Callable[
    [Sequence[tuple[str, str]], str | None, ChainProgress],
    Awaitable[tuple[AuditLogResponse, str | None]],
]


# --------------------------------------------------------------------- the engine


class _State(enum.Enum):
    PENDING = "pending"
    WALKING = "walking"
    COMPLETE = "complete"


@attrs.define(eq=False)
class _Range:
    lo: int
    hi: int
    state: _State = _State.PENDING
    pages: deque[tuple[AuditLogEvent, ...]] = attrs.Factory(deque)
    #: Newest (ascending) / oldest (descending) millisecond fetched so far.
    frontier: int | None = None
    #: The chain's request parameters, fixed when its walk starts (§8.3: repeat the
    #: same request with only the cursor added), and its cursor.
    params: list[tuple[str, str]] | None = None
    cursor: str | None = None
    #: Whether the chain advances (a server's cursor cycle must not spin the walk).
    progress: ChainProgress = attrs.Factory(ChainProgress)


class Backfill:
    """The ranges of one parallel backfill, its workers and the caller's side.

    :meth:`start` runs ``parallel`` workers in a task group (``async with``); without
    it, :meth:`next_page` walks the ranges one after another on demand.
    """

    def __init__(
        self,
        plan: BackfillPlan,
        fetch: RangeFetch,
        *,
        depth: int = DEPTH,
        capacity: int | None = None,
        steal_pages: int = STEAL_PAGES,
    ) -> None:
        self._plan = plan
        self._fetch = fetch
        self._depth = depth
        if capacity is None:
            capacity = CAPACITY_FACTOR * depth * plan.parallel
        self._capacity = capacity
        self._steal_pages = steal_pages
        self._ascending = plan.ascending
        self._order = [_Range(lo, hi) for lo, hi in cut(*plan.remaining, plan.parallel)]
        if not self._ascending:
            self._order.reverse()
        #: Buffered pages plus the requests in flight that will add one.
        self.reserved = 0
        #: The most ``reserved`` has been (tests check the memory bound with it).
        self.peak_reserved = 0
        self._started = False
        self._changed: anyio.Event | None = None
        self._error: Exception | None = None
        # Event density seen so far (events per ms), to judge whether a steal pays.
        self._seen_events = 0
        self._seen_ms = 0

    def __repr__(self) -> str:
        return f"<Backfill ranges={len(self._order)} reserved={self.reserved}>"

    @property
    def capacity(self) -> int:
        return self._capacity

    # -- signalling: one Event per change, replaced when set (a broadcast)

    def _notify(self) -> None:
        if self._changed is not None:
            self._changed.set()
        self._changed = anyio.Event()

    async def _wait(self) -> None:
        if self._changed is None:
            self._changed = anyio.Event()
        await self._changed.wait()

    # -- the caller's side

    def start(self, task_group: TaskGroup) -> None:
        """Run the workers in ``task_group`` (they never raise into it)."""
        self._started = True
        for _ in range(self._plan.parallel):
            task_group.start_soon(self._worker)

    async def next_page(self) -> AuditLogPage | None:
        """The next page in walk order, ``None`` once every range is delivered."""
        while True:
            if self._error is not None:
                raise self._error
            if not self._order:
                return None
            current = self._order[0]
            if current.pages:
                return self._deliver(current)
            if current.state is _State.COMPLETE:
                self._order.pop(0)
                self._notify()
            elif self._started:
                await self._wait()
            else:
                # Bare iteration: no task group to run workers in; walk the current
                # range here, one page per call.
                if current.state is _State.PENDING:
                    self._begin(current)
                await self._step(current, reserve=False)

    def _deliver(self, current: _Range) -> AuditLogPage:
        events = current.pages.popleft()
        self.reserved -= 1
        while self._order and self._order[0].state is _State.COMPLETE and not self._order[0].pages:
            self._order.pop(0)
        self._notify()
        plan = self._plan
        cursor = encode_token(plan.window, events[-1], plan.fingerprint) if self._order else None
        return AuditLogPage(
            events=events,
            pagination=AuditLogPagination(),
            cursor=cursor,
        ).with_checkpoints(lambda event: encode_token(plan.window, event, plan.fingerprint))

    # -- workers

    async def _worker(self) -> None:
        try:
            while True:
                work = await self._take()
                if work is None:
                    return
                await self._walk(work)
        except Exception as exc:
            # Handed to the caller's task, so it sees the error itself rather than an
            # ExceptionGroup from the task group.
            if self._error is None:
                self._error = exc
            self._notify()

    async def _take(self) -> _Range | None:
        while self._error is None:
            if all(r.state is _State.COMPLETE for r in self._order):
                return None
            work = self._choose()
            if work is not None:
                return work
            await self._wait()
        return None

    def _choose(self) -> _Range | None:
        """The earliest work in walk order: a pending range, or the far half of a
        walking range with enough left in it."""
        room = self.reserved < self._capacity
        for index, candidate in enumerate(self._order):
            if candidate.state is _State.PENDING:
                if index == 0 or room:
                    self._begin(candidate)
                    return candidate
                return None
            if candidate.state is _State.WALKING and room:
                stolen = self._steal(index, candidate)
                if stolen is not None:
                    return stolen
        return None

    def _steal(self, index: int, victim: _Range) -> _Range | None:
        if self._seen_ms <= 0 or self._seen_events <= 0:
            return None
        middle = steal_point(victim.lo, victim.hi, victim.frontier, ascending=self._ascending)
        if middle is None:
            return None
        if self._ascending:
            left = victim.hi - (victim.frontier if victim.frontier is not None else victim.lo)
        else:
            left = (victim.frontier if victim.frontier is not None else victim.hi) - victim.lo
        estimate = left * self._seen_events / self._seen_ms
        if estimate < self._steal_pages * self._plan.page_size:
            return None
        if self._ascending:
            thief = _Range(middle, victim.hi)
            victim.hi = middle
        else:
            thief = _Range(victim.lo, middle)
            victim.lo = middle
        self._order.insert(index + 1, thief)
        self._begin(thief)
        return thief

    def _begin(self, work: _Range) -> None:
        work.state = _State.WALKING
        work.params = self._plan.range_params(work.lo, work.hi)

    async def _walk(self, work: _Range) -> None:
        while work.state is _State.WALKING and self._error is None:
            if self._may_fetch(work):
                await self._step(work, reserve=not self._is_current(work))
            else:
                await self._wait()

    def _is_current(self, work: _Range) -> bool:
        return bool(self._order) and self._order[0] is work

    def _may_fetch(self, work: _Range) -> bool:
        if self._is_current(work):
            # The caller drains this range: read ahead ``depth`` pages, whatever else
            # is buffered, so the caller can always progress.
            return len(work.pages) < self._depth
        return self.reserved < self._capacity

    async def _step(self, work: _Range, *, reserve: bool) -> None:
        """Fetch one page of ``work``'s chain and file it."""
        assert work.params is not None
        if reserve:
            self.reserved += 1
            self.peak_reserved = max(self.peak_reserved, self.reserved)
        try:
            response, work.cursor = await self._fetch(work.params, work.cursor, work.progress)
        finally:
            if reserve:
                self.reserved -= 1
        self._file(work, response.events, ended=work.cursor is None)
        self._notify()

    def _file(self, work: _Range, events: tuple[AuditLogEvent, ...], *, ended: bool) -> None:
        ascending = self._ascending
        kept, passed = trim(events, work.lo, work.hi, ascending=ascending)
        self._observe(work, kept, ended=ended or passed)
        after = self._plan.after
        if after is not None and kept:
            # Resuming: the checkpoint's millisecond is fetched again; drop what was
            # delivered (the API orders events by (timestamp, id), §8.3).
            kept = tuple(
                e
                for e in kept
                if ((e.timestamp, e.id) > after if ascending else (e.timestamp, e.id) < after)
            )
        if kept:
            work.pages.append(kept)
            self.reserved += 1
            self.peak_reserved = max(self.peak_reserved, self.reserved)
        if ended or passed:
            work.state = _State.COMPLETE
            return
        if not self._is_current(work) and len(work.pages) >= self._depth:
            self._split(work)

    def _observe(self, work: _Range, kept: tuple[AuditLogEvent, ...], *, ended: bool) -> None:
        """Move the range's frontier and add what the page covered to the density."""
        ascending = self._ascending
        origin = work.frontier
        if origin is None:
            origin = work.lo if ascending else work.hi
        if kept:
            work.frontier = to_ms(kept[-1].timestamp)
        if ended:
            reached = work.hi if ascending else work.lo
        elif kept:
            reached = to_ms(kept[-1].timestamp)
        else:
            return  # an empty page: the scan moved, but not visibly
        self._seen_events += len(kept)
        self._seen_ms += abs(reached - origin)

    def _split(self, work: _Range) -> None:
        first = to_ms(work.pages[0][0].timestamp)
        last = to_ms(work.pages[-1][-1].timestamp)
        split = boundary_split(work.lo, work.hi, first, last, ascending=self._ascending)
        if split is None:
            return  # every buffered event in one millisecond: keep walking
        (work.lo, work.hi), (rest_lo, rest_hi) = split
        boundary = from_ms(last)
        while work.pages and (
            (work.pages[-1][-1].timestamp >= boundary)
            if self._ascending
            else (work.pages[-1][-1].timestamp < boundary + _MS)
        ):
            page = work.pages.pop()
            if self._ascending:
                page = tuple(e for e in page if e.timestamp < boundary)
            else:
                page = tuple(e for e in page if e.timestamp >= boundary + _MS)
            if page:
                work.pages.append(page)
                break
            self.reserved -= 1
        work.state = _State.COMPLETE
        self._order.insert(self._order.index(work) + 1, _Range(rest_lo, rest_hi))
