"""The shared limiter on a real Redis Cluster (3 masters + 3 replicas on loopback):
a node's URL is enough, and a failover keeps the limiter shared."""

from __future__ import annotations

import logging
from collections.abc import Callable

import anyio
import pytest

from airtable_enterprise import AsyncApi, RateLimitError, RetryPolicy
from airtable_enterprise.ratelimit.store import key_prefix
from airtable_enterprise.testing import Emulator
from benchmarks.redis_cluster import RedisClusterNodes
from tests.helpers import most_in_any_window

pytestmark = pytest.mark.anyio

_counter = iter(range(10**6))
RPS = 10


async def _run(api: AsyncApi, path: str, counts: dict[str, int], times: list[float]) -> None:
    """Call ``path`` until cancelled; any error other than a 429 fails the test."""
    while True:
        try:
            await api.request("GET", path)
        except RateLimitError:
            counts["rate_limited"] += 1
        else:
            counts["ok"] += 1
            times.append(anyio.current_time())


async def _until(condition: Callable[[], bool]) -> None:
    """Poll ``condition`` (counters the calling tasks update) until it holds."""
    while True:
        if condition():
            return
        await anyio.sleep(0.1)


def _setup(
    cluster: RedisClusterNodes, penalty: float = 30.0
) -> tuple[Emulator, str, str, dict[str, object]]:
    token = f"pat-cluster-{next(_counter)}"
    emulator = Emulator(token=token, rate_limit=RPS, rate_limit_penalty=penalty)
    path = f"/v0/meta/enterpriseAccounts/{emulator.enterprise_id}"
    state = f"{key_prefix(token)}:token:state"
    # The URL of a node that does not serve the token's keys: every call is redirected.
    master = cluster.master_of(state)
    url = next(node.url for node in cluster.nodes if node is not master)
    options: dict[str, object] = {
        "requests_per_second": RPS,
        "retry": RetryPolicy(max_attempts=1),
        "redis_url": url,
        "rate_limit_cooldown": penalty,
    }
    return emulator, path, state, options


async def test_a_cluster_node_url_shares_the_limiter(redis_cluster: RedisClusterNodes) -> None:
    emulator, path, state, options = _setup(redis_cluster)
    counts = {"ok": 0, "rate_limited": 0}
    times: list[float] = []
    async with emulator.api(**options) as first, emulator.api(**options) as second:
        with anyio.move_on_after(3.0):
            async with anyio.create_task_group() as group:
                for api in (first, second):
                    for _ in range(6):
                        group.start_soon(_run, api, path, counts, times)
        stats = [first.limiter.stats, second.limiter.stats]
    assert counts["rate_limited"] == 0
    assert counts["ok"] >= 10  # 3 s at 9.2/s: a generous bound for a busy machine
    # Starts granted through the cluster (on a loaded machine a store call slower than
    # 0.5 s counts as a failure and lets some starts go alone meanwhile, at 1/N).
    assert sum(s.started - s.local_starts for s in stats) >= 1
    assert first._store is not None
    assert first._store.cluster is True
    assert most_in_any_window(times, 1.0) <= RPS
    # The state lives in the cluster, on the master serving the token's hash tag.
    master = redis_cluster.master_of(state)
    assert redis_cluster.ask(master, "EXISTS", state).strip() == "1"


async def test_a_failover_keeps_the_limiter_shared_with_no_error_and_at_most_one_429_each(
    redis_cluster: RedisClusterNodes,
) -> None:
    """Three instances (each its own store client, as three processes) run through the
    failover of the master serving their keys: no store error reaches a call, at most
    one 429 each (the penalty is 2 s here, so instances that did not share the limit
    would draw one after another), and afterwards the limiter is shared again, on the
    replica that took over. (Runs so far drew no 429 at all.)"""
    emulator, path, state, options = _setup(redis_cluster, penalty=2.0)
    master = redis_cluster.master_of(state)
    counts = [{"ok": 0, "rate_limited": 0} for _ in range(3)]
    times: list[float] = []
    async with (
        emulator.api(**options) as one,
        emulator.api(**options) as two,
        emulator.api(**options) as three,
    ):
        apis = (one, two, three)
        async with anyio.create_task_group() as group:
            for api, count in zip(apis, counts, strict=True):
                for _ in range(4):
                    group.start_soon(_run, api, path, count, times)
            with anyio.fail_after(30):  # all running, shared, each counting three live
                await _until(lambda: sum(count["ok"] for count in counts) >= 15)
                # An instance learns N from its own script calls: one whose last call came
                # before the others registered still says fewer (seen under coverage).
                await _until(lambda: all(api.limiter.stats.live_processes == 3 for api in apis))
            master.kill()
            promoted = await anyio.to_thread.run_sync(
                redis_cluster.wait_for_failover, state, master
            )
            with anyio.fail_after(60):  # each probes the store again after 1, 2, 4 ... s
                await _until(lambda: all(api.limiter.stats.shared for api in apis))
            calls_before = [api.limiter.stats.store_calls for api in apis]
            back_at = anyio.current_time()
            # Calls go on after the failover: wait for five (a loaded machine under
            # coverage managed four in a fixed 3 s), and for each instance to call the
            # store again (five calls may all come from two of them), within a
            # generous bound.
            with anyio.fail_after(30):
                await _until(lambda: sum(1 for at in times if at > back_at) >= 5)
                await _until(
                    lambda: all(
                        api.limiter.stats.store_calls > before
                        for api, before in zip(apis, calls_before, strict=True)
                    )
                )
            group.cancel_scope.cancel()
        stats = [api.limiter.stats for api in apis]
    assert all(count["rate_limited"] <= 1 for count in counts), counts
    assert all(s.store_failures >= 1 for s in stats)  # they did see the outage
    assert all(s.shared for s in stats)
    assert all(s.store_calls > before for s, before in zip(stats, calls_before, strict=True))
    assert sum(1 for at in times if at > back_at) >= 5
    assert most_in_any_window(times, 1.0) <= RPS
    assert promoted is not master
    assert redis_cluster.ask(promoted, "EXISTS", state).strip() == "1"


async def test_a_borrowed_plain_client_on_a_cluster_node_says_what_to_pass(
    redis_cluster: RedisClusterNodes, caplog: pytest.LogCaptureFixture
) -> None:
    """A client passed in is the caller's: it is not replaced; the MOVED answers make
    the limiter go on alone, with a warning that says what to pass instead."""
    import coredis

    caplog.set_level(logging.WARNING, logger="airtable_enterprise")
    emulator, path, _, options = _setup(redis_cluster)
    url = str(options.pop("redis_url"))  # a node that does not serve the token's keys
    client = coredis.Redis.from_url(url)
    async with client, emulator.api(redis_client=client, **options) as api:
        await api.request("GET", path)
        stats = api.limiter.stats
    assert stats.local_starts == 1
    assert any("coredis.RedisCluster" in record.getMessage() for record in caplog.records)
