"""The shared limiter gives back a start granted to a call that never went out; a
store and a limiter of the caller's own are not mixed."""

from __future__ import annotations

import anyio
import anyio.lowlevel
import pytest

from airtable_enterprise import AsyncApi, InvalidInputError, RateLimiter
from airtable_enterprise.ratelimit import lua
from airtable_enterprise.ratelimit.local import acquire_all
from airtable_enterprise.ratelimit.shared import SharedRateLimiter
from airtable_enterprise.ratelimit.store import RedisStore, key_prefix
from benchmarks.redis_server import RedisServer
from tests.reliability.test_limiter_cancellation import HandClock

pytestmark = pytest.mark.anyio


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
    key = f"{key_prefix(f'patGiveBack.{anyio_backend}')}:base:appAAAAAAAAAAAAAA"
    clock = SignallingClock()
    token = RateLimiter(1, clock=clock, sleep=clock.sleep)
    await token.acquire()  # the token's budget is spent: the next caller waits on it
    async with RedisStore.from_url(shared_redis.url) as store:
        base = SharedRateLimiter(store, key, 1)
        async with anyio.create_task_group() as tg:
            tg.start_soon(acquire_all, [base, token])  # as AsyncApi does for a base call
            with anyio.fail_after(10):
                await clock.sleeping.wait()  # the shared base granted; the token holds it
            assert shared_redis.command("ZCARD", f"{key}:started").strip() == b":1"
            tg.cancel_scope.cancel()  # the web request behind it went away
        # Every process sharing the base may start at once: nothing counts any more.
        assert shared_redis.command("ZCARD", f"{key}:started").strip() == b":0"
        assert shared_redis.command("ZCARD", f"{key}:booked").strip() == b":0"
        assert base.stats.started == 0


def test_a_limiter_of_ones_own_is_refused_beside_a_store() -> None:
    # The token's limit would silently stay in this process while the bases' were shared.
    with pytest.raises(InvalidInputError, match="not both"):
        AsyncApi("patX.y", limiter=RateLimiter(), redis_url="redis://127.0.0.1:1/0")


class ParkingSleep:
    """A sleep that parks until cancelled, and says when ``expected`` tasks park."""

    def __init__(self, expected: int) -> None:
        self.parked = 0
        self.expected = expected
        self.all_parked = anyio.Event()

    async def __call__(self, seconds: float) -> None:
        self.parked += 1
        if self.parked == self.expected:
            self.all_parked.set()
        await anyio.sleep_forever()


async def test_callers_cancelled_in_the_sleep_after_booking_give_their_bookings_back(
    shared_redis: RedisServer, anyio_backend: str
) -> None:
    # Known gap (b): not only a cancellation during RESERVE, but during the sleep
    # towards the booked slot, must give the booking back at the store. Six callers at
    # 2/s (one every 0.54 s): the first starts, five sleep; the last two are cancelled.
    key = f"{key_prefix(f'patSleepGiveBack.{anyio_backend}')}:token"
    async with RedisStore.from_url(shared_redis.url) as store:
        sleep = ParkingSleep(expected=5)
        limiter = SharedRateLimiter(store, key, 2, sleep=sleep)
        await limiter.acquire()  # due at once: the next ones book ahead and sleep
        async with anyio.create_task_group() as tg:
            scopes, ended = [], []
            for booked in range(1, 6):
                scope, done = anyio.CancelScope(), anyio.Event()
                scopes.append(scope)
                ended.append(done)
                tg.start_soon(_acquire_in, scope, done, limiter)
                with anyio.fail_after(10):
                    while sleep.parked < booked:  # one at a time: slots in this order
                        await anyio.lowlevel.checkpoint()
            scopes[3].cancel()
            scopes[4].cancel()
            with anyio.fail_after(10):
                await ended[3].wait()
                await ended[4].wait()
            # The next booking follows the last live one (the third sleeper, ~1.6 s
            # ahead), neither the cancelled ones nor an earlier live one.
            probe = SharedRateLimiter(store, key, 2)
            reply = await probe._call(lua.RESERVE, "probe")
            assert reply.status == "booked"
            assert 1.9 < reply.value < 2.4  # 4 intervals of 0.54 s, minus the time spent
            tg.cancel_scope.cancel()


async def _acquire_in(
    scope: anyio.CancelScope, done: anyio.Event, limiter: SharedRateLimiter
) -> None:
    try:
        with scope:
            await limiter.acquire()
    finally:
        done.set()
