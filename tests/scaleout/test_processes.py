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
import httpx
import pytest

from airtable_enterprise.ratelimit.shared import SharedRateLimiter
from airtable_enterprise.ratelimit.store import RedisStore, key_prefix
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
    server: Server, redis_url: str | None, index: int, seconds: float, **options: Any
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
        **options,
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
        elif "at" in data:
            times.append(data["at"])
    return result, times


def _rate_limited_at(worker: subprocess.Popen[str], first: str) -> tuple[list[float], list[float]]:
    """The times of a worker's calls that succeeded, and of the 429s it received."""
    out, err = worker.communicate(timeout=120)
    assert worker.returncode == 0, err[-3000:]
    lines = [json.loads(line) for line in (first + out).splitlines()]
    return (
        [data["at"] for data in lines if "at" in data],
        [data["rate_limited_at"] for data in lines if "rate_limited_at" in data],
    )


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
        return time.time()  # wall-clock ok: compared with the workers' time.time() stamps

    reported_at = anyio.run(report_429)
    runs = [_finish(worker, first) for worker, first in zip(workers, first_lines, strict=True)]
    during = [at for _, times in runs for at in times if reported_at + 0.3 < at < reported_at + 1.7]
    after = [at for _, times in runs for at in times if at > reported_at + 2.0]
    assert during == []  # every process waited out the shared cooldown
    assert after  # ... and went on afterwards
    assert sum(result["rate_limited"] for result, _ in runs) == 0


@pytest.fixture(scope="module")
def short_penalty_emulator() -> Iterator[Server]:
    """An emulator whose 429 penalty lasts 4 s (Airtable's 30 s would make a slow test)."""
    with running(EmulatorSpec(users=10, rps=RPS, penalty_s=4.0), ready_timeout=120) as server:
        time.sleep(1.2)
        yield server


def test_a_real_429_received_by_one_process_pauses_the_others(
    short_penalty_emulator: Server, shared_redis: RedisServer
) -> None:
    # Four workers share the budget; a client outside the store (a script someone runs
    # on the same token) trips the server's window. The emulator then refuses every
    # request for 4 s: the first worker to send one gets a real 429 and tells the
    # store; the others pause without sending. With limiters of their own, each of
    # them would send (they pace at 9.2/s each) and get a 429 of its own.
    server = short_penalty_emulator
    shared_redis.command("FLUSHALL")
    options = {"tasks": 4, "cooldown": 4.0}
    workers = [_start(server, shared_redis.url, index, 9.0, **options) for index in range(4)]
    first_lines = [_running(worker) for worker in workers]
    path = f"{server.url}/v0/meta/enterpriseAccounts/{server.enterprise_id}"
    with httpx.Client(headers={"Authorization": f"Bearer {server.token}"}) as outsider:
        for _ in range(100):
            if outsider.get(path).status_code == 429:
                break
        else:
            pytest.fail("the outsider never tripped the server's window")
    tripped_at = time.time()  # wall-clock ok: as the workers stamp (only differences count)
    runs = [
        _rate_limited_at(worker, first) for worker, first in zip(workers, first_lines, strict=True)
    ]
    refused = [times for _, times in runs if times]
    assert refused, "no worker met the server's penalty"
    # One worker (two if a request of another was already on its way) got the 429; the
    # others heard of it from the store.
    assert len(refused) <= 2, [len(times) for _, times in runs]
    # ... and every worker went on after the cooldown.
    assert all(any(at > tripped_at + 4.0 for at in ok) for ok, _ in runs)


def test_a_worker_killed_mid_run_leaves_no_budget_behind(
    emulator: Server, shared_redis: RedisServer
) -> None:
    shared_redis.command("FLUSHALL")  # forget the last test's 429 and lowered pace
    workers = [_start(emulator, shared_redis.url, index, 7.0) for index in range(3)]
    time.sleep(3.5)
    workers[0].send_signal(signal.SIGKILL)
    killed_at = time.time()  # wall-clock ok: as the workers stamp (only differences count)
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
