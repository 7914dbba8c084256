"""Every ``api.scim`` call against the emulator, on asyncio and trio."""

from __future__ import annotations

import pytest

from airtable_enterprise import (
    AsyncApi,
    ConflictError,
    GroupNotFoundError,
    NotFoundError,
    ScimEnterpriseUser,
    ScimPatch,
)
from airtable_enterprise.testing import Emulator
from airtable_enterprise.testing.http.scim_views import scim_users

pytestmark = pytest.mark.anyio


async def test_user_calls(api: AsyncApi, emulator: Emulator, domain: str) -> None:
    listed = [user async for user in api.scim.users(page_size=7)]
    assert [u.id for u in listed] == [u.id for u in scim_users(emulator.world)]
    created = await api.scim.create_user(
        f"grace@{domain}",
        given_name="Grace",
        family_name="Hopper",
        external_id="hr-7",
        enterprise=ScimEnterpriseUser(department="Navy"),
        sso_email_domain=domain,
    )
    assert created.is_active
    assert created.sso is not None
    assert created.sso.email_domain == domain
    assert (await api.scim.user(f"GRACE@{domain}")) == created
    replaced = await api.scim.replace_user(
        created.id, f"grace.h@{domain}", given_name="Grace", family_name="Hopper", active=False
    )
    assert replaced.user_name == f"grace.h@{domain}"
    assert replaced.active is False
    assert replaced.enterprise is None  # PUT cleared what it left out
    assert replaced.external_id is None
    assert (await api.scim.reactivate_user(created.id)).active is True
    assert (await api.scim.deactivate_user(created.id)).active is False
    patched = await api.scim.patch_user(
        created.id, ScimPatch().set_name(family_name="Murray").replace("title", "RADM")
    )
    assert (patched.family_name, patched.title) == ("Murray", "RADM")
    with pytest.raises(ConflictError) as caught:
        await api.scim.create_user(listed[0].user_name, given_name="A", family_name="B")
    assert caught.value.error_type == "uniqueness"
    await api.scim.delete_user(created.id)
    with pytest.raises(NotFoundError) as missing:
        await api.scim.get_user(created.id)
    assert missing.value.status_code == 404
    assert await api.scim.user(f"grace.h@{domain}") is None


async def test_group_calls(api: AsyncApi, emulator: Emulator) -> None:
    people = [u.id for u in scim_users(emulator.world)[:4]]
    group = await api.scim.create_group("Compilers")
    assert group.members == ()
    group = await api.scim.add_members(group.id, people[:3])
    assert group.member_ids == tuple(people[:3])
    group = await api.scim.remove_members(group.id, people[:1])
    assert group.member_ids == tuple(people[1:3])
    group = await api.scim.rename_group(group.id, "Compiler team")
    assert (await api.scim.get_group(group.id)).display_name == "Compiler team"
    group = await api.scim.replace_group(group.id, "Compilers", [people[3]])
    assert group.member_ids == (people[3],)
    found = [g async for g in api.scim.groups(display_name="compilers")]
    assert [g.id for g in found] == [group.id]
    assert found[0].members == ()
    assert len([g async for g in api.scim.groups()]) == len(emulator.world.groups)
    assert (await api.scim.group("Compilers")) is not None
    await api.scim.delete_group(group.id)
    with pytest.raises(GroupNotFoundError) as caught:
        await api.scim.get_group(group.id)
    assert caught.value.status_code == 400
    assert await api.scim.group("Compilers") is None
