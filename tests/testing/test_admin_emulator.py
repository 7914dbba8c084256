"""The rest of the admin surface against the emulator, through the client: every call
changes the world, shows in later reads, leaves an audit event, and refuses like Airtable."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from airtable_enterprise import AsyncApi, Enterprise, PermissionDeniedError, RetryPolicy
from airtable_enterprise.testing import Emulator
from airtable_enterprise.testing.world.access_tokens import AccessToken

from .conftest import fixture

pytestmark = pytest.mark.anyio


def last_actions(emulator: Emulator, count: int) -> list[str]:
    return [e.action for e in list(emulator.world.audit)[-count:]]


@pytest.fixture
async def api(emulator: Emulator) -> AsyncIterator[AsyncApi]:
    async with emulator.api(retry=RetryPolicy(max_attempts=1)) as client:
        yield client


@pytest.fixture
def enterprise(api: AsyncApi, emulator: Emulator) -> Enterprise:
    return api.enterprise(emulator.enterprise_id)


def test_generator_makes_realistic_amounts(emulator: Emulator) -> None:
    world = emulator.world
    tokens = list(world.access_tokens.values())
    internal = [u for u in world.users.values() if world.is_internal(u)]
    holders = {t.user_id for t in tokens}
    assert 0.15 * len(internal) <= len(holders) <= 0.6 * len(internal)
    assert any(t.state == "deactivated" for t in tokens)
    assert any(t.mode == "all" for t in tokens)
    assert len(world.packages) >= 2
    assert any(p.latest_release_id is None for p in world.packages.values())
    bases = list(world.bases.values())
    shared = [b for b in bases if b.shares]
    assert 0 < len(shared) < len(bases)
    assert any(b.block_installations for b in bases)


async def test_whoami_is_the_token_user(api: AsyncApi, emulator: Emulator) -> None:
    me = await api.whoami()
    assert me.id == emulator.admin_id
    assert me.email == emulator.world.users[emulator.admin_id].email


async def test_user_by_id_matches_user(enterprise: Enterprise, emulator: Emulator) -> None:
    user_id = emulator.make_user().id
    by_id = await enterprise.user_by_id(user_id)
    assert by_id == await enterprise.user(user_id)
    await enterprise.update_user(user_id, first_name="Renamed")
    assert (await enterprise.user_by_id(user_id)).name.startswith("Renamed")


async def test_shares_disable_enable_delete(enterprise: Enterprise, emulator: Emulator) -> None:
    world = emulator.world
    base_record = next(b for b in world.bases.values() if b.shares)
    base = enterprise.api.base(base_record.id)
    shares = await base.shares()
    assert {s.id for s in shares} == set(base_record.shares)
    target = shares[0]
    await base.disable_share(target.id)
    assert [s.state for s in await base.shares() if s.id == target.id] == ["disabled"]
    workspace = world.workspaces[base_record.workspace_id]
    workspace.share_creation_restriction = "unrestricted"
    await base.enable_share(target.id)
    assert world.bases[base.id].shares[target.id].state == "enabled"
    await base.delete_share(target.id)
    assert target.id not in {s.id for s in await base.shares()}
    assert last_actions(emulator, 3) == ["disableShare", "enableShare", "deleteShare"]
    with pytest.raises(PermissionDeniedError):
        await base.delete_share(target.id)


async def test_enabling_a_share_honours_the_workspace_restriction(
    enterprise: Enterprise, emulator: Emulator
) -> None:
    world = emulator.world
    base_record = next(b for b in world.bases.values() if b.shares)
    workspace = world.workspaces[base_record.workspace_id]
    workspace.share_creation_restriction = "onlyOwners"
    workspace.grants.pop(emulator.admin_id, None)
    share_id = next(iter(base_record.shares))
    base = enterprise.api.base(base_record.id)
    await base.disable_share(share_id)  # disabling is never restricted
    with pytest.raises(PermissionDeniedError):
        await base.enable_share(share_id)
    assert base_record.shares[share_id].state == "disabled"


async def test_block_installations(enterprise: Enterprise, emulator: Emulator) -> None:
    base_record = next(b for b in emulator.world.bases.values() if b.block_installations)
    base = enterprise.api.base(base_record.id)
    installations = await base.block_installations()
    assert {i.id for i in installations} == set(base_record.block_installations)
    target = installations[0].id
    await base.disable_block_installation(target)
    await base.enable_block_installation(target)
    await base.delete_block_installation(target)
    assert target not in base_record.block_installations
    assert last_actions(emulator, 3) == [
        "disableBlockInstallation",
        "enableBlockInstallation",
        "deleteBlockInstallation",
    ]


async def test_interface_collaborators(enterprise: Enterprise, emulator: Emulator) -> None:
    world = emulator.world
    base_record = next(b for b in world.bases.values() if b.interfaces)
    interface_record = next(iter(base_record.interfaces.values()))
    user = emulator.make_user()
    handle = enterprise.api.base(base_record.id).interface(interface_record.id)
    await handle.add_collaborator(user.id, "comment")
    info = await handle.collaborators()
    assert info.base_id == base_record.id
    assert info.individual_collaborators is not None
    direct = {
        c.user_id: c.permission_level for c in info.individual_collaborators.interface_collaborators
    }
    assert direct[user.id] == "comment"
    await handle.update_collaborator(user.id, "edit")
    assert interface_record.grants[user.id].permission_level == "edit"
    await handle.remove_collaborator(user.id)
    assert user.id not in interface_record.grants
    assert last_actions(emulator, 3) == [
        "addInterfaceCollaborator",
        "changeInterfaceCollaboratorPermission",
        "removeInterfaceCollaborator",
    ]
    # the base's answer finds the interface by its ID
    found = (await enterprise.api.base(base_record.id).collaborators()).interface(
        interface_record.id
    )
    assert found is not None
    assert found.name == interface_record.name


async def test_packages_and_install(enterprise: Enterprise, emulator: Emulator) -> None:
    world = emulator.world
    own = await enterprise.packages()
    grid = await enterprise.packages(all_enterprises=True)
    assert {p.id for p in grid} == set(world.packages)
    assert {p.id for p in own} == {
        p.id for p in world.packages.values() if p.account_id == world.root_id
    }
    released = next(p for p in grid if p.latest_release_id is not None)
    workspace = await enterprise.create_workspace("Installs")
    before = released.install_count
    base = await enterprise.create_base_from_package(workspace, "From package", released.id)
    assert world.bases[base.id].workspace_id == workspace.id
    assert world.bases[base.id].package_installations[0]["packageId"] == released.id
    assert world.packages[released.id].install_count == before + 1
    assert last_actions(emulator, 1) == ["createBaseFromPackage"]
    info = await base.collaborators()
    assert info.package_installations[0].package_release_id == released.latest_release_id


async def test_create_base_at_enterprise_level(enterprise: Enterprise, emulator: Emulator) -> None:
    workspace = await enterprise.create_workspace("Bases")
    tables = [{"name": "T", "fields": [{"name": "Name", "type": "singleLineText"}]}]
    base = await enterprise.create_base(workspace.id, "Direct", tables)
    assert emulator.world.bases[base.id].name == "Direct"


async def test_tokens_list_and_revoke(enterprise: Enterprise, emulator: Emulator) -> None:
    world = emulator.world
    tokens = await enterprise.access_tokens(resources=True)
    assert {t.id for t in tokens} == set(world.access_tokens)
    specific = next(
        t for t in tokens if t.resource_access and t.resource_access.mode == "specificModelIds"
    )
    assert specific.resource_access is not None
    assert specific.resource_access.resource_model_ids
    plain = await enterprise.access_tokens()
    assert all(
        t.resource_access is None or t.resource_access.resource_model_ids is None for t in plain
    )
    active = [t.id for t in tokens if t.is_active][:3]
    revoked = next(t.id for t in tokens if not t.is_active)
    result = await enterprise.revoke_access_tokens([*active, revoked, "patAAAAAAAAAAAAAA"])
    assert {t.id for t in result.revoked_tokens} == set(active)
    assert {(e.token_id, e.type) for e in result.errors} == {
        (revoked, "ALREADY_REVOKED"),
        ("patAAAAAAAAAAAAAA", "TOKEN_NOT_FOUND"),
    }
    assert all(world.access_tokens[t].state == "deactivated" for t in active)
    assert last_actions(emulator, 3) == ["revokePersonalAccessToken"] * 3
    again = await enterprise.revoke_access_tokens(active[:1])
    assert [e.type for e in again.errors] == ["ALREADY_REVOKED"]


async def test_token_calls_refuse_a_descendant_account(api: AsyncApi, emulator: Emulator) -> None:
    descendant = api.enterprise(emulator.world.descendant_ids()[0])
    with pytest.raises(PermissionDeniedError):
        await descendant.access_tokens()
    with pytest.raises(PermissionDeniedError):
        await descendant.revoke_access_tokens(list(emulator.world.access_tokens)[:1])


async def test_revoke_many_tokens_in_chunks(enterprise: Enterprise, emulator: Emulator) -> None:
    world = emulator.world
    owner = next(iter(world.users))
    ids = [world.new_id("pat") for _ in range(230)]
    for token_id in ids:
        world.access_tokens[token_id] = AccessToken(
            id=token_id,
            name="bulk",
            user_id=owner,
            created_by=owner,
            created_time=world.now(),
            scopes=["data.records:read"],
        )
    result = await enterprise.revoke_access_tokens(ids)
    assert result.ok
    assert len(result.revoked_tokens) == 230


async def test_allow_ai_honours_policy_and_descendants(
    enterprise: Enterprise, emulator: Emulator
) -> None:
    world = emulator.world
    root_ws = [w.id for w in world.workspaces.values() if w.account_id == world.root_id]
    world.workspaces[root_ws.pop()].account_id = world.descendant_ids()[0]
    child_ws = [w.id for w in world.workspaces.values() if w.account_id != world.root_id]
    assert root_ws
    assert child_ws
    result = await enterprise.allow_ai({root_ws[0]: True, child_ws[0]: True})
    assert [e.workspace_id for e in result.errors] == [child_ws[0]]
    assert world.ai_allowed(root_ws[0])
    assert not world.ai_allowed(child_ws[0])
    result = await enterprise.allow_ai({child_ws[0]: True}, descendants=True)
    assert result.ok
    assert world.ai_allowed(child_ws[0])
    world.ai_policy = "NO_WORKSPACES"
    assert not world.ai_allowed(root_ws[0])
    assert last_actions(emulator, 2) == ["updateWorkspaceAiAllowlist"] * 2


# ------------------------------------------------------------------ wire shapes and errors


async def test_error_shapes_of_the_new_routes(
    client: httpx.AsyncClient, emulator: Emulator
) -> None:
    world = emulator.world
    base = next(iter(world.bases.values()))
    ent = f"/v0/meta/enterpriseAccounts/{emulator.enterprise_id}"
    unknown = [
        ("PATCH", f"/v0/meta/bases/{base.id}/shares/shrAAAAAAAAAAAAAA", {"state": "enabled"}),
        ("DELETE", f"/v0/meta/bases/{base.id}/blockInstallations/bliAAAAAAAAAAAAAA", None),
        ("GET", f"/v0/meta/bases/{base.id}/interfaces/pbdAAAAAAAAAAAAAA", None),
        ("GET", "/v0/meta/bases/appAAAAAAAAAAAAAA/shares", None),
        (
            "POST",
            f"{ent}/packages/pkgAAAAAAAAAAAAAA/install",
            {
                "name": "x",
                "packageReleaseId": "pkrAAAAAAAAAAAAAA",
                "workspaceId": next(iter(world.workspaces)),
            },
        ),
    ]
    for method, path, body in unknown:
        response = await client.request(method, path, json=body)
        assert response.status_code == 403, path
        assert response.json()["error"]["type"] == "INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND"
    too_many = [
        (
            "POST",
            f"{ent}/personalAccessTokens/revoke",
            {"tokenIds": [f"pat{n:014d}" for n in range(101)]},
        ),
        (
            "POST",
            f"{ent}/workspaceAiAllowlist",
            {"workspaces": [{"workspaceId": f"wsp{n:014d}", "isAllowed": True} for n in range(11)]},
        ),
        (
            "PATCH",
            f"/v0/meta/bases/{base.id}/shares/{next(iter(base.shares), 'shrAAAAAAAAAAAAAA')}",
            {"state": "on"},
        ),
    ]
    for method, path, body in too_many:
        response = await client.request(method, path, json=body)
        assert response.status_code in (403, 422), path
        if response.status_code == 422:
            assert response.json()["error"]["type"] == "INVALID_REQUEST_UNKNOWN"


async def test_a_bad_allowlist_item_changes_nothing(
    client: httpx.AsyncClient, emulator: Emulator
) -> None:
    world = emulator.world
    good = next(iter(world.workspaces))
    response = await client.post(
        f"/v0/meta/enterpriseAccounts/{emulator.enterprise_id}/workspaceAiAllowlist",
        json={"workspaces": [{"workspaceId": good, "isAllowed": True}, {"workspaceId": good}]},
    )
    assert response.status_code == 422
    assert good not in world.ai_allowlist


async def test_shares_wire_shape_matches_the_fixture_keys(
    client: httpx.AsyncClient, emulator: Emulator
) -> None:
    base = next(b for b in emulator.world.bases.values() if b.shares)
    response = await client.get(f"/v0/meta/bases/{base.id}/shares")
    documented = {k for share in fixture("ListShares.response.json")["shares"] for k in share}
    documented.add("canBeSynced")  # REFERENCE §7.6, not in the fixture's three shares
    for share in response.json()["shares"]:
        assert set(share) <= documented
        assert share["shareTokenPrefix"] == share["shareId"][:8]


async def test_token_wire_shape_matches_the_fixture(
    client: httpx.AsyncClient, emulator: Emulator
) -> None:
    response = await client.get(
        f"/v0/meta/enterpriseAccounts/{emulator.enterprise_id}/personalAccessTokens"
    )
    documented = set(fixture("ListEnterprisePersonalAccessTokens.personalAccessTokens-item.json"))
    for token in response.json()["personalAccessTokens"]:
        assert set(token) == documented


async def test_new_audit_events_render(client: httpx.AsyncClient, emulator: Emulator) -> None:
    world = emulator.world
    token = next(t for t in world.access_tokens.values() if t.state == "active")
    ent = f"/v0/meta/enterpriseAccounts/{emulator.enterprise_id}"
    await client.post(f"{ent}/personalAccessTokens/revoke", json={"tokenIds": [token.id]})
    page = await client.get(
        f"{ent}/auditLogEvents", params={"eventType": "revokePersonalAccessToken"}
    )
    [event] = page.json()["events"]
    assert event["modelId"] == token.id
    assert event["modelType"] == "personalAccessToken"
    assert event["context"]["enterpriseAccountId"] == emulator.enterprise_id
    assert event["payload"]["tokenOwnerId"] == token.user_id
