"""One measured client run, in a process of its own.

The parent (:func:`measure`) starts ``python -m benchmarks.worker`` with a JSON job on
stdin; the worker imports the client function first (import cost and memory are not
the workload's), then measures around one call of it:

- wall time (``time.perf_counter``),
- client CPU (``time.process_time``: this process only, so never the emulator's),
- peak resident memory (``ru_maxrss``), and the peak before the call, so the growth
  due to the workload is visible apart from what the imports cost.

It prints one JSON line with those and the counters the function returned.
"""

from __future__ import annotations

import importlib
import json
import resource
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["CLIENTS", "ClientFailed", "Job", "Measurement", "measure"]

#: Client workload functions by name: ``"module:function"`` relative to ``benchmarks.clients``.
CLIENTS: Mapping[str, str] = {
    "ours.users": "ours:users_audit",
    "pyairtable.users": "pyair:users_sequential",
    "pyairtable.users_threads": "pyair:users_thread_pool",
    "ours.audit_sequential": "ours:audit_sequential",
    "ours.audit_read_ahead": "ours:audit_read_ahead",
    "ours.audit_backfill": "ours:audit_backfill",
    "pyairtable.audit": "pyair:audit_walk",
    "ours.scim_sync": "scim:scim_sync",
    "ours.scim_sync_seq": "scim:scim_sync_sequential",
    "conversion": "conversion:conversion_cost",
    "noop": "conversion:noop",
    "ours.access_review": "access:access_review_ours",
    "pyairtable.access_review": "access:access_review_pyairtable",
}


#: The directory holding the ``benchmarks`` package: workers run from there.
_ROOT = Path(__file__).resolve().parent.parent


class ClientFailed(RuntimeError):
    """The client workload raised, or its process died."""


@dataclass(frozen=True)
class Job:
    """What a worker runs: which client function, against which server, with what."""

    client: str
    url: str
    token: str
    enterprise_id: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(
            {
                "client": self.client,
                "url": self.url,
                "token": self.token,
                "enterprise_id": self.enterprise_id,
                "params": dict(self.params),
            }
        )

    @classmethod
    def from_json(cls, text: str) -> Job:
        data = json.loads(text)
        return cls(
            client=data["client"],
            url=data["url"],
            token=data["token"],
            enterprise_id=data["enterprise_id"],
            params=data["params"],
        )


@dataclass(frozen=True)
class Measurement:
    """What one client run cost, and the counters it reported."""

    client: str
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    base_rss_mb: float
    counters: Mapping[str, Any]

    @property
    def growth_mb(self) -> float:
        """Peak memory above what the process held before the workload started."""
        return max(0.0, self.peak_rss_mb - self.base_rss_mb)

    def count(self, name: str) -> float:
        value = self.counters.get(name, 0)
        return float(value) if isinstance(value, int | float) else 0.0


def resolve(client: str) -> Callable[[Job], Mapping[str, Any]]:
    """The workload function registered as ``client``."""
    try:
        target = CLIENTS[client]
    except KeyError:
        raise ClientFailed(f"unknown client {client!r}; known: {sorted(CLIENTS)}") from None
    module_name, _, function_name = target.partition(":")
    module = importlib.import_module(f"benchmarks.clients.{module_name}")
    function: Callable[[Job], Mapping[str, Any]] = getattr(module, function_name)
    return function


def _peak_rss_mb() -> float:
    # Linux reports ru_maxrss in KiB (macOS in bytes).
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def run_job(job: Job) -> dict[str, Any]:
    """Measure one call of the job's client function (in this process)."""
    function = resolve(job.client)
    base = _peak_rss_mb()
    cpu_started = time.process_time()
    started = time.perf_counter()
    counters = dict(function(job))
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    return {
        "client": job.client,
        "wall_s": wall,
        "cpu_s": cpu,
        "peak_rss_mb": _peak_rss_mb(),
        "base_rss_mb": base,
        "counters": counters,
    }


def measure(job: Job, *, timeout: float = 1800.0) -> Measurement:
    """Run ``job`` in a fresh ``python -m benchmarks.worker`` process; its measurement."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.worker"],
        input=job.to_json(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=_ROOT,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise ClientFailed(f"{job.client} failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    data = json.loads(lines[-1])
    return Measurement(
        client=data["client"],
        wall_s=data["wall_s"],
        cpu_s=data["cpu_s"],
        peak_rss_mb=data["peak_rss_mb"],
        base_rss_mb=data["base_rss_mb"],
        counters=data["counters"],
    )


def main() -> int:
    job = Job.from_json(sys.stdin.read())
    try:
        result = run_job(job)
    except Exception:
        traceback.print_exc()
        return 1
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
