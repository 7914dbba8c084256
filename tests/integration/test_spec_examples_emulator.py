"""The spec's usage examples, made async, run against the emulator.

The example functions live in tests/admin/test_spec_examples.py, where they run
against a respx fake built from the reference fixtures. Importing them here collects
them a second time, with ``spec_api`` and ``spec_ids`` pointing at an in-process
emulator holding the objects the examples name, so every example also runs against
a stateful server; the checks below then confirm the examples changed that server.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from airtable_enterprise import AsyncApi
from airtable_enterprise.testing import Emulator, generate_enterprise
from airtable_enterprise.testing.world.state import Grant
from tests.admin.test_spec_examples import (
    SpecIds,
    test_advanced_user_group_management,
    test_bulk_user_operations,
    test_enterprise_account_setup,
    test_enterprise_organization_management,
    test_user_management_operations,
    test_workspace_management,
)

__all__ = [
    "test_advanced_user_group_management",
    "test_bulk_user_operations",
    "test_enterprise_account_setup",
    "test_enterprise_organization_management",
    "test_user_management_operations",
    "test_workspace_management",
]

pytestmark = pytest.mark.anyio


@pytest.fixture
def emulator() -> Emulator:
    return Emulator(generate_enterprise(seed=7, users=120, events=200, descendants=1))


@pytest.fixture
def spec_ids(emulator: Emulator) -> SpecIds:
    world = emulator.world
    domain = next(iter(world.root.email_domains))
    for name in ("user1", "user2", "user3", "new_user", "contractor", "departing_user"):
        emulator.make_user(f"{name}@{domain}")
    emulator.make_user(f"replacement_owner@{domain}", admin=True)
    workspaces = [w.id for w in world.workspaces.values() if w.account_id == world.root_id]
    for workspace_id in workspaces[:2]:  # the examples create bases there: creator role
        admin = emulator.admin_id
        world.workspaces[workspace_id].grants[admin] = Grant(admin, "owner", world.now(), admin)
    groups = [g.id for g in world.groups.values() if g.account_id == world.root_id]
    descendant = next(a for a in world.accounts if a != world.root_id)
    other_user = next(u.id for u in world.users.values() if u.email.endswith(domain))
    return SpecIds(
        enterprise_id=world.root_id,
        other_enterprise_id=descendant,
        workspace_id=workspaces[0],
        other_workspace_id=workspaces[1],
        group_ids=(groups[0], groups[1]),
        user_emails=(f"user1@{domain}", f"user2@{domain}", f"user3@{domain}"),
        other_user_id=other_user,
        new_user_email=f"new_user@{domain}",
        contractor_email=f"contractor@{domain}",
        departing_email=f"departing_user@{domain}",
        replacement_email=f"replacement_owner@{domain}",
    )


@pytest.fixture
async def spec_api(emulator: Emulator) -> AsyncIterator[AsyncApi]:
    async with emulator.api() as api:
        yield api


async def test_the_examples_change_the_emulated_world(
    emulator: Emulator, spec_api: AsyncApi, spec_ids: SpecIds
) -> None:
    """The same calls as the examples, then a look at the server's state."""
    world = emulator.world
    await test_user_management_operations(spec_api, spec_ids)
    granted = world.user_by_email(spec_ids.user_emails[0])
    assert granted is not None
    assert granted.is_admin
    assert world.user_by_email(spec_ids.departing_email) is not None  # removed, not deleted
    await test_workspace_management(spec_api, spec_ids)
    target = world.workspaces[spec_ids.other_workspace_id]
    assert world.bases[target.base_ids[0]].name == "New Project Base"  # moved to index 0
