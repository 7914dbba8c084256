"""Realism knobs: the server-side rate limit, fault injection, latency, counters."""

from __future__ import annotations

import httpx
import pytest

from airtable_enterprise import RetryPolicy, UnknownOutcomeError
from airtable_enterprise.testing import (
    DropConnection,
    Emulator,
    MalformedBody,
    SlowResponse,
    StatusFault,
    TruncatedBody,
)
from airtable_enterprise.testing.http.ratelimit import StrictWindowLimiter

from .conftest import ent_path, fixture


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_strict_window_refuses_the_extra_request_then_the_whole_penalty() -> None:
    clock = FakeTime()
    limiter = StrictWindowLimiter(3, penalty=30.0, clock=clock)
    assert [limiter.check("t") for _ in range(3)] == [None, None, None]
    assert limiter.check("other") is None  # per token
    assert limiter.check("t") == 30.0
    clock.now += 29.5
    assert limiter.check("t") == pytest.approx(0.5)
    clock.now += 0.5
    assert limiter.check("t") is None


def test_strict_window_slides_by_one_second() -> None:
    clock = FakeTime()
    limiter = StrictWindowLimiter(2, penalty=5.0, clock=clock)
    assert limiter.check("t") is None
    clock.now += 0.6
    assert limiter.check("t") is None
    clock.now += 0.5  # the first request left the window
    assert limiter.check("t") is None
    assert limiter.check("t") == 5.0
    limiter.reset()
    assert limiter.check("t") is None
    with pytest.raises(ValueError, match="rps"):
        StrictWindowLimiter(0)


@pytest.mark.anyio
async def test_rate_limit_over_http_answers_429_with_optional_retry_after(
    client: httpx.AsyncClient, emulator: Emulator
) -> None:
    clock = FakeTime()
    emulator.limiter = StrictWindowLimiter(2, penalty=30.0, clock=clock)
    emulator.retry_after_header = True
    statuses = [(await client.get(ent_path(emulator))).status_code for _ in range(2)]
    refused = await client.get(ent_path(emulator))
    assert statuses == [200, 200]
    assert refused.status_code == 429
    assert refused.json() == fixture("Error.RateLimitReached.json")
    assert refused.headers["Retry-After"] == "30"
    clock.now += 10
    assert (await client.get(ent_path(emulator))).status_code == 429  # still in the penalty
    clock.now += 21
    assert (await client.get(ent_path(emulator))).status_code == 200
    assert emulator.stats.rate_limited == 2
    assert emulator.stats.statuses[429] == 2


@pytest.mark.anyio
async def test_status_faults_come_in_order_then_stop(
    client: httpx.AsyncClient, emulator: Emulator
) -> None:
    rule = emulator.faults.add(r"/users$", StatusFault(503, retry_after=2), StatusFault(502))
    path = ent_path(emulator, "/users")
    first = await client.get(path, params={"id": emulator.admin_id})
    second = await client.get(path, params={"id": emulator.admin_id})
    third = await client.get(path, params={"id": emulator.admin_id})
    assert (first.status_code, first.headers["Retry-After"]) == (503, "2")
    assert first.json() == fixture("Error.RetriableError.json")
    assert second.status_code == 502
    assert "Retry-After" not in second.headers
    assert third.status_code == 200
    assert rule.hits == 2
    assert emulator.stats.faults["StatusFault"] == 2
    assert emulator.stats.routes["GET /v0/meta/enterpriseAccounts/{ent}/users"] == 3


@pytest.mark.anyio
async def test_repeat_and_method_filters(client: httpx.AsyncClient, emulator: Emulator) -> None:
    emulator.faults.add(".", StatusFault(500), method="delete", repeat=True)
    assert (await client.get(ent_path(emulator))).status_code == 200
    for _ in range(3):
        assert (await client.delete("/v0/meta/workspaces/wspAAAAAAAAAAAAAA")).status_code == 500
    emulator.faults.clear()
    assert (await client.delete("/v0/meta/workspaces/wspAAAAAAAAAAAAAA")).status_code == 403
    with pytest.raises(ValueError, match="at least one"):
        emulator.faults.add(".")


def _create_workspace(emulator: Emulator) -> dict[str, str]:
    return {"enterpriseAccountId": emulator.enterprise_id, "name": "Faulty"}


@pytest.mark.anyio
async def test_dropped_connection_after_the_change(
    client: httpx.AsyncClient, emulator: Emulator
) -> None:
    emulator.faults.add("^/v0/meta/workspaces$", DropConnection())
    before = len(emulator.world.workspaces)
    with pytest.raises(httpx.RemoteProtocolError):
        await client.post("/v0/meta/workspaces", json=_create_workspace(emulator))
    assert len(emulator.world.workspaces) == before + 1
    assert emulator.world.audit.newest().action == "createWorkspace"  # type: ignore[union-attr]


@pytest.mark.anyio
async def test_truncated_body_after_the_change(
    client: httpx.AsyncClient, emulator: Emulator
) -> None:
    emulator.faults.add("^/v0/meta/workspaces$", TruncatedBody())
    before = len(emulator.world.workspaces)
    with pytest.raises(httpx.RemoteProtocolError):
        await client.post("/v0/meta/workspaces", json=_create_workspace(emulator))
    assert len(emulator.world.workspaces) == before + 1


@pytest.mark.anyio
async def test_malformed_and_slow_bodies(client: httpx.AsyncClient, emulator: Emulator) -> None:
    emulator.faults.add("auditLogEvents", MalformedBody(), SlowResponse(0.001))
    emulator.faults.add("logout", MalformedBody())
    path = ent_path(emulator, "/auditLogEvents")
    malformed = await client.get(path)
    assert malformed.status_code == 200
    with pytest.raises(ValueError):
        malformed.json()
    slow = await client.get(path)
    assert slow.json()["events"]
    user = emulator.make_user()
    empty = await client.post(ent_path(emulator, f"/users/{user.id}/logout"))
    assert empty.status_code == 200
    with pytest.raises(ValueError):
        empty.json()
    assert user.logged_out_time is not None


@pytest.mark.anyio
async def test_the_client_sees_an_unknown_outcome_and_a_retried_503(
    emulator: Emulator,
) -> None:
    emulator.faults.add("^/v0/meta/workspaces$", DropConnection())
    emulator.faults.add("/users$", StatusFault(503, retry_after=0.01))
    async with emulator.api(retry=RetryPolicy(backoff_initial=0.01)) as api:
        with pytest.raises(UnknownOutcomeError):
            await api.request("POST", "/v0/meta/workspaces", json=_create_workspace(emulator))
        users = await api.request(
            "GET", ent_path(emulator, "/users"), params=[("id[]", emulator.admin_id)]
        )
    assert users["users"][0]["id"] == emulator.admin_id
    assert emulator.stats.statuses[503] == 1


@pytest.mark.anyio
async def test_latency_and_jitter_still_answer(emulator: Emulator) -> None:
    emulator.latency, emulator.jitter = 0.001, 0.001
    async with emulator.api() as api:
        info = await api.request("GET", ent_path(emulator))
    assert info["id"] == emulator.enterprise_id
    assert emulator.stats.requests == 1


def test_knob_validation() -> None:
    with pytest.raises(ValueError, match="latency"):
        Emulator(latency=-1)
    with pytest.raises(ValueError, match="max_scan"):
        Emulator(max_scan=0)
