"""Actions change the world, show in later reads, and append audit events; refusals
answer Airtable's documented errors."""

from __future__ import annotations

import httpx
import pytest

from airtable_enterprise.testing import Emulator
from airtable_enterprise.testing.world.state import Grant, InviteLink, User, Workspace

from .conftest import ent_path, fixture

pytestmark = pytest.mark.anyio


def last_actions(emulator: Emulator, count: int) -> list[str]:
    return [e.action for e in list(emulator.world.audit)[-count:]]


def owned_workspace(emulator: Emulator, owner: User, *others: User) -> Workspace:
    world = emulator.world
    now = world.now()
    workspace = Workspace(world.new_id("wsp"), "Owned", world.root_id, now)
    workspace.grants[owner.id] = Grant(owner.id, "owner", now, emulator.admin_id)
    for other in others:
        workspace.grants[other.id] = Grant(other.id, "edit", now, owner.id)
    world.workspaces[workspace.id] = workspace
    return workspace


async def error_of(response: httpx.Response) -> tuple[int, str, str | None]:
    error = response.json()["error"]
    return response.status_code, error["type"], error.get("message")


async def test_remove_user_dry_run_reports_without_changing(
    client: httpx.AsyncClient, emulator: Emulator
) -> None:
    owner, other, heir = (emulator.make_user() for _ in range(3))
    workspace = owned_workspace(emulator, owner, other)
    path = ent_path(emulator, f"/users/{owner.id}/remove")
    events_before = len(emulator.world.audit)

    refused = await client.post(path, json={"isDryRun": True})
    assert refused.status_code == 403  # sole owner without replacementOwnerId

    dry = await client.post(path, json={"isDryRun": True, "replacementOwnerId": heir.id})
    assert dry.status_code == 200
    report = dry.json()
    assert report["unshared"]["workspaces"][0]["workspaceId"] == workspace.id
    assert report["unshared"]["workspaces"][0]["formerPermissionLevel"] == "owner"
    assert report["shared"]["workspaces"][0]["userId"] == heir.id
    assert owner.id in workspace.grants
    assert len(emulator.world.audit) == events_before

    done = await client.post(path, json={"isDryRun": False, "replacementOwnerId": heir.id})
    assert done.json() == report
    assert owner.id not in workspace.grants
    assert workspace.grants[heir.id].permission_level == "owner"
    assert last_actions(emulator, 1) == ["removeUserFromEnterprise"]
    again = await client.post(path, json={"isDryRun": True})
    assert again.json()["unshared"] == {"bases": [], "interfaces": [], "workspaces": []}


async def test_remove_user_errors(client: httpx.AsyncClient, emulator: Emulator) -> None:
    self_path = ent_path(emulator, f"/users/{emulator.admin_id}/remove")
    response = await client.post(self_path, json={})
    assert response.json() == fixture("RemoveUserFromEnterprise.error.Self.json")
    owner, idle = emulator.make_user(), emulator.make_user(state="deactivated")
    owned_workspace(emulator, owner)
    response = await client.post(
        ent_path(emulator, f"/users/{owner.id}/remove"), json={"replacementOwnerId": idle.id}
    )
    assert await error_of(response) == (
        403,
        "INVALID_PERMISSIONS",
        "Replacement owner must have verified email",
    )
    response = await client.post(
        ent_path(emulator, f"/users/{owner.id}/remove"),
        json={"replacementOwnerId": "usrZZZZZZZZZZZZZZ"},
    )
    assert response.status_code == 403
    pyairtable = fixture("RemoveUserFromEnterprise.request-descendants.pyairtable.json")
    other = emulator.make_user()
    response = await client.post(ent_path(emulator, f"/users/{other.id}/remove"), json=pyairtable)
    assert response.status_code == 200
    assert response.json()["wasUserRemovedAsAdmin"] is False


async def test_admin_access_and_claims_change_users(
    client: httpx.AsyncClient, emulator: Emulator
) -> None:
    user = emulator.make_user()
    external = emulator.make_user(external=True)
    grant = await client.post(
        ent_path(emulator, "/users/grantAdminAccess"),
        json={"users": [{"id": user.id, "email": "ignored@x.example"}, {"email": external.email}]},
    )
    assert grant.json() == {
        "errors": [
            {
                "email": external.email,
                "type": "USER_NOT_MEMBER_OF_ENTERPRISE_ACCOUNT",
                "message": "User is not a member of the enterprise account",
            }
        ]
    }
    assert user.is_admin
    again = await client.post(
        ent_path(emulator, "/users/grantAdminAccess"), json={"users": [{"id": user.id}]}
    )
    assert again.json()["errors"][0]["type"] == "USER_ALREADY_ADMIN"
    shown = await client.get(ent_path(emulator, f"/users/{user.id}"))
    assert shown.json()["isAdmin"] is True
    await client.post(
        ent_path(emulator, "/users/revokeAdminAccess"), json={"users": [{"email": user.email}]}
    )
    assert not user.is_admin
    claim = await client.post(
        ent_path(emulator, "/claim/users"),  # pyairtable's path, answered too
        json={"users": [{"id": user.id, "state": "unmanaged"}]},
    )
    assert claim.json() == {"errors": []}
    assert not user.is_managed
    assert last_actions(emulator, 3) == ["grantAdminAccess", "revokeAdminAccess", "unclaimUser"]
    no_ids = await client.post(
        ent_path(emulator, "/users/claim"), json={"users": [{"state": "managed"}]}
    )
    assert no_ids.status_code == 422
    assert no_ids.json() == fixture("ManageUserMembership.error.NoIdOrEmail.json")


async def test_manage_user_and_its_refusals(client: httpx.AsyncClient, emulator: Emulator) -> None:
    user = emulator.make_user()
    domain = user.email.split("@")[1]
    path = ent_path(emulator, f"/users/{user.id}")
    response = await client.patch(
        path, json={"state": "deactivated", "email": f"new@{domain}", "firstName": "Neo"}
    )
    assert (response.status_code, response.content) == (200, b"")
    shown = (await client.get(path)).json()
    assert (shown["state"], shown["email"], shown["name"]) == (
        "deactivated",
        f"new@{domain}",
        f"Neo {user.last_name}",
    )
    assert last_actions(emulator, 3) == ["deactivateUser", "updateUserEmail", "updateUserName"]

    other = emulator.make_user()
    taken = await client.patch(path, json={"email": other.email})
    assert taken.json() == fixture("ManageUser.error.EmailAlreadyInUse.json")
    foreign = await client.patch(path, json={"email": "x@elsewhere.example"})
    assert await error_of(foreign) == (422, "INVALID_REQUEST_UNKNOWN", "Must own target domain")
    cases = {
        emulator.admin_id: "UserAdmin.error.ActionOnSelf.json",
        emulator.make_user(external=True).id: "UserAdmin.error.ExternalUser.json",
        emulator.make_user(managed=False).id: "UserAdmin.error.NotManaged.json",
    }
    for user_id, name in cases.items():
        refused = await client.patch(
            ent_path(emulator, f"/users/{user_id}"), json={"state": "deactivated"}
        )
        assert refused.json() == fixture(name)
    emulator.world.license_agreement = "FLA"
    fla = await client.patch(path, json={"state": "provisioned"})
    assert fla.json() == fixture("UserAdmin.error.FlaStateModification.json")
    bad = await client.patch(path, json={"state": "managed"})
    assert bad.status_code == 422


async def test_manage_users_batched(client: httpx.AsyncClient, emulator: Emulator) -> None:
    first, second = emulator.make_user(), emulator.make_user()
    domain = first.email.split("@")[1]
    response = await client.patch(
        ent_path(emulator, "/users"),
        json={
            "users": [
                {"id": first.id, "email": f"renamed@{domain}"},
                {"email": second.email, "state": "deactivated"},
                {"id": "usrZZZZZZZZZZZZZZ", "lastName": "X"},
                {"id": emulator.admin_id, "firstName": "Me"},
            ]
        },
    )
    body = response.json()
    assert body["updatedUsers"] == [
        {"id": first.id, "email": f"renamed@{domain}"},
        {"id": second.id, "state": "deactivated"},
    ]
    assert [e["type"] for e in body["errors"]] == ["USER_ID_NOT_FOUND", "INVALID_PERMISSIONS"]
    assert first.email == f"renamed@{domain}"
    assert second.state == "deactivated"


async def test_delete_and_logout_users(client: httpx.AsyncClient, emulator: Emulator) -> None:
    doomed, owner, keeper, logged = (emulator.make_user() for _ in range(4))
    owned_workspace(emulator, owner, keeper)
    response = await client.delete(ent_path(emulator, f"/users/{doomed.id}"))
    assert (response.status_code, response.content) == (200, b"")
    assert doomed.id not in emulator.world.users
    refused = await client.delete(ent_path(emulator, f"/users/{owner.id}"))
    assert refused.json() == fixture("UserAdmin.error.CannotDeleteSoleOwner.json")
    by_email = await client.delete(
        ent_path(emulator, "/users"),
        params=[("email[]", owner.email), ("email", keeper.email), ("email[]", "no@x.example")],
    )
    assert by_email.json() == {
        "deletedUsers": [{"id": keeper.id, "email": keeper.email}],
        "errors": [
            {
                "type": "INVALID_PERMISSIONS",
                "email": owner.email,
                "message": fixture("UserAdmin.error.CannotDeleteSoleOwner.json")["error"][
                    "message"
                ],
            },
            {"type": "NOT_FOUND", "email": "no@x.example", "message": "User not found"},
        ],
    }
    logout = await client.post(ent_path(emulator, f"/users/{logged.id}/logout"))
    assert (logout.status_code, logout.content) == (200, b"")
    assert logged.logged_out_time is not None
    assert last_actions(emulator, 3) == ["deleteUser", "deleteUser", "logoutUser"]
    gone = await client.get(ent_path(emulator, f"/users/{doomed.id}"))
    assert gone.json()["error"]["type"] == "INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND"


async def test_get_users_query_forms(client: httpx.AsyncClient, emulator: Emulator) -> None:
    user = emulator.make_user()
    both = await client.get(
        ent_path(emulator, "/users"),
        params=[("id", user.id), ("email[]", user.email.upper()), ("include", "aggregated")],
    )
    users = both.json()["users"]
    assert [u["id"] for u in users] == [user.id]
    assert "aggregated" in users[0]
    for params in ([], [("id", "invalidUserId")], [("id", user.id), ("include", "everything")]):
        response = await client.get(ent_path(emulator, "/users"), params=params)
        assert response.status_code == 422


async def test_workspace_lifecycle(client: httpx.AsyncClient, emulator: Emulator) -> None:
    created = await client.post(
        "/v0/meta/workspaces", json={"enterpriseAccountId": emulator.enterprise_id, "name": "W"}
    )
    wsp = created.json()["id"]
    target = owned_workspace(emulator, emulator.world.users[emulator.admin_id])
    base = await client.post(
        "/v0/meta/bases",
        json={
            "name": "B",
            "workspaceId": wsp,
            "tables": [{"name": "T", "fields": [{"name": "F", "type": "singleLineText"}]}],
        },
    )
    base_id = base.json()["id"]
    assert base.json()["tables"][0]["primaryFieldId"] == base.json()["tables"][0]["fields"][0]["id"]
    view = (await client.get(f"/v0/meta/workspaces/{wsp}")).json()
    assert view["baseIds"] == [base_id]
    assert "individualCollaborators" not in view

    other_base = target.base_ids
    moved = await client.post(
        f"/v0/meta/workspaces/{wsp}/moveBase",
        json={"baseId": base_id, "targetWorkspaceId": target.id, "targetIndex": 0},
    )
    assert (moved.status_code, moved.content) == (200, b"")
    assert other_base[0] == base_id
    assert (await client.get(f"/v0/meta/bases/{base_id}")).json()["workspaceId"] == target.id
    bad_index = await client.post(
        f"/v0/meta/workspaces/{target.id}/moveBase",
        json={"baseId": base_id, "targetWorkspaceId": wsp, "targetIndex": 5},
    )
    assert bad_index.status_code == 422

    restricted = await client.post(
        f"/v0/meta/workspaces/{wsp}/updateRestrictions",
        json={"inviteCreationRestriction": "onlyOwners"},
    )
    assert restricted.content == b""
    restrictions = (await client.get(f"/v0/meta/workspaces/{wsp}")).json()["workspaceRestrictions"]
    assert restrictions["inviteCreationRestriction"] == "onlyOwners"

    deleted_base = await client.delete(f"/v0/meta/bases/{base_id}")
    assert deleted_base.json() == {"id": base_id, "deleted": True}
    await client.delete(f"/v0/meta/workspaces/{wsp}")
    gone = await client.get(f"/v0/meta/workspaces/{wsp}")
    assert gone.status_code == 403
    assert last_actions(emulator, 6) == [
        "createWorkspace",
        "createBase",
        "moveBase",
        "updateWorkspaceRestrictions",
        "deleteBase",
        "deleteWorkspace",
    ]


async def test_move_base_needs_an_admin(client: httpx.AsyncClient, emulator: Emulator) -> None:
    emulator.world.users[emulator.admin_id].is_admin = False
    workspace = next(w for w in emulator.world.workspaces.values() if w.base_ids)
    response = await client.post(
        f"/v0/meta/workspaces/{workspace.id}/moveBase",
        json={"baseId": workspace.base_ids[0], "targetWorkspaceId": workspace.id},
    )
    assert response.json() == fixture("Error.InvalidPermissions.generic.json")


async def test_workspace_collaborators(client: httpx.AsyncClient, emulator: Emulator) -> None:
    owner, member = emulator.make_user(), emulator.make_user()
    group = emulator.make_group(members=[member])
    workspace = owned_workspace(emulator, owner)
    path = f"/v0/meta/workspaces/{workspace.id}/collaborators"
    add = await client.post(
        path, json={"collaborators": [{"user": {"id": member.id}, "permissionLevel": "edit"}]}
    )
    assert (add.status_code, add.content) == (200, b"")
    two = {"collaborators": [{"user": {"id": member.id}, "permissionLevel": "edit"}] * 2}
    assert (await client.post(path, json=two)).json() == fixture(
        "AddCollaborator.error.OnlyOneAtATime.json"
    )
    group_owner = {"collaborators": [{"group": {"id": group.id}, "permissionLevel": "owner"}]}
    assert (await client.post(path, json=group_owner)).json() == fixture(
        "WorkspaceCollaborator.error.GroupCannotBeOwner.json"
    )
    idle = emulator.make_user(state="deactivated")
    inactive = {"collaborators": [{"user": {"id": idle.id}, "permissionLevel": "read"}]}
    assert (await client.post(path, json=inactive)).json() == fixture(
        "AddCollaborator.error.EmailNotVerified.json"
    )
    group_add = {"collaborators": [{"group": {"id": group.id}, "permissionLevel": "read"}]}
    assert (await client.post(path, json=group_add)).status_code == 200

    update = await client.patch(f"{path}/{member.id}", json={"permissionLevel": "read"})
    assert update.content == b""
    sole = await client.patch(f"{path}/{owner.id}", json={"permissionLevel": "edit"})
    assert sole.json() == fixture("UpdateWorkspaceCollaborator.error.SoleOwner.json")
    stranger = await client.patch(f"{path}/{idle.id}", json={"permissionLevel": "edit"})
    assert stranger.json() == fixture("UpdateWorkspaceCollaborator.error.NotCollaborator.json")
    promote = await client.patch(f"{path}/{group.id}", json={"permissionLevel": "owner"})
    assert promote.json() == fixture("WorkspaceCollaborator.error.GroupCannotBeOwner.json")
    remove_owner = await client.delete(f"{path}/{owner.id}")
    assert remove_owner.json() == fixture("DeleteWorkspaceCollaborator.error.SoleOwner.json")
    assert (await client.delete(f"{path}/{member.id}")).content == b""

    view = (
        await client.get(
            f"/v0/meta/workspaces/{workspace.id}", params={"include[]": "collaborators"}
        )
    ).json()
    individuals = view["individualCollaborators"]["workspaceCollaborators"]
    assert [c["userId"] for c in individuals] == [owner.id]
    groups = view["groupCollaborators"]["workspaceCollaborators"]
    assert [(g["groupId"], g["permissionLevel"]) for g in groups] == [(group.id, "read")]

    now = emulator.world.now()
    workspace.invites["invCCCCCCCCCCCCCC"] = InviteLink(
        "invCCCCCCCCCCCCCC", "multiUse", now, None, owner.id, "read"
    )
    invite = f"/v0/meta/workspaces/{workspace.id}/invites/invCCCCCCCCCCCCCC"
    assert (await client.delete(invite)).content == b""
    assert (await client.delete(invite)).json() == fixture("Error.InvalidPermissions.generic.json")
    assert last_actions(emulator, 5) == [
        "addWorkspaceCollaborator",
        "addWorkspaceCollaborator",
        "changeWorkspaceCollaboratorPermission",
        "removeWorkspaceCollaborator",
        "removeWorkspaceInviteLink",
    ]


async def test_base_collaborators(client: httpx.AsyncClient, emulator: Emulator) -> None:
    base = next(iter(emulator.world.bases.values()))
    user = emulator.make_user()
    path = f"/v0/meta/bases/{base.id}/collaborators"
    await client.post(
        path, json={"collaborators": [{"user": {"id": user.id}, "permissionLevel": "comment"}]}
    )
    view = (
        await client.get(f"/v0/meta/bases/{base.id}", params={"include": "collaborators"})
    ).json()
    assert user.id in [c["userId"] for c in view["individualCollaborators"]["baseCollaborators"]]
    await client.patch(f"{path}/{user.id}", json={"permissionLevel": "edit"})
    assert base.grants[user.id].permission_level == "edit"
    await client.delete(f"{path}/{user.id}")
    assert user.id not in base.grants
    owner_level = await client.post(
        path, json={"collaborators": [{"user": {"id": user.id}, "permissionLevel": "owner"}]}
    )
    assert owner_level.status_code == 422


async def test_move_groups_and_workspaces(client: httpx.AsyncClient, emulator: Emulator) -> None:
    group = emulator.make_group()
    target = emulator.world.descendant_ids()[0]
    moved = await client.post(
        ent_path(emulator, "/moveGroups"),
        json={
            "targetEnterpriseAccountId": target,
            "groupIds": [group.id, group.id, "ugpZZZZZZZZZZZZZZ"],
        },
    )
    assert moved.json() == {
        "movedGroups": [{"id": group.id}],
        "errors": [{"id": "ugpZZZZZZZZZZZZZZ", "type": "NOT_FOUND", "message": "Group not found"}],
    }
    shown = (
        await client.get(f"/v0/meta/groups/{group.id}", params={"include": "collaborations"})
    ).json()
    assert shown["enterpriseAccountId"] == target
    assert set(shown["collaborations"]) == {
        "baseCollaborations",
        "interfaceCollaborations",
        "workspaceCollaborations",
    }
    too_many = await client.post(
        ent_path(emulator, "/moveGroups"),
        json={"targetEnterpriseAccountId": target, "groupIds": [group.id] * 101},
    )
    assert too_many.status_code == 422
    workspace = next(iter(emulator.world.workspaces))
    moved_ws = await client.post(
        ent_path(emulator, "/moveWorkspaces"),
        json={"targetEnterpriseAccountId": target, "workspaceIds": [workspace]},
    )
    assert moved_ws.json() == {"movedWorkspaces": [{"id": workspace}], "errors": []}
    enterprise = (
        await client.get(
            ent_path(emulator), params=[("include", "descendants"), ("include", "aggregated")]
        )
    ).json()
    assert workspace in enterprise["descendants"][target]["workspaceIds"]
    assert workspace in enterprise["aggregated"]["workspaceIds"]
    assert workspace not in enterprise["workspaceIds"]


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", "/v0/meta/workspaces", b"{not json", 400),
        ("POST", "/v0/meta/workspaces", b'{"name": "x"}', 422),
        (
            "POST",
            "/v0/meta/workspaces",
            b'{"name": "x", "enterpriseAccountId": "entAAAAAAAAAAAAAA"}',
            403,
        ),
        ("POST", "/v0/meta/workspaces", b'["list"]', 422),
        ("PUT", "/v0/meta/workspaces", b"", 404),
        ("GET", "/v0/meta/groups/ugpZZZZZZZZZZZZZZ", b"", 403),
        (
            "POST",
            "/v0/meta/bases",
            b'{"name": "x", "workspaceId": "wspZZZZZZZZZZZZZZ", "tables": []}',
            403,
        ),
    ],
)
async def test_error_statuses(
    client: httpx.AsyncClient, method: str, path: str, body: bytes, status: int
) -> None:
    response = await client.request(method, path, content=body)
    assert response.status_code == status
    if status == 404:
        assert response.json() == {"error": "NOT_FOUND"}


async def test_unknown_enterprise_and_missing_token(emulator: Emulator) -> None:
    async with httpx.AsyncClient(
        transport=emulator.transport(), base_url="http://e.localhost"
    ) as http:
        response = await http.get(ent_path(emulator))
        assert response.json() == fixture("Error.AuthenticationRequired.observed.json")
        response = await http.get(
            "/v0/meta/enterpriseAccounts/entZZZZZZZZZZZZZZ",
            headers={"Authorization": f"Bearer {emulator.token}"},
        )
        assert response.json() == fixture("Error.InvalidPermissionsOrModelNotFound.json")
