"""The audit log: queries, cursor walks, parallel backfill, checkpoints.

What lives here: the public :class:`AuditLog` and :class:`AuditLogEvents` (``log``), the
query checks and chain planning (``query``), the cursor rule and page sources (``walk``),
the parallel backfill and its planning (``backfill``, ``plan``) and the resume tokens
(``checkpoint``).

May import: the models, :mod:`airtable_enterprise._core`, :mod:`airtable_enterprise.errors`
and the client (``api``); never the CLI. ``airtable_enterprise.audit`` keeps the names the
single ``audit`` module had.
"""

from .log import (
    MAX_CHAINS,
    MAX_FILTER_VALUES,
    MAX_PAGE_SIZE,
    AuditLog,
    AuditLogEvents,
    AuditLogOptions,
    AuditLogQuery,
    FilterInput,
    Step,
    TimeInput,
    build_query,
    next_step,
    to_wire_time,
)

__all__ = [
    "MAX_CHAINS",
    "MAX_FILTER_VALUES",
    "MAX_PAGE_SIZE",
    "AuditLog",
    "AuditLogEvents",
    "AuditLogOptions",
    "AuditLogQuery",
    "FilterInput",
    "Step",
    "TimeInput",
    "build_query",
    "next_step",
    "to_wire_time",
]
