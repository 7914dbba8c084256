"""A call that waits for several limiters (a base's 5/s, then the token's) and is
cancelled before its request goes out gives back what the first ones granted it."""

from __future__ import annotations

import functools

import anyio
import httpx
import pytest

from airtable_enterprise import AsyncApi, RateLimiter, RetryPolicy
from tests.reliability.test_limiter_cancellation import HandClock

pytestmark = pytest.mark.anyio

BASE = "appAAAAAAAAAAAAAA"


async def test_a_base_call_cancelled_waiting_for_the_token_gives_the_base_start_back() -> None:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={})

    clock = HandClock()  # the token's limiter: its sleeps park until cancelled
    token = RateLimiter(1, clock=clock, sleep=clock.sleep)
    await token.acquire()  # the token's budget is spent for the next second
    async with AsyncApi(
        "patX.y",
        transport=httpx.MockTransport(handler),
        limiter=token,
        base_requests_per_second=1,
        retry=RetryPolicy(max_attempts=1),
    ) as api:
        call = functools.partial(api.request, "GET", "/v0/meta/whoami", base_id=BASE)
        async with anyio.create_task_group() as tg:
            tg.start_soon(call)
            await anyio.wait_all_tasks_blocked()
            assert clock.sleeps  # the base granted its start; the token holds the call
            tg.cancel_scope.cancel()  # the web request behind it went away
        base = api.base_limiter(BASE)
        assert sent == []
        # Nothing went out, so nothing counts in the base's windows: the next base call
        # may start at once (before the fix it waited out the guard window, ~1.1 s).
        assert base.stats.started == 0
        assert base._state.guard_wait(anyio.current_time()) == 0
        assert len(base._state.starts) == 0


async def test_give_back_of_an_unknown_or_sent_grant_changes_nothing() -> None:
    limiter = RateLimiter(1)
    granted = await limiter.acquire()
    sent_at = await limiter.confirm_start(granted)  # on its way: not given back
    await limiter.give_back(granted)
    await limiter.give_back(sent_at)
    assert limiter.stats.started == 1
    assert limiter._state.guard_wait(anyio.current_time()) > 0
