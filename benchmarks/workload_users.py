"""Benchmark 1, bulk user audit: every user with collaborations, ours vs pyairtable."""

from __future__ import annotations

import time

from .emulator import EmulatorSpec, running
from .results import Bars, Table, Target, WorkloadResult, ratio
from .settings import Settings
from .worker import Measurement
from .workload_common import (
    Progress,
    _fmt,
    _pct,
    _run,
    _say,
    _x,
    default_headroom,
    rate_limit_share,
)

__all__ = ["users"]


# --------------------------------------------------------------------- 1. users


def users(settings: Settings, say: Progress = _say) -> WorkloadResult:
    """Bulk user audit: every user, with collaborations, ours vs pyairtable x2."""
    s = settings.users
    spec = EmulatorSpec(
        users=s.users,
        events=0,
        latency_ms=s.latency_ms,
        rps=s.rps,
        penalty_s=settings.penalty_s,
        seed=settings.seed,
    )
    result = WorkloadResult(
        name="users",
        title="1. Bulk user audit",
        setup=(
            f"{s.users:,} users with collaborations; {s.latency_ms:g} ms latency; "
            f"this library at its defaults (rate_limit_headroom "
            f"{100 * default_headroom():g}%), then with "
            f"{', '.join(f'{100 * h:g}%' for h in s.headrooms)}; "
            f"{s.rps:g} requests/s strict-window limit, {settings.penalty_s:g} s penalty "
            f"after a 429; `info()` then every user ID in batches of {s.batch}; "
            f"pyairtable thread pools of {' and '.join(str(n) for n in s.pyairtable_threads)} "
            "threads"
        ),
    )
    say(f"users: {s.users} users, {s.latency_ms:g} ms, {s.rps:g} rps")
    variants = [("this library", "ours.users", {"rps": s.rps, "batch": s.batch})]
    for headroom in s.headrooms:
        variants.append(
            (
                f"this library, {100 * headroom:g}% headroom",
                "ours.users",
                {"rps": s.rps, "batch": s.batch, "headroom": headroom},
            )
        )
    variants.append(("pyairtable, sequential", "pyairtable.users", {"batch": s.batch}))
    for threads in s.pyairtable_threads:
        variants.append(
            (
                f"pyairtable, thread pool of {threads}",
                "pyairtable.users_threads",
                {"batch": s.batch, "threads": threads},
            )
        )
    found: dict[str, Measurement | None] = {}
    with running(spec) as server:
        result.notes.extend(server.notes)
        for label, client, params in variants:
            measured = found[label] = _run(server, client, params, result, say, key=label)
            if measured is not None and measured.count("rate_limited"):
                # Sit out the emulator's penalty, so that the next variant starts clean.
                time.sleep(settings.penalty_s)

    latency_s = s.latency_ms / 1000
    ours = found["this library"]
    sequential = found["pyairtable, sequential"]
    rows = []
    for label, measured in found.items():
        if measured is None:
            rows.append((label, "failed", "", "", "", "", "", "", "", ""))
            continue
        phase_s, phase_requests = measured.count("batches_s"), measured.count("batch_requests")
        rate = ratio(phase_requests, phase_s)
        rows.append(
            (
                label,
                _fmt(measured.wall_s),
                f"{measured.count('requests'):.0f}",
                f"{measured.count('rate_limited'):.0f}",
                _fmt(phase_s),
                _fmt(rate, 1),
                _pct(rate / s.rps),
                _pct(rate_limit_share(measured, s.rps, latency_s)),
                _x(ratio(sequential.wall_s, measured.wall_s)) if sequential else "n/a",
                f"{measured.count('items'):.0f} / {measured.count('asked'):.0f}",
            )
        )
    result.tables.append(
        Table(
            columns=(
                "client",
                "wall s",
                "requests",
                "429s",
                "get-users phase s",
                "phase requests/s",
                "% of limit",
                "% of rate-limit bound",
                "speed-up vs pyairtable sequential (wall)",
                "users found / asked",
            ),
            rows=tuple(rows),
        )
    )
    result.notes.append(
        "get-users phase: from the first get-users call to the last answer, after `info()` "
        "(which must come first: it lists the user IDs). Its rate-limit bound is the "
        "time the same requests take when started exactly 1/limit apart, the last one "
        "answered one latency later; `% of rate-limit bound` = that bound / the phase's "
        "time. `% of limit` = the phase's requests/s / the limit."
    )
    if ours is not None:
        share = rate_limit_share(ours, s.rps, latency_s)
        result.targets.append(
            Target("users: share of the rate-limit bound", ">= 90%", _pct(share), share >= 0.9)
        )
        limited = ours.count("rate_limited")
        result.targets.append(Target("users: 429s drawn", "0", f"{limited:.0f}", limited == 0))
        if sequential is not None:
            speed_up = ratio(sequential.wall_s, ours.wall_s)
            result.targets.append(
                Target(
                    "users: faster than pyairtable sequential",
                    ">= 5x",
                    _x(speed_up),
                    speed_up >= 5,
                )
            )
    measured_labels = [label for label, m in found.items() if m is not None]
    result.panels.append(
        Bars(
            title=f"Bulk user audit ({s.users:,} users, {s.rps:g} req/s)",
            ylabel="wall time (s)",
            labels=tuple(measured_labels),
            values=tuple(found[label].wall_s for label in measured_labels),  # type: ignore[union-attr]
        )
    )
    return result
