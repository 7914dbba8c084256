"""pyairtable 3.5, unchanged, against the emulator over loopback: every enterprise call it
has (``Enterprise``, ``Workspace``, ``Base`` and their models' writes, ``Api.whoami``).

pyairtable is synchronous (requests), so the emulator runs as a real HTTP server in a
thread. Each check looks at the emulator's world as well, so a call that "succeeds"
without doing anything fails the test.
"""

from __future__ import annotations

import pyairtable
from pyairtable.api.enterprise import Enterprise as PyEnterprise

from airtable_enterprise.testing import Emulator

TABLES = [{"name": "Tasks", "fields": [{"name": "Name", "type": "singleLineText"}]}]


def _internal_domain(emulator: Emulator) -> str:
    return next(iter(emulator.world.root.email_domains))


def test_whoami(api: pyairtable.Api, emulator: Emulator) -> None:
    assert api.whoami()["id"] == emulator.admin_id


def test_info_users_and_groups(enterprise: PyEnterprise, emulator: Emulator) -> None:
    world = emulator.world
    info = enterprise.info(aggregated=True, descendants=True)
    assert info.id == world.root_id
    assert set(info.workspace_ids) <= set(world.workspaces)
    user_id = next(u for u in world.users.values() if world.is_internal(u)).id
    user = enterprise.user(user_id, collaborations=True)
    assert user.email == world.users[user_id].email
    users = enterprise.users([user_id, world.users[user_id].email])
    assert [u.id for u in users] == [user_id]
    group_id = next(iter(world.groups))
    assert enterprise.group(group_id).id == group_id


def test_user_model_writes(enterprise: PyEnterprise, emulator: Emulator) -> None:
    domain = _internal_domain(emulator)
    target = emulator.make_user(f"pyairtable.target@{domain}")
    user = enterprise.user(target.id)
    user.state = "deactivated"
    user.save()
    assert target.state == "deactivated"
    user.logout()
    assert target.logged_out_time is not None
    user.delete()
    assert target.id not in emulator.world.users


def test_admin_claim_remove_delete(enterprise: PyEnterprise, emulator: Emulator) -> None:
    domain = _internal_domain(emulator)
    one = emulator.make_user(f"pyairtable.one@{domain}")
    two = emulator.make_user(f"pyairtable.two@{domain}")
    assert not enterprise.grant_admin(one.id).errors
    assert one.is_admin
    assert not enterprise.revoke_admin(one.email).errors
    assert not one.is_admin
    enterprise.claim_users({one.id: "unmanaged"})
    assert not one.is_managed
    removed = enterprise.remove_user(two.id)
    assert removed.unshared is not None
    three = emulator.make_user(f"pyairtable.three@{domain}")
    deleted = enterprise.delete_users([three.email])
    assert [u.id for u in deleted.deleted_users] == [three.id]
    assert three.id not in emulator.world.users


def test_descendants_and_moves(enterprise: PyEnterprise, emulator: Emulator) -> None:
    world = emulator.world
    child = enterprise.create_descendant("Org unit from pyairtable")
    assert child.id in world.accounts
    group_id = emulator.make_group("pyairtable group").id
    moved = enterprise.move_groups([group_id], child.id)
    assert [g.id for g in moved.moved_groups] == [group_id]
    assert world.groups[group_id].account_id == child.id
    workspace = enterprise.create_workspace("Moved by pyairtable")
    result = enterprise.move_workspaces([workspace.id], child.id)
    assert [w.id for w in result.moved_workspaces] == [workspace.id]


def test_workspace_calls(enterprise: PyEnterprise, emulator: Emulator) -> None:
    world = emulator.world
    workspace = enterprise.create_workspace("pyairtable workspace")
    assert world.workspaces[workspace.id].name == "pyairtable workspace"
    base = enterprise.create_base(workspace.id, "Created", TABLES)
    assert world.bases[base.id].workspace_id == workspace.id
    other = enterprise.create_workspace("pyairtable target")
    workspace.move_base(base, other)
    assert world.bases[base.id].workspace_id == other.id
    collaborators = workspace.collaborators()
    user = emulator.make_user(f"pyairtable.ws@{_internal_domain(emulator)}")
    collaborators.add_user(user.id, "edit")
    collaborators.update(user.id, "read")
    assert world.workspaces[workspace.id].grants[user.id].permission_level == "read"
    collaborators.remove(user.id)
    assert user.id not in world.workspaces[workspace.id].grants
    collaborators.restrictions.invite_creation = "onlyOwners"
    collaborators.restrictions.save()
    assert world.workspaces[workspace.id].invite_creation_restriction == "onlyOwners"
    other.delete()
    assert other.id not in world.workspaces


def test_base_collaborators_shares_and_delete(api: pyairtable.Api, emulator: Emulator) -> None:
    world = emulator.world
    record = next(b for b in world.bases.values() if b.shares)
    world.workspaces[record.workspace_id].share_creation_restriction = "unrestricted"
    base = api.base(record.id)
    shares = base.shares()
    assert {s.share_id for s in shares} == set(record.shares)
    share = shares[0]
    share.disable()
    assert record.shares[share.share_id].state == "disabled"
    share.enable()
    assert record.shares[share.share_id].state == "enabled"
    share.delete()
    assert share.share_id not in record.shares
    user = emulator.make_user(f"pyairtable.base@{_internal_domain(emulator)}")
    collaborators = base.collaborators()
    collaborators.add_user(user.id, "comment")
    assert record.grants[user.id].permission_level == "comment"
    collaborators.remove(user.id)
    assert user.id not in record.grants
    base.delete()
    assert record.id not in world.bases


def test_interface_collaborators(api: pyairtable.Api, emulator: Emulator) -> None:
    world = emulator.world
    record = next(b for b in world.bases.values() if b.interfaces)
    interface = next(iter(record.interfaces.values()))
    user = emulator.make_user(f"pyairtable.pbd@{_internal_domain(emulator)}")
    collaborators = api.base(record.id).collaborators()
    handle = collaborators.interfaces[interface.id]
    handle.add_user(user.id, "read")
    assert interface.grants[user.id].permission_level == "read"
    handle.update(user.id, "edit")
    assert interface.grants[user.id].permission_level == "edit"
    handle.remove(user.id)
    assert user.id not in interface.grants
    # The generator gives interfaces invite links, as real bases have (issue 24).
    invited = next(i for b in world.bases.values() for i in b.interfaces.values() if i.invites)
    fresh = api.base(invited.base_id).collaborators(force=True).interfaces[invited.id]
    assert {link.id for link in fresh.invite_links} == set(invited.invites)
    link = fresh.invite_links[0]
    link.delete()
    assert link.id not in invited.invites


def test_packages_and_create_base_from_package(
    enterprise: PyEnterprise, emulator: Emulator
) -> None:
    world = emulator.world
    packages = enterprise.packages(all_enterprises=True)
    assert {p.id for p in packages} == set(world.packages)
    released = next(p for p in packages if p.latest_release_id is not None)
    assert enterprise.package(released.id, force=True).name == released.name
    workspace = enterprise.create_workspace("pyairtable installs")
    count = world.packages[released.id].install_count
    base = enterprise.create_base_from_package(workspace.id, "Installed", released.id)
    assert world.bases[base.id].package_installations[0]["packageId"] == released.id
    # pyairtable sends a release ID as the path's package ID (REFERENCE §18)
    base2 = enterprise.create_base_from_package(
        workspace.id, "Installed by release", str(released.latest_release_id)
    )
    assert base2.id in world.bases
    assert world.packages[released.id].install_count == count + 2


def test_access_tokens_and_revoke(enterprise: PyEnterprise, emulator: Emulator) -> None:
    world = emulator.world
    tokens = enterprise.access_tokens(resources=True)
    assert {t.id for t in tokens} == set(world.access_tokens)
    active = next(t.id for t in tokens if t.state == "active")
    result = enterprise.revoke_access_tokens([active])
    assert [t.id for t in result.revoked_tokens] == [active]
    assert world.access_tokens[active].state == "deactivated"
    again = enterprise.revoke_access_tokens(active)
    assert [(e.type, e.token_id) for e in again.errors] == [("ALREADY_REVOKED", active)]


def test_allow_ai(enterprise: PyEnterprise, emulator: Emulator) -> None:
    world = emulator.world
    workspace_id = next(w.id for w in world.workspaces.values() if w.account_id == world.root_id)
    result = enterprise.allow_ai({workspace_id: True, "wspAAAAAAAAAAAAAA": False})
    assert [e.workspace_id for e in result.errors] == ["wspAAAAAAAAAAAAAA"]
    assert world.ai_allowed(workspace_id)


def test_audit_log(enterprise: PyEnterprise, emulator: Emulator) -> None:
    pages = enterprise.audit_log(page_size=20, page_limit=2)
    events = [event for page in pages for event in page.events]
    assert 0 < len(events) <= 40
