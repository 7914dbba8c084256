"""The ``scim sync`` benchmark (issue 14): an HR file of about 5,000 managed users with
1,000 changes, synced against the emulator with latency and a strict rate limit.

Reported: the apply phase's share of the rate-limit bound (target >= 90%), the 429s
(target 0), and the speed against the same changes applied one after another. Each
variant runs on a fresh emulator with the same seed, so each applies the same changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from .emulator import EmulatorSpec, running
from .results import Bars, Table, Target, WorkloadResult, ratio
from .settings import Settings
from .workload_common import Progress, _fmt, _run

__all__ = ["SCIM_SETTINGS", "ScimSyncSettings", "scim_sync"]


@dataclass(frozen=True)
class ScimSyncSettings:
    """Sizes and the emulator's latency and limit for one preset."""

    # World size: the generator makes ~82% of its users managed (what SCIM sees), so
    # 6,100 users give a SCIM directory of about 5,000.
    world_users: int
    new: int
    updates: int
    deactivations: int
    latency_ms: float
    rps: float


#: By preset name (``full`` / ``quick``), kept here so the shared settings stay as they are.
SCIM_SETTINGS = {
    "full": ScimSyncSettings(
        world_users=6100, new=400, updates=400, deactivations=200, latency_ms=100, rps=25
    ),
    "quick": ScimSyncSettings(
        world_users=300, new=20, updates=20, deactivations=10, latency_ms=20, rps=25
    ),
}

CONCURRENT = "scim sync (concurrent apply)"
SEQUENTIAL = "same changes, one after another"


def scim_sync(settings: Settings, say: Progress) -> WorkloadResult:
    """Run both variants and compare them (see the module doc)."""
    s = SCIM_SETTINGS.get(settings.name, SCIM_SETTINGS["quick"])
    changes = s.new + s.updates + s.deactivations
    result = WorkloadResult(
        name="scim",
        title="SCIM sync from an HR file",
        setup=(
            f"Emulator: {s.world_users:,} users (about {round(s.world_users * 0.82, -2):,.0f} "
            f"managed, which SCIM sees), {s.latency_ms:g} ms latency, {s.rps:g} requests/s "
            f"per token (a 429 costs {settings.penalty_s:g} s). The file differs from the "
            f"directory by {changes:,} changes: {s.new} new users, {s.updates} title updates, "
            f"{s.deactivations} deactivations. Each variant reads the directory (users paged "
            "by 100, every group), plans, and applies, on a fresh emulator"
        ),
    )
    params = {
        "rps": s.rps,
        "new": s.new,
        "updates": s.updates,
        "deactivations": s.deactivations,
    }
    spec = EmulatorSpec(
        users=s.world_users,
        latency_ms=s.latency_ms,
        rps=s.rps,
        penalty_s=settings.penalty_s,
        seed=settings.seed,
    )
    measured = {}
    for label, client in ((CONCURRENT, "ours.scim_sync"), (SEQUENTIAL, "ours.scim_sync_seq")):
        say(f"scim: {label}")
        with running(spec) as server:
            found = _run(server, client, params, result, say)
        if found is not None:
            measured[label] = found
    rows = []
    for label, found in measured.items():
        apply_s = found.count("apply_s")
        share = ratio(found.count("apply_requests"), apply_s * s.rps)
        rows.append(
            (
                label,
                f"{found.count('directory_users'):,.0f}",
                f"{found.count('items'):,.0f}",
                f"{found.count('errors'):,.0f}",
                _fmt(found.count("read_s")),
                _fmt(apply_s),
                _fmt(found.wall_s),
                f"{100 * share:.1f}%",
                f"{found.count('rate_limited'):.0f}",
            )
        )
    result.tables.append(
        Table(
            columns=(
                "variant",
                "SCIM users",
                "changes",
                "failed",
                "read s",
                "apply s",
                "wall s",
                "apply: % of rate-limit bound",
                "429s",
            ),
            rows=tuple(rows),
        )
    )
    concurrent, sequential = measured.get(CONCURRENT), measured.get(SEQUENTIAL)
    if concurrent is not None:
        share = ratio(concurrent.count("apply_requests"), concurrent.count("apply_s") * s.rps)
        result.targets.append(
            Target(
                "scim sync: apply at the rate limit",
                ">= 90% of the bound",
                f"{100 * share:.1f}%",
                share >= 0.9,
            )
        )
        result.targets.append(
            Target(
                "scim sync: no 429",
                "0",
                f"{concurrent.count('rate_limited'):.0f}",
                concurrent.count("rate_limited") == 0,
            )
        )
    if concurrent is not None and sequential is not None:
        speedup = ratio(sequential.count("apply_s"), concurrent.count("apply_s"))
        result.targets.append(
            Target(
                "scim sync: faster than one change after another",
                "> 1x",
                f"{speedup:.2f}x",
                speedup > 1,
            )
        )
        result.panels.append(
            Bars(
                title="SCIM sync: applying the changes",
                ylabel="seconds",
                labels=(CONCURRENT, SEQUENTIAL),
                values=(concurrent.count("apply_s"), sequential.count("apply_s")),
            )
        )
    return result
