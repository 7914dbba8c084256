"""The rest of the admin surface against fixture-based fakes: interfaces, shares, block
installations, packages, access tokens, the AI allowlist, whoami, user by ID."""

from __future__ import annotations

import json

import httpx
import pytest
import respx

from airtable_enterprise import (
    AsyncApi,
    Base,
    Enterprise,
    InvalidInputError,
    Package,
    PackageNotFoundError,
    PermissionDeniedError,
    Workspace,
)
from airtable_enterprise.models import Collaborations
from tests.helpers import load_fixture

from .conftest import ENT, WSP
from .helpers import body, last_request, no_requests, query

pytestmark = pytest.mark.anyio

URL = f"/v0/meta/enterpriseAccounts/{ENT}"
APP = "appLkNDICXNqxSDhG"
PBD = "pbdLkNDICXNqxSDhG"
PACKAGE = load_fixture("ListEnterprisePackages.packages-item.json")
TOKEN = load_fixture("ListEnterprisePersonalAccessTokens.personalAccessTokens-item.json")


def pat(n: int) -> str:
    return f"pat{n:014d}"


def wsp(n: int) -> str:
    return f"wsp{n:014d}"


# ------------------------------------------------------------------ users


async def test_user_by_id_calls_the_by_id_route(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    user = load_fixture("GetUserById.response.json")
    route = router.get(f"{URL}/users/{user['id']}").respond(json=user)
    found = await enterprise.user_by_id(user["id"])
    assert query(last_request(route)) == [("include[]", "collaborations")]
    assert found.id == user["id"]
    assert found.email == user["email"]


async def test_user_by_id_refuses_an_email(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    with pytest.raises(InvalidInputError):
        await enterprise.user_by_id("foo@bar.com")
    assert no_requests(router)


# ------------------------------------------------------------------ shares


async def test_shares_are_typed_and_keep_absent_apart_from_empty(
    router: respx.MockRouter, api: AsyncApi
) -> None:
    router.get(f"/v0/meta/bases/{APP}/shares").respond(
        json=load_fixture("ListShares.response.json")
    )
    shares = await api.base(APP).shares()
    assert [s.type for s in shares] == ["base", "view", "blockInstallation"]
    assert shares[0].id == "shr9SpczJvQpfAzSp"
    assert shares[0].is_enabled
    assert shares[0].is_password_protected
    assert shares[0].effective_email_domain_allow_list == ("foobar.com",)
    assert shares[1].effective_email_domain_allow_list is None  # absent: no restriction
    assert shares[1].view_id == "viwQpsuEDqHFqegkp"
    assert shares[2].block_installation_id == "bliXyN0Q6zfajnDOG"


async def test_disable_enable_and_delete_share(router: respx.MockRouter, api: AsyncApi) -> None:
    path = f"/v0/meta/bases/{APP}/shares/shr9SpczJvQpfAzSp"
    patch = router.patch(path).respond(200)
    delete = router.delete(path).respond(200)
    base = api.base(APP)
    await base.disable_share("shr9SpczJvQpfAzSp")
    assert body(last_request(patch)) == load_fixture("ManageShare.request.json")
    await base.enable_share("shr9SpczJvQpfAzSp")
    assert body(last_request(patch)) == {"state": "enabled"}
    await base.delete_share("shr9SpczJvQpfAzSp")
    assert delete.call_count == 1


async def test_share_and_installation_ids_are_checked(
    router: respx.MockRouter, api: AsyncApi
) -> None:
    base = api.base(APP)
    with pytest.raises(InvalidInputError):
        await base.disable_share("viwQpsuEDqHFqegkp")
    with pytest.raises(InvalidInputError):
        await base.delete_block_installation("shr9SpczJvQpfAzSp")
    assert no_requests(router)


async def test_block_installations(router: respx.MockRouter, api: AsyncApi) -> None:
    item = {
        "id": "bliXyN0Q6zfajnDOG",
        "blockId": "blkAAAAAAAAAAAAAA",
        "blockSlug": "chart",
        "createdByUserId": "usrL2PNC5o3H4lBEi",
        "createdTime": "2019-01-01T00:00:00.000Z",
        "state": "enabled",
    }
    router.get(f"/v0/meta/bases/{APP}/blockInstallations").respond(json=[item])
    patch = router.patch(f"/v0/meta/bases/{APP}/blockInstallations/{item['id']}").respond(200)
    base = api.base(APP)
    (found,) = await base.block_installations()
    assert (found.id, found.block_slug, found.state) == (item["id"], "chart", "enabled")
    await base.disable_block_installation(item["id"])
    assert body(last_request(patch)) == {"state": "disabled"}


# ------------------------------------------------------------------ interfaces


async def test_interface_collaborators_and_writes(router: respx.MockRouter, api: AsyncApi) -> None:
    path = f"/v0/meta/bases/{APP}/interfaces/{PBD}"
    answer = {
        "id": PBD,
        "baseId": APP,
        "name": "Dashboard",
        "createdTime": "2024-01-01T00:00:00.000Z",
        "permissionLevel": "none",
        "individualCollaborators": {
            "interfaceCollaborators": [
                {
                    "userId": "usrL2PNC5o3H4lBEi",
                    "email": "foo@bar.com",
                    "permissionLevel": "read",
                    "createdTime": "2024-01-01T00:00:00.000Z",
                    "grantedByUserId": "usrsOEchC9xuwRgKk",
                }
            ],
            "baseCollaborators": [],
            "workspaceCollaborators": [],
        },
    }
    get = router.get(path).respond(json=answer)
    post = router.post(f"{path}/collaborators").respond(200)
    patch = router.patch(f"{path}/collaborators/ugp1mKGb3KXUyQfOZ").respond(200)
    invite = router.delete(f"{path}/invites/invAAAAAAAAAAAAAA").respond(200)
    interface = api.base(APP).interface(PBD)
    info = await interface.collaborators()
    assert query(last_request(get)) == [
        ("include[]", "collaborators"),
        ("include[]", "inviteLinks"),
    ]
    assert info.individual_collaborators is not None
    assert info.individual_collaborators.interface_collaborators[0].email == "foo@bar.com"
    assert info.group_collaborators is None
    assert info.invite_links == ()
    await interface.add_collaborator("usrL2PNC5o3H4lBEi", "edit")
    assert body(last_request(post)) == {
        "collaborators": [{"user": {"id": "usrL2PNC5o3H4lBEi"}, "permissionLevel": "edit"}]
    }
    await interface.update_collaborator("ugp1mKGb3KXUyQfOZ", "comment")
    assert body(last_request(patch)) == {"permissionLevel": "comment"}
    await interface.delete_invite("invAAAAAAAAAAAAAA")
    assert invite.call_count == 1


async def test_interface_refuses_levels_above_edit(router: respx.MockRouter, api: AsyncApi) -> None:
    with pytest.raises(InvalidInputError, match="permission_level"):
        await api.base(APP).interface(PBD).add_collaborator("usrL2PNC5o3H4lBEi", "create")
    with pytest.raises(InvalidInputError):
        api.base(APP).interface("appLkNDICXNqxSDhG")
    assert no_requests(router)


# ------------------------------------------------------------------ packages


async def test_packages_and_grid_flag(router: respx.MockRouter, enterprise: Enterprise) -> None:
    route = router.get(f"{URL}/packages").respond(json={"packages": [PACKAGE]})
    (package,) = await enterprise.packages()
    assert query(last_request(route)) == []
    assert package.latest_release_id == "pkrsTB7Ic2RhsA4pe"
    assert package.install_count == 12
    await enterprise.packages(all_enterprises=True)
    assert query(last_request(route)) == [("shouldGetAllPackagesInGrid", "true")]
    assert (await enterprise.package(PACKAGE["id"])).name == PACKAGE["name"]
    with pytest.raises(PackageNotFoundError):
        await enterprise.package("pkgAAAAAAAAAAAAAA")


@pytest.mark.parametrize("given", ["package", "id", "release"])
async def test_create_base_from_package_resolves_the_latest_release(
    router: respx.MockRouter, enterprise: Enterprise, given: str
) -> None:
    router.get(f"{URL}/packages").respond(json={"packages": [PACKAGE]})
    install = router.post(f"{URL}/packages/{PACKAGE['id']}/install").respond(
        json={"id": "appNEWNEWNEWNEW01", "tables": []}
    )
    ref: str | Package = {
        "package": Package(
            id=PACKAGE["id"],
            name="x",
            type="appTemplate",
            created_by_user_id="usrL2PNC5o3H4lBEi",
            created_time=enterprise_time(),
            latest_release_id="pkrsTB7Ic2RhsA4pe",
        ),
        "id": PACKAGE["id"],
        "release": "pkrsTB7Ic2RhsA4pe",
    }[given]
    base = await enterprise.create_base_from_package(
        Workspace(enterprise.api, WSP), "My New Base", ref, description="Test base"
    )
    assert body(last_request(install)) == load_fixture(
        "CreateBaseFromPackage.request.pyairtable.json"
    )
    assert isinstance(base, Base)
    assert base.id == "appNEWNEWNEWNEW01"
    assert base.name == "My New Base"
    assert base.workspace_id == WSP


async def test_package_without_release_fails_before_any_write(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    router.get(f"{URL}/packages").respond(json={"packages": [{**PACKAGE, "latestReleaseId": None}]})
    install = router.post(f"{URL}/packages/{PACKAGE['id']}/install").respond(200)
    with pytest.raises(InvalidInputError, match="no release"):
        await enterprise.create_base_from_package(WSP, "New", PACKAGE["id"])
    assert install.call_count == 0
    with pytest.raises(InvalidInputError):
        await enterprise.create_base_from_package(WSP, "New", "appLkNDICXNqxSDhG")


def enterprise_time() -> object:
    from datetime import UTC, datetime

    return datetime(2024, 1, 1, tzinfo=UTC)


# ------------------------------------------------------------------ tokens


async def test_access_tokens_are_typed(router: respx.MockRouter, enterprise: Enterprise) -> None:
    broad = {**TOKEN, "id": pat(2), "resourceAccess": {"mode": "all"}}
    del broad["scopes"]
    route = router.get(f"{URL}/personalAccessTokens").respond(
        json={"personalAccessTokens": [TOKEN, broad]}
    )
    first, second = await enterprise.access_tokens(resources=True)
    assert query(last_request(route)) == [("includeResources", "true")]
    assert first.is_active
    assert first.scopes == ("data.records:read", "enterprise.account:read")
    assert first.resource_access is not None
    assert first.resource_access.enterprise_account_id == "entUBq2RGdihxl3vU"
    assert first.broad_reasons == ()
    assert second.scopes == ()  # absent reads as empty
    assert second.broad_reasons == ("mode: all",)


async def test_revoke_chunks_by_100_and_merges_typed_errors(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    sent: list[list[str]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        ids = json.loads(request.content)["tokenIds"]
        sent.append(ids)
        return httpx.Response(
            200,
            json={
                "revokedTokens": [{"id": i, "userId": "usrL2PNC5o3H4lBEi"} for i in ids[1:]],
                "errors": [
                    {
                        "type": "ALREADY_REVOKED",
                        "message": "Token has already been revoked.",
                        "tokenId": ids[0],
                    }
                ],
            },
        )

    router.post(f"{URL}/personalAccessTokens/revoke").mock(side_effect=answer)
    ids = [pat(n) for n in range(250)]
    result = await enterprise.revoke_access_tokens([*ids, ids[0]])
    assert sorted(len(chunk) for chunk in sent) == [50, 100, 100]
    assert sorted(i for chunk in sent for i in chunk) == sorted(ids)
    assert len(result.revoked_tokens) == 247
    assert {e.token_id for e in result.errors} == {pat(0), pat(100), pat(200)}
    assert result.errors[0].target == result.errors[0].token_id
    assert not result.ok


async def test_revoke_fixture_answer(router: respx.MockRouter, enterprise: Enterprise) -> None:
    route = router.post(f"{URL}/personalAccessTokens/revoke").respond(
        json=load_fixture("RevokeEnterprisePersonalAccessTokens.response.pyairtable.json")
    )
    request = load_fixture("RevokeEnterprisePersonalAccessTokens.request.pyairtable.json")
    result = await enterprise.revoke_access_tokens(request["tokenIds"])
    assert body(last_request(route)) == request
    assert result.revoked_tokens[0].user_id == "usrL2PNC5o3H4lBEi"
    assert result.errors[0].type == "ALREADY_REVOKED"


async def test_revoke_refuses_bad_ids(router: respx.MockRouter, enterprise: Enterprise) -> None:
    with pytest.raises(InvalidInputError):
        await enterprise.revoke_access_tokens(["usrL2PNC5o3H4lBEi"])
    with pytest.raises(InvalidInputError):
        await enterprise.revoke_access_tokens([])
    assert no_requests(router)


# ------------------------------------------------------------------ AI allowlist


async def test_allow_ai_chunks_by_10_and_merges_workspace_errors(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    bodies: list[dict[str, object]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent = json.loads(request.content)
        bodies.append(sent)
        first = sent["workspaces"][0]["workspaceId"]
        return httpx.Response(
            200,
            json={
                "errors": [
                    {
                        "type": "WORKSPACE_NOT_FOUND",
                        "message": "Workspace not found",
                        "workspaceId": first,
                    }
                ]
            },
        )

    router.post(f"{URL}/workspaceAiAllowlist").mock(side_effect=answer)
    wanted = {wsp(n): n % 2 == 0 for n in range(25)}
    result = await enterprise.allow_ai(wanted, descendants=True)
    assert sorted(len(b["workspaces"]) for b in bodies) == [5, 10, 10]  # type: ignore[arg-type]
    assert all(b["includeDescendantWorkspaces"] is True for b in bodies)
    sent = {w["workspaceId"]: w["isAllowed"] for b in bodies for w in b["workspaces"]}  # type: ignore[attr-defined]
    assert sent == wanted
    assert {e.workspace_id for e in result.errors} == {wsp(0), wsp(10), wsp(20)}


async def test_allow_ai_fixture_request(router: respx.MockRouter, enterprise: Enterprise) -> None:
    route = router.post(f"{URL}/workspaceAiAllowlist").respond(
        json=load_fixture("UpdateWorkspaceAiAllowlist.response-empty.pyairtable.json")
    )
    result = await enterprise.allow_ai({Workspace(enterprise.api, WSP): True}, descendants=True)
    assert body(last_request(route)) == load_fixture(
        "UpdateWorkspaceAiAllowlist.request-descendants.pyairtable.json"
    )
    assert result.ok


async def test_allow_ai_refuses_bad_input(router: respx.MockRouter, enterprise: Enterprise) -> None:
    for bad in ({}, {WSP: "yes"}, {"appLkNDICXNqxSDhG": True}):
        with pytest.raises(InvalidInputError):
            await enterprise.allow_ai(bad)  # type: ignore[arg-type]
    assert no_requests(router)


# ------------------------------------------------------------------ whoami, errors


async def test_whoami(router: respx.MockRouter, api: AsyncApi) -> None:
    router.get("/v0/meta/whoami").respond(json={"id": "usrL2PNC5o3H4lBEi"})
    me = await api.whoami()
    assert me.id == "usrL2PNC5o3H4lBEi"
    assert me.email is None
    assert me.scopes is None


async def test_api_errors_map_to_the_error_tree(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    router.get(f"{URL}/personalAccessTokens").respond(
        403, json=load_fixture("Error.InvalidPermissions.generic.json")
    )
    with pytest.raises(PermissionDeniedError):
        await enterprise.access_tokens()


# ------------------------------------------------------------------ keyed lookups


def test_collaborations_are_falsy_when_empty_and_looked_up_by_id() -> None:
    from airtable_enterprise._core.convert import converter

    assert not Collaborations()
    user = converter.structure(
        load_fixture("GetUserById.response.json"), __import__("airtable_enterprise").UserInfo
    )
    assert user.collaborations
    grant = user.collaborations.workspace_collaborations[0]
    assert user.collaborations.workspace(grant.workspace_id) is grant
    assert user.collaborations.workspace("wspAAAAAAAAAAAAAA") is None
    if user.collaborations.base_collaborations:
        first = user.collaborations.base_collaborations[0]
        assert user.collaborations.base(first.base_id) is first
    if user.collaborations.interface_collaborations:
        first_i = user.collaborations.interface_collaborations[0]
        assert user.collaborations.interface(first_i.interface_id) is first_i
