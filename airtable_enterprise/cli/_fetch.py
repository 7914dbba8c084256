"""Fetching every user of an enterprise, concurrently, with a progress bar."""

from __future__ import annotations

from ..enterprise import Enterprise
from ..models.users import UserInfo
from ._progress import progress_bar

__all__ = ["fetch_all_users"]


async def fetch_all_users(enterprise: Enterprise, *, collaborations: bool) -> list[UserInfo]:
    """Every user of the enterprise (its ``userIds``, external collaborators included),
    through ``Enterprise.users`` (100-user requests sent concurrently), with a progress
    bar on stderr when it is a terminal."""
    info = await enterprise.info()
    if not info.user_ids:
        return []
    with progress_bar() as progress:
        task = progress.add_task("users", total=len(info.user_ids))
        found = await enterprise.users(
            info.user_ids,
            collaborations=collaborations,
            on_progress=lambda count: progress.advance(task, count),
        )
    return list(found)
