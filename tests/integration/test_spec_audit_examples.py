"""The spec's "Audit Log Monitoring" examples, made async, against the emulator."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from airtable_enterprise.testing import Emulator, generate_enterprise

pytestmark = pytest.mark.anyio


def local_now(emulator: Emulator) -> datetime:
    """The naive local now of the spec's examples, read from the world's clock."""
    return emulator.world.now().astimezone().replace(tzinfo=None)


@pytest.fixture(scope="module")
def emulator() -> Emulator:
    # Read-only tests: one world for the module (20,000 events: ~800 in the last week).
    return Emulator(generate_enterprise(seed=11, users=60, events=20_000))


async def test_recent_audit_events(emulator: Emulator) -> None:
    now = local_now(emulator)
    since = now - timedelta(days=7)  # Last week (a naive datetime is local time)
    async with emulator.api(requests_per_second=5000) as api:
        enterprise = api.enterprise(emulator.enterprise_id)
        recent_events = []
        async for page in enterprise.audit_log(
            sort_asc=False,  # Latest first
            page_size=100,
            page_limit=5,  # First 5 pages
            start_time=since,
        ):
            recent_events.extend(page.events)
        print(f"Found {len(recent_events)} events in last week")
        whole_week = [event async for event in enterprise.audit_events(start_time=since)]
    assert len(whole_week) > 500  # so page_limit really cut the walk short
    assert [e.id for e in recent_events] == [e.id for e in whole_week[:500]]
    assert all(e.event_time >= since.astimezone() for e in whole_week)
    times = [e.event_time for e in whole_week]
    assert times == sorted(times, reverse=True)


async def test_security_and_user_activity_filters(emulator: Emulator) -> None:
    world = emulator.world
    actors = [u.id for u in list(world.users.values())[:2]]
    async with emulator.api(requests_per_second=5000) as api:
        enterprise = api.enterprise(emulator.enterprise_id)
        security_events = enterprise.audit_log(
            event_type=["createUser", "deleteUser", "grantAdminAccess", "revokeAdminAccess"],
            start_time=local_now(emulator) - timedelta(days=30),
        )
        seen = 0
        async for page in security_events:
            for event in page.events:
                print(f"{event.event_time}: {event.event_type} by {event.originating_user_id}")
                assert event.event_type in {
                    "createUser",
                    "deleteUser",
                    "grantAdminAccess",
                    "revokeAdminAccess",
                }
                seen += 1

        user_activities = enterprise.audit_log(
            user_id=actors,
            category=["data"],  # not a documented category: passed through, matches nothing
            sort_asc=True,
        )
        async for page in user_activities:
            for event in page.events:
                print(f"{event.originating_user_id}: {event.event_type} on {event.model_id}")
                raise AssertionError("no event has the category 'data'")

        by_user = [event async for event in enterprise.audit_events(user_id=actors, sort_asc=True)]
    assert by_user, "the generated log has events by these users"
    assert {e.originating_user_id for e in by_user} <= set(actors)
    assert [(e.event_time, e.id) for e in by_user] == sorted((e.event_time, e.id) for e in by_user)
