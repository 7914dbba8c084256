"""The usage examples of the spec (enterprise-features.md), made async, one test each.

Each test takes ``spec_api`` (an :class:`AsyncApi`) and ``spec_ids`` (the IDs and
emails the example uses). Here they point at a respx fake answering from the
reference fixtures; to run the same examples against the emulator, override those
two fixtures (``spec_ids`` must name objects the emulator holds). The asserts only
check what holds for any backend.

Differences from the spec's text, all forced by the real API (docs/guides/spec-vs-wire.md):
the spec's example IDs (``entYourEnterpriseId``, ``grp1234567890abcd``...) are not valid
Airtable IDs, so real-shaped ones are used; ``info.name`` and ``descendant.name`` do
not exist (Airtable returns no enterprise name); user ``state`` is
``provisioned``/``deactivated``; ``workspace.bases()`` needs ``await``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import attrs
import httpx
import pytest
import respx

from airtable_enterprise import AsyncApi, Enterprise, RetryPolicy
from tests.helpers import load_fixture

pytestmark = pytest.mark.anyio


@attrs.frozen
class SpecIds:
    """What the spec's examples name, as valid IDs."""

    enterprise_id: str = "entUBq2RGdihxl3vU"
    other_enterprise_id: str = "entJ9ZQ5vz9ZQ5vz9"
    workspace_id: str = "wspmhESAta6clCCwF"
    other_workspace_id: str = "wspHvvm4dAktsStZH"
    group_ids: tuple[str, str] = ("ugp1mKGb3KXUyQfOZ", "ugpR8ZT9KtIgp8Bh3")
    user_emails: tuple[str, ...] = (
        "user1@company.com",
        "user2@company.com",
        "user3@company.com",
    )
    other_user_id: str = "usrGcrteE5fUMqq0R"
    new_user_email: str = "new_user@company.com"
    contractor_email: str = "contractor@company.com"
    departing_email: str = "departing_user@company.com"
    replacement_email: str = "replacement_owner@company.com"


@pytest.fixture
def spec_ids() -> SpecIds:
    return SpecIds()


def _fake_airtable(ids: SpecIds) -> respx.MockRouter:
    """A respx router answering the endpoints the examples call, from the fixtures."""
    router = respx.MockRouter(using=None, base_url="https://api.airtable.com")
    ent = f"/v0/meta/enterpriseAccounts/{ids.enterprise_id}"
    template = load_fixture("GetUserById.response.json")
    emails = [*ids.user_emails, ids.departing_email, ids.replacement_email]
    directory = {
        email: {**template, "id": f"usr{n:014d}", "email": email, "name": email.split("@")[0]}
        for n, email in enumerate(emails)
    }
    enterprise_answer = load_fixture("GetEnterprise.response-hub.handwritten.json")
    enterprise_answer["userIds"] = [user["id"] for user in directory.values()]
    by_id = {user["id"]: user for user in directory.values()}

    def users(request: httpx.Request) -> httpx.Response:
        found = [
            directory.get(value) if key == "email[]" else by_id.get(value)
            for key, value in request.url.params.multi_items()
        ]
        return httpx.Response(200, json={"users": [u for u in found if u is not None]})

    def group(request: httpx.Request, group_id: str) -> httpx.Response:
        answer = load_fixture("GetUserGroup.response.handwritten.json")
        return httpx.Response(200, json={**answer, "id": group_id})

    def base(request: httpx.Request, base_id: str) -> httpx.Response:
        answer = load_fixture("GetBaseCollaborators.response.json")
        return httpx.Response(200, json={**answer, "id": base_id, "name": f"Base {base_id}"})

    router.get(ent).respond(json=enterprise_answer)
    router.get(f"{ent}/users").mock(side_effect=users)
    router.post(f"{ent}/users/grantAdminAccess").respond(json={"errors": []})
    router.post(f"{ent}/users/claim").respond(json={"errors": []})
    router.post(path__regex=rf"^{ent}/users/usr\w+/remove$").respond(
        json=load_fixture("RemoveUserFromEnterprise.response.handwritten.json")
    )
    router.post(f"{ent}/descendants").respond(json={"id": ids.other_enterprise_id})
    router.post(f"{ent}/moveGroups").respond(
        json=load_fixture("MoveUserGroups.response.handwritten.json")
    )
    router.post(f"{ent}/moveWorkspaces").respond(
        json=load_fixture("MoveWorkspaces.response.handwritten.json")
    )
    router.get(path__regex=r"^/v0/meta/groups/(?P<group_id>\w+)$").mock(side_effect=group)
    router.get(path__regex=r"^/v0/meta/workspaces/wsp\w+$").respond(
        json=load_fixture("GetWorkspaceCollaborators.response.handwritten.json")
    )
    router.post(path__regex=r"^/v0/meta/workspaces/wsp\w+/moveBase$").respond(200)
    router.post("/v0/meta/bases").respond(json=load_fixture("CreateBase.response.handwritten.json"))
    router.get(path__regex=r"^/v0/meta/bases/(?P<base_id>\w+)$").mock(side_effect=base)
    return router


@pytest.fixture
async def spec_api(spec_ids: SpecIds) -> AsyncIterator[AsyncApi]:
    router = _fake_airtable(spec_ids)
    async with AsyncApi(
        "patSPECEXAMPLES.token",
        transport=httpx.MockTransport(router.async_handler),
        requests_per_second=10_000,
        base_requests_per_second=10_000,
        retry=RetryPolicy(max_attempts=1),
    ) as api:
        yield api


async def test_enterprise_account_setup(spec_api: AsyncApi, spec_ids: SpecIds) -> None:
    enterprise = spec_api.enterprise(spec_ids.enterprise_id)
    info = await enterprise.info(aggregated=True, descendants=True)
    print(f"Enterprise: {info.id}")  # the API returns no enterprise name
    print(f"Total users: {info.user_count}")
    print(f"Total workspaces: {len(info.workspace_ids)}")
    for descendant in info.descendants or []:
        print(f"Descendant: {descendant.id} ({descendant.user_count} users)")
    assert info.user_count == len(info.user_ids)
    assert all(d.id.startswith("ent") for d in info.descendants or [])
    assert {d.id for d in info.descendants or []} <= set(info.descendant_enterprise_account_ids)


async def test_user_management_operations(spec_api: AsyncApi, spec_ids: SpecIds) -> None:
    enterprise = spec_api.enterprise(spec_ids.enterprise_id)
    user = await enterprise.user(spec_ids.user_emails[0], collaborations=True)
    print(f"User: {user.name} ({user.email})")
    print(f"Admin: {user.is_admin}")
    assert user.collaborations is not None
    print(f"Workspaces: {len(user.collaborations.workspaces)}")
    assert user.email == spec_ids.user_emails[0]

    users = await enterprise.users(list(spec_ids.user_emails))
    for each in users:
        print(f"{each.name}: {each.state}")  # provisioned/deactivated on the wire
    assert [u.email for u in users] == list(spec_ids.user_emails)
    assert users.missing == ()
    assert {u.state for u in users} <= {"provisioned", "deactivated"}

    granted = await enterprise.grant_admin(spec_ids.user_emails[0], spec_ids.other_user_id)
    assert isinstance(granted.errors, tuple)

    claimed = await enterprise.claim_users(
        {spec_ids.new_user_email: "managed", spec_ids.contractor_email: "unmanaged"}
    )
    assert isinstance(claimed.errors, tuple)

    removal_result = await enterprise.remove_user(
        spec_ids.departing_email, replacement=spec_ids.replacement_email
    )
    print(f"Removed as admin: {removal_result.was_user_removed_as_admin}")
    assert isinstance(removal_result.was_user_removed_as_admin, bool)


async def test_workspace_management(spec_api: AsyncApi, spec_ids: SpecIds) -> None:
    workspace = spec_api.workspace(spec_ids.workspace_id)
    collaborators = await workspace.collaborators()
    print(f"Workspace: {collaborators.name}")
    print(f"Collaborators: {len(collaborators.collaborators)}")
    assert workspace.name == collaborators.name

    bases = await workspace.bases()
    for base in bases:
        print(f"Base: {base.name} ({base.id})")
    assert [b.id for b in bases] == list(collaborators.base_ids)
    assert all(b.name for b in bases)

    new_base = await workspace.create_base(
        name="New Project Base",
        tables=[
            {
                "name": "Tasks",
                "fields": [
                    {"name": "Name", "type": "singleLineText"},
                    {
                        "name": "Status",
                        "type": "singleSelect",
                        "options": {"choices": [{"name": "Todo"}, {"name": "Done"}]},
                    },
                    {"name": "Due Date", "type": "date"},
                ],
            }
        ],
    )
    print(f"Created base: {new_base.id}")
    assert new_base.id.startswith("app")
    assert new_base.name == "New Project Base"

    source_workspace = spec_api.workspace(spec_ids.workspace_id)
    target_workspace = spec_api.workspace(spec_ids.other_workspace_id)
    await source_workspace.move_base(base=new_base, target=target_workspace, index=0)
    assert new_base.workspace_id == target_workspace.id


async def test_enterprise_organization_management(spec_api: AsyncApi, spec_ids: SpecIds) -> None:
    enterprise = spec_api.enterprise(spec_ids.enterprise_id)
    child_enterprise = await enterprise.create_descendant("Regional Office East")
    print(f"Created descendant: {child_enterprise.id}")
    assert isinstance(child_enterprise, Enterprise)

    group_move_result = await enterprise.move_groups(
        group_ids=list(spec_ids.group_ids), target=child_enterprise
    )
    print(f"Moved groups: {len(group_move_result.moved_groups)}")
    if group_move_result.errors:
        for error in group_move_result.errors:
            print(f"Error moving {error.id}: {error.message}")
    assert group_move_result.ok == (not group_move_result.errors)

    workspace_move_result = await enterprise.move_workspaces(
        workspace_ids=[spec_ids.workspace_id], target=spec_ids.other_enterprise_id
    )
    print(f"Moved workspaces: {len(workspace_move_result.moved_workspaces)}")
    assert all(w.id.startswith("wsp") for w in workspace_move_result.moved_workspaces)


async def test_advanced_user_group_management(spec_api: AsyncApi, spec_ids: SpecIds) -> None:
    enterprise = spec_api.enterprise(spec_ids.enterprise_id)
    group = await enterprise.group(spec_ids.group_ids[0], collaborations=True)
    print(f"Group: {group.name}")
    print(f"Members: {len(group.user_ids)}")
    assert group.id == spec_ids.group_ids[0]
    assert group.collaborations is not None
    for workspace_collab in group.collaborations.workspaces:
        print(f"Workspace {workspace_collab.workspace_id}: {workspace_collab.permission_level}")
    for base_collab in group.collaborations.bases:
        print(f"Base {base_collab.base_id}: {base_collab.permission_level}")
    assert all(isinstance(c.created_time, datetime) for c in group.collaborations.bases)


async def test_bulk_user_operations(spec_api: AsyncApi, spec_ids: SpecIds) -> None:
    enterprise = spec_api.enterprise(spec_ids.enterprise_id)
    all_user_ids = (await enterprise.info()).user_ids
    inactive_users = []
    # users() batches by itself; the spec's manual batches of 100 still work.
    for i in range(0, len(all_user_ids), 100):
        batch = all_user_ids[i : i + 100]
        users = await enterprise.users(batch, collaborations=True)
        for user in users:
            assert user.collaborations is not None
            if not user.collaborations.bases and not user.collaborations.workspaces:
                inactive_users.append(user.email)
    print(f"Found {len(inactive_users)} inactive users")

    if inactive_users:
        user_changes = dict.fromkeys(inactive_users[:50], "unmanaged")
        result = await enterprise.claim_users(user_changes)
        if result.errors:
            for error in result.errors:
                print(f"Error processing {error.email}: {error.message}")
    everyone = await enterprise.users(all_user_ids)
    assert [u.id for u in everyone] == list(all_user_ids)
