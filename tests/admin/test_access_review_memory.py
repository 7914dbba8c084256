"""What keeps the access review's memory flat: a fixed number of tasks whatever the
number of groups and workspaces, each fetched once, first asked first fetched
(:class:`FetchOnce`), the account's user IDs kept compact, the token list kept in
compact form as it is decoded. Counts, not timings."""

from __future__ import annotations

from typing import Any

import anyio
import anyio.lowlevel
import pytest
import respx

from airtable_enterprise import Enterprise, ResponseValidationError
from airtable_enterprise.resources._fetch_once import FetchOnce
from airtable_enterprise.resources.access_review import BATCHES_IN_FLIGHT, _compact

from .conftest import ENT
from .test_access_review_wire import URL, account, grant, review, user, workspace_json

pytestmark = pytest.mark.anyio

T = "2024-01-01T00:00:00.000Z"


async def test_each_key_is_fetched_once_in_the_order_first_asked() -> None:
    fetched: list[str] = []
    release = anyio.Event()

    async def fetch(key: str) -> str:
        fetched.append(key)
        await release.wait()
        return key.upper()

    keys = FetchOnce[str](fetch)
    results: list[dict[str, Any]] = []
    async with anyio.create_task_group() as group:
        keys.start_workers(group, 1)

        async def ask(wanted: list[str]) -> None:
            results.append(await keys.get_all(wanted))

        group.start_soon(ask, ["b", "a", "b"])
        await anyio.wait_all_tasks_blocked()
        group.start_soon(ask, ["c", "a"])
        await anyio.wait_all_tasks_blocked()
        release.set()
        await anyio.wait_all_tasks_blocked()  # both callers answered, the worker idle
        assert len(results) == 2
        assert await keys.get_all(["a", "c"]) == {"a": "A", "c": "C"}  # known: no fetch
        group.cancel_scope.cancel()
    assert fetched == ["b", "a", "c"]
    assert keys.requests == 3
    assert results == [{"b": "B", "a": "A"}, {"c": "C", "a": "A"}]


async def test_at_most_the_workers_fetch_at_once() -> None:
    running = most = 0

    async def fetch(key: int) -> int:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await anyio.lowlevel.checkpoint()
        await anyio.lowlevel.checkpoint()
        running -= 1
        return key

    keys = FetchOnce[int](fetch)
    async with anyio.create_task_group() as group:
        keys.start_workers(group, 3)
        found = await keys.get_all(range(50))
        group.cancel_scope.cancel()
    assert found == {key: key for key in range(50)}
    assert most == 3


async def test_a_failed_fetch_is_raised_to_every_caller_waiting_and_to_later_ones() -> None:
    release = anyio.Event()

    async def fetch(key: str) -> str:
        await release.wait()
        if key == "bad":
            raise ValueError("boom")
        return key

    keys = FetchOnce[str](fetch)
    failures: list[BaseException] = []

    async def ask() -> None:
        try:
            await keys.get_all(["ok", "bad"])
        except ValueError as exc:
            failures.append(exc)

    async with anyio.create_task_group() as group:
        keys.start_workers(group, 2)
        group.start_soon(ask)
        group.start_soon(ask)
        await anyio.wait_all_tasks_blocked()
        release.set()
        await anyio.wait_all_tasks_blocked()
        assert len(failures) == 2
        with pytest.raises(ValueError, match="boom"):
            await keys.get_all(["bad"])
        assert await keys.get_all(["ok"]) == {"ok": "ok"}
        group.cancel_scope.cancel()
    assert keys.requests == 2  # the failed key is not fetched again


async def test_a_caller_does_not_hang_when_the_workers_are_cancelled_mid_fetch() -> None:
    async def fetch(key: str) -> str:
        await anyio.sleep_forever()
        raise AssertionError

    keys = FetchOnce[str](fetch)
    outcome: list[BaseException] = []

    async def ask() -> None:
        try:
            await keys.get_all(["k"])
        except RuntimeError as exc:
            outcome.append(exc)

    async with anyio.create_task_group() as callers:
        callers.start_soon(ask)
        async with anyio.create_task_group() as workers:
            keys.start_workers(workers, 1)
            await anyio.wait_all_tasks_blocked()
            workers.cancel_scope.cancel()
    assert [str(exc) for exc in outcome] == ["the fetch of 'k' was cancelled"]


def test_compact_ids_come_back_exactly() -> None:
    values = ["usrA", "", "usrB", "usr C", "é", ""]
    assert list(_compact(list(values))) == values
    kept = ["usrA", "usr\nB"]  # a value holding the separator: the list is kept as is
    assert list(_compact(list(kept))) == kept
    assert list(_compact([])) == []


def _world(users: int, groups: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Users each granted their own workspace and in their own group (which grants
    another workspace): twice as many workspaces and as many groups as users."""
    listed, group_answers = [], {}
    for n in range(users):
        user_id, group_id = f"usr{n:014d}", f"ugp{n % groups:014d}"
        collaborations = {
            "workspaceCollaborations": [grant("workspace", f"wsp{n:014d}", "edit")],
            "baseCollaborations": [],
            "interfaceCollaborations": [],
        }
        listed.append(
            user(
                user_id,
                f"u{n}@acme.example",
                collaborations=collaborations,
                groups=[{"id": group_id}],
            )
        )
        group_answers[group_id] = {
            "id": group_id,
            "name": group_id,
            "enterpriseAccountId": ENT,
            "createdTime": T,
            "updatedTime": T,
            "members": [],
            "collaborations": {
                "workspaceCollaborations": [
                    grant("workspace", f"wsp{n % groups + 10**6:014d}", "read")
                ],
                "baseCollaborations": [],
                "interfaceCollaborations": [],
            },
        }
    return listed, group_answers


async def test_the_review_runs_a_fixed_number_of_tasks_whatever_it_fetches(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    """1,000 users in 10 batches reach 1,000 groups and 2,000 workspaces: the review's
    tasks stay at the batches in flight plus the client's max_concurrency workers
    (a task per group and workspace would be thousands)."""
    users, groups = 1000, 1000
    listed, group_answers = _world(users, groups)
    by_id = {u["id"]: u for u in listed}
    most_tasks = 0

    def count_tasks() -> None:
        nonlocal most_tasks
        most_tasks = max(most_tasks, len(anyio.get_running_tasks()))

    def users_answer(request: Any) -> respx.MockResponse:
        count_tasks()
        ids = request.url.params.get_list("id[]")
        return respx.MockResponse(json={"users": [by_id[i] for i in ids]})

    def group_answer(request: Any, group_id: str) -> respx.MockResponse:
        count_tasks()
        return respx.MockResponse(json=group_answers[group_id])

    def workspace_answer(request: Any, workspace_id: str) -> respx.MockResponse:
        count_tasks()
        return respx.MockResponse(json=workspace_json(workspace_id))

    account(router, list(by_id))
    router.get(f"{URL}/personalAccessTokens").respond(json={"personalAccessTokens": []})
    router.get(f"{URL}/users").mock(side_effect=users_answer)
    router.route(method="GET", path__regex=r"^/v0/meta/groups/(?P<group_id>ugp\w+)$").mock(
        side_effect=group_answer
    )
    workspaces = router.route(
        method="GET", path__regex=r"^/v0/meta/workspaces/(?P<workspace_id>wsp\w+)$"
    ).mock(side_effect=workspace_answer)

    async with enterprise.access_review() as found:
        rows = [row async for row in found]
        assert found.requests == {"groups": groups, "workspaces": 2 * users, "bases": 0}
    assert len(rows) == users * 3  # the enterprise row and two workspace rows each
    assert workspaces.call_count == 2 * users
    workers = enterprise.api.max_concurrency
    assert most_tasks <= BATCHES_IN_FLIGHT + workers + 4, most_tasks


async def test_a_bare_async_for_fetches_each_group_and_workspace_once(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    listed, group_answers = _world(250, 5)
    by_id = {u["id"]: u for u in listed}
    router.get(URL).respond(
        json={
            "id": ENT,
            "createdTime": T,
            "rootEnterpriseAccountId": ENT,
            "emailDomains": [],
            "userIds": list(by_id),
        }
    )
    router.get(f"{URL}/personalAccessTokens").respond(json={"personalAccessTokens": []})
    router.get(f"{URL}/users").mock(
        side_effect=lambda request: respx.MockResponse(
            json={"users": [by_id[i] for i in request.url.params.get_list("id[]")]}
        )
    )
    groups = router.route(method="GET", path__regex=r"^/v0/meta/groups/(?P<g>ugp\w+)$").mock(
        side_effect=lambda request, g: respx.MockResponse(json=group_answers[g])
    )
    router.route(method="GET", path__regex=r"^/v0/meta/workspaces/(?P<w>wsp\w+)$").mock(
        side_effect=lambda request, w: respx.MockResponse(json=workspace_json(w))
    )
    review_ = enterprise.access_review()
    rows = [row async for row in review_]  # no ``async with``: windows of batches
    assert len(rows) == 250 * 3
    assert [row.user_id for row in rows[::3]] == list(by_id)
    assert groups.call_count == 5
    assert review_.requests == {"groups": 5, "workspaces": 255, "bases": 0}


def _token(token_id: str, user_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": token_id,
        "name": f"name of {token_id}",
        "state": "active",
        "createdByUserId": user_id,
        "createdTime": T,
        "userId": user_id,
        "scopes": ["data.records:read"],
        "resourceAccess": {"mode": "all"},
        **extra,
    }


@pytest.mark.parametrize(
    "bad",
    [
        {"id": "patBAD", "userId": 5, "scopes": ["x"]},
        {"id": "patBAD", "userId": "usrAAAAAAAAAAAAA1", "scopes": "data.records:read"},
        {"userId": "usrAAAAAAAAAAAAA1", "scopes": []},
        "a string",
    ],
)
async def test_a_bad_token_among_good_ones_is_a_typed_error(
    router: respx.MockRouter, enterprise: Enterprise, bad: object
) -> None:
    account(router)
    good = _token("patGOOD", "usrAAAAAAAAAAAAA1")
    router.get(f"{URL}/personalAccessTokens").respond(json={"personalAccessTokens": [good, bad]})
    router.get(f"{URL}/users").respond(json={"users": []})
    with pytest.raises(ResponseValidationError, match="personalAccessTokens"):
        await review(enterprise)


async def test_tokens_decoded_as_read_keep_their_rows_and_share_scopes(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    alice = "usrAAAAAAAAAAAAA1"
    account(router)
    tokens = [
        _token("patONE", alice),
        _token("patTWO", alice, resourceAccess={"mode": "enterprise", "enterpriseAccountId": ENT}),
        _token("patOFF", alice, state="deactivated"),
    ]
    router.get(f"{URL}/personalAccessTokens").respond(json={"personalAccessTokens": tokens})
    router.get(f"{URL}/users").respond(json={"users": [user(alice, "a@acme.example")]})
    rows = [row for row in await review(enterprise) if row.resource_kind == "token"]
    assert [(r.resource_id, r.resource_name, r.token_access) for r in rows] == [
        ("patONE", "name of patONE", "all"),
        ("patTWO", "name of patTWO", "enterprise"),
    ]
    assert rows[0].scopes == ("data.records:read",)
    assert rows[0].scopes is rows[1].scopes  # one set of scopes, kept once
