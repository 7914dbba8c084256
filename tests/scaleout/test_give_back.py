"""The shared limiter gives back a start granted to a call that never went out."""

from __future__ import annotations

import functools

import anyio
import httpx
import pytest

from airtable_enterprise import AsyncApi, RateLimiter, RetryPolicy
from airtable_enterprise._store import key_prefix
from benchmarks.redis_server import RedisServer
from tests.reliability.test_limiter_cancellation import HandClock

pytestmark = pytest.mark.anyio

BASE = "appAAAAAAAAAAAAAA"


class SignallingClock(HandClock):
    """A :class:`HandClock` that says when a task starts sleeping on it."""

    def __init__(self) -> None:
        super().__init__()
        self.sleeping = anyio.Event()

    async def sleep(self, seconds: float) -> None:
        self.sleeping.set()
        await super().sleep(seconds)


async def test_a_shared_base_start_is_given_back_when_the_token_wait_is_cancelled(
    shared_redis: RedisServer, anyio_backend: str
) -> None:
    secret = f"patGiveBack.{anyio_backend}"
    clock = SignallingClock()
    token = RateLimiter(1, clock=clock, sleep=clock.sleep)
    await token.acquire()  # the token's budget is spent: the next caller waits on it
    async with AsyncApi(
        secret,
        transport=httpx.MockTransport(lambda request: httpx.Response(200, json={})),
        limiter=token,
        base_requests_per_second=1,
        retry=RetryPolicy(max_attempts=1),
        redis_url=shared_redis.url,
    ) as api:
        async with anyio.create_task_group() as tg:
            tg.start_soon(functools.partial(api.request, "GET", "/v0/x", base_id=BASE))
            with anyio.fail_after(10):
                await clock.sleeping.wait()  # the shared base granted; the token holds it
            started_key = f"{key_prefix(secret)}:base:{BASE}:started"
            assert shared_redis.command("ZCARD", started_key).strip() == b":1"
            tg.cancel_scope.cancel()
        # Every process sharing the base may start at once: nothing counts any more.
        assert shared_redis.command("ZCARD", started_key).strip() == b":0"
        assert api.base_limiter(BASE).stats.started == 0
