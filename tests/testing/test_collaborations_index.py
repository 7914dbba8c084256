"""The emulator's collaborations come from an index over the world's grant tables.

Whatever changes the world (handlers, the generator, a test's own hand), the indexed
answer must equal a plain walk over every grant table in the world's order.
"""

from __future__ import annotations

import random
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from airtable_enterprise.testing import generate_enterprise
from airtable_enterprise.testing._wire import format_time
from airtable_enterprise.testing.http.views import collaborations_of, groups_of
from airtable_enterprise.testing.world.state import Base, Grant, GrantTable, Interface, World

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def walk_every_table(
    world: World, subject_ids: Collection[str], account_ids: Collection[str] | None = None
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """The reference: every workspace, its bases, their interfaces, in order."""
    result: dict[str, dict[str, list[dict[str, Any]]]] = {
        s: {"baseCollaborations": [], "interfaceCollaborations": [], "workspaceCollaborations": []}
        for s in subject_ids
    }

    def entry(grant: Grant) -> dict[str, Any]:
        return {
            "createdTime": format_time(grant.created_time),
            "grantedByUserId": grant.granted_by,
            "permissionLevel": grant.permission_level,
        }

    for workspace in world.workspaces.values():
        if account_ids is not None and workspace.account_id not in account_ids:
            continue
        for subject, grant in workspace.grants.items():
            if subject in result:
                result[subject]["workspaceCollaborations"].append(
                    entry(grant) | {"workspaceId": workspace.id}
                )
        for base_id in workspace.base_ids:
            base = world.bases[base_id]
            for subject, grant in base.grants.items():
                if subject in result:
                    result[subject]["baseCollaborations"].append({"baseId": base.id} | entry(grant))
            for interface in base.interfaces.values():
                for subject, grant in interface.grants.items():
                    if subject in result:
                        result[subject]["interfaceCollaborations"].append(
                            {"baseId": base.id}
                            | entry(grant)
                            | {
                                "interfaceId": interface.id,
                                "permissionLevel": grant.permission_level,
                            }
                        )
    return result


def change_the_world(world: World, rng: random.Random, step: int) -> None:
    """One change, of the kinds handlers and tests make."""
    subjects = sorted(world.users)[:12] + sorted(world.groups)[:3]
    workspaces = list(world.workspaces.values())
    bases = list(world.bases.values())
    holders = [holder for holder, _ in world.grant_holders()]
    kind = rng.randrange(9)
    if kind == 0 and holders:  # grant
        subject = rng.choice(subjects)
        rng.choice(holders).grants[subject] = Grant(subject, "edit", NOW, subjects[0])
    elif kind == 1 and holders:  # revoke
        holder = rng.choice(holders)
        if holder.grants:
            del holder.grants[rng.choice(sorted(holder.grants))]
    elif kind == 2 and bases and len(workspaces) > 1:  # move a base
        base = rng.choice(bases)
        world.workspaces[base.workspace_id].base_ids.remove(base.id)
        target = rng.choice([w for w in workspaces if w.id != base.workspace_id])
        target.base_ids.append(base.id)
        base.workspace_id = target.id
    elif kind == 3 and bases:  # delete a base
        base = rng.choice(bases)
        world.workspaces[base.workspace_id].base_ids.remove(base.id)
        del world.bases[base.id]
    elif kind == 4 and len(workspaces) > 1:  # delete a workspace and its bases
        workspace = rng.choice(workspaces)
        for base_id in workspace.base_ids:
            del world.bases[base_id]
        del world.workspaces[workspace.id]
    elif kind == 5 and workspaces:  # a new base, granted before it joins the world
        workspace = rng.choice(workspaces)
        base = Base(id=f"app{step:014d}", name="new", workspace_id=workspace.id, created_time=NOW)
        base.grants[rng.choice(subjects)] = Grant(subjects[1], "create", NOW, subjects[0])
        world.bases[base.id] = base
        workspace.base_ids.insert(rng.randrange(len(workspace.base_ids) + 1), base.id)
    elif kind == 6 and holders:  # grants replaced by a plain dict
        holder = rng.choice(holders)
        subject = rng.choice(subjects)
        holder.grants = {subject: Grant(subject, "read", NOW, subjects[0])}  # type: ignore[assignment]
        assert isinstance(holder.grants, GrantTable)
    elif kind == 7 and bases:  # a new interface with grants
        base = rng.choice(bases)
        interface = Interface(id=f"pbd{step:014d}", name="i", base_id=base.id, created_time=NOW)
        interface.grants.update({s: Grant(s, "read", NOW, subjects[0]) for s in subjects[:2]})
        base.interfaces[interface.id] = interface
    elif kind == 8 and holders:  # pop and setdefault
        holder = rng.choice(holders)
        holder.grants.pop(rng.choice(subjects), None)
        subject = rng.choice(subjects)
        holder.grants.setdefault(subject, Grant(subject, "comment", NOW, subjects[0]))


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), steps=st.integers(1, 25))
def test_indexed_collaborations_equal_a_walk_over_every_table(seed: int, steps: int) -> None:
    world = generate_enterprise(seed % 50, users=30, events=0, descendants=2)
    rng = random.Random(seed)
    subjects = sorted(world.users)[:12] + sorted(world.groups)[:3]
    accounts = sorted(world.accounts)[:1]
    for step in range(steps):
        asked = rng.sample(subjects, rng.randint(1, len(subjects)))
        assert collaborations_of(world, asked) == walk_every_table(world, asked)
        assert collaborations_of(world, asked, accounts) == walk_every_table(world, asked, accounts)
        change_the_world(world, rng, step)
    assert collaborations_of(world, subjects) == walk_every_table(world, subjects)


def test_every_way_of_changing_a_grant_table_is_counted() -> None:
    table = GrantTable()
    grant = Grant("usrAAAAAAAAAAAAAA", "read", NOW, "usrBBBBBBBBBBBBBB")
    changes = [
        lambda: table.__setitem__("usrA", grant),
        lambda: table.update({"usrB": grant}),
        lambda: table.setdefault("usrC", grant),
        lambda: table.__ior__({"usrD": grant}),
        lambda: table.pop("usrA"),
        lambda: table.popitem(),
        lambda: table.__delitem__("usrB"),
        lambda: table.clear(),
        lambda: GrantTable({"usrE": grant}),
    ]
    for change in changes:
        before = GrantTable.changes
        change()
        assert GrantTable.changes > before


def test_groups_of_many_users_equal_a_walk_per_user() -> None:
    world = generate_enterprise(3, users=60, events=0, descendants=2)
    users = list(world.users.values())
    # Some members of groups of another account: those memberships are not listed.
    foreign = next(g for g in world.groups.values() if g.account_id != users[0].account_id)
    foreign.members.setdefault(users[0].id, next(iter(foreign.members.values())))
    found = groups_of(world, users)
    for user in users:
        assert found[user.id] == [
            g.id
            for g in world.groups.values()
            if user.id in g.members and g.account_id == user.account_id
        ]
    assert any(found[user.id] for user in users)
