"""Conversion cost of one audit-log page: JSON decode alone, our models, pyairtable's.

The page is fetched once from the emulator (real wire bytes); the timing itself is
in-process with no I/O. Each variant runs ``loops`` times per timed round and the
best of ``repeats`` rounds counts: the least disturbed by whatever else the machine
is doing.
"""

from __future__ import annotations

import gc
import json
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from ..worker import Job

__all__ = ["best_time", "conversion_cost", "convert_page", "noop"]


def best_time(function: Callable[[], object], *, repeats: int, loops: int) -> float:
    """Seconds per call of ``function``: the best of ``repeats`` rounds of ``loops`` calls.

    The garbage collector is off while a round runs (as ``timeit`` does), so that a
    collection triggered by one variant's garbage is not billed to another.
    """
    best = float("inf")
    enabled = gc.isenabled()
    try:
        for _ in range(repeats):
            gc.collect()
            gc.disable()
            started = time.perf_counter()
            for _ in range(loops):
                function()
            best = min(best, (time.perf_counter() - started) / loops)
            if enabled:
                gc.enable()
    finally:
        if enabled:
            gc.enable()
    return best


def convert_page(body: bytes, *, repeats: int, loops: int) -> Mapping[str, Any]:
    """Time decode, our structuring and pyairtable's validation of one page body."""
    from pyairtable.models.audit import AuditLogResponse as PyAirtablePage

    from airtable_enterprise._core.convert import converter
    from airtable_enterprise.models.audit import AuditLogResponse

    data = json.loads(body)
    events = len(data["events"])
    ours = converter.structure(data, AuditLogResponse)
    theirs = PyAirtablePage.model_validate(data)
    if len(ours.events) != events or len(theirs.events) != events:
        raise RuntimeError("a model lost events: the comparison would be meaningless")

    decode_s = best_time(lambda: json.loads(body), repeats=repeats, loops=loops)
    ours_s = best_time(
        lambda: converter.structure(data, AuditLogResponse), repeats=repeats, loops=loops
    )

    def ours_every_part() -> object:
        # Our events build actor, context and origin when first read; pyairtable builds
        # everything up front. Reading them all makes the comparison like for like.
        page = converter.structure(data, AuditLogResponse)
        for event in page.events:
            _ = event.actor.user, event.context, event.origin
        return page

    ours_full_s = best_time(ours_every_part, repeats=repeats, loops=loops)
    theirs_s = best_time(lambda: PyAirtablePage.model_validate(data), repeats=repeats, loops=loops)
    return {
        "events": events,
        "bytes": len(body),
        "decode_s": decode_s,
        "ours_s": ours_s,
        "ours_full_s": ours_full_s,
        "pyairtable_s": theirs_s,
        "requests": 1,
        "rate_limited": 0,
        "items": events,
        "errors": 0,
    }


def conversion_cost(job: Job) -> Mapping[str, Any]:
    """Fetch one ``page_size`` page from the emulator, then :func:`convert_page` it."""
    response = httpx.get(
        f"{job.url}/v0/meta/enterpriseAccounts/{job.enterprise_id}/auditLogEvents",
        params={"pageSize": str(job.params["page_size"])},
        headers={"Authorization": f"Bearer {job.token}"},
        timeout=60.0,
    )
    response.raise_for_status()
    return convert_page(
        response.content, repeats=int(job.params["repeats"]), loops=int(job.params["loops"])
    )


def noop(job: Job) -> Mapping[str, Any]:
    """Does nothing: measures the harness itself (and lets tests run a worker cheaply)."""
    return {"requests": 0, "rate_limited": 0, "items": 0, "errors": 0}
