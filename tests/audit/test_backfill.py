"""The parallel backfill (``parallel=N``): a work queue of time ranges (_backfill.py).

Checked against the cursor-faithful fake (fake.py) and, once, the emulator: same
events as the sequential walk in both orders (splits forced by tiny pages and by
many events sharing a millisecond), bounded buffers, real overlap of requests,
cancellation, errors, and exactly-once resume.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import anyio
import anyio.lowlevel
import httpx
import pytest

from airtable_enterprise import AsyncApi, AuditLogPage, Enterprise, UnprocessableEntityError
from airtable_enterprise.audit.backfill import CAPACITY_FACTOR, DEPTH
from airtable_enterprise.errors import InvalidInputError
from airtable_enterprise.testing import Emulator, generate_enterprise

from .fake import T0, FakeAuditLog, iso, make_event

pytestmark = pytest.mark.anyio

WINDOW = {"start_time": iso(T0), "end_time": iso(T0 + timedelta(days=1))}


async def collect(pages: Any) -> list[AuditLogPage]:
    return [page async for page in pages]


def ids(pages: list[AuditLogPage]) -> list[str]:
    return [e.id for p in pages for e in p.events]


def clustered_events(count: int) -> list[dict[str, Any]]:
    """One event a second, plus bursts of 12 events in one millisecond every 37
    seconds and one burst of 40: page and split boundaries land inside them."""
    events = [make_event(i) for i in range(count)]
    index = count
    for second in range(5, count, 37):
        for _ in range(40 if second == 5 else 12):
            events.append(make_event(index, at=T0 + timedelta(seconds=second, milliseconds=500)))
            index += 1
    return events


@pytest.fixture
def clustered() -> FakeAuditLog:
    return FakeAuditLog(clustered_events(400))


@pytest.fixture
async def api(clustered: FakeAuditLog) -> Any:
    async with AsyncApi(
        "patTEST.secret", transport=clustered.transport, requests_per_second=1e6
    ) as api:
        yield api


def enterprise_of(api: AsyncApi) -> Enterprise:
    return api.enterprise("entUBq2RGdihxl3vU")


def windows_requested(fake: FakeAuditLog) -> set[tuple[str, str]]:
    return {(dict(r)["startTime"], dict(r)["endTime"]) for r in fake.requests}


@pytest.mark.parametrize("sort_asc", [True, False])
@pytest.mark.parametrize("parallel", [2, 4, 7])
async def test_equals_the_sequential_walk_with_splits_at_shared_timestamps(
    api: AsyncApi, clustered: FakeAuditLog, sort_asc: bool, parallel: int
) -> None:
    enterprise = enterprise_of(api)
    window = {"start_time": iso(T0), "end_time": iso(T0 + timedelta(seconds=390))}
    sequential = ids(await collect(enterprise.audit_log(sort_asc=sort_asc, page_size=5, **window)))
    assert len(sequential) == len(set(sequential)) > 400
    clustered.requests.clear()
    async with enterprise.audit_log(
        sort_asc=sort_asc, page_size=5, parallel=parallel, **window
    ) as pages:
        delivered = await collect(pages)
    assert ids(delivered) == sequential
    assert all(page.events for page in delivered)
    assert delivered[-1].cursor is None
    # ranges were split (and stolen from) far beyond the initial cut
    assert len(windows_requested(clustered)) > parallel * 3
    assert clustered.max_in_flight <= parallel


async def test_a_millisecond_holding_more_than_the_buffer_is_walked_whole(
    clustered: FakeAuditLog,
) -> None:
    # 300 events in one millisecond: 60 pages of 5 that no split can separate.
    burst = T0 + timedelta(seconds=100, milliseconds=1)
    fake = FakeAuditLog(
        [*clustered_events(200), *(make_event(1000 + i, at=burst) for i in range(300))]
    )
    window = {"start_time": iso(T0), "end_time": iso(T0 + timedelta(seconds=200))}
    async with AsyncApi("patX", transport=fake.transport, requests_per_second=1e6) as api:
        enterprise = enterprise_of(api)
        for sort_asc in (True, False):
            sequential = ids(
                await collect(enterprise.audit_log(sort_asc=sort_asc, page_size=5, **window))
            )
            async with enterprise.audit_log(
                sort_asc=sort_asc, page_size=5, parallel=4, **window
            ) as pages:
                assert ids(await collect(pages)) == sequential


async def test_bare_iteration_walks_the_ranges_one_request_at_a_time(
    api: AsyncApi, clustered: FakeAuditLog
) -> None:
    enterprise = enterprise_of(api)
    for sort_asc in (True, False):
        sequential = ids(
            await collect(enterprise.audit_log(sort_asc=sort_asc, page_size=9, **WINDOW))
        )
        clustered.max_in_flight = 0
        bare = await collect(
            enterprise.audit_log(sort_asc=sort_asc, page_size=9, parallel=4, **WINDOW)
        )
        assert ids(bare) == sequential
        assert clustered.max_in_flight == 1


async def test_events_iterator_with_async_with(api: AsyncApi, clustered: FakeAuditLog) -> None:
    enterprise = enterprise_of(api)
    expected = [e["id"] for e in clustered.events]
    async with enterprise.audit_events(sort_asc=True, page_size=8, parallel=3, **WINDOW) as events:
        assert [e.id async for e in events] == expected


async def test_filters_apply_to_every_range(api: AsyncApi, clustered: FakeAuditLog) -> None:
    enterprise = enterprise_of(api)
    users = [f"usr{i:014d}" for i in (1, 3)]
    expected = [e["id"] for e in clustered.events if e["actor"]["user"]["id"] in users][::-1]
    async with enterprise.audit_log(page_size=4, parallel=4, user_id=users, **WINDOW) as pages:
        assert ids(await collect(pages)) == expected


# ------------------------------------------------- memory, overlap, exits


@pytest.mark.parametrize("events", [400, 2000])
async def test_buffers_stay_bounded_however_long_the_window(events: int) -> None:
    fake = FakeAuditLog(clustered_events(events))
    served = 0
    respond = fake.respond

    def counted(params: list[tuple[str, str]]) -> httpx.Response:
        nonlocal served
        response = respond(params)
        served += len(response.json()["events"])
        return response

    fake.respond = counted  # type: ignore[method-assign]
    parallel, page_size = 4, 5
    capacity = CAPACITY_FACTOR * DEPTH * parallel
    window = {"start_time": iso(T0), "end_time": iso(T0 + timedelta(seconds=events))}
    async with AsyncApi("patX", transport=fake.transport, requests_per_second=1e6) as api:
        pages = enterprise_of(api).audit_log(
            sort_asc=True, page_size=page_size, parallel=parallel, **window
        )
        async with pages:
            delivered = [await pages.__anext__()]
            for _ in range(200):  # the caller stalls: let the workers run as far as they may
                await anyio.lowlevel.checkpoint()
            held = served - len(delivered[0].events)
            # buffered pages + the current range's read-ahead, a few events trimmed at
            # split boundaries aside
            assert held <= (capacity + DEPTH) * page_size + 2 * parallel
            assert pages._backfill is not None
            assert pages._backfill.peak_reserved <= capacity + DEPTH
            delivered += await collect(pages)
        assert ids(delivered) == [e["id"] for e in fake.events]
        assert pages._backfill.peak_reserved <= capacity + DEPTH


async def test_workers_overlap_while_the_caller_waits_for_the_first_range(
    api: AsyncApi, clustered: FakeAuditLog
) -> None:
    clustered.gate = anyio.Event()  # every request blocks inside the fake
    async with enterprise_of(api).audit_log(
        sort_asc=True, page_size=5, parallel=4, **WINDOW
    ) as pages:
        with anyio.fail_after(5):
            while clustered.in_flight < 4:
                await anyio.lowlevel.checkpoint()
        assert pages._pages == 0  # nothing delivered yet: all four are in flight at once
        clustered.gate.set()
        clustered.gate = None
        assert ids(await collect(pages)) == [e["id"] for e in clustered.events]
    assert clustered.max_in_flight == 4


async def test_break_cancels_every_request_in_flight(
    api: AsyncApi, clustered: FakeAuditLog
) -> None:
    async with enterprise_of(api).audit_log(
        sort_asc=False, page_size=5, parallel=4, **WINDOW
    ) as pages:
        async for _ in pages:
            clustered.gate = anyio.Event()  # requests from now on block inside the fake
            with anyio.fail_after(5):
                while clustered.in_flight < 1:
                    await anyio.lowlevel.checkpoint()
            stuck = clustered.in_flight
            break
    assert clustered.in_flight == 0
    assert clustered.cancelled == stuck


async def test_a_worker_error_reaches_the_caller_as_itself(
    api: AsyncApi, clustered: FakeAuditLog
) -> None:
    respond = clustered.respond

    def fail_third(params: list[tuple[str, str]]) -> httpx.Response:
        if len(clustered.requests) == 2:
            clustered.requests.append(params)
            return httpx.Response(422, json={"error": {"type": "INVALID_REQUEST_UNKNOWN"}})
        return respond(params)

    clustered.respond = fail_third  # type: ignore[method-assign]
    with pytest.raises(UnprocessableEntityError):
        async with enterprise_of(api).audit_log(page_size=5, parallel=4, **WINDOW) as pages:
            await collect(pages)
    assert clustered.in_flight == 0


# ------------------------------------------------------- checkpoint/resume


class Crash(Exception):
    pass


async def run_with_checkpoints(
    enterprise: Enterprise, options: dict[str, Any], crash_at: list[int]
) -> list[str]:
    """The audit-log guide's pattern: process a page, then save page.cursor; crash and restart."""
    processed: list[str] = []
    saved: str | None = None
    crashes = list(crash_at)
    while True:
        try:
            async with enterprise.audit_log(**options, resume=saved) as pages:
                async for page in pages:
                    for event in page.events:
                        if crashes and len(processed) == crashes[0]:
                            crashes.pop(0)
                            raise Crash
                        processed.append(event.id)
                    saved = page.cursor
            return processed
        except Crash:
            continue  # restart the job from the saved checkpoint


@pytest.mark.parametrize("sort_asc", [True, False])
async def test_resume_after_a_crash_delivers_every_event_exactly_once(
    api: AsyncApi, clustered: FakeAuditLog, sort_asc: bool
) -> None:
    enterprise = enterprise_of(api)
    options = {"sort_asc": sort_asc, "page_size": 7, "parallel": 4, **WINDOW}
    expected = [e["id"] for e in clustered.events][:: 1 if sort_asc else -1]
    # Page by page: take some pages, stop, resume from the last page's cursor.
    delivered: list[str] = []
    saved: str | None = None
    while True:
        async with enterprise.audit_log(**options, page_limit=9, resume=saved) as pages:
            batch = await collect(pages)
        delivered += ids(batch)
        if not batch or batch[-1].cursor is None:
            break
        saved = batch[-1].cursor
    assert delivered == expected
    # Crashing mid-page (inside a burst of same-millisecond events too): the crashed
    # page comes again from its start, every other event exactly once.
    burst_start = next(i for i, e in enumerate(expected) if e == clustered.events[5]["id"])
    resumed = await run_with_checkpoints(enterprise, options, crash_at=[3, burst_start + 2, 300])
    assert list(dict.fromkeys(resumed)) == expected
    assert len(resumed) - len(expected) < 3 * 7  # at most the three crashed pages again


async def test_a_checkpoint_only_resumes_its_own_window(api: AsyncApi) -> None:
    enterprise = enterprise_of(api)
    async with enterprise.audit_log(page_size=7, parallel=4, page_limit=1, **WINDOW) as pages:
        (page,) = await collect(pages)
    assert page.cursor is not None
    with pytest.raises(InvalidInputError, match="different query"):
        enterprise.audit_log(
            page_size=7,
            parallel=4,
            resume=page.cursor,
            start_time=iso(T0),
            end_time=iso(T0 + timedelta(days=2)),
        )
    with pytest.raises(InvalidInputError, match="parallel backfill checkpoint"):
        enterprise.audit_log(page_size=7, resume=page.cursor, **WINDOW)


# ------------------------------------------------------------- the emulator


async def test_against_the_emulator_parallel_equals_sequential() -> None:
    emulator = Emulator(generate_enterprise(seed=1, users=50, events=20_000))
    now = emulator.world.now()
    window = {"start_time": now - timedelta(days=181), "end_time": now + timedelta(seconds=1)}
    async with emulator.api() as api:
        enterprise = api.enterprise(emulator.enterprise_id)
        for sort_asc in (True, False):
            sequential = ids(
                await collect(enterprise.audit_log(sort_asc=sort_asc, page_size=1000, **window))
            )
            assert len(sequential) == 20_000
            async with enterprise.audit_log(
                sort_asc=sort_asc, page_size=1000, parallel=8, **window
            ) as pages:
                assert ids(await collect(pages)) == sequential
