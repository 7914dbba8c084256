"""The shared limiter when its store fails: N processes degrading together stay under
the limit (1/N each), the way back keeps that share until every process can be back,
and ``redis_fail_closed`` waits a bounded time."""

from __future__ import annotations

import shutil
from pathlib import Path

import anyio
import httpx
import pytest

from airtable_enterprise import AsyncApi, InvalidInputError, RateLimitStoreError, RetryPolicy
from airtable_enterprise.ratelimit.shared import SharedRateLimiter
from airtable_enterprise.ratelimit.store import RedisStore, key_prefix
from benchmarks.redis_server import RedisServer
from tests.helpers import most_in_any_window

pytestmark = pytest.mark.anyio

_counter = iter(range(10**6))
DOWN = "redis://127.0.0.1:9/0"  # nothing listens there: refused at once


def _key() -> str:
    return f"{key_prefix(f'pat-degraded-{next(_counter)}')}:token"


async def test_four_processes_losing_the_store_stay_under_the_limit_together(
    own_redis: RedisServer,
) -> None:
    """Four stores (four processes, each its own client) on one token: with the store
    gone each goes on at 1/4 of the limit, not at redis_fallback_share (0.5, which made
    four processes send twice the limit)."""
    key = _key()
    starts: list[float] = []
    async with (
        RedisStore.from_url(own_redis.url) as one,
        RedisStore.from_url(own_redis.url) as two,
        RedisStore.from_url(own_redis.url) as three,
        RedisStore.from_url(own_redis.url) as four,
    ):
        limiters = [SharedRateLimiter(store, key, 20) for store in (one, two, three, four)]
        for limiter in limiters:
            await limiter.acquire()
        for limiter in limiters:  # the last to book counted all four
            await limiter.acquire()
        assert [limiter.stats.live_processes for limiter in limiters] == [4, 4, 4, 4]
        assert {limiter.stats.degraded_share for limiter in limiters} == {0.25}
        own_redis.kill()

        async def run(limiter: SharedRateLimiter) -> None:
            for _ in range(8):
                starts.append(await limiter.acquire())

        async with anyio.create_task_group() as group:
            for limiter in limiters:
                for _ in range(2):
                    group.start_soon(run, limiter)
    assert all(not limiter.stats.shared for limiter in limiters)
    assert sum(limiter.stats.local_starts for limiter in limiters) == 64
    # 4 x 20/s x 1/4 = 20 in any second: the limit (at 0.5 each it was 40).
    assert most_in_any_window(starts, 1.0) <= 20


async def test_a_process_that_never_reached_the_store_uses_the_fallback_share() -> None:
    async with RedisStore.from_url(DOWN) as store:
        limiter = SharedRateLimiter(store, _key(), 20, fallback_share=0.3)
        await limiter.acquire()
        stats = limiter.stats
    assert stats.live_processes == 0
    assert stats.degraded_share == 0.3
    assert stats.local_starts == 1


async def test_back_from_an_outage_a_process_keeps_its_share_for_the_grace(
    own_redis: RedisServer,
) -> None:
    """Others may still run alone at 1/N until their next probe (up to 30 s): a process
    that finds the store back keeps its 1/N meanwhile, on top of the shared pace."""
    key = _key()
    async with (
        RedisStore.from_url(own_redis.url) as one,
        RedisStore.from_url(own_redis.url) as other,
    ):
        limiter = SharedRateLimiter(store := one, key, 20)
        await SharedRateLimiter(other, key, 20).acquire()
        await limiter.acquire()
        assert limiter.stats.live_processes == 2
        own_redis.kill()
        await limiter.acquire()  # fails over to its 1/2
        assert not limiter.stats.shared
        own_redis.start()
        with anyio.fail_after(60):  # the probe backs off 1, 2, 4 ... s
            while not limiter.stats.shared:
                await limiter.acquire()
        assert store.health.back_at > -1e9
        starts = [await limiter.acquire() for _ in range(12)]
    # Shared alone it would start 18.4 a second; in the grace, 1/2 of 20 at most.
    assert most_in_any_window(starts, 1.0) <= 10
    assert limiter.stats.shared


async def test_fail_closed_waits_a_bounded_time_then_raises(own_redis: RedisServer) -> None:
    async with RedisStore.from_url(own_redis.url) as store:
        limiter = SharedRateLimiter(store, _key(), 20, fail_closed=True, fail_closed_timeout=1.0)
        await limiter.acquire()
        own_redis.kill()
        with anyio.fail_after(30), pytest.raises(RateLimitStoreError) as caught:
            await limiter.acquire()
    assert caught.value.timeout == 1.0
    assert limiter.stats.local_starts == 0
    assert limiter.stats.started == 1


async def test_fail_closed_through_the_api_sends_nothing() -> None:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={})

    async with AsyncApi(
        "patX.y",
        transport=httpx.MockTransport(handler),
        retry=RetryPolicy(max_attempts=1),
        redis_url=DOWN,
        redis_fail_closed=True,
        redis_fail_closed_timeout=0.2,
    ) as api:
        with anyio.fail_after(30), pytest.raises(RateLimitStoreError, match="nothing was sent"):
            await api.request("GET", "/v0/meta/whoami")
    assert sent == []


@pytest.mark.parametrize("bad", [-1, float("inf"), float("nan"), True, "5"])
def test_a_bad_fail_closed_timeout_is_refused(bad: object) -> None:
    with pytest.raises(InvalidInputError, match="redis_fail_closed_timeout"):
        AsyncApi("patX.y", redis_url=DOWN, redis_fail_closed=True, redis_fail_closed_timeout=bad)  # type: ignore[arg-type]


async def test_a_store_that_refuses_info_is_taken_for_a_plain_server(tmp_path: Path) -> None:
    """Managed services restrict commands: a store whose INFO is refused is still shared
    (a cluster node would answer MOVED, which asks again)."""
    executable = shutil.which("redis-server")
    if executable is None:
        pytest.skip("redis-server is not installed")
    server = RedisServer(tmp_path, executable, extra_args=("--rename-command", "INFO", '""'))
    server.start()
    try:
        async with RedisStore.from_url(server.url) as store:
            limiter = SharedRateLimiter(store, _key(), 20)
            for _ in range(3):
                await limiter.acquire()
            assert store.cluster is False
    finally:
        server.stop()
    assert limiter.stats.shared
    assert limiter.stats.store_failures == 0
    assert limiter.stats.local_starts == 0


async def test_a_shared_start_written_after_the_store_died_counts_in_the_local_window(
    own_redis: RedisServer,
) -> None:
    """A start the store granted goes out late (a busy event loop), after the store
    died: it cannot be counted again at the store, so the local window counts it, or it
    would go out beside the outage's local starts, counted nowhere."""
    async with RedisStore.from_url(own_redis.url) as store:
        limiter = SharedRateLimiter(store, _key(), 20)
        granted = await limiter.acquire()
        own_redis.kill()
        await anyio.sleep(0.05)  # later than the 20 ms after which a start is restated
        written = await limiter.confirm_start(granted)
    assert written > granted
    assert not limiter.stats.shared
    assert list(limiter._fallback._state.started) == [written]
