"""The access review on the wire: the requests it sends, nulls read as empty, and
groups or workspaces deleted while the review runs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import anyio
import httpx
import pytest
import respx

from airtable_enterprise import (
    AccessReview,
    AccessRow,
    Enterprise,
    InvalidInputError,
    ResponseValidationError,
    ServerError,
)

from .conftest import ENT
from .helpers import query

pytestmark = pytest.mark.anyio

URL = f"/v0/meta/enterpriseAccounts/{ENT}"
ALICE = "usrAAAAAAAAAAAAA1"
BOB = "usrBBBBBBBBBBBBB2"
GROUP = "ugpGGGGGGGGGGGGG1"
GONE_GROUP = "ugpGONEGONEGONE01"
WSP = "wspWWWWWWWWWWWWW1"
GONE_WSP = "wspGONEGONEGONE01"
T = "2024-01-01T00:00:00.000Z"


def user(user_id: str, email: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": user_id,
        "email": email,
        "name": "",
        "state": "provisioned",
        "isServiceAccount": False,
        "isSsoRequired": False,
        "isTwoFactorAuthEnabled": False,
        "lastActivityTime": None,
        **extra,
    }


def grant(kind: str, resource_id: str, level: str) -> dict[str, Any]:
    key = {"workspace": "workspaceId", "base": "baseId"}[kind]
    return {key: resource_id, "permissionLevel": level, "createdTime": T, "grantedByUserId": ALICE}


def account(router: respx.MockRouter, user_ids: Sequence[str] = (ALICE, BOB)) -> None:
    router.get(URL).respond(
        json={
            "id": ENT,
            "createdTime": T,
            "rootEnterpriseAccountId": ENT,
            "emailDomains": [{"emailDomain": "acme.example", "isSsoRequired": True}],
            "userIds": list(user_ids),
            "workspaceIds": [WSP],
            "groupIds": [GROUP],
        }
    )


def workspace_json(
    workspace_id: str, name: str | None = None, base_ids: Sequence[str] = ()
) -> dict[str, Any]:
    """A get-workspace answer (§6.3)."""
    return {
        "id": workspace_id,
        "name": workspace_id if name is None else name,
        "createdTime": T,
        "baseIds": list(base_ids),
        "workspaceRestrictions": {
            "inviteCreationRestriction": "unrestricted",
            "shareCreationRestriction": "unrestricted",
        },
    }


async def review(enterprise: Enterprise) -> list[AccessRow]:
    async with enterprise.access_review() as rows:
        return [row async for row in rows]


async def test_nulls_read_as_empty(router: respx.MockRouter, enterprise: Enterprise) -> None:
    account(router)
    router.get(f"{URL}/personalAccessTokens").respond(json={"personalAccessTokens": None})
    users = router.get(f"{URL}/users").respond(
        json={
            "users": [
                user(ALICE, "alice@acme.example", groups=None, collaborations=None),
                user(BOB, "bob@elsewhere.example"),
            ]
        }
    )
    rows = await review(enterprise)
    assert [(r.user_id, r.resource_kind, r.permission_level, r.external) for r in rows] == [
        (ALICE, "enterprise", "member", False),
        (BOB, "enterprise", "member", True),
    ]
    sent = query(users.calls.last.request)
    assert ("include[]", "collaborations") in sent
    assert sorted(v for k, v in sent if k == "id[]") == [ALICE, BOB]


async def test_a_group_or_workspace_deleted_meanwhile_is_no_error(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    account(router)
    router.get(f"{URL}/personalAccessTokens").respond(json={"personalAccessTokens": []})
    collaborations = {
        "workspaceCollaborations": [
            grant("workspace", GONE_WSP, "edit"),
            grant("workspace", WSP, "read"),
        ],
        "baseCollaborations": [],
        "interfaceCollaborations": [],
    }
    router.get(f"{URL}/users").respond(
        json={
            "users": [
                user(
                    ALICE,
                    "alice@acme.example",
                    isAdmin=True,
                    groups=[{"id": GROUP}, {"id": GONE_GROUP}],
                    collaborations=collaborations,
                ),
                user(BOB, "bob@acme.example", groups=[{"id": GROUP}]),
            ]
        }
    )
    not_found = {"error": "NOT_FOUND"}
    group = router.get(f"/v0/meta/groups/{GROUP}").respond(
        json={
            "id": GROUP,
            "name": "Ops",
            "enterpriseAccountId": ENT,
            "createdTime": T,
            "updatedTime": T,
            "members": [],
            "collaborations": {
                "baseCollaborations": [grant("base", "appBBBBBBBBBBBBB1", "comment")],
                "workspaceCollaborations": [],
                "interfaceCollaborations": [],
            },
        }
    )
    router.get(f"/v0/meta/groups/{GONE_GROUP}").respond(404, json=not_found)
    router.get(f"/v0/meta/workspaces/{GONE_WSP}").respond(404, json=not_found)
    workspace = router.get(f"/v0/meta/workspaces/{WSP}").respond(
        json=workspace_json(WSP, "Finance", ["appCCCCCCCCCCCCC1"])
    )
    rows = await review(enterprise)
    seen = [
        (r.user_id, r.resource_kind, r.resource_id, r.resource_name, r.held, r.permission)
        for r in rows
    ]
    assert seen == [
        (ALICE, "enterprise", ENT, None, "direct", "admin"),
        (ALICE, "workspace", GONE_WSP, None, "direct", "edit"),
        (ALICE, "workspace", WSP, "Finance", "direct", "read"),
        (ALICE, "base", "appCCCCCCCCCCCCC1", None, f"workspace {WSP}", "read"),
        (ALICE, "base", "appBBBBBBBBBBBBB1", None, f"group {GROUP}", "comment"),
        (BOB, "enterprise", ENT, None, "direct", "member"),
        (BOB, "base", "appBBBBBBBBBBBBB1", None, f"group {GROUP}", "comment"),
    ]
    assert group.call_count == 1  # one group, two members: fetched once
    assert workspace.call_count == 1
    assert query(group.calls.last.request) == [("include[]", "collaborations")]


@pytest.mark.parametrize(
    "answer",
    [{"personalAccessTokens": "none"}, {"personalAccessTokens": [{"id": 5}]}, ["not", "an object"]],
)
async def test_a_token_list_of_the_wrong_shape_is_a_typed_error(
    router: respx.MockRouter, enterprise: Enterprise, answer: object
) -> None:
    account(router)
    router.get(f"{URL}/personalAccessTokens").respond(json=answer)
    router.get(f"{URL}/users").respond(json={"users": []})
    with pytest.raises(ResponseValidationError):
        await review(enterprise)


async def test_names_fetch_each_reached_base_once_with_its_interfaces(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    """``names=True``: one ``GET /v0/meta/bases/{app}?include[]=interfaces`` per base
    reached (directly, through an interface, through a workspace), names on the rows; a
    base deleted meanwhile leaves its rows unnamed."""
    base, gone_base, pbd = "appCCCCCCCCCCCCC1", "appGONEGONEGONE01", "pbdIIIIIIIIIIIII1"
    account(router)
    router.get(f"{URL}/personalAccessTokens").respond(json={"personalAccessTokens": []})
    interface_grant = {
        "baseId": base,
        "interfaceId": pbd,
        "permissionLevel": "read",
        "createdTime": T,
        "grantedByUserId": ALICE,
    }
    alice = {
        "workspaceCollaborations": [grant("workspace", WSP, "read")],
        "baseCollaborations": [grant("base", base, "edit"), grant("base", gone_base, "edit")],
        "interfaceCollaborations": [interface_grant],
    }
    bob = {
        "workspaceCollaborations": [],
        "baseCollaborations": [grant("base", base, "read")],
        "interfaceCollaborations": [],
    }
    router.get(f"{URL}/users").respond(
        json={
            "users": [
                user(ALICE, "alice@acme.example", collaborations=alice),
                user(BOB, "bob@acme.example", collaborations=bob),
            ]
        }
    )
    router.get(f"/v0/meta/workspaces/{WSP}").respond(json=workspace_json(WSP, "Finance", [base]))
    named = router.get(f"/v0/meta/bases/{base}").respond(
        json={
            "id": base,
            "name": "Budget",
            "createdTime": T,
            "workspaceId": WSP,
            "permissionLevel": "none",
            "interfaces": {pbd: {"id": pbd, "name": "Approvals", "createdTime": T}},
        }
    )
    gone = router.get(f"/v0/meta/bases/{gone_base}").respond(
        404, json={"error": {"type": "NOT_FOUND", "message": "Could not find base"}}
    )
    async with enterprise.access_review(names=True) as found:
        rows = [row async for row in found]
        assert found.requests == {"groups": 0, "workspaces": 1, "bases": 2}
    assert named.call_count == gone.call_count == 1
    assert query(named.calls.last.request) == [("include[]", "interfaces")]
    by_resource = {(r.user_id, r.resource_id, r.held): r.resource_name for r in rows}
    assert by_resource[(ALICE, base, "direct")] == "Budget"
    assert by_resource[(ALICE, base, f"workspace {WSP}")] == "Budget"
    assert by_resource[(ALICE, pbd, "direct")] == "Approvals"
    assert by_resource[(ALICE, gone_base, "direct")] is None
    assert by_resource[(BOB, base, "direct")] == "Budget"

    async with enterprise.access_review() as plain:  # without names: no base request
        unnamed = [row async for row in plain]
    assert named.call_count == 1
    assert {r.resource_name for r in unnamed if r.resource_kind in ("base", "interface")} == {None}


async def test_names_must_be_a_bool(enterprise: Enterprise) -> None:
    with pytest.raises(InvalidInputError, match="names"):
        enterprise.access_review(names="yes")  # type: ignore[arg-type]


def numbered_account(router: respx.MockRouter, user_ids: list[str]) -> None:
    """An account listing ``user_ids``, with no tokens."""
    account(router, user_ids)
    router.get(f"{URL}/personalAccessTokens").respond(json={"personalAccessTokens": []})


async def test_a_user_id_too_long_for_a_url_is_a_plain_error_inside_async_with(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    # The account's IDs are batched lazily, by the task that starts the batches: the
    # error must reach the loop as itself, after the rows before it, not as an
    # ExceptionGroup out of the review's task group.
    ids = [f"usr{i:014d}" for i in range(150)]
    numbered_account(router, [*ids, "usr" + "A" * 16_100])

    def users(request: httpx.Request) -> httpx.Response:
        asked = request.url.params.get_list("id[]")
        return httpx.Response(200, json={"users": [user(i, f"{i}@acme.example") for i in asked]})

    router.get(f"{URL}/users").mock(side_effect=users)
    seen: list[str] = []

    async def run() -> None:
        async with enterprise.access_review() as rows:
            async for row in rows:
                seen.append(row.user_id)

    with pytest.raises(InvalidInputError):
        await run()
    assert seen == ids[:100]  # the first batch; the second holds the long ID


async def test_a_bare_review_ends_at_its_error(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    # Iterated again after a failed window, a bare review must not go on with the next
    # windows: the failed window's users would be missing from a review that then ends
    # normally (inside ``async with`` the review ends at its error too).
    ids = [f"usr{i:014d}" for i in range(150)]
    numbered_account(router, ids)

    def users(request: httpx.Request) -> httpx.Response:
        asked = request.url.params.get_list("id[]")
        if ids[0] in asked:
            return httpx.Response(500, json={"error": "SERVER_ERROR"})
        return httpx.Response(200, json={"users": [user(i, f"{i}@acme.example") for i in asked]})

    router.get(f"{URL}/users").mock(side_effect=users)
    review = AccessReview(enterprise, users=None, descendants=False, include_tokens=True, window=1)
    with pytest.raises(ServerError):
        [row async for row in review]
    assert [row async for row in review] == []


async def test_a_token_list_whose_answer_looks_like_a_token_itself_still_reads(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    # The tokens are compacted as they are decoded (a JSON object hook, innermost
    # first); the answer's own object must not be taken for a token when it has a
    # token's keys: its list would be lost and the answer refused.
    def token(token_id: str, user_id: str) -> dict[str, Any]:
        return {
            "id": token_id,
            "name": "sync",
            "state": "active",
            "userId": user_id,
            "createdByUserId": user_id,
            "createdTime": T,
            "scopes": ["data.records:read"],
        }

    account(router)
    router.get(f"{URL}/personalAccessTokens").respond(
        json={"personalAccessTokens": [token("patAAAAAAAAAAAAA1", ALICE)], **token("patX", BOB)}
    )
    router.get(f"{URL}/users").respond(
        json={"users": [user(ALICE, "alice@acme.example"), user(BOB, "bob@acme.example")]}
    )
    rows = await review(enterprise)
    assert [(r.user_id, r.resource_id) for r in rows if r.resource_kind == "token"] == [
        (ALICE, "patAAAAAAAAAAAAA1")
    ]


async def test_a_bare_review_cancelled_mid_window_ends_there(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    # An impatient caller's timeout cancels a window of batches half done; iterated
    # again, the review must not go on with the next window as if the cancelled one's
    # users had been reviewed.
    ids = [f"usr{i:014d}" for i in range(250)]
    numbered_account(router, ids)

    def users(request: httpx.Request) -> httpx.Response:
        asked = request.url.params.get_list("id[]")
        return httpx.Response(200, json={"users": [user(i, f"{i}@acme.example") for i in asked]})

    router.get(f"{URL}/users").mock(side_effect=users)
    with anyio.CancelScope() as scope:

        def progress(done: int, total: int) -> None:
            scope.cancel()  # the first batch is in: the window's others are cut short

        review = AccessReview(
            enterprise,
            users=None,
            descendants=False,
            include_tokens=True,
            on_progress=progress,
            window=2,
        )
        await review.__anext__()
    assert scope.cancelled_caught
    seen = {row.user_id async for row in review}
    assert seen in (set(), set(ids))  # ended, or whole: never with a hole


@pytest.mark.parametrize("where", ["first row", "waiting for a batch"])
async def test_a_review_cancelled_inside_async_with_ends_there(
    router: respx.MockRouter, enterprise: Enterprise, where: str
) -> None:
    # A caller's timeout around one step inside ``async with``: while the account is
    # read (the review was then left half made: an AssertionError next), or while the
    # next batch is awaited (its rows were dropped, the review went on without them).
    ids = [f"usr{i:014d}" for i in range(250)]
    numbered_account(router, ids)
    release = anyio.Event()

    async def users(request: httpx.Request) -> httpx.Response:
        asked = request.url.params.get_list("id[]")
        if ids[100] in asked:
            await release.wait()
        return httpx.Response(200, json={"users": [user(i, f"{i}@acme.example") for i in asked]})

    router.get(f"{URL}/users").mock(side_effect=users)
    seen: set[str] = set()
    async with enterprise.access_review() as review:
        if where == "waiting for a batch":
            for _ in range(100):  # the first batch
                seen.add((await review.__anext__()).user_id)
        with anyio.move_on_after(0.05 if seen else 0):
            seen.add((await review.__anext__()).user_id)
        release.set()
        seen.update([row.user_id async for row in review])
    assert seen in ({*ids[:100]} if seen else set(), set(ids))  # ended, or whole
