"""The ``access`` benchmark (issue 25): the access review of a 5,000-user enterprise
(groups, interfaces, tokens) against the emulator with latency and a strict limit.

Reported: the requests made and the fewest the review needs (the account, the tokens,
user batches of 100 with collaborations, each group of a reviewed user once, each
granted workspace once: the bound counts those), the share of the rate-limit bound
(target >= 90%), the 429s (target 0), the speed-up over pyairtable 3.5 doing the same
review one call after another, and the peak memory at 5,000 vs 20,000 users.
"""

from __future__ import annotations

from dataclasses import dataclass

from .emulator import EmulatorSpec, running
from .results import Bars, Table, Target, WorkloadResult, ratio
from .settings import Settings
from .worker import Measurement
from .workload_common import Progress, _fmt, _pct, _run, _x, bound_seconds

__all__ = ["ACCESS_SETTINGS", "AccessSettings", "access"]


@dataclass(frozen=True)
class AccessSettings:
    """Sizes, latency and limit of one preset."""

    users: int
    latency_ms: float
    rps: float
    # The memory comparison: the same review at two sizes, at a fast setting (memory
    # does not depend on the pace; a 20,000-user review at 25/s would take minutes).
    memory_users: tuple[int, int]
    memory_latency_ms: float
    memory_rps: float


#: By preset name (``full`` / ``quick``), kept here so the shared settings stay as they are.
ACCESS_SETTINGS = {
    "full": AccessSettings(
        users=5000,
        latency_ms=250,
        rps=25,
        memory_users=(5000, 20_000),
        memory_latency_ms=20,
        memory_rps=200,
    ),
    "quick": AccessSettings(
        users=500,
        latency_ms=25,
        rps=25,
        memory_users=(300, 1200),
        memory_latency_ms=5,
        memory_rps=200,
    ),
}

OURS = "this library (async with, defaults)"
PYAIRTABLE = "pyairtable, one call after another"


def _share(measured: Measurement, rps: float, latency_s: float) -> float:
    """The bound for the fewest requests the review needs / the review's wall time."""
    fewest = measured.count("fewest_requests")
    return ratio(bound_seconds(fewest, rps, latency_s), measured.count("review_s"))


def _phase_share(measured: Measurement, rps: float, latency_s: float) -> float:
    """The same after the account and token list (which must be answered first): the
    bound for the phase's fewest requests / the phase's time."""
    fewest = measured.count("phase_fewest")
    return ratio(bound_seconds(fewest, rps, latency_s), measured.count("phase_s"))


def access(settings: Settings, say: Progress) -> WorkloadResult:
    """Run the review with both clients, then ours at two sizes (see the module doc)."""
    s = ACCESS_SETTINGS.get(settings.name, ACCESS_SETTINGS["quick"])
    latency_s = s.latency_ms / 1000
    result = WorkloadResult(
        name="access",
        title="Access review",
        setup=(
            f"{s.users:,} users (the generated enterprise: about one group per 25 users, one "
            f"workspace per 10, interfaces and tokens); {s.latency_ms:g} ms latency; "
            f"{s.rps:g} requests/s strict-window limit, {settings.penalty_s:g} s penalty after "
            "a 429. Memory: the same review at "
            f"{s.memory_users[0]:,} and {s.memory_users[1]:,} users, {s.memory_latency_ms:g} ms, "
            f"{s.memory_rps:g} requests/s."
        ),
    )
    say(f"access: {s.users} users, {s.latency_ms:g} ms, {s.rps:g} rps")
    spec = EmulatorSpec(
        users=s.users,
        events=0,
        latency_ms=s.latency_ms,
        rps=s.rps,
        penalty_s=settings.penalty_s,
        seed=settings.seed,
    )
    found: dict[str, Measurement | None] = {}
    with running(spec) as server:
        result.notes.extend(server.notes)
        found[OURS] = _run(server, "ours.access_review", {"rps": s.rps}, result, say, key=OURS)
        found[PYAIRTABLE] = _run(
            server, "pyairtable.access_review", {}, result, say, key=PYAIRTABLE
        )
    ours, sequential = found[OURS], found[PYAIRTABLE]
    rows = []
    for label, measured in found.items():
        if measured is None:
            rows.append((label, "failed", "", "", "", "", "", "", "", ""))
            continue
        mine = label == OURS
        rows.append(
            (
                label,
                _fmt(measured.count("review_s")),
                f"{measured.count('requests'):.0f}",
                f"{measured.count('fewest_requests'):.0f}" if mine else "",
                f"{measured.count('rate_limited'):.0f}",
                _fmt(measured.count("phase_s")) if mine else "",
                _pct(_phase_share(measured, s.rps, latency_s)) if mine else "",
                _pct(_share(measured, s.rps, latency_s)) if mine else "",
                f"{measured.count('items'):.0f}",
                _x(ratio(sequential.count("review_s"), measured.count("review_s")))
                if sequential
                else "n/a",
            )
        )
    result.tables.append(
        Table(
            columns=(
                "client",
                "review s",
                "requests made",
                "fewest requests",
                "429s",
                "main phase s",
                "% of rate-limit bound (main phase)",
                "% of rate-limit bound (whole review)",
                "rows",
                "speed-up vs pyairtable sequential",
            ),
            rows=tuple(rows),
        )
    )
    if ours is not None:
        result.notes.append(
            "Memory: the rows, the users in flight and the tasks are bounded; what the review "
            "must keep grows with the enterprise, kept compact: the account's user IDs (one "
            "answer, REFERENCE §3.1), the tokens of users not reached yet (one answer, "
            "§14.1: no pages) and each group's grants and workspace's bases (about users/25 "
            "groups and users/10 workspaces here), each fetched once."
        )
        result.notes.append(
            f"fewest requests = 1 account + 1 token list + {ours.count('batches'):.0f} user "
            f"batches + {ours.count('groups'):.0f} groups + {ours.count('workspaces'):.0f} "
            "workspaces. The rate-limit bound is the time those requests take when started "
            "exactly 1/limit apart, the last one answered one latency later. Main phase: "
            "from the first get-users request to the last answer, after the account and "
            "token list (which must come first: they list the users), as in the bulk user "
            "audit; its bound counts the batches, groups and workspaces. Each batch must "
            "also be answered before its groups and workspaces are asked for: those waits "
            "are in neither bound, so 100% is out of reach."
        )
        share = _phase_share(ours, s.rps, latency_s)
        result.targets.append(
            Target(
                "access review: share of the rate-limit bound (main phase)",
                ">= 90%",
                _pct(share),
                share >= 0.9,
            )
        )
        limited = ours.count("rate_limited")
        result.targets.append(Target("access review: 429s", "0", f"{limited:.0f}", limited == 0))
        if sequential is not None:
            speed_up = ratio(sequential.count("review_s"), ours.count("review_s"))
            result.targets.append(
                Target(
                    "access review: faster than pyairtable sequential",
                    "> 1x",
                    _x(speed_up),
                    speed_up > 1,
                )
            )
    result.tables.append(_memory(s, settings, result, say))
    labels = [label for label, m in found.items() if m is not None]
    result.panels.append(
        Bars(
            title=f"Access review ({s.users:,} users, {s.rps:g} req/s)",
            ylabel="review time (s)",
            labels=tuple(labels),
            values=tuple(found[label].count("review_s") for label in labels),  # type: ignore[union-attr]
        )
    )
    return result


def _memory(s: AccessSettings, settings: Settings, result: WorkloadResult, say: Progress) -> Table:
    """Peak memory growth of our review at the two sizes, and their ratio (flat: ~1x)."""
    growth: list[float] = []
    rows = []
    for users in s.memory_users:
        spec = EmulatorSpec(
            users=users,
            events=0,
            latency_ms=s.memory_latency_ms,
            rps=s.memory_rps,
            penalty_s=settings.penalty_s,
            seed=settings.seed,
        )
        with running(spec) as server:
            key = f"memory, {users:,} users"
            params = {"rps": s.memory_rps, "trace": True}
            measured = _run(server, "ours.access_review", params, result, say, key=key)
        if measured is None:
            rows.append((f"{users:,}", "failed", "", "", ""))
            continue
        growth.append(measured.count("traced_peak_mb"))
        rows.append(
            (
                f"{users:,}",
                f"{measured.count('items'):.0f}",
                f"{measured.count('requests'):.0f}",
                _fmt(measured.count("traced_peak_mb"), 1),
                _fmt(measured.peak_rss_mb, 1),
            )
        )
    if len(growth) == 2:
        flat = ratio(growth[1], growth[0]) if growth[0] > 0 else float("nan")
        size = s.memory_users[1] / s.memory_users[0]
        result.targets.append(
            Target(
                f"access review: peak memory, {s.memory_users[1]:,} vs {s.memory_users[0]:,} users",
                f"flat (<= 1.5x; users x{size:g})",
                _x(flat),
                flat <= 1.5,
            )
        )
    return Table(
        columns=("users", "rows", "requests", "peak traced MB", "peak RSS MB"),
        rows=tuple(rows),
        caption=(
            "Peak of the Python allocations made during the review (tracemalloc), and the "
            "process's peak RSS (imports included)."
        ),
    )
