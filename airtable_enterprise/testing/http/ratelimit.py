"""Airtable's rate limit as the server applies it (REFERENCE §1.5).

A strict 1-second window per token: the request that would make more than ``rps``
requests in the last second is refused with 429, and so is every request of that
token for the next ``penalty`` seconds (Airtable documents 30).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

import attrs

__all__ = ["StrictWindowLimiter"]


@attrs.define
class _TokenWindow:
    starts: deque[float] = attrs.Factory(deque)
    penalty_until: float = float("-inf")


class StrictWindowLimiter:
    """Admits at most ``rps`` requests per token in any 1-second window."""

    def __init__(
        self,
        rps: float,
        *,
        penalty: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not rps > 0:
            raise ValueError("rps must be positive")
        if penalty < 0:
            raise ValueError("penalty must not be negative")
        self.rps = rps
        self.penalty = penalty
        self._clock = clock
        self._windows: dict[str, _TokenWindow] = {}

    def check(self, token: str) -> float | None:
        """Admit a request (None) or refuse it: the seconds left of the penalty."""
        now = self._clock()
        window = self._windows.setdefault(token, _TokenWindow())
        if now < window.penalty_until:
            return window.penalty_until - now
        while window.starts and window.starts[0] <= now - 1.0:
            window.starts.popleft()
        if len(window.starts) + 1 > self.rps:
            window.penalty_until = now + self.penalty
            window.starts.clear()
            return self.penalty
        window.starts.append(now)
        return None

    def reset(self) -> None:
        """Forget every window and penalty."""
        self._windows.clear()
