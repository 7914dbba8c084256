"""The workloads with airtable-enterprise: one ``AsyncApi`` told the server's limit."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import anyio

# httpx imports httpcore lazily, when the first client is made. The worker keeps
# import costs out of the measured call (pyairtable's requests and urllib3 are
# imported by `import pyairtable`), so import it here, with the rest.
import httpcore  # noqa: F401

from airtable_enterprise import AsyncApi

from ..worker import Job

__all__ = ["audit_backfill", "audit_read_ahead", "audit_sequential", "users_audit"]


def _api(job: Job) -> AsyncApi:
    # Told the server's limit, everything else at its defaults unless the job says.
    options: dict[str, Any] = {}
    if "headroom" in job.params:
        options["rate_limit_headroom"] = float(job.params["headroom"])
    return AsyncApi(
        job.token,
        endpoint_url=job.url,
        requests_per_second=float(job.params["rps"]),
        **options,
    )


def _stats(api: AsyncApi, items: int, **extra: Any) -> Mapping[str, Any]:
    return {
        "requests": api.stats.attempts,
        "rate_limited": api.stats.rate_limited,
        "retries": api.stats.retries,
        "items": items,
        "errors": 0,
        **extra,
    }


def users_audit(job: Job) -> Mapping[str, Any]:
    """``info()`` for the user IDs, then ``users()`` on all of them (concurrent batches)."""

    async def run() -> Mapping[str, Any]:
        async with _api(job) as api:
            enterprise = api.enterprise(job.enterprise_id)
            info = await enterprise.info()
            before = api.stats.attempts
            started = time.perf_counter()
            users = await enterprise.users(info.user_ids, collaborations=True)
            return _stats(
                api,
                len(users),
                asked=len(info.user_ids),
                batch_requests=api.stats.attempts - before,
                batches_s=time.perf_counter() - started,
            )

    return anyio.run(run)


async def _walk(job: Job, *, read_ahead: int | None, parallel: int = 1) -> Mapping[str, Any]:
    # The consumer hands each page to a sink (a SIEM upload, a file on a network share)
    # that takes sink_ms: the work read-ahead overlaps with the next request.
    sink_s = float(job.params.get("sink_ms", 0)) / 1000
    async with _api(job) as api:
        enterprise = api.enterprise(job.enterprise_id)
        pages = enterprise.audit_log(
            page_size=int(job.params["page_size"]),
            start_time=job.params["start_time"],
            end_time=job.params["end_time"],
            parallel=parallel,
            read_ahead=read_ahead or 1,
        )
        events = 0
        count = 0
        if read_ahead is None:
            # Iterated bare, the log fetches each page when asked: a plain cursor walk.
            async for page in pages:
                count += 1
                events += len(page.events)
                await anyio.sleep(sink_s)
        else:
            async with pages:
                async for page in pages:
                    count += 1
                    events += len(page.events)
                    await anyio.sleep(sink_s)
        return _stats(api, events, pages=count)


def audit_sequential(job: Job) -> Mapping[str, Any]:
    """Every event of the window, one page requested after the other."""
    return anyio.run(lambda: _walk(job, read_ahead=None))


def audit_read_ahead(job: Job) -> Mapping[str, Any]:
    """The same walk, the next page fetched while the caller handles this one."""
    return anyio.run(lambda: _walk(job, read_ahead=int(job.params["read_ahead"])))


def audit_backfill(job: Job) -> Mapping[str, Any]:
    """The window split into ``windows`` sub-windows walked concurrently, in order."""
    return anyio.run(
        lambda: _walk(
            job,
            read_ahead=int(job.params["read_ahead"]),
            parallel=int(job.params["windows"]),
        )
    )
