"""Faults over loopback: the emulator behind uvicorn, with its fault injection.

Every test talks to a real socket on 127.0.0.1, through httpx's own transport (wrapped
to keep a log of what went over the wire), on asyncio and on trio.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime as http_date
from typing import Any

import anyio
import httpx
import pytest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from airtable_enterprise import (
    AsyncApi,
    RequestTimeoutError,
    ResponseValidationError,
    RetryPolicy,
    ServerError,
    UnknownOutcomeError,
)
from airtable_enterprise.testing import (
    BackgroundServer,
    DropConnection,
    Emulator,
    MalformedBody,
    SlowResponse,
    StatusFault,
    TruncatedBody,
    generate_enterprise,
)

from .helpers import RecordingTransport, cooldown_episodes

pytestmark = pytest.mark.anyio

#: Retries without real waits between them (backoff of a millisecond or two).
FAST = RetryPolicy(backoff_initial=0.001, backoff_max=0.002, deadline=20.0)


@pytest.fixture
def wire() -> RecordingTransport:
    return RecordingTransport()


@pytest.fixture
async def api(
    emulator: Emulator, server: BackgroundServer, wire: RecordingTransport
) -> AsyncIterator[AsyncApi]:
    async with AsyncApi(
        emulator.token, endpoint_url=server.url, transport=wire, retry=FAST
    ) as client:
        yield client


def ent_path(emulator: Emulator, suffix: str = "") -> str:
    return f"/v0/meta/enterpriseAccounts/{emulator.enterprise_id}{suffix}"


def some_user(emulator: Emulator) -> str:
    """An active internal non-admin user of the world, not the token's owner."""
    world = emulator.world
    for user in world.users.values():
        if user.id != emulator.admin_id and world.is_internal(user) and not user.is_admin:
            return user.id
    raise AssertionError("the generated world has no plain internal user")


# ----------------------------------------------------------------- 429 storms


async def test_a_429_storm_of_5000_users_loses_none_and_duplicates_none() -> None:
    """The emulator allows 20/s, the client is configured for 50/s: it trips, and the
    shared cooldown keeps every task quiet until the penalty is over."""
    penalty = 0.5
    emulator = Emulator(
        generate_enterprise(seed=3, users=5000, events=0),
        rate_limit=20,
        rate_limit_penalty=penalty,
        latency=0.002,
    )
    ids = list(emulator.world.users)
    assert len(ids) == 5000
    wire = RecordingTransport()
    with BackgroundServer(emulator) as server:
        async with AsyncApi(
            emulator.token,
            endpoint_url=server.url,
            transport=wire,
            requests_per_second=50,
            rate_limit_cooldown=penalty,
        ) as api:
            penalized_at = record_penalties(api)
            users = await api.enterprise(emulator.enterprise_id).users(ids)

    assert [user.id for user in users] == ids  # every one, once, in input order
    assert users.missing == ()
    # The limit was really tripped, and every 429 the server sent was seen and retried.
    assert emulator.stats.rate_limited >= 1
    assert api.stats.rate_limited == emulator.stats.rate_limited == len(penalized_at)
    assert api.stats.calls == 50
    assert api.stats.attempts == 50 + api.stats.rate_limited
    # A few bursts, not a 429 per task: once the client has seen a 429, no task sends
    # anything until the cooldown is over (checked below); only requests already on
    # their way can draw more 429s, so they cluster into a few cooldown episodes. The
    # pace halves after each trip and climbs back to 90% of where it tripped, so
    # against 20/s it converges in about three trips (46/s, 23/s, 20.7/s); a loaded
    # machine that bunches sends together may add one or two.
    episodes = cooldown_episodes(penalized_at, penalty)
    assert episodes <= 6
    assert api.stats.rate_limited <= episodes * 32  # at most the requests in flight
    for seen_at in penalized_at:
        sent_during_cooldown = [
            e for e in wire.exchanges if seen_at < e.sent_at < seen_at + penalty - 0.001
        ]
        assert sent_during_cooldown == []


def record_penalties(api: AsyncApi) -> list[float]:
    """Wrap the shared limiter's ``penalize`` to note when the client saw each 429."""
    seen: list[float] = []
    penalize = api.limiter.penalize

    def recording(*, started_at: float, retry_after: float | None) -> float:
        seen.append(time.monotonic())
        return penalize(started_at=started_at, retry_after=retry_after)

    api.limiter.penalize = recording  # type: ignore[method-assign]
    return seen


async def test_retry_after_in_seconds_pauses_every_task(
    emulator: Emulator, api: AsyncApi, wire: RecordingTransport
) -> None:
    emulator.faults.add(r"/users$", StatusFault(429, retry_after=0.5), method="GET")
    penalized_at = record_penalties(api)
    user_ids = list(emulator.world.users)[:3]
    enterprise = api.enterprise(emulator.enterprise_id)
    async with anyio.create_task_group() as group:
        for user_id in user_ids:
            group.start_soon(enterprise.user, user_id)
    assert wire.statuses.count(429) == 1
    assert wire.statuses.count(200) == 3
    (seen_at,) = penalized_at
    later = [e for e in wire.exchanges if e.sent_at > seen_at]
    assert len(later) >= 2, "the refused request and at least one other waited"
    assert all(e.sent_at >= seen_at + 0.5 for e in later)
    assert api.limiter.stats.cooldown_seconds == pytest.approx(0.5, abs=0.01)


class RetryAfterAsDate:
    """ASGI middleware: rewrites ``Retry-After: <seconds>`` into the HTTP-date form."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.dates: list[datetime] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def rewrite(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = []
                for key, value in message["headers"]:
                    if key.lower() == b"retry-after":
                        # HTTP dates have whole seconds: round up so the wait is never shorter.
                        # The client turns an HTTP date into a wait from the real now (the
                        # header's meaning), so the date is built from the same clock.
                        now = datetime.now(UTC).replace(microsecond=0)  # wall-clock ok
                        now += timedelta(seconds=1)
                        when = now + timedelta(seconds=float(value))
                        self.dates.append(when)
                        value = http_date(when, usegmt=True).encode()
                    headers.append((key, value))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, rewrite)


async def test_retry_after_as_an_http_date_is_honoured(emulator: Emulator) -> None:
    middleware = RetryAfterAsDate(emulator.app)
    emulator._app = middleware  # serve the emulator through the rewriting middleware
    emulator.faults.add(r"/users$", StatusFault(429, retry_after=1), method="GET")
    wire = RecordingTransport()
    user_id = next(iter(emulator.world.users))
    with BackgroundServer(emulator) as server:
        async with AsyncApi(
            emulator.token, endpoint_url=server.url, transport=wire, retry=FAST
        ) as api:
            user = await api.enterprise(emulator.enterprise_id).user(user_id)
    assert user.id == user_id
    assert wire.statuses == [429, 200]
    (date,) = middleware.dates
    retried_at = datetime.now(UTC) - timedelta(seconds=time.monotonic() - wire.exchanges[1].sent_at)
    # Not before the date the server named (a little slack for the two clocks' reading).
    assert retried_at >= date - timedelta(seconds=0.1)


async def test_a_503_retriable_error_sequence_is_retried_to_success(
    emulator: Emulator, api: AsyncApi, wire: RecordingTransport
) -> None:
    emulator.faults.add(r"/users$", *[StatusFault(503)] * 4, method="GET")
    user_id = some_user(emulator)
    user = await api.enterprise(emulator.enterprise_id).user(user_id)
    assert user.id == user_id
    assert wire.statuses == [503, 503, 503, 503, 200]


async def test_a_503_that_never_ends_raises_server_error_after_max_attempts(
    emulator: Emulator, api: AsyncApi, wire: RecordingTransport
) -> None:
    emulator.faults.add(r"/users$", StatusFault(503), method="GET", repeat=True)
    with pytest.raises(ServerError) as caught:
        await api.enterprise(emulator.enterprise_id).user(some_user(emulator))
    assert caught.value.status_code == 503
    assert caught.value.error_type == "RETRIABLE_ERROR"
    assert wire.statuses == [503] * FAST.max_attempts


@pytest.mark.parametrize("status", [500, 502])
async def test_500_and_502_are_retried_for_get(
    emulator: Emulator, api: AsyncApi, wire: RecordingTransport, status: int
) -> None:
    emulator.faults.add(r"/users$", StatusFault(status), StatusFault(status), method="GET")
    user_id = some_user(emulator)
    assert (await api.enterprise(emulator.enterprise_id).user(user_id)).id == user_id
    assert wire.statuses == [status, status, 200]


@pytest.mark.parametrize("status", [500, 502])
async def test_500_and_502_on_post_are_unknown_outcomes_sent_once(
    emulator: Emulator, api: AsyncApi, wire: RecordingTransport, status: int
) -> None:
    emulator.faults.add(r"^/v0/meta/workspaces$", StatusFault(status), method="POST")
    with pytest.raises(UnknownOutcomeError) as caught:
        await api.enterprise(emulator.enterprise_id).create_workspace("Refused")
    assert caught.value.status_code == status
    assert caught.value.path == "/v0/meta/workspaces"
    assert wire.statuses == [status]


# ------------------------------------------------- dropped after the change was applied


def workspaces_named(emulator: Emulator, name: str) -> int:
    return sum(1 for w in emulator.world.workspaces.values() if w.name == name)


def events(emulator: Emulator, action: str, model_id: str | None = None) -> int:
    return sum(
        1
        for event in emulator.world.audit
        if event.action == action and (model_id is None or event.model_id == model_id)
    )


DROPS = [DropConnection(), TruncatedBody()]


@pytest.mark.parametrize("fault", DROPS, ids=["dropped", "truncated"])
async def test_create_workspace_dropped_after_applied_creates_exactly_one(
    emulator: Emulator, api: AsyncApi, wire: RecordingTransport, fault: Any
) -> None:
    emulator.faults.add(r"^/v0/meta/workspaces$", fault, method="POST")
    with pytest.raises(UnknownOutcomeError) as caught:
        await api.enterprise(emulator.enterprise_id).create_workspace("Quarterly")
    assert caught.value.method == "POST"
    assert caught.value.path == "/v0/meta/workspaces"
    assert workspaces_named(emulator, "Quarterly") == 1
    assert events(emulator, "createWorkspace") == 1
    assert emulator.stats.routes["POST /v0/meta/workspaces"] == 1
    assert len(wire.exchanges) == 1


def holds_grants(emulator: Emulator, user_id: str) -> bool:
    return any(user_id in grants for _, grants in emulator.world.grant_holders())


def removable_user(emulator: Emulator) -> str:
    """A plain internal user with grants, none of them as a workspace's sole owner."""
    world = emulator.world
    sole_owners = {ids[0] for w in world.workspaces.values() if len(ids := world.owners(w)) == 1}
    for user in world.users.values():
        if (
            user.id != emulator.admin_id
            and world.is_internal(user)
            and not user.is_admin
            and user.id not in sole_owners
            and holds_grants(emulator, user.id)
        ):
            return user.id
    raise AssertionError("the generated world has no removable user with grants")


@pytest.mark.parametrize("fault", DROPS, ids=["dropped", "truncated"])
async def test_remove_user_dropped_after_applied_removes_exactly_once(
    emulator: Emulator, api: AsyncApi, wire: RecordingTransport, fault: Any
) -> None:
    user_id = removable_user(emulator)
    emulator.faults.add(r"/remove$", fault, method="POST")
    with pytest.raises(UnknownOutcomeError) as caught:
        await api.enterprise(emulator.enterprise_id).remove_user(user_id)
    assert caught.value.path == ent_path(emulator, f"/users/{user_id}/remove")
    assert emulator.stats.routes["POST /v0/meta/enterpriseAccounts/{ent}/users/{user}/remove"] == 1
    assert len(wire.exchanges) == 1
    # The removal happened (the user holds nothing any more), and only once.
    assert not holds_grants(emulator, user_id)
    assert events(emulator, "removeUserFromEnterprise", user_id) == 1


@pytest.mark.parametrize("fault", DROPS, ids=["dropped", "truncated"])
async def test_claim_users_dropped_after_applied_claims_exactly_once(
    emulator: Emulator, api: AsyncApi, wire: RecordingTransport, fault: Any
) -> None:
    user_id = some_user(emulator)
    user = emulator.world.users[user_id]
    user.is_managed = False
    emulator.faults.add(r"/users/claim$", fault, method="POST")
    with pytest.raises(UnknownOutcomeError):
        await api.enterprise(emulator.enterprise_id).claim_users({user_id: "managed"})
    assert user.is_managed
    assert events(emulator, "claimUser", user_id) == 1
    assert len(wire.exchanges) == 1


async def test_a_dropped_get_is_retried_and_succeeds(
    emulator: Emulator, api: AsyncApi, wire: RecordingTransport
) -> None:
    emulator.faults.add(r"/users$", DropConnection(), TruncatedBody(), method="GET")
    user_id = some_user(emulator)
    assert (await api.enterprise(emulator.enterprise_id).user(user_id)).id == user_id
    assert len(wire.exchanges) == 3
    assert wire.statuses[-1] == 200


# ------------------------------------------------------------------ bad bodies


async def test_malformed_json_is_a_typed_error_naming_the_endpoint(
    emulator: Emulator, api: AsyncApi
) -> None:
    emulator.faults.add(r"/users$", MalformedBody(), method="GET")
    with pytest.raises(ResponseValidationError) as caught:
        await api.enterprise(emulator.enterprise_id).user(some_user(emulator))
    assert caught.value.method == "GET"
    assert caught.value.path == ent_path(emulator, "/users")
    assert ent_path(emulator, "/users") in str(caught.value)
    assert "not valid JSON" in str(caught.value)


async def test_malformed_body_of_a_post_is_a_warning_not_a_failure_and_happened_once(
    emulator: Emulator,
    api: AsyncApi,
    wire: RecordingTransport,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The workspace was created: reporting a failure would invite a second one (issue 12).
    emulator.faults.add(r"^/v0/meta/workspaces$", MalformedBody(), method="POST")
    with caplog.at_level(logging.WARNING, logger="airtable_enterprise"):
        workspace = await api.enterprise(emulator.enterprise_id).create_workspace("Half a body")
    assert workspace.name == "Half a body"
    assert any("/v0/meta/workspaces succeeded" in r.getMessage() for r in caplog.records)
    assert workspaces_named(emulator, "Half a body") == 1
    assert len(wire.exchanges) == 1


class WrongShape:
    """ASGI app answering 200 with a JSON body that is not the documented object."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": self.body})


@pytest.mark.parametrize(
    ("body", "call", "path"),
    [
        (b'{"id": 42}', lambda e: e.info(), ""),
        (b'["not", "an", "object"]', lambda e: e.info(), ""),
        (b'{"users": {"usrX": 1}}', lambda e: e.user("usrL2PNC5o3H4lBEi"), "/users"),
        (b'{"users": [{"id": "usrL2PNC5o3H4lBEi"}]}', lambda e: e.users(["a@b.com"]), "/users"),
    ],
    ids=["info-id-not-str", "info-a-list", "users-not-a-list", "user-missing-fields"],
)
async def test_a_body_of_the_wrong_shape_is_a_typed_error_naming_the_endpoint(
    emulator: Emulator, body: bytes, call: Callable[[Any], Any], path: str
) -> None:
    emulator._app = WrongShape(body)  # every answer is this body
    with BackgroundServer(emulator) as server:
        async with AsyncApi(emulator.token, endpoint_url=server.url, retry=FAST) as api:
            with pytest.raises(ResponseValidationError) as caught:
                await call(api.enterprise(emulator.enterprise_id))
    assert caught.value.path == ent_path(emulator, path)
    assert f"GET {ent_path(emulator, path)}:" in str(caught.value)


# ------------------------------------------------------------------- timeouts


async def test_a_server_slower_than_the_timeout_times_out_within_the_deadline(
    emulator: Emulator, server: BackgroundServer, wire: RecordingTransport
) -> None:
    emulator.faults.add(r"/users$", SlowResponse(0.8), method="GET", repeat=True)
    policy = RetryPolicy(max_attempts=10, backoff_initial=0.01, backoff_max=0.02, deadline=0.6)
    async with AsyncApi(
        emulator.token, endpoint_url=server.url, transport=wire, timeout=0.2, retry=policy
    ) as api:
        started = time.monotonic()
        with pytest.raises(RequestTimeoutError) as caught:
            await api.enterprise(emulator.enterprise_id).user(some_user(emulator))
        took = time.monotonic() - started
    assert caught.value.path == ent_path(emulator, "/users")
    # Within the policy's deadline (generous slack for a loaded machine).
    assert took < policy.deadline + 1.0
    assert len(wire.exchanges) >= 2  # the read timeouts of a GET were retried...
    # ... each after the 0.2 s read timeout; the last one was cut by the deadline.
    assert {e.error for e in wire.exchanges[:-1]} == {"ReadTimeout"}


async def test_a_slow_post_is_an_unknown_outcome_never_sent_twice(
    emulator: Emulator, server: BackgroundServer, wire: RecordingTransport
) -> None:
    emulator.faults.add(r"^/v0/meta/workspaces$", SlowResponse(0.5), method="POST")
    async with AsyncApi(
        emulator.token, endpoint_url=server.url, transport=wire, timeout=0.2, retry=FAST
    ) as api:
        with pytest.raises(UnknownOutcomeError, match="POST /v0/meta/workspaces"):
            await api.enterprise(emulator.enterprise_id).create_workspace("Slow")
    assert [e.error for e in wire.exchanges] == ["ReadTimeout"]
    await anyio.sleep(0.6)  # let the server finish with the request the client gave up on
    assert emulator.stats.routes["POST /v0/meta/workspaces"] == 1
    assert workspaces_named(emulator, "Slow") <= 1


# ---------------------------------------------------------------- cancellation


async def cancel_mid_request(
    scope: anyio.CancelScope, wire: RecordingTransport, after: int
) -> None:
    """Cancel ``scope`` while a request is on the wire, once ``after`` were sent: the
    cut falls in the middle of the work whatever the machine's speed (no wall clock)."""
    while not (len(wire.exchanges) >= after and wire.in_flight > 0):  # noqa: ASYNC110
        await anyio.sleep(0.001)
    scope.cancel()


def active_connections(transport: httpx.AsyncHTTPTransport) -> list[Any]:
    """Connections of httpx's pool that are not idle (busy with a request, or half-used)."""
    pool = transport._pool
    return [c for c in pool.connections if not (c.is_idle() or c.is_closed())]


async def test_cancelling_a_bulk_fetch_leaves_no_task_and_no_connection() -> None:
    emulator = Emulator(generate_enterprise(seed=5, users=1500, events=0), latency=0.05)
    ids = list(emulator.world.users)
    wire = RecordingTransport()
    with BackgroundServer(emulator) as server:
        async with AsyncApi(
            emulator.token, endpoint_url=server.url, transport=wire, requests_per_second=40
        ) as api:
            enterprise = api.enterprise(emulator.enterprise_id)
            async with anyio.create_task_group() as tg:
                with anyio.CancelScope() as scope:
                    tg.start_soon(cancel_mid_request, scope, wire, 3)
                    await enterprise.users(ids)
            assert scope.cancelled_caught  # cancelled in the middle of 15 requests
            assert 3 <= len(wire.exchanges) < 15
            assert wire.in_flight == 0
            assert active_connections(wire) == []
            # The client is still usable afterwards: the limiter and pool are not wedged.
            assert (await enterprise.user(ids[0])).id == ids[0]
            assert active_connections(wire) == []


@pytest.mark.parametrize("read_ahead", [False, True], ids=["bare", "read-ahead"])
async def test_cancelling_an_audit_stream_leaves_no_task_and_no_connection(
    read_ahead: bool,
) -> None:
    emulator = Emulator(generate_enterprise(seed=6, users=30, events=3000), latency=0.03)
    wire = RecordingTransport()
    tasks_before = {task.id for task in anyio.get_running_tasks()}
    pages = 0
    with BackgroundServer(emulator) as server:
        async with AsyncApi(emulator.token, endpoint_url=server.url, transport=wire) as api:
            enterprise = api.enterprise(emulator.enterprise_id)
            log = enterprise.audit_log(page_size=50, read_ahead=3, parallel=1)
            async with anyio.create_task_group() as tg:
                with anyio.CancelScope() as scope:
                    # Cut after 5 requests, while one is on the wire (no wall clock:
                    # a count of pages in 0.25 s failed once on a loaded machine).
                    tg.start_soon(cancel_mid_request, scope, wire, 5)
                    if read_ahead:
                        async with log:
                            async for _ in log:
                                pages += 1
                    else:
                        async for _ in log:
                            pages += 1
            assert scope.cancelled_caught  # 60 pages: cut in the middle
            assert 0 < pages < 60
            assert wire.in_flight == 0
            assert active_connections(wire) == []
            assert {task.id for task in anyio.get_running_tasks()} == tasks_before
            # Still usable: a new stream reads from the start.
            async for page in enterprise.audit_log(page_size=5, page_limit=1):
                assert len(page.events) == 5
