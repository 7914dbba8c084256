"""pyairtable 3.5 against the emulator: the calls the first file leaves out (group
collaborators, base/workspace invite links, collaborator updates on a base, user
lookups with aggregated/descendant data, audit-log filters, remove_user with a
replacement). Each check looks at the emulator's world too."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pyairtable
import pytest
from pyairtable.api.enterprise import Enterprise as PyEnterprise

from airtable_enterprise.testing import Emulator, generate_enterprise
from airtable_enterprise.testing.server import BackgroundServer
from airtable_enterprise.testing.world.state import InviteLink


@pytest.fixture(scope="module")
def emulator() -> Emulator:
    return Emulator(generate_enterprise(seed=12, users=80, events=300, descendants=1))


@pytest.fixture(scope="module")
def api(emulator: Emulator) -> Iterator[pyairtable.Api]:
    with BackgroundServer(emulator) as running:
        yield pyairtable.Api(emulator.token, endpoint_url=running.url)


@pytest.fixture(scope="module")
def enterprise(api: pyairtable.Api, emulator: Emulator) -> PyEnterprise:
    return api.enterprise(emulator.enterprise_id)


def _domain(emulator: Emulator) -> str:
    return next(iter(emulator.world.root.email_domains))


def _invite(emulator: Emulator) -> InviteLink:
    return InviteLink(
        id=emulator.world.new_id("inv"),
        type="multiUse",
        created_time=emulator.world.now(),
        invited_email=None,
        referred_by=emulator.admin_id,
        permission_level="read",
    )


def test_base_group_collaborator_update_and_invite_link(
    api: pyairtable.Api, emulator: Emulator
) -> None:
    world = emulator.world
    record = next(iter(world.bases.values()))
    group_id = next(g.id for g in world.groups.values() if g.account_id == world.root_id)
    collaborators = api.base(record.id).collaborators()
    collaborators.add_group(group_id, "read")
    assert record.grants[group_id].permission_level == "read"
    collaborators.update(group_id, "edit")
    assert record.grants[group_id].permission_level == "edit"
    collaborators.remove(group_id)
    assert group_id not in record.grants
    invite = _invite(emulator)
    record.invites[invite.id] = invite
    fresh = api.base(record.id).collaborators(force=True)
    link = next(i for i in fresh.invite_links.via_base if i.id == invite.id)
    link.delete()
    assert invite.id not in record.invites


def test_workspace_group_collaborator_and_invite_link(
    enterprise: PyEnterprise, api: pyairtable.Api, emulator: Emulator
) -> None:
    world = emulator.world
    workspace = enterprise.create_workspace("pyairtable groups")
    group_id = emulator.make_group("pyairtable ws group").id
    collaborators = api.workspace(workspace.id).collaborators()
    collaborators.add_group(group_id, "comment")
    assert world.workspaces[workspace.id].grants[group_id].permission_level == "comment"
    invite = _invite(emulator)
    world.workspaces[workspace.id].invites[invite.id] = invite
    fresh = api.workspace(workspace.id).collaborators(force=True)
    (link,) = [i for i in fresh.invite_links.via_workspace if i.id == invite.id]
    link.delete()
    assert invite.id not in world.workspaces[workspace.id].invites


def test_users_with_aggregated_and_descendant_data(
    enterprise: PyEnterprise, emulator: Emulator
) -> None:
    world = emulator.world
    user_id = next(u.id for u in world.users.values() if u.account_id == world.root_id)
    user = enterprise.user(user_id, aggregated=True, descendants=True)
    assert user.id == user_id
    assert user.aggregated is not None
    (again,) = enterprise.users([world.users[user_id].email], collaborations=False)
    assert again.id == user_id
    group = enterprise.group(next(iter(world.groups)), collaborations=True)
    assert group.id in world.groups


def test_audit_log_filters(enterprise: PyEnterprise, emulator: Emulator) -> None:
    action = next(iter(emulator.world.audit)).action
    pages = enterprise.audit_log(
        event_type=action,
        sort_asc=True,
        start_time=emulator.world.now() - timedelta(days=179),
        page_size=10,
        page_limit=3,
    )
    events = [e for page in pages for e in page.events]
    assert events
    assert {e.action for e in events} == {action}
    assert [e.timestamp for e in events] == sorted(e.timestamp for e in events)


def test_remove_user_with_a_replacement(enterprise: PyEnterprise, emulator: Emulator) -> None:
    world = emulator.world
    leaver = emulator.make_user(f"pyairtable.leaver@{_domain(emulator)}")
    heir = emulator.make_user(f"pyairtable.heir@{_domain(emulator)}")
    workspace = enterprise.create_workspace("sole owner's")
    world.workspaces[workspace.id].grants.clear()
    enterprise_api = enterprise.api
    enterprise_api.workspace(workspace.id).collaborators().add_user(leaver.id, "owner")
    removed = enterprise.remove_user(leaver.id, heir.id)
    assert removed.was_user_removed_as_admin is not None
    assert leaver.id not in world.workspaces[workspace.id].grants
    assert world.workspaces[workspace.id].grants[heir.id].permission_level == "owner"
