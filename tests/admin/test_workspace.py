"""Workspace and Base handles: requests, answers and the handle caches."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
import respx

from airtable_enterprise import AsyncApi, Base, PermissionDeniedError, Workspace
from airtable_enterprise.models import GroupCollaborator, IndividualCollaborator
from tests.helpers import load_fixture

from .conftest import WSP
from .helpers import body, last_request, query

pytestmark = pytest.mark.anyio

URL = f"/v0/meta/workspaces/{WSP}"
BASE = "appLkNDICXNqxSDhG"
OTHER_BASE = "appSW9R5uCNmRmfl6"
WORKSPACE_ANSWER = load_fixture("GetWorkspaceCollaborators.response.handwritten.json")
BASE_ANSWER = load_fixture("GetBaseCollaborators.response.json")


async def test_collaborators_are_fetched_once_and_cached(
    router: respx.MockRouter, workspace: Workspace
) -> None:
    route = router.get(URL).respond(json=WORKSPACE_ANSWER)
    assert workspace.name is None
    info = await workspace.collaborators()
    assert query(last_request(route)) == [
        ("include[]", "collaborators"),
        ("include[]", "inviteLinks"),
    ]
    assert info.name == "my first workspace"
    assert workspace.name == "my first workspace"
    assert info.base_ids == (BASE, OTHER_BASE)
    assert info.created_time == datetime(2019, 1, 3, 12, 33, 12, 421000, tzinfo=UTC)
    assert info.restrictions.invite_creation_restriction == "onlyOwners"
    # Workspace-level collaborators: users, then groups (REFERENCE §6.3).
    assert [type(c) for c in info.collaborators] == [IndividualCollaborator, GroupCollaborator]
    assert info.collaborators[0].permission_level == "owner"
    assert info.individual_collaborators is not None
    assert info.individual_collaborators.base_collaborators[0].base_id == BASE
    assert info.invite_links is not None
    multi_use = info.invite_links.base_invite_links[0]
    assert (multi_use.type, multi_use.invited_email) == ("multiUse", None)
    assert multi_use.restricted_to_email_domains == ("bam.com",)

    assert await workspace.collaborators() is info
    assert route.call_count == 1
    await workspace.collaborators(force=True)
    assert route.call_count == 2


async def test_bases_fetch_names_concurrently_within_each_base_scope(
    router: respx.MockRouter, workspace: Workspace, api: AsyncApi
) -> None:
    router.get(URL).respond(json=WORKSPACE_ANSWER)
    names = {BASE: "my first base", OTHER_BASE: "second base"}

    def side_effect(request: httpx.Request, base_id: str) -> httpx.Response:
        answer = {
            "id": base_id,
            "name": names[base_id],
            "createdTime": "2019-01-03T12:33:12.421Z",
            "workspaceId": WSP,
            "permissionLevel": "none",
        }
        return httpx.Response(200, json=answer)

    route = router.get(path__regex=r"^/v0/meta/bases/(?P<base_id>\w+)$").mock(
        side_effect=side_effect
    )
    bases = await workspace.bases()
    assert [(b.id, b.name, b.workspace_id) for b in bases] == [
        (BASE, "my first base", WSP),
        (OTHER_BASE, "second base", WSP),
    ]
    assert all(query(call.request) == [] for call in route.calls)
    # Each base call went through that base's own 5/s limiter (REFERENCE §1.5).
    assert api.base_limiter(BASE).stats.started == api.base_limiter(OTHER_BASE).stats.started == 1


async def test_bases_without_names_sends_one_request(
    router: respx.MockRouter, workspace: Workspace
) -> None:
    workspace_route = router.get(URL).respond(json=WORKSPACE_ANSWER)
    base_route = router.get(path__startswith="/v0/meta/bases/")
    bases = await workspace.bases(names=False)
    assert [b.id for b in bases] == [BASE, OTHER_BASE]
    assert [b.name for b in bases] == [None, None]
    assert workspace_route.call_count == 1
    assert base_route.call_count == 0


async def test_create_base(router: respx.MockRouter, workspace: Workspace) -> None:
    route = router.post("/v0/meta/bases").respond(
        json=load_fixture("CreateBase.response.handwritten.json")
    )
    tables = [
        {
            "name": "Tasks",
            "fields": [
                {"name": "Name", "type": "singleLineText"},
                {"name": "Due Date", "type": "date"},
            ],
        }
    ]
    base = await workspace.create_base("New Project Base", tables)
    assert body(last_request(route)) == {
        "name": "New Project Base",
        "workspaceId": WSP,
        "tables": tables,
    }
    assert (base.id, base.name, base.workspace_id) == (OTHER_BASE, "New Project Base", WSP)
    assert base.tables[0]["primaryFieldId"] == "fldoaIqdn5szURHpw"


async def test_delete_workspace(router: respx.MockRouter, workspace: Workspace) -> None:
    route = router.delete(URL).respond(json=load_fixture("DeleteWorkspace.response.json"))
    assert await workspace.delete() is None
    assert route.call_count == 1


async def test_move_base_with_handles_and_index(
    router: respx.MockRouter, workspace: Workspace, api: AsyncApi
) -> None:
    route = router.post(f"/v0/meta/workspaces/{WSP}/moveBase").respond(200)
    target = api.workspace("wspmhESAta6clCCwF")
    base = Base(api, BASE, workspace_id=WSP)
    await workspace.move_base(base, target, index=0)
    assert body(last_request(route)) == load_fixture("MoveBase.request.json")


async def test_move_base_by_ids_goes_last_by_default(
    router: respx.MockRouter, workspace: Workspace
) -> None:
    route = router.post(f"{URL}/moveBase").respond(200)
    await workspace.move_base(BASE, "wspHvvm4dAktsStZH")
    assert body(last_request(route)) == {"baseId": BASE, "targetWorkspaceId": "wspHvvm4dAktsStZH"}


async def test_writes_drop_the_cached_collaborators(
    router: respx.MockRouter, workspace: Workspace
) -> None:
    read = router.get(URL).respond(json=WORKSPACE_ANSWER)
    router.post(f"{URL}/collaborators").respond(200)
    await workspace.collaborators()
    await workspace.add_collaborator("usr00000000000000", "edit")
    await workspace.collaborators()
    assert read.call_count == 2


async def test_add_collaborator_user_and_group(
    router: respx.MockRouter, workspace: Workspace
) -> None:
    route = router.post(f"{URL}/collaborators").respond(200)
    await workspace.add_collaborator("usr00000000000000", "edit")
    assert body(last_request(route)) == load_fixture("AddWorkspaceCollaborator.request.json")
    await workspace.add_collaborator("ugp1mKGb3KXUyQfOZ", "read")
    assert body(last_request(route)) == {
        "collaborators": [{"group": {"id": "ugp1mKGb3KXUyQfOZ"}, "permissionLevel": "read"}]
    }


async def test_update_and_remove_collaborator(
    router: respx.MockRouter, workspace: Workspace
) -> None:
    update = router.patch(f"{URL}/collaborators/usrsOEchC9xuwRgKk").respond(200)
    remove = router.delete(f"{URL}/collaborators/ugp1mKGb3KXUyQfOZ").respond(200)
    await workspace.update_collaborator("usrsOEchC9xuwRgKk", "read")
    await workspace.remove_collaborator("ugp1mKGb3KXUyQfOZ")
    assert body(last_request(update)) == load_fixture("UpdateWorkspaceCollaborator.request.json")
    assert last_request(remove).content == b""


async def test_collaborator_errors_are_typed(
    router: respx.MockRouter, workspace: Workspace
) -> None:
    router.patch(f"{URL}/collaborators/ugp1mKGb3KXUyQfOZ").respond(
        403, json=load_fixture("WorkspaceCollaborator.error.GroupCannotBeOwner.json")
    )
    with pytest.raises(PermissionDeniedError, match="Groups cannot be the owners"):
        await workspace.update_collaborator("ugp1mKGb3KXUyQfOZ", "create")


async def test_update_restrictions_sends_only_what_is_given(
    router: respx.MockRouter, workspace: Workspace
) -> None:
    route = router.post(f"{URL}/updateRestrictions").respond(200)
    await workspace.update_restrictions(invite_creation="onlyOwners")
    assert body(last_request(route)) == {"inviteCreationRestriction": "onlyOwners"}
    await workspace.update_restrictions(invite_creation="unrestricted", share_creation="onlyOwners")
    assert body(last_request(route)) == {
        "inviteCreationRestriction": "unrestricted",
        "shareCreationRestriction": "onlyOwners",
    }


async def test_delete_invite(router: respx.MockRouter, workspace: Workspace) -> None:
    route = router.delete(f"{URL}/invites/invJiqaXmPqq6Ec99").respond(200)
    await workspace.delete_invite("invJiqaXmPqq6Ec99")
    assert route.call_count == 1


# --------------------------------------------------------------------- Base


async def test_base_collaborators_from_the_fixture(router: respx.MockRouter, api: AsyncApi) -> None:
    route = router.get(f"/v0/meta/bases/{BASE}").respond(json=BASE_ANSWER)
    base = Base(api, BASE)
    info = await base.collaborators()
    assert query(last_request(route)) == [
        ("include[]", "collaborators"),
        ("include[]", "inviteLinks"),
        ("include[]", "interfaces"),
        ("include[]", "packages"),
    ]
    assert (base.name, base.workspace_id) == ("my first base", WSP)
    assert info.permission_level == "none"
    assert info.interfaces is not None
    [interface] = info.interfaces
    assert interface.id == "pbdLkNDICXNqxSDhG"
    assert interface.first_publish_time == datetime(2024, 2, 4, 2, 28, 12, tzinfo=UTC)
    assert interface.individual_collaborators[0].email == "test@example.com"
    assert interface.invite_links[0].id == "invJiqaXmPqq6ABCD"
    assert interface.raw == BASE_ANSWER["interfaces"]["pbdLkNDICXNqxSDhG"]
    assert [p.package_release_id for p in info.package_installations] == [
        "prlLkNDICXNqxSDhG",
        None,
    ]
    assert info.group_collaborators is not None
    assert info.group_collaborators.workspace_collaborators[0].name == "group 1"
    assert info.sensitivity_label is None
    assert await base.collaborators() is info
    assert route.call_count == 1
    assert repr(base) == f"<Base {BASE} 'my first base'>"


async def test_base_writes_are_base_scoped(router: respx.MockRouter, api: AsyncApi) -> None:
    base = Base(api, BASE)
    add = router.post(f"/v0/meta/bases/{BASE}/collaborators").respond(200)
    update = router.patch(f"/v0/meta/bases/{BASE}/collaborators/usrsOEchC9xuwRgKk").respond(200)
    remove = router.delete(f"/v0/meta/bases/{BASE}/collaborators/usrsOEchC9xuwRgKk").respond(200)
    invite = router.delete(f"/v0/meta/bases/{BASE}/invites/invJiqaXmPqq6Ec87").respond(200)
    delete = router.delete(f"/v0/meta/bases/{BASE}").respond(json={"id": BASE, "deleted": True})
    await base.add_collaborator("usr00000000000000", "edit")
    await base.update_collaborator("usrsOEchC9xuwRgKk", "comment")
    await base.remove_collaborator("usrsOEchC9xuwRgKk")
    await base.delete_invite("invJiqaXmPqq6Ec87")
    await base.delete()
    assert body(last_request(add)) == load_fixture("AddBaseCollaborator.request.json")
    assert body(last_request(update)) == {"permissionLevel": "comment"}
    assert remove.call_count == invite.call_count == delete.call_count == 1
    assert api.base_limiter(BASE).stats.started == 5
