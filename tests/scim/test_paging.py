"""SCIM users paging against a lying ``totalResults`` (issue 23, point 10): the walk and
the sync's directory read keep a bounded number of requests in flight and end in a
typed error when the pages do not back the total, never in a silently partial list."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio
import anyio.lowlevel
import httpx
import pytest

from airtable_enterprise import AsyncApi, ResponseValidationError, RetryPolicy
from airtable_enterprise.models.scim import ScimUser, ScimUserList
from airtable_enterprise.scim._paging import UserWalk
from airtable_enterprise.scim.sync import READS_IN_FLIGHT, read_directory
from tests.helpers import load_fixture

SCIM = "https://api.airtable.com/scim/v2"
TEMPLATE = load_fixture("ListScimUsers.response.json")["Resources"][0]


def user(n: int) -> dict[str, Any]:
    return {**TEMPLATE, "id": f"usr{n:014d}", "userName": f"u{n}@bar.com"}


def listing(total: int, users: list[dict[str, Any]] | None, start: int) -> httpx.Response:
    body = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": total,
        "startIndex": start,
        "itemsPerPage": len(users or ()),
        "Resources": users,
    }
    return httpx.Response(200, json=body)


Server = Callable[[int, int], httpx.Response]


def directory_of(count: int, *, total: int | None = None) -> Server:
    """``count`` users served by startIndex/count, advertising ``total`` (default: true)."""
    everyone = [user(n) for n in range(count)]

    def serve(start: int, size: int) -> httpx.Response:
        chunk = everyone[start - 1 : start - 1 + size]
        return listing(count if total is None else total, chunk, start)

    return serve


class Recorder:
    """The SCIM routes of a fake server, with the largest number of users requests
    that were in flight at once."""

    def __init__(self, users: Server) -> None:
        self.users = users
        self.in_flight = 0
        self.most_in_flight = 0
        self.calls = 0

    async def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/Groups"):
            return httpx.Response(200, json={"totalResults": 0, "Resources": []})
        self.calls += 1
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await anyio.lowlevel.checkpoint()  # let the other requests in flight start
            params = request.url.params
            return self.users(int(params["startIndex"]), int(params["count"]))
        finally:
            self.in_flight -= 1


@pytest.fixture
def api_for() -> Callable[[Recorder], AsyncApi]:
    def make(recorder: Recorder) -> AsyncApi:
        return AsyncApi(
            "patTESTTOKEN.secret",
            transport=httpx.MockTransport(recorder.handle),
            requests_per_second=100_000,
            retry=RetryPolicy(max_attempts=1),
        )

    return make


async def walk(api: AsyncApi, page_size: int = 100) -> list[str]:
    return [found.id async for found in api.scim.users(page_size=page_size)]


@pytest.fixture
async def opened(
    api_for: Callable[[Recorder], AsyncApi],
) -> AsyncIterator[Callable[[Recorder], AsyncApi]]:
    opened: list[AsyncApi] = []

    def make(recorder: Recorder) -> AsyncApi:
        api = api_for(recorder)
        opened.append(api)
        return api

    yield make
    for api in opened:
        await api.aclose()


pytestmark = pytest.mark.anyio


async def test_a_huge_advertised_total_keeps_reads_bounded_and_ends_in_a_typed_error(
    opened: Callable[[Recorder], AsyncApi],
) -> None:
    # 250 users, totalResults 100,000,000: before the fix, one task per advertised page
    # (a million) was started at once and the process ran out of memory.
    recorder = Recorder(directory_of(250, total=100_000_000))
    api = opened(recorder)
    with pytest.raises(ResponseValidationError, match="is empty; totalResults is 100000000"):
        await read_directory(api.scim)
    assert 1 < recorder.most_in_flight <= READS_IN_FLIGHT
    # The concurrent read stops issuing at the short page; the walk in order ends at the
    # first empty page: a few requests, not a million.
    assert recorder.calls <= 2 * 4 + READS_IN_FLIGHT


async def test_null_resources_while_the_total_says_five(
    opened: Callable[[Recorder], AsyncApi],
) -> None:
    recorder = Recorder(lambda start, size: listing(5, None, start))
    api = opened(recorder)
    with pytest.raises(ResponseValidationError, match="startIndex=1 is empty; totalResults is 5"):
        await walk(api)
    with pytest.raises(ResponseValidationError, match="totalResults is 5"):
        await read_directory(api.scim)


@pytest.mark.parametrize("page_size", [100, 2])
async def test_a_total_smaller_than_what_exists(
    opened: Callable[[Recorder], AsyncApi], page_size: int
) -> None:
    # 5 users exist, the total says 3: in one page (more users than the total) or in
    # pages of 2 (the full page that reaches the total is followed by one probe page).
    recorder = Recorder(directory_of(5, total=3))
    api = opened(recorder)
    with pytest.raises(ResponseValidationError, match="totalResults is 3"):
        await walk(api, page_size)


async def test_a_total_larger_than_what_exists_by_a_little(
    opened: Callable[[Recorder], AsyncApi],
) -> None:
    recorder = Recorder(directory_of(250, total=251))
    with pytest.raises(ResponseValidationError, match="is empty; totalResults is 251"):
        await walk(opened(recorder))


@pytest.mark.parametrize("count", [0, 1, 99, 100, 101, 250, 300])
async def test_honest_directories_read_whole_with_at_most_one_probe(
    opened: Callable[[Recorder], AsyncApi], count: int
) -> None:
    recorder = Recorder(directory_of(count))
    api = opened(recorder)
    expected = [f"usr{n:014d}" for n in range(count)]
    assert await walk(api) == expected
    pages = max(1, -(-count // 100))
    full_last = count > 0 and count % 100 == 0
    assert recorder.calls == pages + full_last  # the probe after a full last page
    recorder.calls = 0
    directory = await read_directory(api.scim)
    assert [found.id for found in directory.users] == expected
    assert recorder.calls == pages + full_last


async def test_a_server_capping_count_is_walked_by_what_it_sent(
    opened: Callable[[Recorder], AsyncApi],
) -> None:
    everyone = directory_of(130)
    recorder = Recorder(lambda start, size: everyone(start, min(size, 40)))
    api = opened(recorder)
    directory = await read_directory(api.scim)
    assert len(directory.users) == 130


def page(total: int, ids: list[int]) -> ScimUserList:
    return ScimUserList(
        total_results=total,
        resources=tuple(ScimUser(id=f"usr{n:014d}", user_name=f"u{n}@x.io") for n in ids),
    )


def test_the_walk_decides_from_the_pages_alone() -> None:
    walk = UserWalk(2, "/scim/v2/Users")
    assert [u.id for u in walk.take(page(3, [0, 1]))] == ["usr00000000000000", "usr00000000000001"]
    assert (walk.start, walk.done) == (3, False)
    walk.take(page(3, [2]))  # short, and the total is reached: complete
    assert walk.done
    shifted = UserWalk(2, "/scim/v2/Users")
    shifted.take(page(4, [0, 1]))
    shifted.take(page(4, [1, 2]))  # a user seen again: one was missed
    assert shifted.probing  # the page reaching the total was full
    with pytest.raises(ResponseValidationError, match="held 3 users but totalResults is 4") as e:
        shifted.take(page(4, []))
    assert (e.value.method, e.value.path) == ("GET", "/scim/v2/Users")


async def test_pages_that_keep_repeating_most_users_end_in_a_typed_error(
    opened: Callable[[Recorder], AsyncApi],
) -> None:
    # Every page: one new user and 99 already read, under a total of 100,000,000.
    def serve(start: int, size: int) -> httpx.Response:
        fresh = 1 + (start - 1) // size
        return listing(
            100_000_000,
            [user(0), *[user(n) for n in range(1, size - 1)], user(10_000 + fresh)][:size],
            start,
        )

    recorder = Recorder(serve)
    with pytest.raises(ResponseValidationError, match=r"repeated \d+ users already read"):
        await walk(opened(recorder))
    assert recorder.calls <= 3


async def test_a_server_ignoring_start_index_under_a_huge_total_stops_the_concurrent_read(
    opened: Callable[[Recorder], AsyncApi],
) -> None:
    # Every page is the first one (startIndex ignored), each full, under a total of
    # 100,000,000: before the fix, the concurrent read kept every page full and "new",
    # so it fetched (and kept in memory) a million pages.
    everyone = directory_of(250, total=100_000_000)
    recorder = Recorder(lambda start, size: everyone(1, size))
    api = opened(recorder)
    with anyio.fail_after(60):  # a bound for a hang, not a timing assertion
        with pytest.raises(ResponseValidationError, match="repeats users already read"):
            await read_directory(api.scim)
    assert recorder.calls <= 2 * READS_IN_FLIGHT + 4


async def test_a_user_listed_twice_on_one_page_is_read_once(
    opened: Callable[[Recorder], AsyncApi],
) -> None:
    # totalResults 1, the page holds the same user twice: the directory held it twice,
    # so --deactivate-missing planned (and sent) its deactivation twice.
    recorder = Recorder(lambda start, size: listing(1, [user(7), user(7)], start))
    api = opened(recorder)
    assert await walk(api) == ["usr00000000000007"]
    directory = await read_directory(api.scim)
    assert [found.id for found in directory.users] == ["usr00000000000007"]
