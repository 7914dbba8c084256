"""What each benchmark runs: sizes, emulated latency and rate limit, client knobs.

Two presets: :data:`FULL` (the figures issue 7 asks for) and :data:`QUICK` (small
sizes and short latencies, so CI can check the whole harness in under a minute).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "FULL",
    "QUICK",
    "AuditSettings",
    "ConversionSettings",
    "ScaleSettings",
    "Settings",
    "UsersSettings",
]


@dataclass(frozen=True)
class UsersSettings:
    """Bulk user audit: every user of the enterprise, with collaborations."""

    users: int
    latency_ms: float
    rps: float
    # Thread-pool sizes for pyairtable: 6 is about limit x latency (the concurrency that
    # just saturates 25/s at 250 ms), 8 what someone rounding up would pick.
    pyairtable_threads: tuple[int, ...]
    # Our client runs at its defaults, then once more with each of these
    # rate_limit_headroom values (the share of the limit it leaves unused).
    headrooms: tuple[float, ...] = (0.05,)
    # Requests per get-users call: Airtable documents no maximum; 100 is what our
    # Enterprise.users() sends and what the thread-pool variant batches by.
    batch: int = 100


@dataclass(frozen=True)
class AuditSettings:
    """Audit log export: every event of a bounded window, page by page."""

    events: int
    page_size: int
    latency_ms: float
    rps: float
    # Sub-windows fetched concurrently by the parallel backfill.
    backfill_windows: int
    # What the consumer does with each page, in every variant: hand it to a sink that
    # takes this long (an upload to a SIEM). Read-ahead overlaps it with the next fetch.
    sink_ms: float
    # Pages buffered ahead per cursor chain; the backfill runs once with each value
    # (1 is the library's default; 16 holds a whole sub-window of the full run).
    read_ahead: tuple[int, ...] = (1, 4, 16)


@dataclass(frozen=True)
class ConversionSettings:
    """Conversion cost of one audit-log page (decoded JSON -> models)."""

    page_size: int
    repeats: int  # timed loops; the best one counts (least disturbed by the machine)
    loops: int  # conversions per timed loop


@dataclass(frozen=True)
class ScaleSettings:
    """How wall time and memory grow with the size of the enterprise / the log."""

    users: tuple[int, ...]
    users_latency_ms: float
    users_rps: float
    events: tuple[int, ...]
    events_latency_ms: float
    events_rps: float
    page_size: int
    backfill_windows: int
    read_ahead: int = 4


@dataclass(frozen=True)
class Settings:
    """One preset: every benchmark's settings plus the emulator's common knobs."""

    name: str
    users: UsersSettings
    audit: AuditSettings
    conversion: ConversionSettings
    scale: ScaleSettings
    seed: int = 7
    # After a 429 the emulator refuses everything for this long (Airtable: 30 s, §1.5).
    penalty_s: float = 30.0


FULL = Settings(
    name="full",
    users=UsersSettings(users=5000, latency_ms=250, rps=25, pyairtable_threads=(6, 8)),
    audit=AuditSettings(
        events=100_000, page_size=1000, latency_ms=100, rps=50, backfill_windows=8, sink_ms=50
    ),
    conversion=ConversionSettings(page_size=1000, repeats=7, loops=5),
    scale=ScaleSettings(
        users=(1000, 5000, 10_000, 25_000, 50_000),
        users_latency_ms=250,
        users_rps=25,
        events=(10_000, 100_000, 300_000, 1_000_000),
        events_latency_ms=100,
        events_rps=50,
        page_size=1000,
        backfill_windows=8,
    ),
)

QUICK = Settings(
    name="quick",
    users=UsersSettings(users=500, latency_ms=25, rps=25, pyairtable_threads=(4,)),
    audit=AuditSettings(
        events=5000,
        page_size=1000,
        latency_ms=20,
        rps=50,
        backfill_windows=4,
        sink_ms=5,
        read_ahead=(1, 4),
    ),
    conversion=ConversionSettings(page_size=1000, repeats=3, loops=2),
    scale=ScaleSettings(
        users=(200, 500),
        users_latency_ms=25,
        users_rps=25,
        events=(2000, 5000),
        events_latency_ms=20,
        events_rps=50,
        page_size=1000,
        backfill_windows=4,
    ),
    penalty_s=2.0,
)
