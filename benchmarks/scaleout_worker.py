"""One scale-out worker process: ``tasks`` tasks calling one endpoint for ``seconds``
(from ``start_at``, a ``time.time()``, when given).

``python -m benchmarks.scaleout_worker '<job JSON>'`` prints one JSON line: the calls
that succeeded, the 429s received, other errors, and the limiter's stats. Each call is
one attempt (no retry), so every 429 the server sends is counted once. With
``progress``, it also prints one line per call that succeeded (``at``) or got a 429
(``rate_limited_at``), as it happens; ``cooldown`` is the pause after a 429 (30 s).
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import anyio

from airtable_enterprise import AsyncApi, RateLimitError, RetryPolicy
from airtable_enterprise.errors import AirtableError

__all__ = ["run"]


async def run(job: dict[str, Any]) -> dict[str, Any]:
    """Run the job (see the module docstring) and return its counters."""
    counts = {"ok": 0, "rate_limited": 0, "errors": 0}
    path = f"/v0/meta/enterpriseAccounts/{job['enterprise_id']}"
    api = AsyncApi(
        job["token"],
        endpoint_url=job["url"],
        requests_per_second=job.get("rps", 50.0),
        retry=RetryPolicy(max_attempts=1),
        rate_limit_cooldown=job.get("cooldown", 30.0),
        redis_url=job.get("redis_url"),
        redis_fallback_share=job.get("fallback_share", 0.5),
    )

    async def loop() -> None:
        while True:
            try:
                await api.request("GET", path)
            except RateLimitError:
                counts["rate_limited"] += 1
                if job.get("progress"):
                    print(json.dumps({"rate_limited_at": time.time()}), flush=True)
            except AirtableError:
                counts["errors"] += 1
                await anyio.sleep(0.05)
            else:
                counts["ok"] += 1
                if job.get("progress"):
                    print(json.dumps({"at": time.time()}), flush=True)

    async with api:
        # Workers of one run start together (after their imports): the run's window.
        await anyio.sleep(max(0.0, job.get("start_at", 0.0) - time.time()))
        started = time.perf_counter()
        with anyio.move_on_after(job["seconds"]):
            async with anyio.create_task_group() as group:
                for _ in range(job["tasks"]):
                    group.start_soon(loop)
        elapsed = time.perf_counter() - started
    stats = api.limiter.stats
    return {
        **counts,
        "elapsed_s": elapsed,
        "shared": getattr(stats, "shared", False),
        "local_starts": getattr(stats, "local_starts", 0),
        "store_failures": getattr(stats, "store_failures", 0),
        "store_calls": getattr(stats, "store_calls", 0),
    }


def main() -> None:
    job = json.loads(sys.argv[1])
    result = anyio.run(run, job, backend=job.get("backend", "asyncio"))
    print(json.dumps({"result": result}), flush=True)


if __name__ == "__main__":
    main()
