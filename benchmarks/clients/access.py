"""The access review (issue 25), with this library and as a pyairtable 3.5 user would
write it: the same requests (the account, the tokens, users in batches of 100 with
collaborations, each group once, each granted workspace once), one after another."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Mapping
from typing import Any

import anyio
import httpcore  # noqa: F401  (imported before the measured call, as in ours.py)
import httpx

from airtable_enterprise import AsyncApi

from ..worker import Job
from .ours import _stats
from .pyair import COUNTERS, _batches
from .pyair import _api as _pyairtable_api

__all__ = ["access_review_ours", "access_review_pyairtable"]


class _PhaseClock(httpx.AsyncHTTPTransport):
    """Times the review's main phase: from the first get-users request (after the account
    and the token list, which must come first) to the last answer."""

    def __init__(self) -> None:
        super().__init__()
        self.first: float | None = None
        self.last = 0.0
        self.requests = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        account = path.startswith("/v0/meta/enterpriseAccounts/") and path.count("/") == 4
        in_phase = not (account or path.endswith("/personalAccessTokens"))
        if in_phase and self.first is None:
            self.first = time.perf_counter()
        response = await super().handle_async_request(request)
        if in_phase:
            self.requests += 1
            await response.aread()
            self.last = time.perf_counter()
        return response


def access_review_ours(job: Job) -> Mapping[str, Any]:
    """``enterprise.access_review()`` inside ``async with``, every row counted;
    ``trace``: also the peak of Python allocations during the review (tracemalloc)."""
    trace = bool(job.params.get("trace"))
    clock = _PhaseClock()

    async def run() -> Mapping[str, Any]:
        options: dict[str, Any] = {}
        if "headroom" in job.params:
            options["rate_limit_headroom"] = float(job.params["headroom"])
        api = AsyncApi(
            job.token,
            endpoint_url=job.url,
            requests_per_second=float(job.params["rps"]),
            transport=clock,
            **options,
        )
        if trace:
            tracemalloc.start()
        async with api:
            enterprise = api.enterprise(job.enterprise_id)
            rows = users = 0
            last_user = None
            started = time.perf_counter()
            async with enterprise.access_review() as review:
                async for row in review:
                    rows += 1
                    # Rows come user by user: counted without keeping every ID (a set
                    # of them would be this measurement's own memory growing with users).
                    if row.user_id != last_user:
                        users += 1
                        last_user = row.user_id
            wall = time.perf_counter() - started
            traced_peak = tracemalloc.get_traced_memory()[1] if trace else 0
            tracemalloc.stop()
            batches = -(-review.total_users // 100)
            phase = batches + review.requests["groups"] + review.requests["workspaces"]
            return _stats(
                api,
                rows,
                phase_fewest=phase,
                phase_requests=clock.requests,
                phase_s=clock.last - (clock.first or clock.last),
                traced_peak_mb=traced_peak / 2**20,
                users=users,
                batches=batches,
                groups=review.requests["groups"],
                workspaces=review.requests["workspaces"],
                fewest_requests=2 + phase,
                review_s=wall,
            )

    return anyio.run(run)


def access_review_pyairtable(job: Job) -> Mapping[str, Any]:
    """The same review with pyairtable, one call after another."""
    api = _pyairtable_api(job)
    enterprise = api.enterprise(job.enterprise_id)
    started = time.perf_counter()
    info = enterprise.info()
    domains = {d.email_domain.casefold() for d in info.email_domains}
    tokens: dict[str, list[Any]] = {}
    for token in enterprise.access_tokens():
        if token.state == "active":
            tokens.setdefault(token.user_id, []).append(token)
    groups: dict[str, Any] = {}
    workspaces: dict[str, Any] = {}
    rows = 0
    users = 0
    ids = list(info.user_ids)
    listed = set(ids)
    ids += [user_id for user_id in tokens if user_id not in listed]  # as ours: every token holder
    for batch in _batches(ids, 100):
        for user in enterprise.users(batch, collaborations=True):
            users += 1
            external = user.email.rsplit("@", 1)[-1].casefold() not in domains
            keys: set[tuple[Any, ...]] = {("enterprise", None, None, external)}
            sources: list[tuple[str | None, Any]] = [(None, user.collaborations)]
            for ref in user.groups or ():
                if ref.id not in groups:
                    groups[ref.id] = enterprise.group(ref.id, collaborations=True)
                sources.append((ref.id, groups[ref.id].collaborations))
            for via, grants in sources:
                if grants is None:
                    continue
                for ws in grants.workspace_collaborations:
                    if ws.workspace_id not in workspaces:
                        workspaces[ws.workspace_id] = api.workspace(ws.workspace_id).collaborators()
                    keys.add(("workspace", ws.workspace_id, via, None))
                    for base_id in workspaces[ws.workspace_id].base_ids:
                        keys.add(("base", base_id, via, ws.workspace_id))
                for base in grants.base_collaborations:
                    keys.add(("base", base.base_id, via, None))
                for interface in grants.interface_collaborations:
                    keys.add(("interface", interface.interface_id, via, None))
            keys.update(("token", t.id, None, None) for t in tokens.pop(user.id, ()))
            rows += len(keys)
    return {
        "requests": COUNTERS.responses,
        "rate_limited": COUNTERS.rate_limited,
        "items": rows,
        "users": users,
        "groups": len(groups),
        "workspaces": len(workspaces),
        "errors": 0,
        "review_s": time.perf_counter() - started,
    }
