"""Issue 12, points 1 and 13: cancelled callers give their slot back; a server's
``Retry-After`` cannot freeze the shared limiter for longer than its ceiling."""

from __future__ import annotations

import anyio
import httpx
import pytest

from airtable_enterprise import AsyncApi, RateLimiter, RateLimitError, RetryPolicy
from airtable_enterprise.ratelimit.local import MAX_COOLDOWN, PacingState

pytestmark = pytest.mark.anyio


class HandClock:
    """A clock that moves only when told; sleeps park until cancelled (and record their
    length), so nothing here depends on how fast the machine is."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        await anyio.sleep_forever()


def test_a_released_slot_is_booked_again_before_a_new_one() -> None:
    state = PacingState(limit=10, target=10)
    slots = [state.reserve(0.0) for _ in range(5)]
    state.release(slots[2])  # a caller in the middle of the queue gave up
    assert state.reserve(0.0) == slots[2]
    state.release(slots[4])  # the newest booking: the schedule rolls back to it
    assert state.reserve(0.0) == slots[4]
    assert state.reserve(0.0) == pytest.approx(slots[4] + 0.1)


def test_a_slot_voided_by_a_429_is_not_handed_out_again() -> None:
    state = PacingState(limit=10, target=10)
    slots = [state.reserve(0.0) for _ in range(5)]
    state.release(slots[1])
    resume = state.penalize(0.05, started_at=0.0, wait=30.0)
    assert state.reserve(0.05) == resume


async def test_thirty_cancelled_callers_cost_an_idle_client_nothing() -> None:
    clock = HandClock()
    limiter = RateLimiter(10, headroom=0.08, clock=clock, sleep=clock.sleep)
    first = await limiter.acquire()  # one request in: the others queue behind it
    assert first == clock.now
    async with anyio.create_task_group() as tg:
        for _ in range(30):
            tg.start_soon(limiter.acquire)
        await anyio.wait_all_tasks_blocked()
        assert len(clock.sleeps) == 30  # each booked a slot and sleeps towards it
        tg.cancel_scope.cancel()  # the web requests behind them went away
    clock.sleeps.clear()
    clock.now += 1 / 9.2  # the pace's gap after the one request that did start
    with anyio.fail_after(5):  # a hang would be the bug: the sleep never returns
        started = await limiter.acquire()
    assert clock.sleeps == []  # no wait: the 30 booked slots were given back
    assert started == clock.now


async def test_callers_cancelled_by_wait_for_keep_the_throughput() -> None:
    # 20 workers, each call limited by a timeout shorter than the queue: on main the
    # abandoned bookings pushed every later caller further back until none got through.
    clock = HandClock()
    limiter = RateLimiter(10, headroom=0.0, clock=clock, sleep=clock.sleep)
    granted = 0
    for _round in range(10):
        async with anyio.create_task_group() as tg:

            async def worker() -> None:
                nonlocal granted
                with anyio.move_on_after(3600):  # cancelled below, as a timeout would
                    await limiter.acquire()
                    granted += 1

            for _ in range(20):
                tg.start_soon(worker)
            await anyio.wait_all_tasks_blocked()
            tg.cancel_scope.cancel()
        clock.now += 1.0  # one second per round
    # Every round, one caller starts at once (the slot at "now"); the other 19 slots
    # were given back, so each new round starts at once too.
    assert granted == 10


async def test_retry_after_cannot_freeze_the_shared_limiter() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(
            429, headers={"Retry-After": "1e9"}, json={"errors": [{"error": "RATE_LIMIT"}]}
        )

    async with AsyncApi("patX.y", transport=httpx.MockTransport(handler)) as api:
        with pytest.raises(RateLimitError) as caught:
            await api.request("GET", "/v0/meta/whoami")
        assert caught.value.retry_after == pytest.approx(1e9)  # what the server said
        assert calls == 1
        # ... but the other tasks sharing the limiter pause at most MAX_COOLDOWN.
        assert 0 < api.limiter.cooldown_remaining() <= MAX_COOLDOWN


async def test_the_ceiling_is_configurable_and_bounds_the_default_cooldown() -> None:
    limiter = RateLimiter(10, cooldown=30, max_cooldown=5)
    assert limiter.cooldown == 5
    assert limiter.penalize(started_at=0.0, retry_after=1e9) <= 5


@pytest.mark.parametrize("value", [-5, float("inf"), float("nan"), "30"])
def test_a_nonsense_cooldown_is_an_invalid_input(value: object) -> None:
    from airtable_enterprise import InvalidInputError

    with pytest.raises(InvalidInputError, match="rate_limit_cooldown"):
        AsyncApi("patX.y", rate_limit_cooldown=value)  # type: ignore[arg-type]


async def test_a_policy_waiting_out_a_long_retry_after_waits_the_capped_time() -> None:
    # A policy that accepts any Retry-After waits what the shared limiter imposes.
    statuses = iter([429, 200])

    def handler(request: httpx.Request) -> httpx.Response:
        status = next(statuses)
        headers = {"Retry-After": "1e9"} if status == 429 else {}
        return httpx.Response(status, headers=headers, json={})

    limiter = RateLimiter(50, max_cooldown=0.01)
    policy = RetryPolicy(max_retry_after=1e10, deadline=None)
    async with AsyncApi(
        "patX.y", transport=httpx.MockTransport(handler), retry=policy, limiter=limiter
    ) as api:
        with anyio.fail_after(30):
            assert await api.request("GET", "/v0/meta/whoami") == {}


async def test_requests_abandoned_by_their_callers_timeouts_cost_the_next_one_nothing(
    anyio_backend: str,
) -> None:
    # Through the request core: callers that give up (asyncio.wait_for, trio's
    # fail_after) while queued in the limiter leave no booked slot behind.
    clock = HandClock()
    limiter = RateLimiter(10, clock=clock, sleep=clock.sleep)
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={}))
    async with AsyncApi("patX.y", transport=transport, limiter=limiter) as api:
        await api.request("GET", "/v0/meta/whoami")  # the slot at "now"

        async def impatient() -> None:
            with anyio.move_on_after(0.01):  # the caller's own timeout
                await api.request("GET", "/v0/meta/whoami")

        async with anyio.create_task_group() as tg:
            for _ in range(20):
                tg.start_soon(impatient)
        assert len(clock.sleeps) == 20  # each had queued for a later slot
        clock.sleeps.clear()
        clock.now += 1.0
        with anyio.fail_after(5):
            assert await api.request("GET", "/v0/meta/whoami") == {}
        assert clock.sleeps == []
