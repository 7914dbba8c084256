"""Run a call's requests concurrently and hand back plain results and plain errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, TypeVar

import anyio

__all__ = ["for_each", "gather"]

T = TypeVar("T")


async def gather(
    calls: Sequence[Callable[[], Awaitable[T]]], *, cancel_on_error: bool = True
) -> list[T]:
    """Await ``calls`` concurrently in one task group; their results in call order.

    The shared limiter of :class:`~airtable_enterprise.AsyncApi` paces the requests, so
    no extra throttling is needed here. If a call fails, its exception is raised as
    is (not wrapped in an ``ExceptionGroup``): for reads, the first to fail (the others
    are cancelled); for writes, the lowest-index one.

    ``cancel_on_error=True`` (reads) cancels the other calls at the first failure.
    ``cancel_on_error=False`` (writes) lets them finish, because cancelling a write in
    flight would leave its outcome unknown; the raised error then gets a note saying
    which calls did complete.
    """
    results: list[Any] = [None] * len(calls)
    failures: dict[int, Exception] = {}

    async def run(index: int, call: Callable[[], Awaitable[T]]) -> None:
        try:
            results[index] = await call()
        except Exception as exc:
            if cancel_on_error:
                raise
            failures[index] = exc

    if len(calls) == 1:
        await run(0, calls[0])
    else:
        try:
            async with anyio.create_task_group() as group:
                for index, call in enumerate(calls):
                    group.start_soon(run, index, call)
        except BaseExceptionGroup as grouped:
            leaves = _leaves(grouped)
            if leaves and all(isinstance(leaf, Exception) for leaf in leaves):
                raise leaves[0] from None
            raise
    if failures:
        first = min(failures)
        error = failures[first]
        if len(calls) > 1:
            done = [str(i + 1) for i in range(len(calls)) if i not in failures]
            error.add_note(
                f"request {first + 1} of {len(calls)} failed; "
                + (f"requests {', '.join(done)} completed" if done else "no request completed")
            )
        raise error
    return results


async def for_each(items: Iterable[T], call: Callable[[T], Awaitable[None]], *, limit: int) -> None:
    """Await ``call(item)`` for every item, at most ``limit`` at a time: ``limit`` tasks
    take the items one by one as they finish, so a long (or endless, lazily generated)
    ``items`` never becomes one task per item. The first failure cancels the others and
    is raised as is (as :func:`gather` does for reads)."""
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValueError(f"limit must be an int >= 1, not {limit!r}")
    iterator = iter(items)

    async def worker() -> None:
        for item in iterator:  # shared: each worker takes the next item
            await call(item)

    await gather([worker] * limit)


def _leaves(group: BaseExceptionGroup[BaseException]) -> list[BaseException]:
    leaves: list[BaseException] = []
    for exc in group.exceptions:
        if isinstance(exc, BaseExceptionGroup):
            leaves.extend(_leaves(exc))
        else:
            leaves.append(exc)
    return leaves
