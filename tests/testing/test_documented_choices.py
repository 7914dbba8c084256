"""What docs/guides/spec-vs-wire.md says the emulator invents where REFERENCE pins
nothing (§19): each choice, as stated there, so the page cannot drift from the server."""

from __future__ import annotations

import httpx
import pytest

from airtable_enterprise.models.scim import SCHEMA_GROUP
from airtable_enterprise.testing import Emulator

from .conftest import ent_path

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("name", ["ServiceProviderConfig", "Schemas", "ResourceTypes"])
async def test_there_are_no_scim_discovery_endpoints(client: httpx.AsyncClient, name: str) -> None:
    answer = await client.get(f"/scim/v2/{name}")
    assert answer.status_code == 404
    assert answer.json() == {"error": "NOT_FOUND"}


async def test_scim_answers_json_and_a_delete_is_an_empty_200(
    client: httpx.AsyncClient,
) -> None:
    created = await client.post(
        "/scim/v2/Groups", json={"schemas": [SCHEMA_GROUP], "displayName": "Choices"}
    )
    assert created.status_code == 200  # Airtable's 200 on create (REFERENCE §12)
    assert created.headers["content-type"] == "application/json"
    deleted = await client.delete(f"/scim/v2/Groups/{created.json()['id']}")
    assert deleted.status_code == 200
    assert deleted.content == b""


async def test_delete_users_by_email_reports_an_unknown_email_as_not_found(
    client: httpx.AsyncClient, emulator: Emulator
) -> None:
    email = "nobody.at.all@example.invalid"
    answer = await client.delete(ent_path(emulator, "/users"), params={"email[]": email})
    assert answer.json() == {
        "deletedUsers": [],
        "errors": [{"type": "NOT_FOUND", "email": email, "message": "User not found"}],
    }


async def test_get_users_leaves_out_a_well_formed_id_that_names_nobody(
    client: httpx.AsyncClient, emulator: Emulator
) -> None:
    known = next(iter(emulator.world.users))
    answer = await client.get(
        ent_path(emulator, "/users"), params=[("id[]", "usrAAAAAAAAAAAAAA"), ("id[]", known)]
    )
    assert answer.status_code == 200
    assert [user["id"] for user in answer.json()["users"]] == [known]
