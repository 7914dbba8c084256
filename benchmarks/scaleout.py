"""The scale-out benchmark: several worker processes on one token, sharing one budget.

N worker processes (:mod:`.scaleout_worker`) x 16 tasks each call one endpoint against
the emulator in its own process, with Airtable's strict 1-second window and 30 s
penalty, for a few seconds. Shared: every worker's ``AsyncApi`` has
``redis_url=`` a real ``redis-server`` (:mod:`.redis_server`). Control: the same
workers with their own in-process limiters. Reported: requests/s as a share of the
limit, 429s, store round trips per request, and the machine's cores (the emulator,
the store and the workers all share them). Degraded: 4 shared workers whose store is
killed halfway through the run (each goes on alone at 1/N of the limit): 429s.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .emulator import EmulatorSpec, Server, running
from .redis_server import RedisServerMissing, running_redis
from .results import Table, Target, WorkloadResult
from .settings import Settings
from .workload_common import Progress

__all__ = ["scaleout"]


_ROOT = Path(__file__).resolve().parent.parent
#: Airtable's limit per token, and its penalty after a 429 (REFERENCE §1.5).
RPS, PENALTY_S = 50.0, 30.0
TASKS = 16
WORKERS = (2, 4)
#: Workers get this long for their imports before the measured window opens.
_START_DELAY_S = 4.0


def _seconds(settings: Settings) -> float:
    return 4.0 if settings.name == "quick" else 12.0


def _run_workers(
    server: Server,
    redis_url: str | None,
    workers: int,
    seconds: float,
    midway: Callable[[], None] | None = None,
) -> list[Mapping[str, Any]]:
    """Run the workers; ``midway`` is called halfway through their measured window."""
    start_at = time.time() + _START_DELAY_S
    job = {
        "url": server.url,
        "token": server.token,
        "enterprise_id": server.enterprise_id,
        "redis_url": redis_url,
        "rps": RPS,
        "tasks": TASKS,
        "seconds": seconds,
        "start_at": start_at,
        "backend": "asyncio",
        "progress": midway is not None,
    }
    argv = [sys.executable, "-m", "benchmarks.scaleout_worker", json.dumps(job)]
    processes = [
        subprocess.Popen(argv, cwd=_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(workers)
    ]
    if midway is not None:
        # Each worker's first call says it runs (past its imports, which a busy machine
        # can make slower than the start delay): halfway is counted from then.
        for process in processes:
            assert process.stdout is not None
            process.stdout.readline()
        time.sleep(max(0.0, start_at - time.time()) + seconds / 2)
        midway()
    results = []
    for process in processes:
        out, err = process.communicate(timeout=seconds + 120)
        if process.returncode != 0:
            raise RuntimeError(f"a worker exited with {process.returncode}: {err[-500:]}")
        results.append(json.loads(out.strip().splitlines()[-1])["result"])
    return results


def _case(
    settings: Settings,
    redis_url: str | None,
    workers: int,
    say: Progress,
    midway: Callable[[], None] | None = None,
) -> Mapping[str, float]:
    """One run on a fresh emulator (a control's 429 penalizes the token for 30 s)."""
    seconds = _seconds(settings)
    spec = EmulatorSpec(users=10, events=0, rps=RPS, penalty_s=PENALTY_S, seed=settings.seed)
    label = "shared" if redis_url else "control"
    if midway is not None:
        label += ", store killed halfway"
    say(f"scale-out: {workers} workers x {TASKS} tasks, {label}, {seconds:g} s")
    with running(spec) as server:
        time.sleep(1.1)  # the readiness probes leave the 1-second window
        results = _run_workers(server, redis_url, workers, seconds, midway)
    ok = sum(r["ok"] for r in results)
    calls = sum(r["store_calls"] for r in results)
    return {
        "ok": ok,
        "share": ok / (RPS * seconds),
        "rate_limited": sum(r["rate_limited"] for r in results),
        "errors": sum(r["errors"] for r in results),
        "round_trips": calls / ok if ok else 0.0,
        "local_starts": sum(r["local_starts"] for r in results),
    }


def _degraded(
    settings: Settings, say: Progress, result: WorkloadResult
) -> tuple[str, str, str, str, str, str, str]:
    """4 shared workers, their store killed halfway: each goes on at 1/4 of the limit."""
    workers = 4
    with running_redis() as store:
        found = _case(settings, store.url, workers, say, midway=store.kill)
    result.raw[f"{workers}:store-killed"] = dict(found)
    result.targets.append(
        Target(
            f"scale-out: {workers} processes, store killed halfway, 429s",
            "0",
            f"{found['rate_limited']:.0f}",
            found["rate_limited"] == 0 and found["local_starts"] > 0,
        )
    )
    return (
        str(workers),
        "shared, store killed halfway",
        f"{found['ok']:.0f}",
        f"{100 * found['share']:.0f}%",
        f"{found['rate_limited']:.0f}",
        "-",
        str(os.cpu_count() or 1),
    )


def scaleout(settings: Settings, say: Progress) -> WorkloadResult:
    """N worker processes on one token: shared through Redis, then the control."""
    seconds = _seconds(settings)
    cores = os.cpu_count() or 1
    result = WorkloadResult(
        name="scale-out",
        title="5. Scale-out: several processes on one token",
        setup=(
            f"N worker processes x {TASKS} tasks, each calling GET enterprise info for "
            f"{seconds:g} s (one attempt per call), against the emulator in its own process "
            f"(strict 1 s window, {RPS:g} requests/s, {PENALTY_S:g} s penalty); shared: "
            f"AsyncApi(redis_url=...) on a local redis-server; control: in-process limiters; "
            f"{cores} logical cores shared by the workers, the emulator and the store"
        ),
    )
    rows = []
    try:
        with running_redis() as store:
            for workers in WORKERS:
                for redis_url in (store.url, None):
                    try:
                        found = _case(settings, redis_url, workers, say)
                    except RuntimeError as exc:
                        result.notes.append(f"{workers} workers failed: {exc}")
                        continue
                    store.command("FLUSHALL")
                    shared = redis_url is not None
                    result.raw[f"{workers}:{'shared' if shared else 'control'}"] = dict(found)
                    rows.append(
                        (
                            str(workers),
                            "shared (Redis)" if shared else "control (in-process)",
                            f"{found['ok']:.0f}",
                            f"{100 * found['share']:.0f}%",
                            f"{found['rate_limited']:.0f}",
                            f"{found['round_trips']:.2f}" if shared else "-",
                            str(cores),
                        )
                    )
                    if shared:
                        result.targets.append(
                            Target(
                                f"scale-out: {workers} processes, share of the limit",
                                ">= 90%",
                                f"{100 * found['share']:.0f}%",
                                found["share"] >= 0.9,
                            )
                        )
                        result.targets.append(
                            Target(
                                f"scale-out: {workers} processes, 429s",
                                "0",
                                f"{found['rate_limited']:.0f}",
                                found["rate_limited"] == 0,
                            )
                        )
        try:
            rows.append(_degraded(settings, say, result))
        except RuntimeError as exc:
            result.notes.append(f"the degraded run failed: {exc}")
    except RedisServerMissing as exc:
        result.notes.append(f"not run: {exc}")
    result.tables.append(
        Table(
            columns=(
                "processes",
                "limiter",
                "calls",
                "share of the limit",
                "429s",
                "store round trips per call",
                "cores",
            ),
            rows=tuple(rows),
        )
    )
    result.notes.append(
        "The limiter paces at 92% of the limit by default (8% headroom for network "
        "jitter), so 92% is the most a run can show; the control's first 429 stops each "
        f"process for the {PENALTY_S:g} s penalty, which is why its share collapses. "
        "Store killed halfway: each worker goes on alone at 1/N of the limit (N = 4, the "
        "processes the store last counted), so that run is about half shared (92%) and "
        "half degraded (4 x 1/4 x 92%, after one local interval)."
    )
    return result
