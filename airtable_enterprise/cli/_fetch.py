"""Fetching every user of an enterprise, concurrently, with progress."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..enterprise import Enterprise
from ..models.users import UserInfo

__all__ = ["fetch_users"]


async def fetch_users(
    enterprise: Enterprise,
    ids: Sequence[str],
    *,
    collaborations: bool,
    advance: Callable[[int], None] = lambda count: None,
) -> list[UserInfo]:
    """Every user in ``ids``, in that order, through ``Enterprise.users`` (100-user
    requests sent concurrently); ``advance`` is called as each request lands."""
    if not ids:
        return []
    return list(await enterprise.users(ids, collaborations=collaborations, on_progress=advance))
