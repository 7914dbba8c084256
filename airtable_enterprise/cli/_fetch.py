"""Fetching every user of an enterprise, concurrently, with progress."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import anyio

from ..enterprise import Enterprise
from ..models.users import UserInfo

__all__ = ["PROGRESS_STEPS", "fetch_users"]

#: About how many times the progress bar moves during a bulk fetch.
PROGRESS_STEPS = 40
#: Users per request of ``Enterprise.users`` (its own batching); slices are multiples.
_USERS_PER_REQUEST = 100


async def fetch_users(
    enterprise: Enterprise,
    ids: Sequence[str],
    *,
    collaborations: bool,
    advance: Callable[[int], None] = lambda count: None,
) -> list[UserInfo]:
    """Every user in ``ids``, in that order, fetched through ``Enterprise.users``.

    ``Enterprise.users`` batches and runs its requests concurrently but answers only
    when all are done; to move a progress bar, the IDs are cut into a few slices
    (whole multiples of its batch size, so no request is smaller than it would be)
    fetched concurrently, and ``advance`` is called as each slice lands.
    """
    if not ids:
        return []
    batches = math.ceil(len(ids) / _USERS_PER_REQUEST)
    size = _USERS_PER_REQUEST * max(1, math.ceil(batches / PROGRESS_STEPS))
    slices = [ids[start : start + size] for start in range(0, len(ids), size)]
    results: list[list[UserInfo]] = [[] for _ in slices]

    async def fetch(index: int) -> None:
        found = await enterprise.users(slices[index], collaborations=collaborations)
        results[index] = list(found)
        advance(len(slices[index]))

    async with anyio.create_task_group() as group:
        for index in range(len(slices)):
            group.start_soon(fetch, index)
    return [user for part in results for user in part]
