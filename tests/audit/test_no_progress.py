"""Issue 12, point 2, beyond one repeated cursor: a cycle of cursors or pages of events
already handed out (behind fresh cursors) end every kind of walk in a typed error."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import anyio
import httpx
import pytest

from airtable_enterprise import AsyncApi, ResponseValidationError

from .fake import T0, iso, make_event

pytestmark = pytest.mark.anyio

ENTERPRISE = "entUBq2RGdihxl3vU"
USERS = [f"usr{i:014d}" for i in range(150)]  # > 100 values: a merged walk of 2 chains
WINDOW = {"start_time": iso(T0), "end_time": iso(T0 + timedelta(days=1))}
#: A spinning walk is the bug; past this many requests the server answers 400 instead.
BUDGET = 200


def looping_server(kind: str) -> httpx.MockTransport:
    """Two pages, A and B, answered in turn: behind a cycle of two cursors (``cycle``),
    or behind a fresh cursor each time (``fresh``)."""
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls > BUDGET:
            return httpx.Response(400, json={"error": {"type": "SPUN", "message": "spun"}})
        turn = calls % 2
        cursor = f"c{turn}" if kind == "cycle" else f"c{calls}"
        at = T0 + timedelta(minutes=1 + turn)
        events = [make_event(3 * turn + i, at=at) for i in range(3)]
        pagination = {"previous": cursor, "next": cursor}
        return httpx.Response(200, json={"events": events, "pagination": pagination})

    return httpx.MockTransport(handler)


@pytest.mark.parametrize("kind", ["cycle", "fresh"])
@pytest.mark.parametrize(
    "options",
    [{}, {"user_id": USERS}, {"parallel": 2, **WINDOW}, WINDOW],
    ids=["single", "merged", "backfill", "single-window"],
)
async def test_a_walk_that_goes_round_in_circles_ends_in_a_typed_error(
    options: dict[str, Any], kind: str
) -> None:
    transport = looping_server(kind)
    seen: list[str] = []

    async def walk() -> None:
        async for page in api.enterprise(ENTERPRISE).audit_log(**options):
            seen.extend(event.id for event in page.events)

    async with AsyncApi("patTEST.secret", transport=transport, requests_per_second=1e6) as api:
        with anyio.fail_after(60):  # a generous bound: the budget ends a spin first
            with pytest.raises(ResponseValidationError, match="does not advance"):
                await walk()
    assert len(seen) == len(set(seen))  # nothing handed out twice meanwhile
