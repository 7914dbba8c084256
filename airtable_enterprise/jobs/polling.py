"""Waiting for a long-running job: the one "poll until done" helper.

eDiscovery exports (REFERENCE §10) and audit-log requests (§9) are jobs that move
``pending`` -> ``processing`` -> ``done`` or ``error`` over minutes. :func:`poll_until_done`
asks for the job's state with a capped, growing interval until it is final. Every poll
is an ordinary API call, so it shares the client's rate limiter and retries; cancelling
the waiting task (a cancel scope, Ctrl-C) stops the polling and leaves the job running
server-side.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Protocol, TypeVar

import anyio

from ..errors import InvalidInputError, JobTimeoutError, ResponseValidationError
from ..models.jobs import JOB_STATES

__all__ = [
    "DEFAULT_MAX_POLL",
    "DEFAULT_POLL",
    "MAX_JOB_PAGE_SIZE",
    "Job",
    "ProgressCallback",
    "check_page_size",
    "offset_pages",
    "poll_until_done",
]

#: The first interval between two polls, in seconds ("check again in a few minutes", §9).
DEFAULT_POLL = 2.0
#: The interval grows by half each poll up to this cap.
DEFAULT_MAX_POLL = 30.0
_GROWTH = 1.5
#: ``pageSize`` maximum of the job lists (exports §10, audit-log requests §9).
MAX_JOB_PAGE_SIZE = 100
T = TypeVar("T")


class Job(Protocol):
    """What the helper reads of a job model: its ``id``, ``state`` and whether it is final."""

    @property
    def id(self) -> str: ...

    @property
    def state(self) -> str: ...

    @property
    def is_finished(self) -> bool: ...


J = TypeVar("J", bound=Job)
#: Called with the job each time its ``state`` changes (the first poll included).
ProgressCallback = Callable[[J], object]


def check_wait(timeout: float | None, poll: float, max_poll: float) -> None:
    """``InvalidInputError`` unless the wait's numbers are positive (``timeout`` may be None)."""
    for name, value in (("poll", poll), ("max_poll", max_poll)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            raise InvalidInputError(name, value, "must be a positive number of seconds")
    if timeout is not None and (
        isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0
    ):
        raise InvalidInputError("timeout", timeout, "must be a positive number of seconds or None")


async def poll_until_done(
    fetch: Callable[[], Awaitable[J]],
    *,
    first: J | None = None,
    timeout: float | None = None,  # noqa: ASYNC109 (the job waits, not a request)
    poll: float = DEFAULT_POLL,
    max_poll: float = DEFAULT_MAX_POLL,
    on_progress: ProgressCallback[J] | None = None,
    sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
    path: str | None = None,
) -> J:
    """Call ``fetch`` until the job it returns is finished (``done`` or ``error``); that job.

    ``first`` is a state already known (no request for it). The interval starts at
    ``poll`` seconds and grows by half each time up to ``max_poll``. After ``timeout``
    seconds (None: no limit) raises :class:`JobTimeoutError` carrying the last state.
    ``on_progress(job)`` runs whenever the state changes. Cancellation stops the
    waiting, never the job. A state the reference does not list (:data:`JOB_STATES`)
    raises :class:`ResponseValidationError` (``path``: the job's URL, for the message)
    rather than being polled without end.
    """
    check_wait(timeout, poll, max_poll)
    deadline = math.inf if timeout is None else anyio.current_time() + timeout
    job = first if first is not None else await fetch()
    last_state: str | None = None
    interval = float(poll)
    while True:
        if job.state not in JOB_STATES:
            raise ResponseValidationError(
                f"job {job.id} is in state {job.state!r}, not one of {', '.join(JOB_STATES)}",
                method="GET",
                path=path or f"job {job.id}",
            )
        if job.state != last_state:
            last_state = job.state
            if on_progress is not None:
                on_progress(job)
        if job.is_finished:
            return job
        remaining = deadline - anyio.current_time()
        if remaining <= 0:
            assert timeout is not None
            raise JobTimeoutError(job.id, timeout, job)
        await sleep(min(interval, remaining))
        interval = min(interval * _GROWTH, max_poll)
        job = await fetch()


def check_page_size(page_size: int | None) -> int | None:
    """``page_size`` if it is 1 to 100 (the job lists' maximum), else InvalidInputError."""
    if page_size is None:
        return None
    if isinstance(page_size, bool) or not isinstance(page_size, int):
        raise InvalidInputError("page_size", page_size, "must be an int")
    if not 1 <= page_size <= MAX_JOB_PAGE_SIZE:
        raise InvalidInputError("page_size", page_size, f"must be 1 to {MAX_JOB_PAGE_SIZE}")
    return page_size


async def offset_pages(
    fetch: Callable[[int | str | None], Awaitable[tuple[Sequence[T], int | str | None]]],
    *,
    path: str,
) -> AsyncIterator[T]:
    """Every item of an ``offset``-paged list: ``fetch(offset)`` returns a page's items
    and the next offset (absent on the last page). An offset that does not move on is
    a server bug reported as :class:`ResponseValidationError` rather than a loop."""
    offset: int | str | None = None
    seen: set[int | str] = set()
    while True:
        items, following = await fetch(offset)
        for item in items:
            yield item
        if following is None or following == "":
            return
        if following in seen:
            raise ResponseValidationError(
                f"the offset {following!r} came back twice", method="GET", path=path
            )
        seen.add(following)
        offset = following
