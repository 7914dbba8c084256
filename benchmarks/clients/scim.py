"""The ``scim sync`` workload with airtable-enterprise: read the SCIM directory, build an
HR file that differs from it by a fixed set of changes, plan, and apply.

The file is derived from the directory deterministically (users sorted by ID), so every
variant, each on a fresh emulator with the same seed, applies the same changes:
``new`` users created, ``updates`` title changes, ``deactivations`` users deactivated.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Mapping
from typing import Any

import anyio

from airtable_enterprise.scim.people import read_people
from airtable_enterprise.scim.sync import apply_sync, plan_sync, read_directory

from ..worker import Job
from .ours import _api

__all__ = ["hr_file", "scim_sync", "scim_sync_sequential"]


def hr_file(
    rows: list[tuple[str, str, str, bool, str]],
    domain: str,
    *,
    new: int,
    updates: int,
    deactivations: int,
) -> str:
    """The CSV: ``rows`` (email, first, last, active, title) sorted by ID, with the first
    ``updates`` active users retitled, the next ``deactivations`` deactivated, and
    ``new`` people added."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["email", "first name", "last name", "active", "title"])
    active_seen = 0
    for email, first, last, active, title in rows:
        if active:
            if active_seen < updates:
                title = f"Retitled {active_seen}"
            elif active_seen < updates + deactivations:
                active = False
            active_seen += 1
        writer.writerow([email, first, last, "true" if active else "false", title])
    for index in range(new):
        writer.writerow([f"new.hire.{index:05d}@{domain}", "New", f"Hire {index}", "true", ""])
    return out.getvalue()


async def _sync(job: Job, concurrency: int) -> Mapping[str, Any]:
    params = job.params
    async with _api(job) as api:
        info = await api.enterprise(job.enterprise_id).info()
        domain = sorted(d.email_domain for d in info.email_domains)[0]
        started = time.perf_counter()
        directory = await read_directory(api.scim)
        read_s = time.perf_counter() - started
        rows = sorted(
            (u.id, u.user_name, u.given_name or "", u.family_name or "", u.is_active, u.title or "")
            for u in directory.users
        )
        text = hr_file(
            [row[1:] for row in rows],
            domain,
            new=int(params["new"]),
            updates=int(params["updates"]),
            deactivations=int(params["deactivations"]),
        )
        people = read_people(text)
        changes = plan_sync(people, directory)
        before = api.stats.attempts
        applied_at = time.perf_counter()
        outcomes = await apply_sync(api.scim, changes, directory, concurrency=concurrency)
        apply_s = time.perf_counter() - applied_at
        failed = [o for o in outcomes if not o.ok]
        return {
            "requests": api.stats.attempts,
            "rate_limited": api.stats.rate_limited,
            "retries": api.stats.retries,
            "items": len(changes),
            "errors": len(failed),
            "first_error": str(failed[0].error) if failed else "",
            "directory_users": len(directory.users),
            "directory_groups": len(directory.groups),
            "read_s": read_s,
            "apply_s": apply_s,
            "apply_requests": api.stats.attempts - before,
        }


def scim_sync(job: Job) -> Mapping[str, Any]:
    """The sync as ``scim sync --yes`` runs it: changes applied concurrently."""
    return anyio.run(_sync, job, 64)


def scim_sync_sequential(job: Job) -> Mapping[str, Any]:
    """The same changes applied one after another (the by-hand script)."""
    return anyio.run(_sync, job, 1)
