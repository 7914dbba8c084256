"""Hostile review of issue 23 points 2 and 12: a server that answers events outside the
asked window or without a time, and a follow feed interrupted by a cancelled await."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
import anyio.lowlevel
import httpx
import pytest

from airtable_enterprise import AsyncApi, ResponseValidationError, RetryPolicy
from airtable_enterprise.resources.change_events import MAX_EMPTY_PAGES, ChangeEvents
from airtable_enterprise.testing import Emulator, generate_enterprise

from .conftest import ManualClock
from .test_change_events_late import GaveUp, WorldSleep, feed_of, late_world

pytestmark = pytest.mark.anyio

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
ENT = "entUBq2RGdihxl3vU"


def ev(name: str, at: datetime | None) -> dict[str, Any]:
    body: dict[str, Any] = {"id": name, "type": "base_modified"}
    if at is not None:
        body["timestamp"] = at.isoformat()
    return body


class WindowFeed:
    """A changeEvents endpoint holding ``events`` (newest first answers, one page), plus
    ``extra`` events it wrongly adds to every answer."""

    def __init__(self, events: list[dict[str, Any]], extra: list[dict[str, Any]]) -> None:
        self.events, self.extra = events, extra

    def handle(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        start = datetime.fromisoformat(params["startTime"])
        end = datetime.fromisoformat(params["endTime"])
        inside = [e for e in self.events if start <= datetime.fromisoformat(e["timestamp"]) < end]
        return httpx.Response(200, json={"events": [*self.extra, *inside]})

    def api(self) -> AsyncApi:
        return AsyncApi(
            "patTEST.secret",
            transport=httpx.MockTransport(self.handle),
            requests_per_second=1e6,
            retry=RetryPolicy(max_attempts=1),
        )


@pytest.mark.parametrize(
    "stray",
    [
        ev("zz-future", T0 + timedelta(days=300)),
        ev("zz-past", T0 - timedelta(days=1)),
        ev("zz-none", None),
    ],
    ids=["after the window", "before the window", "no time"],
)
async def test_an_event_outside_the_asked_window_is_an_error_not_a_silent_skip(
    stray: dict[str, Any],
) -> None:
    # Events two days apart: each in its own one-day window. The server adds a stray
    # event to every answer; it used to move the resume point, and every later event at
    # or before it was dropped as "delivered already" (a future stray: all of them).
    good = [ev(f"e{n}", T0 + timedelta(days=n, hours=1)) for n in range(0, 6, 2)]
    fake = WindowFeed(good, [stray])
    seen: list[str] = []
    async with fake.api() as api:
        feed = api.enterprise(ENT).change_events(
            sort_asc=True, start_time=T0, lag=0, clock=lambda: T0 + timedelta(days=7)
        )

        async def consume() -> None:
            async for event in feed:
                seen.append(event.id)

        with pytest.raises(ResponseValidationError, match="outside"):
            await consume()
    assert seen == []  # nothing of a window with a stray is delivered


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def test_a_follow_feed_whose_wait_was_cancelled_goes_on_where_it_stopped() -> None:
    # A caller bounding each wait (move_on_after around the next event) and then iterating
    # on: the cancelled await closed the generator inside, and the feed that "never ends"
    # ended silently, so every later event was lost.
    fake = WindowFeed([ev("e0", T0 + timedelta(hours=1)), ev("e1", T0 + timedelta(hours=3))], [])
    clock = Clock(T0 + timedelta(hours=2))
    scope = anyio.CancelScope()

    async def sleep(seconds: float) -> None:
        if clock.now < T0 + timedelta(hours=4):
            scope.cancel()  # the caller gives up while the feed waits
            await anyio.sleep_forever()
        await anyio.lowlevel.checkpoint()

    async with fake.api() as api:
        path = f"{api.enterprise(ENT).url}/changeEvents"
        feed = ChangeEvents(api, path, follow=True, start_time=T0, lag=0, clock=clock, sleep=sleep)
        assert (await feed.__anext__()).id == "e0"
        with scope:
            await feed.__anext__()  # waits in sleep() until cancelled
        assert scope.cancelled_caught
        clock.now = T0 + timedelta(hours=5)
        with anyio.fail_after(10):
            async for event in feed:
                assert event.id == "e1"
                break
            else:
                pytest.fail("the feed ended after a cancelled wait")
        await feed.aclose()


async def test_a_checkpoint_inside_a_millisecond_resumes_without_repeating_an_event() -> None:
    # Timestamps finer than the wire's milliseconds: the checkpoint after "a" was cut to
    # the millisecond, so on resume "a" (and every event of that millisecond) sorted
    # after it and was delivered a second time.
    at = T0 + timedelta(hours=1, microseconds=500)
    fake = WindowFeed([ev("a", at), ev("b", at), ev("c", at + timedelta(microseconds=100))], [])
    clock = Clock(T0 + timedelta(days=1))
    async with fake.api() as api:
        enterprise = api.enterprise(ENT)
        feed = enterprise.change_events(sort_asc=True, start_time=T0, lag=0, clock=clock)
        assert (await feed.__anext__()).id == "a"
        token = feed.checkpoint
        await feed.aclose()
        resumed = enterprise.change_events(resume=token, lag=0, clock=clock)
        assert [e.id async for e in resumed] == ["b", "c"]


async def test_newest_first_pages_that_overlap_deliver_each_event_once() -> None:
    # A positional offset shifts when new events arrive during the walk: the next page
    # starts with the last one's final events again. Each page still brings a new one,
    # so the walk goes on, but the repeated events were handed out twice.
    pages = {
        None: {"events": [ev("e5", T0), ev("e4", T0)], "offset": "o1"},
        "o1": {"events": [ev("e4", T0), ev("e3", T0)], "offset": "o2"},
        "o2": {"events": [ev("e3", T0), ev("e2", T0), ev("e1", T0)]},
    }

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=pages[request.url.params.get("offset")])

    async with AsyncApi(
        "patTEST.secret", transport=httpx.MockTransport(handle), requests_per_second=1e6
    ) as api:
        seen = [e.id async for e in api.enterprise(ENT).change_events()]
    assert seen == ["e5", "e4", "e3", "e2", "e1"]


@pytest.mark.parametrize(("ahead", "delivered"), [(-30.0, 10), (2.5, 10), (4.5, 0)])
async def test_a_client_clock_ahead_of_the_server_shortens_the_lag_by_as_much(
    ahead: float, delivered: int
) -> None:
    # The horizon is the client's clock minus the lag: a clock `ahead` seconds fast reads
    # windows the server has not settled. With lag 5 and a 2 s publish delay, a clock
    # 2.5 s fast loses nothing, 4.5 s fast (an effective lag of 0.5 s) loses every event:
    # the documented bound is an event readable more than lag - ahead after its
    # timestamp. A slow clock only delays delivery.
    emulator, clock, base_id = late_world(publish_delay=2)
    written: list[str] = []

    def write() -> None:
        if len(written) < 10:
            change = emulator.modify_base(base_id, create_records=[{"Name": str(len(written))}])
            written.append(change["id"])

    sleep = WorldSleep(clock, 1.0, 80, write)
    seen: list[str] = []
    async with emulator.api() as api:
        feed = feed_of(
            api,
            emulator,
            follow=True,
            start_time=clock.now,
            lag=5,
            clock=lambda: clock.now + timedelta(seconds=ahead),
            sleep=sleep,
        )
        try:
            async for event in feed:
                seen.append(event.id)
                if len(seen) == 10:
                    break
        except GaveUp:
            pass
    assert len(written) == 10
    assert seen == written[:delivered]


async def test_audit_log_follow_misses_an_event_made_readable_behind_its_cursor() -> None:
    # What "follows the server's cursor" guarantees, pinned: the emulator's `next` cursor
    # is the newest event's ID (time-ordered, as Airtable's ULIDs are). A uniform publish
    # delay makes events readable in ID order, so the cursor waits for them; an event
    # that becomes readable after a newer one (a delay that varies) lands behind the
    # cursor and the follow never sees it. The guide says so; the README no longer says
    # the follow "misses none".
    clock = ManualClock(start=T0)
    world = generate_enterprise(seed=4, users=20, events=50, clock=clock)
    emulator = Emulator(world)
    clock.advance(3600)
    seen: list[str] = []
    async with emulator.api() as api:
        feed = api.enterprise(emulator.enterprise_id).audit_events(
            sort_asc=True,
            follow=True,
            start_time=clock.now,
            poll_interval=0.001,
            max_poll_interval=0.002,
        )
        first = emulator.make_event("createBase")["id"]
        with anyio.fail_after(30):
            async for event in feed:
                seen.append(event.id)
                if len(seen) == 1:
                    clock.advance(10)
                    # Readable late: its timestamp is before the event already delivered.
                    late = emulator.make_event(
                        "createBase", timestamp=clock.now - timedelta(seconds=15)
                    )
                    newer = emulator.make_event("createBase")["id"]
                if len(seen) == 2:
                    break
    assert seen == [first, newer]
    assert late["id"] not in seen


@pytest.mark.parametrize("events", [None, []], ids=["null", "empty"])
@pytest.mark.parametrize("ascending", [False, True], ids=["newest first", "oldest first"])
async def test_empty_pages_with_ever_new_offsets_end_in_an_error_not_a_loop(
    events: list[Any] | None, ascending: bool
) -> None:
    # An empty page holds no repeated event and its offset is new every time, so the
    # no-progress rule never fired: thousands of requests a second, forever.
    requests = 0

    def handle(request: httpx.Request) -> httpx.Response:
        nonlocal requests
        requests += 1
        if requests > 500:
            return httpx.Response(500, json={"error": "the client is looping"})
        return httpx.Response(200, json={"events": events, "offset": f"o{requests}"})

    mode: dict[str, Any] = {}
    if ascending:
        mode = {
            "sort_asc": True,
            "start_time": T0,
            "lag": 0,
            "clock": Clock(T0 + timedelta(hours=1)),
        }
    async with AsyncApi(
        "patTEST.secret",
        transport=httpx.MockTransport(handle),
        requests_per_second=1e6,
        retry=RetryPolicy(max_attempts=1),
    ) as api:
        feed = api.enterprise(ENT).change_events(**mode)
        with pytest.raises(ResponseValidationError, match="no event"):
            _ = [e async for e in feed]
    assert requests == MAX_EMPTY_PAGES + 1
