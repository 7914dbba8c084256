"""What every benchmark shares: the measuring step of one client variant, the rate-limit
bound, the audit window, and the number formats of the reports."""

from __future__ import annotations

import inspect
import math
import sys
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from .emulator import Server
from .results import WorkloadResult, ratio
from .worker import ClientFailed, Job, Measurement, measure

__all__ = [
    "Progress",
    "audit_window",
    "bound_seconds",
    "default_headroom",
    "rate_limit_share",
]

Progress = Callable[[str], None]


def _say(message: str) -> None:
    print(f"[benchmarks] {message}", file=sys.stderr, flush=True)


def _run(
    server: Server,
    client: str,
    params: Mapping[str, Any],
    result: WorkloadResult,
    say: Progress,
    *,
    key: str | None = None,
) -> Measurement | None:
    """Measure one client variant; a failure becomes a note, not the end of the run."""
    time.sleep(1.1)
    say(f"  {client} ...")
    job = Job(
        client=client,
        url=server.url,
        token=server.token,
        enterprise_id=server.enterprise_id,
        params=params,
    )
    try:
        found = measure(job)
    except ClientFailed as exc:
        result.notes.append(f"`{key or client}` failed: {str(exc).strip().splitlines()[-1]}")
        say(f"  {client} FAILED: {exc}")
        return None
    say(f"  {client}: {found.wall_s:.2f} s wall, {found.cpu_s:.2f} s CPU")
    if found.count("errors"):
        result.notes.append(
            f"`{key or client}`: {found.count('errors'):.0f} call(s) failed, first: "
            f"{found.counters.get('first_error', '')}"
        )
    result.raw[key or client] = {
        "wall_s": found.wall_s,
        "cpu_s": found.cpu_s,
        "peak_rss_mb": found.peak_rss_mb,
        "base_rss_mb": found.base_rss_mb,
        "counters": dict(found.counters),
    }
    return found


def _fmt(value: float, digits: int = 2) -> str:
    return "n/a" if math.isnan(value) else f"{value:,.{digits}f}"


def _x(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.2f}x"


def _pct(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{100 * value:.0f}%"


def bound_seconds(requests: float, rps: float, latency_s: float) -> float:
    """The fastest wall time the rate limit allows for ``requests`` calls: starts
    spaced exactly ``1/rps`` apart, the last one answered ``latency_s`` later."""
    return max(0.0, requests - 1) / rps + latency_s


def default_headroom() -> float:
    """``AsyncApi``'s default ``rate_limit_headroom`` (the share of the limit left unused)."""
    from airtable_enterprise import AsyncApi

    default = inspect.signature(AsyncApi).parameters["rate_limit_headroom"].default
    return float(default)


def rate_limit_share(measured: Measurement, rps: float, latency_s: float) -> float:
    """The get-users phase's rate-limit bound divided by the time it took (1.0 = at the bound)."""
    phase_s = measured.count("batches_s")
    bound = bound_seconds(measured.count("batch_requests"), rps, latency_s)
    return ratio(bound, phase_s)


def audit_window(now: datetime | None = None) -> tuple[str, str]:
    """A bounded window holding every retained event: ``[now - 181 d, now + 1 min)``.

    Bounded, so that the parallel backfill can split it and every variant reads the
    same events (Airtable keeps 180 days, REFERENCE §8; the extra day absorbs the
    time the emulator spent generating its events before this is called).
    """
    moment = (now or datetime.now(UTC)).replace(microsecond=0)
    start = moment - timedelta(days=181)
    end = moment + timedelta(minutes=1)
    return start.isoformat().replace("+00:00", "Z"), end.isoformat().replace("+00:00", "Z")
