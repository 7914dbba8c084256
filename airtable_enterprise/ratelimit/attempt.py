"""What one request attempt tells the limiters it went through (a base's, the token's).

:class:`~airtable_enterprise.AsyncApi` waits for them with
:func:`~.local.acquire_all`, then, while it sends: the moment the request's headers are
written (httpcore's ``trace`` events: the limiters count that as the real start), and
after a 429, the penalty every one of them takes; before each attempt, whether the
token's cooldown after a 429 outlasts what the call may wait.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import anyio

from .. import errors
from .._core.retry import RetryPolicy
from .local import RateLimiter
from .shared import SharedRateLimiter

__all__ = ["check_cooldown", "penalize_all", "start_trace"]

#: httpcore's ``trace`` events announcing that a request's headers are about to be
#: written: the moment the rate limiter counts as the request's real start.
_WRITING_EVENTS = frozenset(
    {"http11.send_request_headers.started", "http2.send_request_headers.started"}
)
#: ... and that they have been written.
_WRITTEN_EVENTS = frozenset(
    {"http11.send_request_headers.complete", "http2.send_request_headers.complete"}
)

Limiters = Sequence[RateLimiter | SharedRateLimiter]


def start_trace(
    limiters: Limiters, counted: list[float]
) -> Callable[[str, Mapping[str, Any]], Awaitable[None]]:
    """httpx's ``trace`` extension for one attempt: before the headers are written each
    limiter confirms the start (and may hold it back there), once written it restates
    it; ``counted`` (the grant times of :func:`~.local.acquire_all`) is kept up to date."""

    async def trace(event: str, info: Mapping[str, Any]) -> None:
        for index, limiter in enumerate(limiters):
            if event in _WRITING_EVENTS:
                counted[index] = await limiter.confirm_start(counted[index])
            elif event in _WRITTEN_EVENTS:
                counted[index] = limiter.restate_start(counted[index])

    return trace


async def penalize_all(limiters: Limiters, *, started_at: float, retry_after: float | None) -> None:
    """A 429 for the request started at ``started_at``: every limiter pauses (a
    :class:`~.shared.SharedRateLimiter` tells the store)."""
    for limiter in limiters:
        cooldown = limiter.penalize(started_at=started_at, retry_after=retry_after)
        if inspect.isawaitable(cooldown):
            await cooldown


def check_cooldown(
    limiter: RateLimiter | SharedRateLimiter,
    policy: RetryPolicy,
    *,
    method: str,
    path: str,
    deadline_at: float,
) -> None:
    """Fail fast with :class:`~airtable_enterprise.RateLimitError` when the limiter's
    cooldown after a 429 outlasts what the call may wait (the policy's
    ``max_retry_after``, or its deadline at ``deadline_at``)."""
    wait = limiter.cooldown_remaining()
    if wait <= 0:
        return
    if wait > policy.max_retry_after or wait > deadline_at - anyio.current_time():
        raise errors.RateLimitError(
            retry_after=wait,
            status_code=429,
            error_type="RATE_LIMIT_REACHED",
            error_message="the shared cooldown after a 429 outlasts the retry policy",
            method=method,
            path=path,
        )
