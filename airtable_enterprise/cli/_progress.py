"""Progress on stderr: counts, a walk through a time window, and rate-limit pauses.

Bars are drawn only when stderr is a terminal. A rate-limit pause is shown in the
bar (with its remaining time) on a terminal, and as one line per pause otherwise, so a
long pause never looks like a hang.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import TYPE_CHECKING

import anyio
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)

from ._output import stderr_console

if TYPE_CHECKING:
    from ..api import AsyncApi

__all__ = ["TimeProgress", "progress_bar", "rate_limit_notices", "time_progress_bar"]

#: How often a pause's remaining time is looked at, in seconds.
_WATCH_INTERVAL = 0.25


def progress_bar() -> Progress:
    """A progress bar of counts (``12/40``) on stderr, shown only on a terminal."""
    console = stderr_console()
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )


def time_progress_bar() -> Progress:
    """A bar for a walk through a time window: percentage, the date reached, events so
    far, and the rate-limit status. Shown only on a terminal."""
    console = stderr_console()
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("reached {task.fields[reached]}"),
        TextColumn("{task.fields[events]:,} events"),
        TextColumn("[yellow]{task.fields[status]}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )


class TimeProgress:
    """One task of a :func:`time_progress_bar`: how far a walk through
    ``[start, end)`` has come."""

    def __init__(
        self, progress: Progress, description: str, start: datetime, end: datetime
    ) -> None:
        self.progress = progress
        self.description = description
        self.start = start
        self.span = max((end - start).total_seconds(), 1.0)
        self.task: TaskID = progress.add_task(
            description, total=self.span, reached="-", events=0, status=""
        )

    def reached(self, when: datetime, events: int) -> None:
        """The walk has got to ``when`` with ``events`` events so far."""
        done = min(max((when - self.start).total_seconds(), 0.0), self.span)
        self.progress.update(
            self.task, completed=done, reached=f"{when:%Y-%m-%d %H:%M}", events=events
        )

    def counted(self, events: int) -> None:
        """``events`` so far, the date unchanged."""
        self.progress.update(self.task, events=events)

    def note(self, text: str) -> None:
        """Show ``text`` (a running aggregate) after the description."""
        self.progress.update(self.task, description=f"{self.description} · {text}")

    def paused(self, remaining: float) -> None:
        """Show a rate-limit pause with ``remaining`` seconds (0: the pause is over)."""
        status = f"rate limited: resuming in {remaining:.0f} s" if remaining > 0 else ""
        self.progress.update(self.task, status=status)


@asynccontextmanager
async def rate_limit_notices(api: AsyncApi, bar: TimeProgress | None = None) -> AsyncIterator[None]:
    """While the block runs, show each pause the shared limiter imposes after an HTTP
    429: in ``bar`` on a terminal, else as one line on stderr when the pause begins."""
    console = stderr_console()

    async def watch() -> None:
        pausing = False
        while True:
            remaining = api.limiter.cooldown_remaining()
            if bar is not None and not bar.progress.disable:
                bar.paused(remaining)
            elif remaining > 0 and not pausing:
                console.print(
                    f"rate limited by Airtable (HTTP 429): pausing {remaining:.0f} s, then going on"
                )
            pausing = remaining > 0
            await anyio.sleep(_WATCH_INTERVAL)

    async with anyio.create_task_group() as group:
        group.start_soon(watch)
        try:
            yield
        finally:
            group.cancel_scope.cancel()
