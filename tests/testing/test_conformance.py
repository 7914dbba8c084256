"""Every response fixture the emulator serves: each documented key is present with the
documented JSON type (REFERENCE fixtures, copied into tests/fixtures)."""

from __future__ import annotations

import httpx
import pytest

from airtable_enterprise.testing import Emulator, StatusFault
from airtable_enterprise.testing.world.state import Grant, Interface, InviteLink

from .conftest import ent_path, fixture

pytestmark = pytest.mark.anyio

# Keys the reference documents as nullable (REFERENCE §1.8, §1.10, §7.3, §8.2).
NULLABLE = {
    "invitedEmail",
    "firstPublishTime",
    "packageReleaseId",
    "lastActivityTime",
    "invitedToAirtableByUserId",
    "next",
    "previous",
}
# Maps keyed by object ID rather than by field name.
ID_KEYED = {"interfaces", "descendants"}


def json_type(value: object) -> str:
    for name, kind in (
        ("null", type(None)),
        ("bool", bool),
        ("number", int | float),
        ("string", str),
        ("array", list),
        ("object", dict),
    ):
        if isinstance(value, kind):
            return name
    raise AssertionError(f"not JSON: {value!r}")


def assert_conforms(actual: object, documented: object, where: str = "$") -> None:
    """``actual`` has every key of ``documented`` with the same JSON type, recursively."""
    expected_type, actual_type = json_type(documented), json_type(actual)
    if expected_type == "null":
        return
    assert actual_type == expected_type, f"{where}: {actual_type}, documented {expected_type}"
    if isinstance(documented, dict):
        assert isinstance(actual, dict)
        if where.rsplit(".", 1)[-1] in ID_KEYED:
            assert actual, f"{where}: empty, documented entries"
            for value in actual.values():
                assert_conforms(value, next(iter(documented.values())), f"{where}.*")
            return
        for key, value in documented.items():
            assert key in actual, f"{where}: missing {key!r}"
            if actual[key] is None and key in NULLABLE:
                continue
            assert_conforms(actual[key], value, f"{where}.{key}")
    elif isinstance(documented, list) and documented:
        assert isinstance(actual, list)
        assert actual, f"{where}: empty, documented items"
        for item in actual:
            assert_conforms(item, documented[0], f"{where}[]")


def test_assert_conforms_catches_missing_keys_and_wrong_types() -> None:
    with pytest.raises(AssertionError, match="missing 'b'"):
        assert_conforms({"a": 1}, {"a": 2, "b": 3})
    with pytest.raises(AssertionError, match="string, documented number"):
        assert_conforms({"a": "1"}, {"a": 2})
    with pytest.raises(AssertionError, match="empty"):
        assert_conforms({"a": []}, {"a": [1]})


def _rich_base(emulator: Emulator) -> str:
    """A base with every optional part present: interface, invites, groups, packages."""
    world = emulator.world
    base = next(b for b in world.bases.values() if b.grants)
    workspace = world.workspaces[base.workspace_id]
    now = world.now()
    group_id = next(iter(world.groups))
    user_id = next(u for u in world.users if u != emulator.admin_id)
    base.grants[group_id] = Grant(group_id, "create", now, emulator.admin_id)
    workspace.grants[group_id] = Grant(group_id, "edit", now, emulator.admin_id)
    invite = InviteLink(
        "invAAAAAAAAAAAAAA", "singleUse", now, "x@y.example", user_id, "edit", ["y.example"]
    )
    base.invites[invite.id] = invite
    workspace.invites["invBBBBBBBBBBBBBB"] = InviteLink(
        "invBBBBBBBBBBBBBB", "multiUse", now, None, user_id, "read", ["y.example"]
    )
    interface = Interface("pbdAAAAAAAAAAAAAA", "Dash", base.id, now, now)
    interface.grants[user_id] = Grant(user_id, "edit", now, emulator.admin_id)
    interface.grants[group_id] = Grant(group_id, "read", now, emulator.admin_id)
    interface.invites[invite.id] = invite
    base.interfaces[interface.id] = interface
    base.package_installations.append(
        {
            "id": "pkiAAAAAAAAAAAAAA",
            "packageId": "pkgAAAAAAAAAAAAAA",
            "packageReleaseId": "pkrAAAAAAAAAAAAAA",
            "installationType": "application",
        }
    )
    return base.id


async def test_get_enterprise(client: httpx.AsyncClient, emulator: Emulator) -> None:
    emulator.make_group()
    response = await client.get(ent_path(emulator))
    assert response.status_code == 200
    assert_conforms(response.json(), fixture("GetEnterprise.response.json"))


async def test_users_and_user_by_id(client: httpx.AsyncClient, emulator: Emulator) -> None:
    world = emulator.world
    user = next(
        u
        for u in world.users.values()
        if world.is_internal(u)
        and u.invited_by
        and u.last_activity_time
        and u.id != emulator.admin_id
    )
    # Give the user one grant of each kind so every collaborations list is non-empty.
    _rich_base(emulator)
    base = world.bases[next(b for b in world.bases if world.bases[b].interfaces)]
    now = world.now()
    base.grants[user.id] = Grant(user.id, "edit", now, emulator.admin_id)
    world.workspaces[base.workspace_id].grants[user.id] = Grant(user.id, "edit", now, user.id)
    next(iter(base.interfaces.values())).grants[user.id] = Grant(user.id, "edit", now, user.id)
    emulator.make_group(members=[user])

    many = await client.get(
        ent_path(emulator, "/users"), params=[("id[]", user.id), ("include[]", "collaborations")]
    )
    assert many.status_code == 200
    assert_conforms(many.json()["users"][0], fixture("GetUsersByIdOrEmail.users-item0.json"))
    one = await client.get(
        ent_path(emulator, f"/users/{user.id}"), params={"include": "collaborations"}
    )
    assert_conforms(one.json(), fixture("GetUserById.response.json"))


async def test_get_base_collaborators(client: httpx.AsyncClient, emulator: Emulator) -> None:
    base_id = _rich_base(emulator)
    response = await client.get(
        f"/v0/meta/bases/{base_id}",
        params=[
            ("include[]", v) for v in ("collaborators", "inviteLinks", "interfaces", "packages")
        ],
    )
    assert_conforms(response.json(), fixture("GetBaseCollaborators.response.json"))


async def test_workspace_create_and_delete(client: httpx.AsyncClient, emulator: Emulator) -> None:
    body = {
        **fixture("CreateWorkspace.request.json"),
        "enterpriseAccountId": emulator.enterprise_id,
    }
    created = await client.post("/v0/meta/workspaces", json=body)
    assert_conforms(created.json(), fixture("CreateWorkspace.response.json"))
    deleted = await client.delete(f"/v0/meta/workspaces/{created.json()['id']}")
    assert_conforms(deleted.json(), fixture("DeleteWorkspace.response.json"))
    assert deleted.json()["deleted"] is True


async def test_create_descendant(client: httpx.AsyncClient, emulator: Emulator) -> None:
    response = await client.post(
        ent_path(emulator, "/descendants"), json=fixture("CreateDescendantEnterprise.request.json")
    )
    assert_conforms(response.json(), fixture("CreateDescendantEnterprise.response.json"))


async def test_claim_and_admin_batch_bodies(client: httpx.AsyncClient, emulator: Emulator) -> None:
    claim = await client.post(
        ent_path(emulator, "/users/claim"),
        json=fixture("ManageUserMembership.request.pyairtable.json"),
    )
    assert claim.status_code == 200
    assert_conforms(claim.json(), fixture("ManageUserMembership.response.pyairtable.json"))
    not_admin = emulator.make_user()
    revoke = await client.post(
        ent_path(emulator, "/users/revokeAdminAccess"),
        json={
            "users": [
                {"email": "bam@bam.example"},
                {"id": "usrsOEchC9xuwRgKk"},
                {"email": not_admin.email},
            ]
        },
    )
    documented = fixture("RevokeAdminAccess.response.json")["errors"]
    errors = revoke.json()["errors"]
    assert [e["type"] for e in errors] == [e["type"] for e in documented]
    for actual, expected in zip(errors, documented, strict=True):
        assert_conforms(actual, expected)


async def test_audit_log_events(client: httpx.AsyncClient, emulator: Emulator) -> None:
    base = next(iter(emulator.world.bases.values()))
    emulator.make_event(
        "createBase", base_id=base.id, workspace_id=base.workspace_id, payload={"name": "x"}
    )
    response = await client.get(
        ent_path(emulator, "/auditLogEvents"),
        params={"pageSize": 5, "modelId": base.id, "eventType": "createBase"},
    )
    documented = fixture("AuditLogEvents.response.json")
    # interfaceId and sessionId are optional context/origin keys (§8.2).
    del documented["events"][0]["context"]["interfaceId"]
    del documented["events"][0]["origin"]["sessionId"]
    assert_conforms(response.json(), documented)


@pytest.mark.parametrize(
    ("fixture_name", "status"),
    [
        ("Error.AuthenticationRequired.observed.json", 401),
        ("Error.InvalidPermissionsOrModelNotFound.json", 403),
        ("Error.NotFound.string-form.json", 404),
        ("Error.InvalidRequestUnknown.json", 422),
        ("Error.RateLimitReached.json", 429),
        ("Error.RetriableError.json", 503),
    ],
)
async def test_error_bodies(
    client: httpx.AsyncClient, emulator: Emulator, fixture_name: str, status: int
) -> None:
    path = ent_path(emulator)
    headers: dict[str, str] = {}
    if status == 401:
        headers = {"Authorization": "Bearer wrong"}
    elif status == 403:
        path = "/v0/meta/workspaces/wspAAAAAAAAAAAAAA"
    elif status == 404:
        path = "/v0/meta/nothingHere"
    elif status == 422:
        path = ent_path(emulator, "/auditLogEvents?pageSize=1001")
    else:
        emulator.faults.add(".", StatusFault(status))
    response = await client.get(path, headers=headers)
    assert response.status_code == status
    expected = fixture(fixture_name)
    assert_conforms(response.json(), expected)
    if status in (401, 403, 429, 503):
        assert response.json() == expected
