"""The synthetic enterprise: deterministic by seed, with realistic spreads."""

from __future__ import annotations

from datetime import timedelta

import pytest

from airtable_enterprise.testing import generate_enterprise
from airtable_enterprise.testing.world.audit import AuditQuery

from .conftest import NOW, Clock


def snapshot(seed: int) -> tuple[list[str], list[str], list[str], list[str]]:
    world = generate_enterprise(seed=seed, users=300, events=2000, clock=Clock())
    return (
        [u.email for u in world.users.values()],
        list(world.workspaces),
        list(world.bases),
        [e.id for e in world.audit],
    )


def test_same_seed_same_world_other_seed_other_world() -> None:
    assert snapshot(3) == snapshot(3)
    assert snapshot(3) != snapshot(4)


def test_user_spreads() -> None:
    world = generate_enterprise(seed=2, users=2000, events=0, clock=Clock())
    users = list(world.users.values())
    internal = [u for u in users if world.is_internal(u)]
    share = len(internal) / len(users)
    assert 0.75 < share < 0.95
    assert any(u.is_admin for u in internal[1:])
    assert any(u.is_service_account for u in users)
    assert any(u.state == "deactivated" for u in users)
    assert any(u.last_activity_time is None for u in users)
    assert any(
        u.last_activity_time is not None and u.last_activity_time < NOW - timedelta(days=90)
        for u in users
    )
    assert any(not u.is_managed for u in internal)
    assert users[0].is_admin
    assert users[0].is_super_admin


def test_structure_and_enterprise_id() -> None:
    world = generate_enterprise(
        seed=5, users=200, events=0, enterprise_id="entAAAAAAAAAAAAAA", descendants=2
    )
    assert world.root_id == "entAAAAAAAAAAAAAA"
    assert len(world.descendant_ids()) == 2
    assert all(g.members for g in world.groups.values())
    assert all(world.owners(w) for w in world.workspaces.values())
    assert all(w.base_ids for w in world.workspaces.values())
    assert any(any(s.startswith("ugp") for s in w.grants) for w in world.workspaces.values())
    assert any(b.interfaces for b in world.bases.values())
    invites = [w.invites for w in world.workspaces.values()] + [
        b.invites for b in world.bases.values()
    ]
    assert any(invites)


def test_events_span_180_days_up_to_now_with_varied_actors() -> None:
    world = generate_enterprise(seed=1, users=100, events=3000, clock=Clock())
    log = world.audit
    assert len(log) == 3000
    page = log.page(AuditQuery.parse([("pageSize", "1000")], NOW))
    newest = page["events"][0]["timestamp"]
    assert newest.startswith("2026-")
    times = [e.timestamp_ms for e in log]
    span_days = (max(times) - min(times)) / 86_400_000
    assert 170 < span_days <= 180
    assert {e.actor_type for e in log} >= {"user", "automation", "system"}
    rendered = [log.render(e) for e in list(log)[:200]]
    assert all(e["context"]["enterpriseAccountId"] == world.root_id for e in rendered)


def test_bad_sizes() -> None:
    with pytest.raises(ValueError, match="users"):
        generate_enterprise(users=1)
    with pytest.raises(ValueError, match="negative"):
        generate_enterprise(events=-1)
