"""The shared rate limiter against a real redis-server: one budget, one cooldown."""

from __future__ import annotations

import logging
import math

import anyio
import pytest

from airtable_enterprise import AsyncApi, InvalidInputError, RateLimitError, RetryPolicy
from airtable_enterprise.ratelimit.local import MAX_COOLDOWN
from airtable_enterprise.ratelimit.shared import SharedRateLimiter
from airtable_enterprise.ratelimit.store import RedisStore, check_store_url, key_prefix
from airtable_enterprise.testing import BackgroundServer, Emulator
from benchmarks.redis_server import RedisServer
from tests.helpers import most_in_any_window

pytestmark = pytest.mark.anyio

_counter = iter(range(10**6))


def _key() -> str:
    """A scope of this test's own (each test books in fresh keys)."""
    return f"{key_prefix(f'pat-test-{next(_counter)}')}:token"


async def _run_for(api: AsyncApi, path: str, tasks: int, seconds: float) -> dict[str, int]:
    counts = {"ok": 0, "rate_limited": 0}

    async def loop() -> None:
        while True:
            try:
                await api.request("GET", path)
            except RateLimitError:
                counts["rate_limited"] += 1
            else:
                counts["ok"] += 1

    with anyio.move_on_after(seconds):
        async with anyio.create_task_group() as group:
            for _ in range(tasks):
                group.start_soon(loop)
    return counts


async def _two_apis_on_one_token(redis_url: str | None) -> dict[str, int]:
    token = f"pat-two-apis-{next(_counter)}"  # keys of its own in the shared store
    emulator = Emulator(token=token, rate_limit=10, rate_limit_penalty=30.0)
    path = f"/v0/meta/enterpriseAccounts/{emulator.enterprise_id}"
    options = {"requests_per_second": 10, "retry": RetryPolicy(max_attempts=1)}
    if redis_url is not None:
        options["redis_url"] = redis_url
    async with emulator.api(**options) as first, emulator.api(**options) as second:
        totals = {"ok": 0, "rate_limited": 0}
        async with anyio.create_task_group() as group:

            async def run(api: AsyncApi) -> None:
                for name, count in (await _run_for(api, path, 8, 3.0)).items():
                    totals[name] += count

            group.start_soon(run, first)
            group.start_soon(run, second)
    return totals


async def test_two_apis_on_one_token_share_one_budget(shared_redis: RedisServer) -> None:
    totals = await _two_apis_on_one_token(shared_redis.url)
    assert totals["rate_limited"] == 0
    # 3 s at 9.2/s paced: generous lower bound, for a busy machine.
    assert totals["ok"] >= 12


async def test_control_two_in_process_limiters_trip_the_limit() -> None:
    totals = await _two_apis_on_one_token(None)
    assert totals["rate_limited"] > 0


async def test_a_429_seen_by_one_pauses_every_limiter_and_shares_the_pace(
    shared_redis: RedisServer,
) -> None:
    key = _key()
    async with RedisStore.from_url(shared_redis.url) as store:
        one = SharedRateLimiter(store, key, 20)
        other = SharedRateLimiter(store, key, 20)
        started = await one.acquire()
        cooldown = await one.penalize(started_at=started, retry_after=1.0)
        assert 0.5 < cooldown <= 1.1  # the store's clock, seen from here
        before = anyio.current_time()
        await other.acquire()
        assert anyio.current_time() - before >= 0.5  # it waited for the shared resume
        # The adaptive restart pace is shared: half the pace that tripped.
        assert other.stats.pace < 20 * 0.92 * 0.6
        assert other.stats.rate_limited == 0
        assert one.stats.rate_limited == 1


async def test_never_more_than_the_limit_of_starts_in_a_window(shared_redis: RedisServer) -> None:
    key = _key()
    starts: list[float] = []
    async with RedisStore.from_url(shared_redis.url) as store:
        limiters = [SharedRateLimiter(store, key, 10, headroom=0.0) for _ in range(3)]

        async def take(limiter: SharedRateLimiter) -> None:
            for _ in range(5):
                await limiter.acquire()
                starts.append(anyio.current_time())

        async with anyio.create_task_group() as group:
            for limiter in limiters:
                for _ in range(2):
                    group.start_soon(take, limiter)
    assert len(starts) == 30
    assert most_in_any_window(starts, 1.0) <= 10 + 1  # one of slack: local wake-up jitter


async def test_script_flush_mid_run_reloads_the_scripts(shared_redis: RedisServer) -> None:
    async with RedisStore.from_url(shared_redis.url) as store:
        limiter = SharedRateLimiter(store, _key(), 50)
        for _ in range(3):
            await limiter.acquire()
        assert shared_redis.command("SCRIPT", "FLUSH").startswith(b"+OK")
        for _ in range(3):
            await limiter.acquire()
    assert limiter.stats.store_failures == 0
    assert limiter.stats.shared
    assert limiter.stats.local_starts == 0


async def test_store_killed_and_restarted_falls_back_then_shares_again(
    own_redis: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="airtable_enterprise")
    starts: list[float] = []
    async with RedisStore.from_url(own_redis.url) as store:
        limiter = SharedRateLimiter(store, _key(), 20, fallback_share=0.25)
        await limiter.acquire()
        own_redis.kill()
        for _ in range(8):
            starts.append(await limiter.acquire())
        stats = limiter.stats
        assert not stats.shared
        assert stats.local_starts == 8
        # The fallback share: 20/s x 0.25 = 5/s for this process alone.
        assert most_in_any_window(starts, 1.0) <= 5
        own_redis.start()
        with anyio.fail_after(60):  # generous: the probe backs off 1, 2, 4 ... s
            while not limiter.stats.shared:
                await limiter.acquire()
    failed = [r for r in caplog.records if "store failed" in r.getMessage()]
    assert len(failed) == 1  # logged once per outage
    assert any("shared again" in r.getMessage() for r in caplog.records)


async def test_fail_closed_waits_for_the_store(own_redis: RedisServer) -> None:
    async with RedisStore.from_url(own_redis.url) as store:
        limiter = SharedRateLimiter(store, _key(), 20, fail_closed=True)
        await limiter.acquire()
        own_redis.kill()
        with anyio.move_on_after(1.5) as scope:
            await limiter.acquire()
        assert scope.cancelled_caught
        assert limiter.stats.local_starts == 0


async def test_a_cancelled_caller_gives_its_booking_back(shared_redis: RedisServer) -> None:
    key = _key()
    async with RedisStore.from_url(shared_redis.url) as store:
        limiter = SharedRateLimiter(store, key, 2)
        granted: list[float] = []
        with anyio.move_on_after(0.3):
            async with anyio.create_task_group() as group:
                for _ in range(6):
                    group.start_soon(lambda: _append(granted, limiter))
        assert len(granted) == 1
        booked = shared_redis.command("ZCARD", f"{key}:booked")
        assert booked.strip() in (b":0", b":1")  # the cancelled five hold nothing
        # The place in the pace is given back too: the next start is due within one
        # interval of the last one (1 / 1.84 s), not after the five cancelled ones.
        state = shared_redis.command("HGET", f"{key}:state", "next_start").split(b"\r\n")[1]
        now = shared_redis.command("TIME").split(b"\r\n")
        assert float(state) - (float(now[2]) + float(now[4]) / 1e6) < 1.0


async def _append(granted: list[float], limiter: SharedRateLimiter) -> None:
    granted.append(await limiter.acquire())


async def test_a_huge_retry_after_is_capped(shared_redis: RedisServer) -> None:
    async with RedisStore.from_url(shared_redis.url) as store:
        limiter = SharedRateLimiter(store, _key(), 20)
        started = await limiter.acquire()
        cooldown = await limiter.penalize(started_at=started, retry_after=1e9)
    assert math.isfinite(cooldown)
    assert cooldown <= MAX_COOLDOWN + 1


async def test_keys_hold_a_hash_of_the_token_under_one_hash_tag(shared_redis: RedisServer) -> None:
    token = "patSECRETtoken.0123456789abcdef"
    emulator = Emulator(token=token)
    async with emulator.api(redis_url=shared_redis.url) as api:
        await api.request("GET", f"/v0/meta/enterpriseAccounts/{emulator.enterprise_id}")
        base_id = next(iter(emulator.world.bases))
        await api.base(base_id).collaborators()
    keys = shared_redis.command("KEYS", "*").decode()
    assert "patSECRET" not in keys
    ours = [line for line in keys.split("\r\n") if line.startswith(key_prefix(token))]
    assert len(ours) >= 4  # the token's scope and the base's, all in one hash tag


async def test_a_store_down_never_fails_a_call(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="airtable_enterprise")
    emulator = Emulator()
    path = f"/v0/meta/enterpriseAccounts/{emulator.enterprise_id}"
    async with emulator.api(redis_url="redis://127.0.0.1:9/0") as api:
        for _ in range(3):
            await api.request("GET", path)
        await api.base(next(iter(emulator.world.bases))).collaborators()
        assert api.limiter.stats.local_starts == 4
    # One warning for the outage, not one per limiter (the token's and the base's).
    assert sum("store failed" in r.getMessage() for r in caplog.records) == 1
    # Without `async with`, the store cannot be opened: the calls still go through.
    api = emulator.api(redis_url="redis://127.0.0.1:9/0")
    await api.request("GET", path)
    await api.aclose()


def test_a_bad_store_url_is_refused_without_showing_it() -> None:
    with pytest.raises(InvalidInputError) as caught:
        AsyncApi("pat-x", redis_url="http://user:hunter2@example.invalid")
    assert "hunter2" not in str(caught.value)
    with pytest.raises(InvalidInputError):
        AsyncApi("pat-x", redis_client=object())
    with pytest.raises(InvalidInputError):
        AsyncApi("pat-x", redis_url="redis://localhost", redis_fallback_share=0)
    api = AsyncApi("pat-x", redis_url="valkey://:hunter2@localhost:6379/0")
    assert "hunter2" not in repr(api)
    assert "hunter2" not in repr(api.limiter)


async def test_a_429_through_the_request_core_reaches_every_api(shared_redis: RedisServer) -> None:
    """The client thinks the limit is 20/s, the server allows 5: the first 429 seen by
    either instance lowers the shared pace and pauses both."""
    token = f"pat-misconfigured-{next(_counter)}"
    emulator = Emulator(token=token, rate_limit=5, rate_limit_penalty=0.5)
    path = f"/v0/meta/enterpriseAccounts/{emulator.enterprise_id}"
    options = {
        "requests_per_second": 20,
        "rate_limit_cooldown": 0.5,
        "retry": RetryPolicy(max_attempts=1),
        "redis_url": shared_redis.url,
    }
    async with emulator.api(**options) as first, emulator.api(**options) as second:
        counts = await _run_for(first, path, 8, 1.5)
        assert counts["rate_limited"] >= 1
        # The other instance never saw a 429, yet it runs at the lowered shared pace.
        await second.request("GET", path)
        assert second.limiter.stats.rate_limited == 0
        assert second.limiter.stats.pace < 20 * 0.92 * 0.95


async def test_an_open_client_is_borrowed_not_closed(shared_redis: RedisServer) -> None:
    import coredis

    emulator = Emulator(token=f"pat-borrowed-{next(_counter)}")
    path = f"/v0/meta/enterpriseAccounts/{emulator.enterprise_id}"
    async with coredis.Redis.from_url(shared_redis.url) as client:
        async with emulator.api(redis_client=client) as api:
            await api.request("GET", path)
            assert api.limiter.stats.shared
            assert api.limiter.stats.store_calls >= 1
        assert await client.ping()  # still open: it is the caller's


@pytest.mark.parametrize("store", ["up", "down"])
async def test_over_a_real_socket_starts_are_counted_when_written(
    shared_redis: RedisServer, store: str
) -> None:
    """Over loopback HTTP the request core reports each write (confirm / restate):
    shared starts stay counted at the store, local ones (store down) in the fallback."""
    token = f"pat-socket-{next(_counter)}"
    emulator = Emulator(token=token, rate_limit=10, rate_limit_penalty=30.0)
    url = shared_redis.url if store == "up" else "redis://127.0.0.1:9/0"
    path = f"/v0/meta/enterpriseAccounts/{emulator.enterprise_id}"
    with BackgroundServer(emulator) as running:
        async with AsyncApi(
            token,
            endpoint_url=running.url,
            requests_per_second=10,
            retry=RetryPolicy(max_attempts=1),
            redis_url=url,
        ) as api:
            counts = await _run_for(api, path, 8, 2.0)
            stats = api.limiter.stats
    assert counts["rate_limited"] == 0
    assert counts["ok"] >= 5
    assert stats.shared is (store == "up")
    assert (stats.local_starts == 0) is (store == "up")


async def test_a_slow_store_counts_as_failed(own_redis: RedisServer) -> None:
    async with RedisStore.from_url(own_redis.url) as store:
        limiter = SharedRateLimiter(store, _key(), 20)
        await limiter.acquire()
        # Every command now waits 2 s: slower than the store's 0.5 s time limit.
        assert own_redis.command("CLIENT", "PAUSE", "2000", "ALL").startswith(b"+OK")
        await limiter.acquire()
        assert limiter.stats.store_failures >= 1
        assert limiter.stats.local_starts == 1


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("redis://h:6379/0", "redis://h:6379/0"),
        ("rediss://h:6380/1", "rediss://h:6380/1"),
        ("valkey://:pw@h/0", "redis://:pw@h/0"),
        ("VALKEYS://h", "rediss://h"),
        ("unix:///run/redis.sock?db=2", "unix:///run/redis.sock?db=2"),
    ],
)
def test_store_urls(given: str, expected: str) -> None:
    assert check_store_url(given) == expected


@pytest.mark.parametrize("bad", ["http://h", "h:6379", "", 6379])
def test_bad_store_urls(bad: object) -> None:
    with pytest.raises(ValueError, match=r"URL|scheme"):
        check_store_url(bad)


async def test_a_valkey_url_reaches_the_store(shared_redis: RedisServer) -> None:
    emulator = Emulator(token=f"pat-valkey-{next(_counter)}")
    url = shared_redis.url.replace("redis://", "valkey://")
    async with emulator.api(redis_url=url) as api:
        await api.request("GET", f"/v0/meta/enterpriseAccounts/{emulator.enterprise_id}")
        assert api.limiter.stats.shared
        assert api.limiter.stats.local_starts == 0
