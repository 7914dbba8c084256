"""Fetch each key once, in the order first asked for, by a fixed number of workers.

The access review (:mod:`.access_review`) needs each group and workspace its users
reach, once, however many user batches ask for it. A task per key would keep thousands
of tasks parked at the rate limiter in a large enterprise (a few KB each: the memory
would grow with the enterprise); here a batch waits on one small event per key and at
most ``workers`` requests run, taking keys first asked, first fetched, so the earliest
batch's keys come first, as the rate limiter's own queue would have served them. A
caller waits on one event for all its keys; a key waiting in the queue costs the list
of callers to tell when it is in.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Hashable, Iterable
from typing import Any, Generic, TypeVar

import anyio
from anyio.abc import TaskGroup

__all__ = ["FetchOnce"]

K = TypeVar("K", bound=Hashable)


class FetchOnce(Generic[K]):
    """``await fetched.get_all(keys)``: the value of each key, each fetched once.

    Keys are fetched by the workers started with :meth:`start_workers` (in the caller's
    task group), at most ``workers`` at a time, first asked first fetched. A failed
    fetch raises its exception to every caller waiting for that key, and to later ones.
    """

    def __init__(self, fetch: Callable[[K], Awaitable[Any]]) -> None:
        self._fetch = fetch
        self._done: dict[K, Any] = {}
        self._failed: dict[K, Exception] = {}
        self._pending: dict[K, list[_Waiter]] = {}
        self._send, self._receive = anyio.create_memory_object_stream[K](math.inf)
        #: The fetches started so far (each key once).
        self.requests = 0

    def start_workers(self, task_group: TaskGroup, workers: int) -> None:
        """Start ``workers`` tasks taking keys from the queue until the task group is
        cancelled."""
        for _ in range(max(1, workers)):
            task_group.start_soon(self._work)

    async def get_all(self, keys: Iterable[K]) -> dict[K, Any]:
        """The values of ``keys`` (in their order, repeats once), queuing the new ones."""
        wanted = list(dict.fromkeys(keys))
        waiter = _Waiter()
        for key in wanted:
            if key in self._done or key in self._failed:
                continue
            waiters = self._pending.get(key)
            if waiters is None:
                waiters = self._pending[key] = []
                self._send.send_nowait(key)
            waiters.append(waiter)
            waiter.keys += 1
        if waiter.keys:
            await waiter.event.wait()
        found: dict[K, Any] = {}
        for key in wanted:
            failure = self._failed.get(key)
            if failure is not None:
                raise failure
            found[key] = self._done[key]
        return found

    async def _work(self) -> None:
        async for key in self._receive:
            self.requests += 1
            try:
                self._done[key] = await self._fetch(key)
            except Exception as exc:  # handed to the callers waiting for this key
                self._failed[key] = exc
            except BaseException:  # cancelled: whoever still waits must not hang
                self._failed[key] = RuntimeError(f"the fetch of {key!r} was cancelled")
                raise
            finally:
                for waiter in self._pending.pop(key):
                    waiter.key_done()


class _Waiter:
    """One caller of :meth:`FetchOnce.get_all`: its keys not in yet, and its event."""

    __slots__ = ("event", "keys")

    def __init__(self) -> None:
        self.event = anyio.Event()
        self.keys = 0

    def key_done(self) -> None:
        self.keys -= 1
        if self.keys == 0:
            self.event.set()
