"""Helpers of the reliability tests: a transport that records what went over the wire."""

from __future__ import annotations

import time

import attrs
import httpx


@attrs.define
class Exchange:
    """One request sent through :class:`RecordingTransport` and how it ended."""

    method: str
    path: str
    sent_at: float
    ended_at: float = 0.0
    status: int | None = None
    error: str | None = None


class RecordingTransport(httpx.AsyncHTTPTransport):
    """httpx's real socket transport, keeping a log of every exchange (wall clock)."""

    def __init__(self) -> None:
        super().__init__()
        self.exchanges: list[Exchange] = []
        self.in_flight = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        exchange = Exchange(request.method, request.url.path, time.monotonic())
        self.exchanges.append(exchange)
        self.in_flight += 1
        try:
            response = await super().handle_async_request(request)
        except Exception as exc:
            exchange.error = type(exc).__name__
            raise
        finally:
            self.in_flight -= 1
            exchange.ended_at = time.monotonic()
        exchange.status = response.status_code
        return response

    @property
    def statuses(self) -> list[int | None]:
        return [exchange.status for exchange in self.exchanges]


def cooldown_episodes(seen_at: list[float], cooldown: float) -> int:
    """How many separate cooldowns the 429s seen at these times started: a 429 seen
    while a cooldown is still running belongs to it (a request already in flight)."""
    episodes, ends = 0, float("-inf")
    for moment in sorted(seen_at):
        if moment >= ends:
            episodes += 1
            ends = moment + cooldown
    return episodes
