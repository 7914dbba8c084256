"""The emulator's SCIM routes (REFERENCE §12), spoken to as any SCIM client would."""

from __future__ import annotations

import unicodedata
from typing import Any

import httpx
import pytest

from airtable_enterprise.models.scim import (
    SCHEMA_ENTERPRISE_USER,
    SCHEMA_ERROR,
    SCHEMA_GROUP,
    SCHEMA_LIST_RESPONSE,
    SCHEMA_PATCH_OP,
    SCHEMA_USER,
)
from airtable_enterprise.testing import Emulator
from airtable_enterprise.testing.http.scim_views import scim_users

pytestmark = pytest.mark.anyio


def new_user(email: str, **extra: Any) -> dict[str, Any]:
    return {
        "schemas": [SCHEMA_USER],
        "userName": email,
        "name": {"givenName": "Ada", "familyName": "Lovelace"},
        **extra,
    }


def patch(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [SCHEMA_PATCH_OP], "Operations": list(operations)}


def assert_user_document(doc: dict[str, Any]) -> None:
    """The parts of RFC 7643 a standards-following client relies on."""
    assert SCHEMA_USER in doc["schemas"]
    assert doc["id"].startswith("usr")
    assert doc["meta"]["resourceType"] == "User"
    assert doc["meta"]["location"] == f"/scim/v2/Users/{doc['id']}"
    assert isinstance(doc["active"], bool)
    assert doc["emails"] == [{"value": doc["userName"], "type": "work", "primary": True}]


def assert_error(response: httpx.Response, status: int, scim_type: str | None) -> None:
    assert response.status_code == status
    body = response.json()
    assert body["schemas"] == [SCHEMA_ERROR]
    assert body["status"] == status  # a number, as Airtable's examples show (§18)
    assert body.get("scimType") == scim_type


async def test_list_pages_with_correct_totals(
    client: httpx.AsyncClient, emulator: Emulator
) -> None:
    total = len(scim_users(emulator.world))
    everyone = (await client.get("/Users")).json()  # count defaults to all (§12)
    assert everyone["schemas"] == [SCHEMA_LIST_RESPONSE]
    assert everyone["totalResults"] == everyone["itemsPerPage"] == total
    page = (await client.get("/Users", params={"startIndex": 3, "count": 5})).json()
    assert (page["startIndex"], page["itemsPerPage"], page["totalResults"]) == (3, 5, total)
    assert [u["id"] for u in page["Resources"]] == [u["id"] for u in everyone["Resources"][2:7]]
    tail = (await client.get("/Users", params={"startIndex": total, "count": 5})).json()
    assert tail["itemsPerPage"] == 1
    past = (await client.get("/Users", params={"startIndex": total + 1})).json()
    assert past["Resources"] == []
    assert past["totalResults"] == total
    for doc in everyone["Resources"]:
        assert_user_document(doc)


async def test_scim_sees_only_managed_users(client: httpx.AsyncClient, emulator: Emulator) -> None:
    unmanaged = emulator.make_user(managed=False)
    external = emulator.make_user(external=True)
    listed = {u["id"] for u in (await client.get("/Users")).json()["Resources"]}
    assert unmanaged.id not in listed
    assert external.id not in listed
    assert_error(await client.get(f"/Users/{unmanaged.id}"), 404, None)


async def test_filters(client: httpx.AsyncClient, emulator: Emulator) -> None:
    user = scim_users(emulator.world)[4]
    found = await client.get("/Users", params={"filter": f'userName Eq "{user.email.upper()}"'})
    assert [u["id"] for u in found.json()["Resources"]] == [user.id]
    group = next(iter(emulator.world.groups.values()))
    named = await client.get("/Groups", params={"filter": f'displayName eq "{group.name}"'})
    assert [g["id"] for g in named.json()["Resources"]] == [group.id]
    for bad in ('title eq "x"', 'userName co "x"', "userName eq x", 'userName eq "a" or 1'):
        assert_error(await client.get("/Users", params={"filter": bad}), 400, "invalidFilter")
    assert_error(
        await client.get("/Groups", params={"filter": 'userName eq "x"'}), 400, "invalidFilter"
    )


async def test_create_user_is_a_managed_enterprise_user(
    client: httpx.AsyncClient, emulator: Emulator, domain: str
) -> None:
    body = new_user(
        f"ada@{domain}",
        active=False,  # ignored: new users are always active (§12)
        title="Countess",
        externalId="hr-1",
        **{SCHEMA_ENTERPRISE_USER: {"department": "Math"}},
    )
    body["schemas"].append(SCHEMA_ENTERPRISE_USER)
    created = await client.post("/Users", json=body)
    assert created.status_code == 200  # the docs' example shows 200, not 201
    doc = created.json()
    assert_user_document(doc)
    assert doc["active"] is True
    assert doc["title"] == "Countess"
    assert doc[SCHEMA_ENTERPRISE_USER] == {"department": "Math"}
    # The same user through the REST API.
    rest = await client.get(
        f"http://emulator.localhost/v0/meta/enterpriseAccounts/{emulator.enterprise_id}/users",
        params={"id[]": doc["id"]},
    )
    [user] = rest.json()["users"]
    assert (user["email"], user["state"], user["isManaged"]) == (
        f"ada@{domain}",
        "provisioned",
        True,
    )
    actions = [e.action for e in emulator.world.audit if e.model_id == doc["id"]]
    assert actions == ["createUser", "updateUserScimAttributes"]


async def test_uniqueness_and_the_domain_rule(
    client: httpx.AsyncClient, emulator: Emulator, domain: str
) -> None:
    taken = scim_users(emulator.world)[0].email
    assert_error(await client.post("/Users", json=new_user(taken.upper())), 409, "uniqueness")
    assert_error(
        await client.post("/Users", json=new_user("ada@not-ours.example")), 400, "invalidValue"
    )
    assert_error(
        await client.post("/Users", json={"userName": f"x@{domain}"}), 400, "invalidSyntax"
    )
    group = next(iter(emulator.world.groups.values()))
    dup = await client.post("/Groups", json={"schemas": [SCHEMA_GROUP], "displayName": group.name})
    assert_error(dup, 409, "uniqueness")


async def test_patch_applies_in_order_and_all_or_nothing(
    client: httpx.AsyncClient, emulator: Emulator
) -> None:
    user = scim_users(emulator.world)[3]
    ops = patch(
        {"op": "replace", "path": "title", "value": "First"},
        {"op": "replace", "path": "title", "value": "Second"},
        {"op": "add", "value": {"name": {"givenName": "Grace"}, "externalId": "e-9"}},
        {"op": "replace", "path": "active", "value": False},
    )
    doc = (await client.patch(f"/Users/{user.id}", json=ops)).json()
    assert doc["title"] == "Second"
    assert doc["name"]["givenName"] == "Grace"
    assert doc["externalId"] == "e-9"
    assert doc["active"] is False
    assert emulator.world.users[user.id].state == "deactivated"
    assert emulator.world.users[user.id].first_name == "Grace"
    # A failing operation leaves nothing half-done.
    bad = patch(
        {"op": "replace", "path": "title", "value": "Third"},
        {"op": "replace", "path": "nickName", "value": "x"},
    )
    assert_error(await client.patch(f"/Users/{user.id}", json=bad), 400, "invalidPath")
    assert (await client.get(f"/Users/{user.id}")).json()["title"] == "Second"
    assert_error(
        await client.patch(f"/Users/{user.id}", json=patch({"op": "remove", "path": "userName"})),
        400,
        "mutability",
    )
    actions = [e.action for e in emulator.world.audit if e.model_id == user.id]
    assert actions == ["updateUserName", "deactivateUser", "updateUserScimAttributes"]


async def test_put_replaces_everything(
    client: httpx.AsyncClient, emulator: Emulator, domain: str
) -> None:
    user = scim_users(emulator.world)[5]
    await client.patch(
        f"/Users/{user.id}", json=patch({"op": "add", "path": "title", "value": "T"})
    )
    doc = (await client.put(f"/Users/{user.id}", json=new_user(f"renamed@{domain}"))).json()
    assert "title" not in doc
    assert doc["userName"] == f"renamed@{domain}"
    assert emulator.world.user_by_email(f"renamed@{domain}") is user


async def test_groups_are_user_groups(client: httpx.AsyncClient, emulator: Emulator) -> None:
    members = [u.id for u in scim_users(emulator.world)[:3]]
    created = await client.post(
        "/Groups",
        json={
            "schemas": [SCHEMA_GROUP],
            "displayName": "Analysts",
            "members": [{"value": members[0]}],
        },
    )
    assert created.status_code == 200
    group_id = created.json()["id"]
    assert (await client.get(f"/Groups/{group_id}")).json()["members"] == []  # created empty
    ops = patch(
        {"op": "add", "path": "members", "value": [{"value": m} for m in members]},
        {"op": "remove", "path": f'members[value eq "{members[1]}"]'},
        {"op": "replace", "path": "displayName", "value": "Analysts EU"},
    )
    doc = (await client.patch(f"/Groups/{group_id}", json=ops)).json()
    assert [m["value"] for m in doc["members"]] == [members[0], members[2]]
    assert doc["meta"]["location"] == f"/scim/v2/Groups/{group_id}"
    assert doc["meta"]["resourceType"] == "Group"
    rest = (await client.get(f"http://emulator.localhost/v0/meta/groups/{group_id}")).json()
    assert rest["name"] == "Analysts EU"
    assert [m["userId"] for m in rest["members"]] == [members[0], members[2]]
    listed = (await client.get("/Groups")).json()["Resources"]
    assert all("members" not in g for g in listed)  # list items carry no members (§12)
    user_doc = (await client.get(f"/Users/{members[0]}")).json()
    assert group_id in [g["value"] for g in user_doc["groups"]]
    assert_error(
        await client.patch(
            f"/Groups/{group_id}",
            json=patch({"op": "add", "path": "members", "value": [{"value": "usrNOPE0000000000"}]}),
        ),
        400,
        "invalidValue",
    )
    put = await client.put(
        f"/Groups/{group_id}", json={"schemas": [SCHEMA_GROUP], "members": [{"value": members[1]}]}
    )
    assert [m["value"] for m in put.json()["members"]] == [members[1]]
    assert (await client.delete(f"/Groups/{group_id}")).status_code == 200
    assert group_id not in emulator.world.groups
    actions = [e.action for e in emulator.world.audit if e.model_id == group_id]
    assert actions[0] == "createGroup"
    assert actions[-1] == "deleteGroup"
    assert actions.count("addGroupMember") == 3  # net of each request: 2 by PATCH, 1 by PUT
    assert "updateGroupName" in actions


async def test_unknown_ids_keep_airtables_statuses(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/Users/usr00000000000000"), 404, None)
    assert (await client.get("/Users/usr00000000000000")).json()["detail"] == "not a valid userId"
    for method in ("GET", "DELETE"):
        response = await client.request(method, "/Groups/ugp00000000000000")
        assert_error(response, 400, None)  # 400, not 404 (§12)
        assert response.json()["detail"] == "invalid group ID"


async def test_delete_user(client: httpx.AsyncClient, emulator: Emulator) -> None:
    user = scim_users(emulator.world)[6]
    assert (await client.delete(f"/Users/{user.id}")).status_code == 200
    assert user.id not in emulator.world.users
    assert_error(await client.get(f"/Users/{user.id}"), 404, None)


async def test_one_address_typed_in_nfc_or_nfd_is_one_user(
    client: httpx.AsyncClient, emulator: Emulator, domain: str
) -> None:
    # The emulator keyed emails with lower() only: zoë@ in NFD was a second user.
    nfc, nfd = (unicodedata.normalize(form, f"zoë@{domain}") for form in ("NFC", "NFD"))
    created = await client.post("/Users", json=new_user(nfc))
    assert created.status_code == 200, created.text  # Airtable answers 200 (§12)
    assert_error(await client.post("/Users", json=new_user(nfd.upper())), 409, "uniqueness")
    found = await client.get("/Users", params={"filter": f'userName eq "{nfd}"'})
    assert [doc["id"] for doc in found.json()["Resources"]] == [created.json()["id"]]
    user = emulator.world.user_by_email(nfd)
    assert user is not None
    assert user.id == created.json()["id"]
    # Different letters stay different addresses (no case folding of ß to ss).
    other = await client.post("/Users", json=new_user(f"straße@{domain}"))
    assert other.status_code == 200, other.text
    assert (await client.post("/Users", json=new_user(f"strasse@{domain}"))).status_code == 200
