"""Several OS processes on one token, the emulator in a process of its own.

Each worker is ``python -m benchmarks.scaleout_worker`` (an :class:`AsyncApi` with
tasks calling one endpoint, one attempt per call); the odd ones run on trio, the even
ones on asyncio. The emulator applies Airtable's strict 1-second window.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest

from airtable_enterprise._ratelimit_redis import SharedRateLimiter
from airtable_enterprise._store import RedisStore, key_prefix
from benchmarks.emulator import EmulatorSpec, Server, running
from benchmarks.redis_server import RedisServer

ROOT = Path(__file__).resolve().parents[2]
RPS = 10.0
PACE = RPS * 0.92


@pytest.fixture(scope="module")
def emulator() -> Iterator[Server]:
    with running(EmulatorSpec(users=10, rps=RPS, penalty_s=30.0), ready_timeout=120) as server:
        time.sleep(1.2)  # the readiness probes leave the 1-second window
        yield server


def _start(
    server: Server, redis_url: str | None, index: int, seconds: float
) -> subprocess.Popen[str]:
    job = {
        "url": server.url,
        "token": server.token,
        "enterprise_id": server.enterprise_id,
        "redis_url": redis_url,
        "rps": RPS,
        "tasks": 8,
        "seconds": seconds,
        "backend": "trio" if index % 2 else "asyncio",
        "progress": True,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "benchmarks.scaleout_worker", json.dumps(job)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _running(worker: subprocess.Popen[str]) -> str:
    """Block until ``worker`` reports its first call (it is past its imports and
    running); that line, to hand to :func:`_finish`."""
    assert worker.stdout is not None
    first = worker.stdout.readline()
    assert first, "the worker ended before its first call"
    return first


def _finish(
    worker: subprocess.Popen[str], already_read: str = ""
) -> tuple[dict[str, Any], list[float]]:
    out, err = worker.communicate(timeout=120)
    assert worker.returncode == 0, err[-3000:]
    result: dict[str, Any] = {}
    times: list[float] = []
    for line in (already_read + out).splitlines():
        data = json.loads(line)
        if "result" in data:
            result = data["result"]
        else:
            times.append(data["at"])
    return result, times


def test_three_processes_on_one_token_draw_no_429(
    emulator: Server, shared_redis: RedisServer
) -> None:
    shared_redis.command("FLUSHALL")  # the shared pace starts afresh
    workers = [_start(emulator, shared_redis.url, index, 4.0) for index in range(3)]
    results = [_finish(worker)[0] for worker in workers]
    assert sum(r["rate_limited"] for r in results) == 0
    assert all(r["shared"] and r["local_starts"] == 0 for r in results)
    # Together they use the one budget: generous bounds (the machine is shared).
    assert sum(r["ok"] for r in results) >= 0.5 * PACE * 4.0


def test_a_429_reported_in_one_process_pauses_the_others(
    emulator: Server, shared_redis: RedisServer
) -> None:
    shared_redis.command("FLUSHALL")
    workers = [_start(emulator, shared_redis.url, index, 6.0) for index in range(2)]
    # Wait on the workers' own word that they run, not on a guess of how long their
    # imports take (a loaded machine took longer than 3 s).
    first_lines = [_running(worker) for worker in workers]

    async def report_429() -> float:
        async with RedisStore.from_url(shared_redis.url) as store:
            limiter = SharedRateLimiter(store, f"{key_prefix(emulator.token)}:token", RPS)
            started = await limiter.acquire()
            await limiter.penalize(started_at=started, retry_after=2.0)
        return time.time()

    reported_at = anyio.run(report_429)
    runs = [_finish(worker, first) for worker, first in zip(workers, first_lines, strict=True)]
    during = [at for _, times in runs for at in times if reported_at + 0.3 < at < reported_at + 1.7]
    after = [at for _, times in runs for at in times if at > reported_at + 2.0]
    assert during == []  # every process waited out the shared cooldown
    assert after  # ... and went on afterwards
    assert sum(result["rate_limited"] for result, _ in runs) == 0


def test_a_worker_killed_mid_run_leaves_no_budget_behind(
    emulator: Server, shared_redis: RedisServer
) -> None:
    shared_redis.command("FLUSHALL")  # forget the last test's 429 and lowered pace
    workers = [_start(emulator, shared_redis.url, index, 7.0) for index in range(3)]
    time.sleep(3.5)
    workers[0].send_signal(signal.SIGKILL)
    killed_at = time.time()
    workers[0].wait(timeout=30)
    runs = [_finish(worker) for worker in workers[1:]]
    assert sum(result["rate_limited"] for result, _ in runs) == 0
    # After the kill, the two survivors get the whole budget: nothing stays booked.
    end = min(max(times) for _, times in runs)
    interval = end - (killed_at + 1.2)
    assert interval > 1.0
    count = sum(1 for _, times in runs for at in times if killed_at + 1.2 < at <= end)
    assert count >= 0.6 * PACE * interval


def test_control_three_processes_with_their_own_limiters_draw_429s(emulator: Server) -> None:
    time.sleep(1.2)
    workers = [_start(emulator, None, index, 3.0) for index in range(3)]
    results = [_finish(worker)[0] for worker in workers]
    assert sum(r["rate_limited"] for r in results) > 0
