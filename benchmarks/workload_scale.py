"""Benchmark 4, scale: wall time and memory of this library as the enterprise and the log grow."""

from __future__ import annotations

from .emulator import EmulatorSpec, running
from .results import Lines, Table, Target, WorkloadResult, ratio
from .settings import Settings
from .workload_common import (
    Progress,
    _fmt,
    _pct,
    _run,
    _say,
    _x,
    audit_window,
    default_headroom,
    rate_limit_share,
)

__all__ = ["scale"]


# --------------------------------------------------------------------- 4. scale


def scale(settings: Settings, say: Progress = _say) -> WorkloadResult:
    """Wall time and memory of this library as the enterprise and the log grow."""
    s = settings.scale
    result = WorkloadResult(
        name="scale",
        title="4. Scale",
        setup=(
            f"users {', '.join(f'{n:,}' for n in s.users)} at {s.users_latency_ms:g} ms, "
            f"{s.users_rps:g} requests/s; events {', '.join(f'{n:,}' for n in s.events)} at "
            f"{s.events_latency_ms:g} ms, {s.events_rps:g} requests/s, page size "
            f"{s.page_size}, no sink (read-ahead walk, and parallel backfill with "
            f"parallel={s.backfill_windows}, read_ahead {s.read_ahead}); this library only"
        ),
    )
    user_rows = []
    user_wall: list[float] = []
    user_mem: list[float] = []
    user_sizes: list[float] = []
    for size in s.users:
        say(f"scale: {size} users")
        spec = EmulatorSpec(
            users=size,
            events=0,
            latency_ms=s.users_latency_ms,
            rps=s.users_rps,
            penalty_s=settings.penalty_s,
            seed=settings.seed,
        )
        with running(spec) as server:
            measured = _run(
                server,
                "ours.users",
                {"rps": s.users_rps, "batch": 100},
                result,
                say,
                key=f"ours.users:{size}",
            )
        if measured is None:
            continue
        requests = measured.count("requests")
        share = rate_limit_share(measured, s.users_rps, s.users_latency_ms / 1000)
        user_sizes.append(size)
        user_wall.append(measured.wall_s)
        user_mem.append(measured.peak_rss_mb)
        user_rows.append(
            (
                f"{size:,}",
                _fmt(measured.wall_s),
                f"{requests:.0f}",
                _pct(share),
                f"{measured.count('rate_limited'):.0f}",
                _fmt(measured.peak_rss_mb, 0),
                _fmt(measured.growth_mb, 0),
            )
        )
    if any(row[4] != "0" for row in user_rows):
        result.notes.append(
            "429s in the users scale: our client paces its starts at "
            f"{100 * (1 - default_headroom()):g}% of the limit and counts each one when "
            "its headers are written, but the client and the emulator are Python "
            "processes: a pause of either (a full garbage collection grows with what it "
            "holds: ~225 ms for the client with 50,000 users read) longer than the ~87 ms "
            "of jitter the headroom absorbs can still put too many arrivals in one of "
            "the server's 1-second windows. Each 429 costs the 30 s penalty, included in "
            "the wall time."
        )
    result.tables.append(
        Table(
            columns=(
                "users",
                "wall s",
                "requests",
                "% of rate-limit bound",
                "429s",
                "peak RSS MB",
                "growth during the run MB",
            ),
            rows=tuple(user_rows),
        )
    )

    modes: tuple[tuple[str, str, dict[str, int]], ...] = (
        ("read-ahead", "ours.audit_read_ahead", {}),
        ("parallel backfill", "ours.audit_backfill", {"windows": s.backfill_windows}),
    )
    event_rows = []
    series_wall: dict[str, tuple[list[float], list[float]]] = {m[0]: ([], []) for m in modes}
    series_mem: dict[str, tuple[list[float], list[float]]] = {m[0]: ([], []) for m in modes}
    for size in s.events:
        say(f"scale: {size} events")
        spec = EmulatorSpec(
            users=200,
            events=size,
            latency_ms=s.events_latency_ms,
            rps=s.events_rps,
            penalty_s=settings.penalty_s,
            seed=settings.seed,
        )
        with running(spec) as server:
            start, end = audit_window()
            for label, client, extra in modes:
                params = {
                    "page_size": s.page_size,
                    "start_time": start,
                    "end_time": end,
                    "rps": s.events_rps,
                    "read_ahead": s.read_ahead,
                    **extra,
                }
                measured = _run(server, client, params, result, say, key=f"{client}:{size}")
                if measured is None:
                    continue
                events = measured.count("items")
                series_wall[label][0].append(size)
                series_wall[label][1].append(measured.wall_s)
                series_mem[label][0].append(size)
                series_mem[label][1].append(measured.peak_rss_mb)
                event_rows.append(
                    (
                        f"{size:,}",
                        label,
                        f"{events:,.0f}",
                        _fmt(measured.wall_s),
                        _fmt(ratio(events, measured.wall_s), 0),
                        _fmt(measured.peak_rss_mb, 0),
                        _fmt(measured.growth_mb, 0),
                    )
                )
    result.tables.append(
        Table(
            columns=(
                "events",
                "mode",
                "read",
                "wall s",
                "events/s",
                "peak RSS MB",
                "growth during the run MB",
            ),
            rows=tuple(event_rows),
        )
    )
    for label, (sizes, peaks) in series_mem.items():
        if len(sizes) >= 2:
            # Issue 4 compares 100k with 1M events: the reference is the smaller size
            # closest to 100k (the smallest in --quick).
            index = min(range(len(sizes) - 1), key=lambda i: abs(sizes[i] - 100_000))
            growth = ratio(peaks[-1], peaks[index])
            result.targets.append(
                Target(
                    f"scale: peak memory, {sizes[-1]:,.0f} vs {sizes[index]:,.0f} events ({label})",
                    "flat (<= 1.5x)",
                    _x(growth),
                    growth <= 1.5,
                )
            )
    if user_sizes:
        result.panels.append(
            Lines(
                title="Scale: users, wall time",
                xlabel="users",
                ylabel="wall time (s)",
                series={"this library": (tuple(user_sizes), tuple(user_wall))},
            )
        )
        result.panels.append(
            Lines(
                title="Scale: users, peak memory",
                xlabel="users",
                ylabel="peak RSS (MB)",
                series={"this library": (tuple(user_sizes), tuple(user_mem))},
                log_y=False,
            )
        )
    result.panels.append(
        Lines(
            title="Scale: events, wall time",
            xlabel="events",
            ylabel="wall time (s)",
            series={k: (tuple(v[0]), tuple(v[1])) for k, v in series_wall.items() if v[0]},
        )
    )
    result.panels.append(
        Lines(
            title="Scale: events, peak memory",
            xlabel="events",
            ylabel="peak RSS (MB)",
            series={k: (tuple(v[0]), tuple(v[1])) for k, v in series_mem.items() if v[0]},
            log_y=False,
        )
    )
    return result
