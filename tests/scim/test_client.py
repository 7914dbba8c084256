"""``api.scim`` against fixture-based fakes: URLs, paging, error mapping, validation."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import respx

from airtable_enterprise import (
    AsyncApi,
    BadRequestError,
    ConflictError,
    GroupNotFoundError,
    InvalidInputError,
    NotFoundError,
    ResponseValidationError,
    RetryPolicy,
    ScimPatch,
    UserNotFoundError,
)
from airtable_enterprise.api import DEFAULT_SCIM_URL
from airtable_enterprise.scim.sync import read_directory
from tests.helpers import load_fixture

pytestmark = pytest.mark.anyio

SCIM = "https://api.airtable.com/scim/v2"
USER = "usrogvSbotRtzdtZW"
GROUP = "ugpQ7PJ2boxzMAKFU"


@pytest.fixture
def router() -> respx.MockRouter:
    return respx.MockRouter(using=None, assert_all_called=False)


@pytest.fixture
async def api(router: respx.MockRouter) -> AsyncIterator[AsyncApi]:
    async with AsyncApi(
        "patTESTTOKEN.secret",
        transport=httpx.MockTransport(router.async_handler),
        requests_per_second=10_000,
        retry=RetryPolicy(max_attempts=1),
    ) as client:
        yield client


def scim_json(status: int, body: object) -> httpx.Response:
    """A response with SCIM's media type, which the client must accept."""
    return httpx.Response(
        status,
        content=json.dumps(body).encode(),
        headers={"Content-Type": "application/scim+json"},
    )


def test_scim_url_defaults() -> None:
    assert AsyncApi("patX.y").scim_url == DEFAULT_SCIM_URL == SCIM
    proxied = AsyncApi("patX.y", endpoint_url="https://proxy.example.com")
    assert proxied.scim_url == SCIM
    local = AsyncApi("patX.y", endpoint_url="http://127.0.0.1:8080")
    assert local.scim_url == "http://127.0.0.1:8080/scim/v2"
    other = AsyncApi("patX.y", scim_url="https://airtable.com/scim/v2/")
    assert other.scim_url == "https://airtable.com/scim/v2"
    cached = AsyncApi("patX.y")
    assert cached.scim is cached.scim


def test_a_plain_http_scim_url_off_loopback_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="scim_url"):
        AsyncApi("patX.y", scim_url="http://airtable.com/scim/v2")


async def test_get_user_and_scim_media_type(api: AsyncApi, router: respx.MockRouter) -> None:
    route = router.get(f"{SCIM}/Users/{USER}").mock(
        return_value=scim_json(200, load_fixture("GetScimUser.response.json"))
    )
    user = await api.scim.get_user(USER)
    assert user.user_name == "foo@bar.com"
    assert route.calls.last.request.headers["Authorization"] == "Bearer patTESTTOKEN.secret"
    assert api.stats.calls == 1  # through the one request core


async def test_scim_on_another_host_gets_full_urls(router: respx.MockRouter) -> None:
    route = router.get("https://airtable.com/scim/v2/Groups/" + GROUP).mock(
        return_value=scim_json(200, load_fixture("GetScimGroup.response.json"))
    )
    async with AsyncApi(
        "patX.y",
        scim_url="https://airtable.com/scim/v2",
        transport=httpx.MockTransport(router.async_handler),
    ) as api:
        group = await api.scim.get_group(GROUP)
    assert route.called
    assert group.member_ids == ("usrI7HMkO7sAefUHk", "usrM4UuTPOjRlDOHT")


async def test_users_page_explicitly_until_the_total(
    api: AsyncApi, router: respx.MockRouter
) -> None:
    template = load_fixture("GetScimUser.response.json")
    ids = [f"usr{n:014d}" for n in range(5)]

    def page(request: httpx.Request) -> httpx.Response:
        start = int(request.url.params["startIndex"])
        count = int(request.url.params["count"])
        chunk = ids[start - 1 : start - 1 + count]
        return scim_json(
            200,
            {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
                "totalResults": len(ids),
                "startIndex": start,
                "itemsPerPage": len(chunk),
                "Resources": [{**template, "id": i} for i in chunk],
            },
        )

    route = router.get(f"{SCIM}/Users").mock(side_effect=page)
    found = [user.id async for user in api.scim.users(page_size=2)]
    assert found == ids
    starts = [call.request.url.params["startIndex"] for call in route.calls]
    assert starts == ["1", "3", "5"]


async def test_users_end_in_a_typed_error_when_the_server_ignores_start_index(
    api: AsyncApi, router: respx.MockRouter
) -> None:
    body = load_fixture("ListScimUsers.response.json")  # totalResults 3, always one user
    route = router.get(f"{SCIM}/Users").mock(return_value=scim_json(200, body))
    found: list[str] = []

    async def walk() -> None:
        async for user in api.scim.users(page_size=1):
            found.append(user.id)

    with pytest.raises(ResponseValidationError, match="repeats users already read"):
        await walk()
    assert found == ["usrogvSbotRtzdtZW"]
    assert route.call_count == 2  # the repeated page ends the walk


async def test_user_name_filter_is_quoted(api: AsyncApi, router: respx.MockRouter) -> None:
    body = {**load_fixture("ListScimUsers.response.json"), "totalResults": 1}
    route = router.get(f"{SCIM}/Users").mock(return_value=scim_json(200, body))
    await api.scim.user("foo@bar.com")  # the lookup reads the whole answer (1 user)
    assert route.calls.last.request.url.params["filter"] == 'userName eq "foo@bar.com"'


async def test_unknown_user_is_404_not_found(api: AsyncApi, router: respx.MockRouter) -> None:
    router.get(f"{SCIM}/Users/{USER}").mock(
        return_value=scim_json(404, load_fixture("GetScimUser.error-404.json"))
    )
    with pytest.raises(NotFoundError) as caught:
        await api.scim.get_user(USER)
    assert caught.value.status_code == 404
    assert caught.value.error_message == "not a valid userId"


async def test_unknown_group_400_is_a_not_found_error_keeping_the_status(
    api: AsyncApi, router: respx.MockRouter
) -> None:
    router.get(f"{SCIM}/Groups/{GROUP}").mock(
        return_value=scim_json(400, load_fixture("GetScimGroup.error-400.json"))
    )
    with pytest.raises(GroupNotFoundError) as caught:
        await api.scim.get_group(GROUP)
    error = caught.value
    assert isinstance(error, NotFoundError)
    assert isinstance(error, BadRequestError)
    assert error.status_code == 400
    assert "invalid group ID" in str(error)


async def test_other_400s_stay_bad_requests(api: AsyncApi, router: respx.MockRouter) -> None:
    body = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "status": "400",
        "scimType": "invalidFilter",
        "detail": "bad filter",
    }
    router.get(f"{SCIM}/Groups").mock(return_value=scim_json(400, body))
    with pytest.raises(BadRequestError) as caught:
        [g async for g in api.scim.groups(display_name="x")]
    assert not isinstance(caught.value, NotFoundError)
    assert caught.value.error_type == "invalidFilter"


async def test_conflict_carries_the_scim_type(api: AsyncApi, router: respx.MockRouter) -> None:
    body = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "status": 409,
        "scimType": "uniqueness",
        "detail": "userName taken",
    }
    router.post(f"{SCIM}/Users").mock(return_value=scim_json(409, body))
    with pytest.raises(ConflictError) as caught:
        await api.scim.create_user("a@b.com", given_name="A", family_name="B")
    assert caught.value.error_type == "uniqueness"


async def test_create_and_patch_bodies(api: AsyncApi, router: respx.MockRouter) -> None:
    sent: list[Any] = []

    def echo(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        return scim_json(200, load_fixture("PatchScimUser.response.json"))

    router.patch(f"{SCIM}/Users/{USER}").mock(side_effect=echo)
    router.patch(f"{SCIM}/Groups/{GROUP}").mock(
        return_value=scim_json(200, load_fixture("GetScimGroup.response.json"))
    )
    user = await api.scim.patch_user(USER, ScimPatch().replace("title", "Manager"))
    assert user.title == "Manager"
    await api.scim.deactivate_user(USER)
    assert sent == [
        load_fixture("PatchScimUser.request.json"),
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "active", "value": False}],
        },
    ]
    group = await api.scim.add_members(GROUP, ["usrI7HMkO7sAefUHk"])
    assert group.id == GROUP


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.get_user("someone@example.com"),
        lambda s: s.get_group("usrogvSbotRtzdtZW"),
        lambda s: s.create_user("nobody", given_name="A", family_name="B"),
        lambda s: s.create_group("   "),
        lambda s: s.add_members(GROUP, []),
        lambda s: s.remove_members(GROUP, ["ugpQ7PJ2boxzMAKFU"]),
        lambda s: s.patch_user(USER, ScimPatch()),
        lambda s: s.patch_user(USER, {"op": "replace"}),
        lambda s: s.replace_user(USER, "a@b.com", given_name="A", family_name="B", active=1),
        lambda s: s.delete_group("ugp123"),
    ],
)
async def test_bad_input_is_refused_before_any_request(
    api: AsyncApi, router: respx.MockRouter, call: Any
) -> None:
    with pytest.raises(InvalidInputError):
        await call(api.scim)
    assert api.stats.calls == 0
    assert not router.calls


def test_listing_validates_eagerly() -> None:
    api = AsyncApi("patX.y")
    with pytest.raises(InvalidInputError):
        api.scim.users(user_name="not an email")
    with pytest.raises(InvalidInputError):
        api.scim.users(page_size=0)
    with pytest.raises(InvalidInputError):
        api.scim.groups(display_name="")


async def test_read_directory_refuses_pages_that_do_not_add_up(
    api: AsyncApi, router: respx.MockRouter
) -> None:
    body = load_fixture("ListScimUsers.response.json")  # totalResults 3, always one user
    route = router.get(f"{SCIM}/Users").mock(return_value=scim_json(200, body))
    router.get(f"{SCIM}/Groups").mock(
        return_value=scim_json(
            200, {**load_fixture("ListScimGroups.response.json"), "Resources": []}
        )
    )
    with pytest.raises(ResponseValidationError, match="repeats users already read"):
        await read_directory(api.scim)  # was: one user, as if the directory held one
    assert route.call_count == 3  # the first page, then the walk in order: 2 pages


async def test_a_server_ignoring_the_filter_cannot_hand_back_someone_else(
    api: AsyncApi, router: respx.MockRouter
) -> None:
    body = {**load_fixture("ListScimUsers.response.json"), "totalResults": 1, "startIndex": 1}
    route = router.get(f"{SCIM}/Users").mock(return_value=scim_json(200, body))  # foo@bar.com
    assert await api.scim.user("other@bar.com") is None
    with pytest.raises(UserNotFoundError, match=r"no user 'other@bar\.com' in SCIM"):
        await api.scim.user_id("other@bar.com")
    found = await api.scim.user("  FOO@bar.com".strip())
    assert found is not None
    assert found.id == await api.scim.user_id("Foo@Bar.com") == "usrogvSbotRtzdtZW"
    assert await api.scim.user_id(USER) == USER  # an ID: no request
    assert route.call_count == 4


async def test_lookups_send_the_email_in_nfc(api: AsyncApi, router: respx.MockRouter) -> None:
    body = {**load_fixture("ListScimUsers.response.json"), "totalResults": 0, "Resources": []}
    route = router.get(f"{SCIM}/Users").mock(return_value=scim_json(200, body))
    assert await api.scim.user("zoe\u0308@bar.com") is None
    assert route.calls.last.request.url.params["filter"] == 'userName eq "zo\u00eb@bar.com"'


async def test_an_email_matching_two_scim_users_is_refused_not_the_first_taken(
    api: AsyncApi, router: respx.MockRouter
) -> None:
    # The filter answers two users whose emails have one key (case, NFD): acting on
    # the first (a deactivation, a deletion) could hit the wrong person.
    template = load_fixture("ListScimUsers.response.json")["Resources"][0]
    twins = [
        {**template, "id": "usrAAAAAAAAAAAAAA", "userName": "zoe\u0308@bar.com"},
        {**template, "id": "usrBBBBBBBBBBBBBB", "userName": "Zo\u00eb@bar.com"},
    ]
    body = {"totalResults": 2, "startIndex": 1, "itemsPerPage": 2, "Resources": twins}
    router.get(f"{SCIM}/Users").mock(return_value=scim_json(200, body))
    deactivate = router.patch(url__startswith=f"{SCIM}/Users/").mock(
        return_value=scim_json(200, twins[0])
    )
    with pytest.raises(InvalidInputError, match="usrAAAAAAAAAAAAAA, usrBBBBBBBBBBBBBB"):
        await api.scim.user_id("zo\u00eb@bar.com")
    with pytest.raises(InvalidInputError, match="matches 2 SCIM users"):
        await api.scim.user("ZOË@bar.com")
    assert deactivate.call_count == 0


@pytest.mark.parametrize(("total", "resources"), [(5, 1), (3, None), (0, 1)])
async def test_a_groups_list_that_does_not_back_its_total_is_refused(
    api: AsyncApi, router: respx.MockRouter, total: int, resources: int | None
) -> None:
    # A server capping the count (or answering Resources null) made the sync see part of
    # the groups: "create group" for the others, memberships there never corrected.
    body = load_fixture("ListScimGroups.response.json")
    listed = None if resources is None else body["Resources"] * resources
    router.get(f"{SCIM}/Groups").mock(
        return_value=scim_json(200, {**body, "totalResults": total, "Resources": listed})
    )
    with pytest.raises(ResponseValidationError, match=f"totalResults is {total}"):
        [group async for group in api.scim.groups()]


async def test_a_filtered_listing_never_yields_someone_else(
    api: AsyncApi, router: respx.MockRouter
) -> None:
    # The server ignored the filter: `scim users list --user-name other@` listed foo@,
    # whose ID a script would then deactivate or delete.
    body = {**load_fixture("ListScimUsers.response.json"), "totalResults": 1, "startIndex": 1}
    router.get(f"{SCIM}/Users").mock(return_value=scim_json(200, body))  # foo@bar.com
    assert [u.id async for u in api.scim.users(user_name="other@bar.com")] == []
    assert [u.id async for u in api.scim.users(user_name="FOO@bar.com")] == [USER]
    assert [u.id async for u in api.scim.users()] == [USER]
