"""A real ``redis-server`` for the shared-limiter tests, on a free loopback port.

Never silently skipped in CI: with ``CI=true`` a missing ``redis-server`` fails the
tests (``.ci/run`` installs Debian's package); elsewhere it skips them, saying why.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from benchmarks.redis_cluster import RedisClusterNodes, running_redis_cluster
from benchmarks.redis_server import RedisServer, RedisServerMissing, running_redis


def _missing(exc: RedisServerMissing) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{exc}: CI must run the shared-limiter tests")
    pytest.skip(str(exc))


def _start() -> Iterator[RedisServer]:
    try:
        with running_redis() as server:
            yield server
    except RedisServerMissing as exc:
        _missing(exc)


@pytest.fixture(scope="module")
def shared_redis() -> Iterator[RedisServer]:
    """One server for a module's tests (each test uses its own token, so its own keys)."""
    yield from _start()


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    """A server of this test's own, which it may kill and restart."""
    yield from _start()


@pytest.fixture
def redis_cluster() -> Iterator[RedisClusterNodes]:
    """A Redis Cluster of this test's own (3 masters, 3 replicas), which it may fail over."""
    try:
        with running_redis_cluster() as cluster:
            yield cluster
    except RedisServerMissing as exc:
        _missing(exc)
