"""Pure helpers of fanned-out calls: chunks, URL-bounded batches, merging, gather."""

from __future__ import annotations

from collections.abc import Iterator

import anyio
import anyio.lowlevel
import httpx
import pytest

from airtable_enterprise import InvalidInputError, UserInfo
from airtable_enterprise._core.batch import (
    MAX_URL_LENGTH,
    chunked,
    encoded_length,
    iter_query_batches,
    merge_users,
    query_batches,
    unique_users,
)
from airtable_enterprise._core.gather import for_each, gather


def user(n: int, email: str | None = None) -> UserInfo:
    return UserInfo(
        id=f"usr{n:014d}",
        email=email or f"u{n}@bar.com",
        name=f"U{n}",
        state="provisioned",
        is_service_account=False,
        is_sso_required=False,
        is_two_factor_auth_enabled=False,
        last_activity_time=None,
    )


@pytest.mark.parametrize(
    ("size", "n", "expected"),
    [(10, 0, []), (10, 10, [10]), (10, 25, [10, 10, 5]), (100, 250, [100, 100, 50])],
)
def test_chunked(size: int, n: int, expected: list[int]) -> None:
    chunks = chunked(list(range(n)), size)
    assert [len(c) for c in chunks] == expected
    assert [x for c in chunks for x in c] == list(range(n))


def test_encoded_length_matches_what_httpx_sends() -> None:
    pairs = [("email[]", "a+b@c.com"), ("id[]", "usrL2PNC5o3H4lBEi"), ("include[]", "x y")]
    url = httpx.URL("https://api.airtable.com/v0/p", params=pairs)
    assert len(str(url)) == len("https://api.airtable.com/v0/p") + sum(
        encoded_length(p) + 1 for p in pairs
    )


def test_query_batches_by_count_and_by_length() -> None:
    short = [("id[]", f"usr{n:014d}") for n in range(250)]
    assert [len(b) for b in query_batches(short, url_prefix_length=80, max_items=100)] == [
        100,
        100,
        50,
    ]
    long = [("email[]", f"{n}{'x' * 230}@b.com") for n in range(100)]
    batches = query_batches(long, url_prefix_length=80, max_items=100)
    assert len(batches) > 1
    assert [p for b in batches for p in b] == long
    for batch in batches:
        assert 80 + sum(encoded_length(p) + 1 for p in batch) <= MAX_URL_LENGTH


def test_iter_query_batches_takes_the_pairs_a_batch_at_a_time() -> None:
    taken = 0

    def pairs() -> Iterator[tuple[str, str]]:
        nonlocal taken
        for n in range(250):
            taken += 1
            yield ("id[]", f"usr{n:014d}")

    batches = iter_query_batches(pairs(), url_prefix_length=80, max_items=100)
    assert len(next(batches)) == 100
    assert taken == 101  # the 101st told the first batch was full; no more was read
    assert [len(b) for b in batches] == [100, 50]
    every = [("id[]", f"usr{n:014d}") for n in range(250)]
    assert query_batches(every, url_prefix_length=80, max_items=100) == list(
        iter_query_batches(iter(every), url_prefix_length=80, max_items=100)
    )


def test_query_batch_limit_is_exact() -> None:
    pair = ("id[]", "usrL2PNC5o3H4lBEi")
    cost = encoded_length(pair) + 1
    fits_two = query_batches([pair] * 3, url_prefix_length=0, max_items=10, max_length=2 * cost)
    assert [len(b) for b in fits_two] == [2, 1]


def test_query_batches_refuse_a_value_that_can_never_fit() -> None:
    with pytest.raises(InvalidInputError, match="URL limit"):
        query_batches([("email[]", "x" * 200)], url_prefix_length=0, max_items=1, max_length=100)


def test_unique_users_compares_emails_case_insensitively() -> None:
    assert unique_users(["A@b.com", "usrX", "a@B.com", "usrX", "usrx"]) == [
        "A@b.com",
        "usrX",
        "usrx",
    ]


def test_merge_users_orders_by_input_dedups_and_reports_missing() -> None:
    one, two, three = user(1), user(2), user(3)
    ordered, missing = merge_users(
        ["U2@BAR.COM", one.id, "ghost@bar.com", "u1@bar.com", "usr99999999999999"],
        [one, three, two, one],
    )
    # user 3 was returned but asked for by nobody: kept, at the end.
    assert [u.id for u in ordered] == [two.id, one.id, three.id]
    assert missing == ["ghost@bar.com", "usr99999999999999"]


@pytest.mark.anyio
async def test_gather_returns_results_in_call_order() -> None:
    async def value(n: int) -> int:
        await anyio.lowlevel.checkpoint()
        return n

    def call(n: int):  # type: ignore[no-untyped-def]
        return lambda: value(n)

    assert await gather([call(n) for n in range(5)]) == [0, 1, 2, 3, 4]


@pytest.mark.anyio
async def test_gather_raises_a_plain_error_not_a_group() -> None:
    async def boom() -> int:
        raise KeyError("x")

    async def fine() -> int:
        return 1

    with pytest.raises(KeyError):
        await gather([fine, boom, fine])


@pytest.mark.anyio
async def test_gather_without_cancel_lets_every_call_finish() -> None:
    finished: list[int] = []

    def call(n: int):  # type: ignore[no-untyped-def]
        async def run() -> int:
            await anyio.lowlevel.checkpoint()
            if n in (1, 3):
                raise ValueError(n)
            finished.append(n)
            return n

        return run

    with pytest.raises(ValueError, match="1") as caught:
        await gather([call(n) for n in range(4)], cancel_on_error=False)
    assert sorted(finished) == [0, 2]
    assert caught.value.__notes__ == ["request 2 of 4 failed; requests 1, 3 completed"]


@pytest.mark.anyio
async def test_for_each_keeps_at_most_limit_in_flight_and_pulls_items_lazily() -> None:
    in_flight = most = pulled = 0
    done: list[int] = []

    def endless() -> Iterator[int]:
        nonlocal pulled
        n = 0
        while True:  # an advertised total of "forever": never turned into tasks up front
            pulled += 1
            yield n
            n += 1

    async def call(n: int) -> None:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        await anyio.lowlevel.checkpoint()
        in_flight -= 1
        if n == 20:
            raise KeyError(n)  # the first failure ends it, raised as itself
        done.append(n)

    with pytest.raises(KeyError):
        await for_each(endless(), call, limit=3)
    assert most == 3
    assert pulled <= 20 + 2 * 3  # a round in flight when it failed, not an endless list
    assert len(done) >= 17


@pytest.mark.parametrize("key", ["id[]", "email[]", "include[]"])
@pytest.mark.parametrize(
    "value", ["usrL2PNC5o3H4lBEi", "a.b+c@x.com", "ünï@x.com", "collaborations", "a b&c=d"]
)
def test_encoded_length_is_what_httpx_sends(key: str, value: str) -> None:
    assert encoded_length((key, value)) == len(str(httpx.QueryParams([(key, value)])))
