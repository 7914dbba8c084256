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


def bursts(statuses: list[int | None], status: int = 429) -> int:
    """How many runs of ``status`` there are, each run ended by any other answer."""
    runs, inside = 0, False
    for seen in statuses:
        if seen == status and not inside:
            runs += 1
        inside = seen == status
    return runs
