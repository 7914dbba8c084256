"""Audit log chain walking: the cursor rule and the page sources.

``GET /v0/meta/enterpriseAccounts/{ent}/auditLogEvents`` (REFERENCE §8.3).
:func:`next_step` is the pure cursor rule: which cursor to follow and when a walk ends.
``_Walker`` walks one cursor chain; ``_OnDemand`` (bare iteration) and ``_ReadAhead``
(``async with``: one producer task per chain) hand its pages to :class:`AuditLog`.
Re-exported by ``audit/log.py``.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Sequence

import anyio
import attrs
from anyio.abc import TaskGroup
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from .._core.progress import ChainProgress
from ..errors import ResponseValidationError
from ..models.audit import AuditLogResponse
from .query import AuditLogQuery

__all__ = ["Fetch", "Step", "next_step"]

#: Most recent cursors (per chain) and event ids (per merged walk) remembered.
_RECENT_IDS = 4096


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
