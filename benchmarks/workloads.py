"""The four benchmarks of issue 7: what each runs, side by side, and what it reports.

Each benchmark starts its own emulator (a separate process, see :mod:`.emulator`),
runs every client variant in a fresh worker process (see :mod:`.worker`) one after
the other against it, and turns the measurements into ratios. A 1.1 s pause between
variants lets the emulator's 1-second rate-limit window empty, so one variant's
requests never count against the next.

The benchmarks live one family per module (``workload_users``, ``workload_audit``,
``workload_scale``, ``scim_sync``, ``scaleout``), their shared measuring step in
``workload_common``; this module is the registry.
"""

from __future__ import annotations

from collections.abc import Callable

from .results import WorkloadResult
from .scaleout import scaleout
from .scim_sync import scim_sync
from .settings import Settings
from .workload_access import access
from .workload_audit import conversion, export
from .workload_common import Progress, audit_window, bound_seconds
from .workload_scale import scale
from .workload_users import users

__all__ = ["WORKLOADS", "audit_window", "bound_seconds", "conversion", "export", "scale", "users"]

#: The benchmarks by name, in the order the runner runs them.
WORKLOADS: dict[str, Callable[[Settings, Progress], WorkloadResult]] = {
    "users": users,
    "audit": export,
    "conversion": conversion,
    "scale": scale,
    "scim": scim_sync,
    "scale-out": scaleout,
    "access": access,
}
