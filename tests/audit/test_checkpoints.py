"""Issue 12, points 2, 3, 4 and 11: per-event checkpoints resume exactly once, a
checkpoint only resumes its own query, a cursor that does not advance stops the walk,
and a failed read-ahead walk keeps raising its error."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta
from typing import Any

import anyio
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airtable_enterprise import (
    AsyncApi,
    Enterprise,
    InvalidInputError,
    ResponseValidationError,
    ServerError,
)
from airtable_enterprise.audit.backfill import decode_token
from airtable_enterprise.audit.checkpoint import decode_chains
from airtable_enterprise.audit.log import build_query

from .fake import T0, FakeAuditLog, iso, make_event

pytestmark = pytest.mark.anyio

USERS = [f"usr{i:014d}" for i in range(150)]  # > 100 values: a merged walk of 2 chains
WINDOW = {"start_time": iso(T0), "end_time": iso(T0 + timedelta(days=1))}
WALKS: dict[str, dict[str, Any]] = {
    "single-asc": {"sort_asc": True, "page_size": 7},
    "single-desc": {"sort_asc": False, "page_size": 7},
    "merged-asc": {"sort_asc": True, "page_size": 6, "user_id": USERS},
    "merged-desc": {"sort_asc": False, "page_size": 6, "user_id": USERS},
    "backfill-asc": {"sort_asc": True, "page_size": 6, "parallel": 3, **WINDOW},
    "backfill-desc": {"sort_asc": False, "page_size": 6, "parallel": 3, **WINDOW},
}

ENTERPRISE = "entUBq2RGdihxl3vU"


def a_world() -> FakeAuditLog:
    # Several events share a millisecond, so (timestamp, id) order is exercised too.
    events = [make_event(i, at=T0 + timedelta(seconds=i // 3)) for i in range(80)]
    return FakeAuditLog(events)


async def walk_events(
    enterprise: Enterprise, options: dict[str, Any], crash_after: int | None
) -> tuple[list[str], str | None, bool]:
    """Consume events, saving ``cursor`` after each; stop ("crash") after ``crash_after``.
    Returns the events processed, the saved checkpoint and whether it crashed."""
    seen: list[str] = []
    saved: str | None = options.get("resume")
    async with enterprise.audit_events(**options) as stream:
        async for event in stream:
            seen.append(event.id)
            saved = stream.cursor
            if crash_after is not None and len(seen) == crash_after:
                return seen, saved, True
    return seen, saved, False


@pytest.mark.parametrize("walk", list(WALKS))
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(crashes=st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=3))
async def test_a_checkpoint_saved_after_any_event_resumes_exactly_once(
    walk: str, crashes: list[int]
) -> None:
    fake = a_world()
    options = WALKS[walk]
    async with AsyncApi("patTEST.secret", transport=fake.transport, requests_per_second=1e6) as api:
        enterprise = api.enterprise(ENTERPRISE)
        reference, _, _ = await walk_events(enterprise, options, None)
        assert len(reference) == len(set(reference)) == 80
        processed: list[str] = []
        saved: str | None = None
        for crash_after in [*crashes, None]:
            seen, saved, crashed = await walk_events(
                enterprise, {**options, "resume": saved}, crash_after
            )
            processed += seen
            if not crashed or saved is None:  # None: the walk was complete
                break
        assert processed == reference  # every event, once, in order


async def test_a_checkpoint_of_another_query_is_refused(enterprise: Enterprise) -> None:
    for options, other in [
        ({"sort_asc": True, "page_size": 5}, {"sort_asc": True, "event_type": "createBase"}),
        ({"sort_asc": True, "page_size": 5}, {"sort_asc": True, **WINDOW}),
        ({"user_id": USERS, "page_size": 5}, {"user_id": USERS[::-1], "page_size": 5}),
        ({"parallel": 2, "page_size": 5, **WINDOW}, {"parallel": 2, "sort_asc": True, **WINDOW}),
    ]:
        _, saved, crashed = await walk_events(enterprise, options, 12)
        assert crashed
        assert saved is not None
        with pytest.raises(InvalidInputError, match="different query"):
            enterprise.audit_log(**other, resume=saved)
        # The same query with another page size is the same walk: accepted.
        enterprise.audit_log(**{**options, "page_size": 9}, resume=saved)


def token(prefix: str, body: object) -> str:
    return prefix + base64.urlsafe_b64encode(json.dumps(body).encode()).decode()


@pytest.mark.parametrize(
    "body",
    [
        {"q": "", "chains": [None], "after": ["2026-01-01T00:00:00", "x"]},  # naive time
        {"q": "", "chains": [None], "after": ["9999-12-31T23:00:00-05:00", "x"]},  # overflow
        {"q": "", "chains": [None], "after": ["2026-01-01T00:00:00Z", 5]},  # id not a string
        {"q": "", "chains": [7], "after": None},
        {"q": "", "chains": None},
        [],
    ],
)
def test_forged_chain_tokens_are_refused_at_decode(body: object) -> None:
    with pytest.raises(InvalidInputError, match="not a checkpoint of this library"):
        decode_chains(token("resume:", body), chain_count=1, query="")


@pytest.mark.parametrize(
    "body",
    [
        {"q": "", "window": [1e400, 1], "after": ["2026-01-01T00:00:00Z", "x"]},  # inf
        {"q": "", "window": [0, 1], "after": ["2026-01-01T00:00:00", "x"]},  # naive
        {"q": "", "window": [0, True], "after": ["2026-01-01T00:00:00Z", "x"]},
        {"q": "", "window": "ab", "after": ["2026-01-01T00:00:00Z", "x"]},
    ],
)
def test_forged_backfill_tokens_are_refused_at_decode(body: object) -> None:
    raw = token("backfill:", body).replace("1e400", "1e400")
    with pytest.raises(InvalidInputError, match="not a checkpoint of this library"):
        decode_token(raw, (0, 1), "")


def test_an_overflowing_window_in_json_is_refused() -> None:
    raw = (
        "backfill:"
        + base64.urlsafe_b64encode(
            b'{"q":"","window":[1e400,1],"after":["2026-01-01T00:00:00Z","x"]}'
        ).decode()
    )
    with pytest.raises(InvalidInputError):
        decode_token(raw, (0, 1), "")


@pytest.mark.parametrize("prefix", ["resume:", "merged:", "backfill:"])
def test_a_deeply_nested_token_is_an_invalid_input(prefix: str) -> None:
    raw = prefix + base64.urlsafe_b64encode(b"[" * 100_000 + b"]" * 100_000).decode()
    with pytest.raises(InvalidInputError):
        build_query(parallel=2 if prefix == "backfill:" else 1, **WINDOW, resume=raw)


@pytest.mark.parametrize("value", [10**6, 65])
def test_parallel_is_bounded_before_any_work(value: int) -> None:
    with pytest.raises(InvalidInputError, match="parallel"):
        build_query(parallel=value, **WINDOW)


@pytest.mark.parametrize(
    "moment",
    ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00", datetime.min],
)
def test_out_of_range_times_are_invalid_inputs(moment: object) -> None:
    with pytest.raises(InvalidInputError, match="start_time"):
        build_query(start_time=moment)  # type: ignore[arg-type]


# ------------------------------------------------------------- no progress


def stuck_server(*, same_events: bool) -> httpx.MockTransport:
    """Answers every request with one page of events and the same cursor (or fresh
    cursors over the same events)."""
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        cursor = "c" if not same_events else f"c{calls}"
        events = [make_event(i) for i in range(3)]
        return httpx.Response(200, json={"events": events, "pagination": {"previous": cursor}})

    return httpx.MockTransport(handler)


@pytest.mark.parametrize("same_events", [False, True], ids=["same-cursor", "same-page"])
@pytest.mark.parametrize(
    "options",
    [{}, {"user_id": USERS}, {"parallel": 2, **WINDOW}],
    ids=["single", "merged", "backfill"],
)
async def test_a_cursor_that_never_advances_ends_in_a_typed_error(
    options: dict[str, Any], same_events: bool
) -> None:
    transport = stuck_server(same_events=same_events)
    async with AsyncApi("patTEST.secret", transport=transport, requests_per_second=1e6) as api:
        with anyio.fail_after(30):  # a spin is the bug; this bound is never reached otherwise
            with pytest.raises(ResponseValidationError, match="does not advance"):
                async for _ in api.enterprise(ENTERPRISE).audit_log(**options):
                    pass


# --------------------------------------------------- iterating after a failure


async def test_iterating_again_after_a_server_error_raises_it_again() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            events = [make_event(i) for i in range(3)]
            return httpx.Response(200, json={"events": events, "pagination": {"previous": "p"}})
        return httpx.Response(500, json={"error": {"type": "SERVER_ERROR"}})

    api = AsyncApi(
        "patTEST.secret", transport=httpx.MockTransport(handler), requests_per_second=1e6
    )
    from airtable_enterprise import RetryPolicy

    api.retry = RetryPolicy(max_attempts=1)
    async with api, api.enterprise(ENTERPRISE).audit_log(page_size=3) as pages:
        await pages.__anext__()
        with pytest.raises(ServerError):
            await pages.__anext__()
        with pytest.raises(ServerError):
            await pages.__anext__()


async def test_the_cursor_before_the_first_event_is_the_checkpoint_resumed_from(
    enterprise: Enterprise,
) -> None:
    _, saved, _ = await walk_events(enterprise, {"sort_asc": True, "page_size": 5}, 7)
    stream = enterprise.audit_events(sort_asc=True, page_size=5, resume=saved)
    assert stream.cursor == saved  # saving it before any event loses no position
    assert enterprise.audit_events(sort_asc=True).cursor is None
