"""Issue 23, points 2 and 12: change events that become readable late are not skipped
(the settle lag, against the emulator's publish delay), the audit log's follow mode
answers the same question, and the change-events cursor neither loops, repeats, stops
silently, buffers without bound nor resumes another enterprise's checkpoint."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
import anyio.lowlevel
import httpx
import pytest

from airtable_enterprise import AsyncApi, InvalidInputError, ResponseValidationError
from airtable_enterprise.resources.change_events import (
    DEFAULT_LAG,
    ChangeEvents,
    decode_checkpoint,
    encode_checkpoint,
    query_fingerprint,
)
from airtable_enterprise.testing import Emulator, generate_enterprise

from .conftest import ManualClock

pytestmark = pytest.mark.anyio

#: A pinned world time: no test reads the real date.
T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
ENT_A = "entUBq2RGdihxl3vU"
ENT_B = "entB0000000000000"


class GaveUp(Exception):
    """The feed did not deliver within the polls a test allows."""


class WorldSleep:
    """An injected ``sleep``: each poll interval moves the world clock ``step`` seconds and
    lets ``on_poll`` write new events; it gives up after ``limit`` polls, so a feed that
    never delivers fails instead of hanging."""

    def __init__(
        self, clock: ManualClock, step: float, limit: int, on_poll: Callable[[], None]
    ) -> None:
        self.clock, self.step, self.limit, self.on_poll = clock, step, limit, on_poll
        self.polls = 0

    async def __call__(self, seconds: float) -> None:
        self.polls += 1
        if self.polls > self.limit:
            raise GaveUp(f"still waiting after {self.limit} polls")
        self.on_poll()
        self.clock.advance(self.step)
        await anyio.lowlevel.checkpoint()


def late_world(publish_delay: float) -> tuple[Emulator, ManualClock, str]:
    clock = ManualClock(start=T0)
    world = generate_enterprise(seed=4, users=20, events=50, changes=5, clock=clock)
    emulator = Emulator(world, publish_delay=publish_delay)
    base_id = next(iter(world.bases))
    emulator.modify_base(base_id, create_tables=[{"name": "T", "fields": [{"name": "Name"}]}])
    clock.advance(3600)  # everything so far is long published
    return emulator, clock, base_id


async def follow_new_events(
    emulator: Emulator, clock: ManualClock, base_id: str, *, lag: float, limit: int = 40
) -> tuple[list[str], list[str]]:
    """Follow from now while 10 events are written, one per poll (each readable only
    after the emulator's publish delay); the IDs delivered and the IDs written."""
    written: list[str] = []

    def write() -> None:
        if len(written) < 10:
            change = emulator.modify_base(base_id, create_records=[{"Name": str(len(written))}])
            written.append(change["id"])

    sleep = WorldSleep(clock, 1.0, limit, write)
    seen: list[str] = []
    async with emulator.api() as api:
        feed = feed_of(
            api, emulator, follow=True, start_time=clock.now, lag=lag, clock=clock, sleep=sleep
        )
        try:
            async for event in feed:
                seen.append(event.id)
                if len(seen) == 10:
                    break
        except GaveUp:
            pass
    return seen, written


def feed_of(api: AsyncApi, emulator: Emulator, **options: Any) -> ChangeEvents:
    path = f"{api.enterprise(emulator.enterprise_id).url}/changeEvents"
    return ChangeEvents(api, path, poll_interval=1, **options)


async def test_follow_delivers_events_that_become_readable_late() -> None:
    emulator, clock, base_id = late_world(publish_delay=2)
    seen, written = await follow_new_events(emulator, clock, base_id, lag=5)
    assert seen == written  # all 10, in order, once


async def test_a_lag_shorter_than_the_publish_delay_is_the_documented_bound() -> None:
    # lag=0 is the walk without a settle lag: every event is read before it is published,
    # and its window is never read again (what happened before the fix: 0 of 10).
    emulator, clock, base_id = late_world(publish_delay=2)
    seen, written = await follow_new_events(emulator, clock, base_id, lag=0)
    assert len(written) == 10
    assert seen == []


async def test_the_default_lag_covers_a_two_second_delay() -> None:
    emulator, clock, base_id = late_world(publish_delay=2)
    seen, written = await follow_new_events(
        emulator, clock, base_id, lag=DEFAULT_LAG.total_seconds(), limit=200
    )
    assert seen == written


async def test_a_walk_ending_inside_the_lag_waits_until_its_end_has_settled() -> None:
    emulator, clock, base_id = late_world(publish_delay=2)
    start = clock.now
    late = [
        emulator.modify_base(base_id, create_records=[{"Name": str(n)}])["id"] for n in range(3)
    ]
    clock.advance(1)  # the three events are not readable yet
    sleep = WorldSleep(clock, 1.0, 20, lambda: None)
    async with emulator.api() as api:
        feed = feed_of(
            api,
            emulator,
            sort_asc=True,
            start_time=start,
            end_time=clock.now,
            lag=3,
            clock=clock,
            sleep=sleep,
        )
        seen = [e.id async for e in feed]
    assert seen == late
    assert sleep.polls >= 1


async def test_an_oldest_first_walk_stops_at_the_horizon_and_its_checkpoint_gets_the_rest() -> None:
    emulator, clock, base_id = late_world(publish_delay=2)
    start = clock.now
    first = emulator.modify_base(base_id, create_records=[{"Name": "old"}])["id"]
    clock.advance(10)
    second = emulator.modify_base(base_id, create_records=[{"Name": "new"}])["id"]
    async with emulator.api() as api:
        enterprise = api.enterprise(emulator.enterprise_id)
        feed = enterprise.change_events(sort_asc=True, start_time=start, lag=5, clock=clock)
        assert [e.id async for e in feed] == [first]  # the second is inside the lag
        clock.advance(10)
        resumed = enterprise.change_events(resume=feed.checkpoint, lag=5, clock=clock)
        assert [e.id async for e in resumed] == [second]


async def test_audit_log_follow_follows_the_server_cursor_and_misses_no_late_event() -> None:
    # The audit log's follow mode polls with the API's streaming `next` cursor (§8.3) and
    # computes no time bound from a client clock, so an ingestion delay only delays events.
    clock = ManualClock(start=T0)
    world = generate_enterprise(seed=4, users=20, events=50, clock=clock)
    emulator = Emulator(world, publish_delay=2)
    written: list[str] = []
    seen: list[str] = []
    clock.advance(3600)

    async def write_while_following() -> None:
        for _ in range(10):
            written.append(emulator.make_event("createBase", timestamp=clock.now)["id"])
            clock.advance(1)
            await anyio.sleep(0.005)
        for _ in range(5):  # publish the last ones
            clock.advance(1)
            await anyio.sleep(0.005)

    async with emulator.api() as api:
        enterprise = api.enterprise(emulator.enterprise_id)
        async with anyio.create_task_group() as tasks:
            feed = enterprise.audit_events(
                sort_asc=True,
                follow=True,
                start_time=clock.now,
                poll_interval=0.001,
                max_poll_interval=0.002,
            )
            tasks.start_soon(write_while_following)
            with anyio.fail_after(30):
                async for event in feed:
                    seen.append(event.id)
                    if len(seen) == 10:
                        break
    assert seen == written


# ------------------------------------------------------- a server that misbehaves


def event(n: int, at: datetime = T0) -> dict[str, Any]:
    return {"id": f"ev{n:05d}", "type": "base_modified", "timestamp": at.isoformat()}


class FakeFeed:
    """A changeEvents endpoint answering ``answer(offset, startTime)``; counts requests."""

    def __init__(self, answer: Callable[[str | None, str | None], dict[str, Any]]) -> None:
        self.answer = answer
        self.requests = 0

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if self.requests > 500:
            return httpx.Response(500, json={"error": "the client is looping"})
        params = request.url.params
        return httpx.Response(200, json=self.answer(params.get("offset"), params.get("startTime")))

    def api(self) -> AsyncApi:
        from airtable_enterprise import RetryPolicy

        return AsyncApi(
            "patTEST.secret",
            transport=httpx.MockTransport(self.handle),
            requests_per_second=1e6,
            retry=RetryPolicy(max_attempts=1),
        )


def changing_offset_same_content(offset: str | None, start: str | None) -> dict[str, Any]:
    page = int(offset[1:]) if offset else 0
    return {"events": [event(1), event(2)], "offset": f"o{page + 1}"}


def stuck_offset(offset: str | None, start: str | None) -> dict[str, Any]:
    return {"events": [event(1), event(2)], "offset": "same"}


def cycling_offset(offset: str | None, start: str | None) -> dict[str, Any]:
    n = {None: 0, "a": 1, "b": 2}[offset]
    return {"events": [event(n * 10 + 1)], "offset": "ab"[n % 2]}


MODES: dict[str, dict[str, Any]] = {
    "newest first": {},
    "oldest first": {
        "sort_asc": True,
        "start_time": T0,
        "end_time": T0 + timedelta(hours=1),
        "clock": lambda: T0 + timedelta(days=1),
    },
}


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("server", [changing_offset_same_content, stuck_offset, cycling_offset])
async def test_an_offset_that_takes_the_walk_nowhere_is_an_error_not_a_loop(
    mode: str, server: Callable[[str | None, str | None], dict[str, Any]]
) -> None:
    fake = FakeFeed(server)
    seen: list[str] = []

    async def consume() -> None:
        async for item in api.enterprise(ENT_A).change_events(**MODES[mode], lag=0):
            seen.append(item.id)

    async with fake.api() as api:
        with pytest.raises(ResponseValidationError, match="offset does not advance"):
            await consume()
    assert fake.requests <= 4
    assert len(seen) == len(set(seen))  # nothing delivered twice


async def test_a_millisecond_with_more_events_than_max_buffer_is_an_error() -> None:
    # Every page holds new events of one millisecond and points to another page.
    def endless(offset: str | None, start: str | None) -> dict[str, Any]:
        page = int(offset[1:]) if offset else 0
        return {"events": [event(page * 2), event(page * 2 + 1)], "offset": f"o{page + 1}"}

    fake = FakeFeed(endless)
    async with fake.api() as api:
        feed = api.enterprise(ENT_A).change_events(
            sort_asc=True,
            start_time=T0,
            end_time=T0 + timedelta(days=1),
            max_buffer=5,
            lag=0,
            clock=lambda: T0 + timedelta(days=2),
        )
        with pytest.raises(ResponseValidationError, match="max_buffer=5"):
            _ = [e async for e in feed]
    # The day was halved down to one millisecond (27 halvings), 3 pages each.
    assert fake.requests <= 3 * 30


# ------------------------------------------------------------------ checkpoints


async def test_a_checkpoint_of_another_enterprise_is_refused_before_any_request() -> None:
    fake = FakeFeed(lambda offset, start: {"events": [event(1)]})
    async with fake.api() as api:
        feed = api.enterprise(ENT_A).change_events(
            sort_asc=True, start_time=T0, lag=0, clock=lambda: T0 + timedelta(hours=1)
        )
        with anyio.fail_after(10):
            _ = [e async for e in feed]
        token = feed.checkpoint
        assert token is not None
        requests = fake.requests
        with pytest.raises(InvalidInputError, match="another enterprise account"):
            api.enterprise(ENT_B).change_events(resume=token)
        assert fake.requests == requests
        api.enterprise(ENT_A).change_events(resume=token)  # its own: accepted


def test_golden_checkpoints_keep_decoding() -> None:
    # Tokens saved before checkpoints were bound to their enterprise (no "q"): accepted.
    legacy = "chg1.eyJ0IjoiMjAyNi0xMS0yMFQxMjowMDowMC4wMDBaIiwiaWQiOiIwMUFCQyJ9"
    assert decode_checkpoint(legacy, None, query_fingerprint("/x", None)) == (T0, "01ABC")
    path = f"/v0/meta/enterpriseAccounts/{ENT_A}/changeEvents"
    assert query_fingerprint(path, None) == "ad8e879baae428e2"
    bound = (
        "chg1.eyJ0IjoiMjAyNi0xMS0yMFQxMjowMDowMC4wMDBaIiwiaWQiOiIwMUFCQyIsInEiOiJhZDhlODc5"
        "YmFhZTQyOGUyIn0"
    )
    assert encode_checkpoint((T0, "01ABC"), None, query_fingerprint(path, None)) == bound
    assert decode_checkpoint(bound, None, query_fingerprint(path, None)) == (T0, "01ABC")


@pytest.mark.parametrize(
    "body",
    [
        {"t": "2026-11-20T12:00:00Z", "id": ""},
        {"t": "2026-11-20T12:00:00Z", "id": 5},
        {"t": "2026-11-20T12:00:00Z", "id": "x", "q": 7},
        {"t": "9999-12-31T23:00:00-05:00", "id": "x"},
        {"t": 5, "id": "x"},
        {"id": "x"},
        ["2026-11-20T12:00:00Z", "x"],
        "text",
    ],
)
def test_forged_checkpoints_are_refused_at_decode(body: object) -> None:
    text = base64.urlsafe_b64encode(json.dumps(body).encode()).decode()
    with pytest.raises(InvalidInputError, match="not a change-events checkpoint"):
        decode_checkpoint("chg1." + text, None)


@pytest.mark.parametrize("lag", [-1, float("nan"), float("inf"), "5", True, timedelta(days=15)])
def test_a_bad_lag_fails_before_any_request(lag: object) -> None:
    fake = FakeFeed(lambda offset, start: {"events": []})
    api = fake.api()
    with pytest.raises(InvalidInputError, match="lag"):
        api.enterprise(ENT_A).change_events(lag=lag)  # type: ignore[arg-type]
    assert fake.requests == 0


# ------------------------------------------------------------- the emulator's delay


async def test_the_emulator_publishes_events_publish_delay_after_their_timestamp() -> None:
    emulator, clock, base_id = late_world(publish_delay=2)
    change = emulator.modify_base(base_id, create_records=[{"Name": "late"}])
    audit = emulator.make_event("createBase", timestamp=clock.now)
    async with emulator.api() as api:
        enterprise = api.enterprise(emulator.enterprise_id)

        async def visible() -> tuple[bool, bool]:
            changes = [e.id async for e in enterprise.change_events()]
            events = [e.id async for e in enterprise.audit_events(start_time=T0)]
            return change["id"] in changes, audit["id"] in events

        assert await visible() == (False, False)
        clock.advance(1.999)
        assert await visible() == (False, False)
        clock.advance(0.001)
        assert await visible() == (True, True)


def test_publish_delay_is_an_emulator_and_serve_option() -> None:
    from click.testing import CliRunner

    from airtable_enterprise.testing import cli

    emulator = cli.emulator_from_options(token="T", users=10, events=0, publish_delay=2.5)
    assert emulator.world.changes.publish_delay == emulator.world.audit.publish_delay == 2.5
    assert cli.emulator_from_options(token="T", users=10, events=0).world.audit.publish_delay == 0
    help_text = CliRunner().invoke(cli.main_group, ["serve", "--help"], terminal_width=200)
    assert "--publish-delay" in help_text.stdout
    for bad in (-1, float("inf"), float("nan")):
        with pytest.raises(ValueError, match="publish_delay"):
            Emulator(generate_enterprise(seed=1, users=5, events=0), publish_delay=bad)


@pytest.mark.parametrize("origin", ["start", "resume"])
async def test_a_start_far_before_the_retention_costs_no_request_per_missing_day(
    origin: str,
) -> None:
    fake = FakeFeed(lambda offset, start: {"events": []})
    ancient = datetime(2001, 1, 1, tzinfo=UTC)
    options: dict[str, Any] = (
        {"start_time": ancient}
        if origin == "start"
        else {"resume": encode_checkpoint((ancient, "ev1"), None, None)}
    )
    async with fake.api() as api:
        feed = api.enterprise(ENT_A).change_events(
            sort_asc=True, lag=0, clock=lambda: T0, **options
        )
        assert [e async for e in feed] == []
    assert fake.requests <= 16  # 15 days of windows, not 9,000
