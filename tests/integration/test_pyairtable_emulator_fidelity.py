"""The emulator as third-party clients found it (issue 24): pyairtable 3.5's base
creation, generated interface invite links, and a SCIM group PUT carrying its ``id``.

Each test here failed against the emulator before its fix: pyairtable's create calls
ended in ``KeyError: 'app...'`` (a base created where its creator could not see it), no
generated interface had an invite link, and ``PUT /Groups/{id}`` answered 400.
"""

from __future__ import annotations

import httpx
import pyairtable
import pytest
import requests
from pyairtable.api.enterprise import Enterprise as PyEnterprise

from airtable_enterprise.models.scim import SCHEMA_GROUP
from airtable_enterprise.testing import Emulator
from airtable_enterprise.testing.world.state import Grant, Workspace

TABLES = [{"name": "Tasks", "fields": [{"name": "Name", "type": "singleLineText"}]}]


def _foreign_workspace(emulator: Emulator) -> Workspace:
    """A generated workspace where the token's admin holds no grant."""
    return next(w for w in emulator.world.workspaces.values() if emulator.admin_id not in w.grants)


def _grant(emulator: Emulator, workspace: Workspace, level: str) -> None:
    admin = emulator.admin_id
    with emulator.lock:
        workspace.grants[admin] = Grant(admin, level, emulator.world.now(), admin)


def _refused(call: object) -> requests.Response:
    assert callable(call)
    with pytest.raises(requests.HTTPError) as caught:
        call()
    response = caught.value.response
    assert response is not None
    return response


def test_create_base_where_the_caller_has_no_access_is_refused_as_airtable_does(
    api: pyairtable.Api, enterprise: PyEnterprise, emulator: Emulator
) -> None:
    # REFERENCE §7.1: creating a base needs the workspace creator role.
    workspace = _foreign_workspace(emulator)
    bases_before = set(emulator.world.bases)
    refused = _refused(lambda: enterprise.create_base(workspace.id, "Nope", TABLES))
    assert refused.status_code == 403
    assert refused.json()["error"]["type"] == "INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND"
    _grant(emulator, workspace, "edit")  # a collaborator, but not a creator
    refused = _refused(lambda: api.workspace(workspace.id).create_base("Nope", TABLES))
    assert refused.json()["error"]["type"] == "INVALID_PERMISSIONS"
    assert set(emulator.world.bases) == bases_before


@pytest.mark.parametrize("level", ["create", "owner"])
def test_create_base_by_a_workspace_creator_is_visible_to_them(
    api: pyairtable.Api, enterprise: PyEnterprise, emulator: Emulator, level: str
) -> None:
    workspace = _foreign_workspace(emulator)
    _grant(emulator, workspace, level)
    # pyairtable looks the new base up in GET /v0/meta/bases (validate=True).
    base = enterprise.create_base(workspace.id, "By Enterprise", TABLES)
    assert base.name == "By Enterprise"
    again = api.workspace(workspace.id).create_base("By Workspace", TABLES)
    assert again.name == "By Workspace"
    assert {base.id, again.id} <= set(workspace.base_ids)


def test_create_base_from_package_by_package_id_and_release(
    enterprise: PyEnterprise, emulator: Emulator
) -> None:
    world = emulator.world
    package = next(p for p in enterprise.packages() if p.latest_release_id is not None)
    release = str(package.latest_release_id)
    workspace = _foreign_workspace(emulator)
    refused = _refused(
        lambda: enterprise.create_base_from_package(workspace.id, "Nope", package.id)
    )
    assert refused.status_code == 403
    _grant(emulator, workspace, "create")
    count = world.packages[package.id].install_count
    for name, source in [("Object", package), ("By ID", package.id), ("By release", release)]:
        base = enterprise.create_base_from_package(workspace.id, name, source)
        assert base.name == name
        installed = world.bases[base.id].package_installations[0]
        assert (installed["packageId"], installed["packageReleaseId"]) == (package.id, release)
    assert world.packages[package.id].install_count == count + 3


def test_generated_interfaces_have_invite_links_that_pyairtable_deletes(
    api: pyairtable.Api, emulator: Emulator
) -> None:
    world = emulator.world
    invited = [
        (base, interface)
        for base in world.bases.values()
        for interface in base.interfaces.values()
        if interface.invites
    ]
    assert invited, "no generated interface has an invite link"
    base, interface = invited[0]
    _grant(emulator, world.workspaces[base.workspace_id], "owner")
    collaborators = api.base(base.id).collaborators(force=True)
    links = collaborators.interfaces[interface.id].invite_links
    assert {link.id for link in links} == set(interface.invites)
    links[0].delete()
    assert links[0].id not in interface.invites


@pytest.mark.anyio
async def test_generated_interface_invite_links_are_deleted_by_our_client(
    emulator: Emulator,
) -> None:
    world = emulator.world
    base, interface = next(
        (b, i) for b in world.bases.values() for i in b.interfaces.values() if i.invites
    )
    invite_id = next(iter(interface.invites))
    async with emulator.api() as client:
        handle = client.base(base.id).interface(interface.id)
        info = await handle.collaborators()
        assert invite_id in {link.id for link in info.invite_links}
        await handle.delete_invite(invite_id)
    assert invite_id not in interface.invites


@pytest.mark.anyio
async def test_scim_group_put_ignores_read_only_attributes(emulator: Emulator) -> None:
    # RFC 7644 §3.5.1: read-only attributes in a PUT are ignored, as PUT /Users does.
    group = next(iter(emulator.world.groups.values()))
    member = next(u.id for u in emulator.world.users.values() if emulator.world.is_internal(u))
    async with httpx.AsyncClient(
        transport=emulator.transport(),
        base_url="http://emulator.localhost/scim/v2",
        headers={"Authorization": f"Bearer {emulator.token}"},
    ) as scim:
        current = (await scim.get(f"/Groups/{group.id}")).json()
        body = {
            **current,  # id, schemas, meta: what a client got, sent back
            "displayName": "Renamed by PUT",
            "members": [{"value": member}],
        }
        answer = await scim.put(f"/Groups/{group.id}", json=body)
        assert answer.status_code == 200, answer.text
        assert answer.json()["id"] == group.id
        other = {"schemas": [SCHEMA_GROUP], "id": "ugpAAAAAAAAAAAAAA", "displayName": "X"}
        assert (await scim.put(f"/Groups/{group.id}", json=other)).status_code == 200
    assert group.name == "X"  # the body's id named nothing: the path decides
    assert list(group.members) == [member]
