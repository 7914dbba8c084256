"""The audit log walk against a cursor-faithful fake of the endpoint (fake.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import anyio
import anyio.lowlevel
import pytest

from airtable_enterprise import AsyncApi, AuditLogPage, Enterprise, UnprocessableEntityError

from .fake import T0, FakeAuditLog, iso, make_event

pytestmark = pytest.mark.anyio


async def collect(pages: Any) -> list[AuditLogPage]:
    return [page async for page in pages]


def ids(pages: list[AuditLogPage]) -> list[str]:
    return [e.id for p in pages for e in p.events]


def reference(fake: FakeAuditLog, *, ascending: bool, **match: Any) -> list[str]:
    found = [e["id"] for e in fake.events if all(m(e) for m in match.values())]
    return found if ascending else found[::-1]


async def test_descending_follows_previous_until_absent(
    enterprise: Enterprise, fake: FakeAuditLog
) -> None:
    pages = await collect(enterprise.audit_log(page_size=10))
    assert len(pages) == 10
    assert ids(pages) == reference(fake, ascending=False)
    assert pages[-1].pagination.previous is None
    assert pages[-1].cursor is None
    assert all(("previous", pages[i].pagination.previous) in fake.requests[i + 1] for i in range(9))


async def test_ascending_streaming_ends_when_caught_up_with_a_cursor_to_poll(
    enterprise: Enterprise, fake: FakeAuditLog
) -> None:
    pages = await collect(enterprise.audit_log(page_size=40, sort_asc=True))
    assert ids(pages) == reference(fake, ascending=True)
    assert pages[-1].events == ()
    assert pages[-1].cursor is not None
    fake.append(make_event(500))
    later = await collect(enterprise.audit_log(sort_asc=True, resume=pages[-1].cursor))
    assert ids(later) == [make_event(500)["id"]]


async def test_bounded_query_pages_through_empty_pages_while_a_cursor_continues(
    enterprise: Enterprise, fake: FakeAuditLog
) -> None:
    fake.scan_limit = 7  # the fake examines 7 events per request: sparse filters -> empty pages
    for sort_asc in (True, False):
        pages = await collect(
            enterprise.audit_log(
                sort_asc=sort_asc,
                page_size=5,
                event_type="deleteBase",
                user_id="usr00000000000003",
                start_time=iso(T0),
                end_time=iso(T0 + timedelta(days=1)),
            )
        )
        assert any(not p.events for p in pages[:-1])
        expected = reference(
            fake,
            ascending=sort_asc,
            t=lambda e: e["action"] == "deleteBase",
            u=lambda e: e["actor"]["user"]["id"] == "usr00000000000003",
        )
        assert expected
        assert ids(pages) == expected


async def test_start_is_inclusive_and_end_exclusive_and_filters_or_within_and_across(
    enterprise: Enterprise, fake: FakeAuditLog
) -> None:
    start, end = fake.events[10]["timestamp"], fake.events[60]["timestamp"]
    pages = await collect(
        enterprise.audit_log(
            sort_asc=True,
            start_time=start,
            end_time=end,
            event_type=["createBase", "loginUser"],
            category="base",
            page_size=1000,
        )
    )
    expected = [e["id"] for e in fake.events[10:60] if e["action"] == "createBase"]
    assert ids(pages) == expected


async def test_page_limit_counts_pages_and_the_cursor_resumes(
    enterprise: Enterprise, fake: FakeAuditLog
) -> None:
    first = await collect(enterprise.audit_log(page_size=10, page_limit=3))
    assert len(first) == 3
    assert len(fake.requests) == 3
    rest = await collect(enterprise.audit_log(page_size=10, resume=first[-1].cursor))
    assert ids(first) + ids(rest) == reference(fake, ascending=False)


async def test_events_iterator_yields_every_event(
    enterprise: Enterprise, fake: FakeAuditLog
) -> None:
    events = [e.id async for e in enterprise.audit_events(page_size=30, sort_asc=True)]
    assert events == reference(fake, ascending=True)
    async with enterprise.audit_events(page_size=30) as stream:
        newest = [e.id async for e in stream]
    assert newest == reference(fake, ascending=False)


async def test_an_api_error_is_raised_as_itself_not_an_exception_group(
    enterprise: Enterprise, fake: FakeAuditLog
) -> None:
    fake.respond = lambda params: __import__("httpx").Response(  # type: ignore[method-assign]
        422, json={"error": {"type": "INVALID_REQUEST_UNKNOWN"}}
    )
    with pytest.raises(UnprocessableEntityError):
        await collect(enterprise.audit_log())
    with pytest.raises(UnprocessableEntityError):
        async with enterprise.audit_log() as pages:
            await collect(pages)
    with pytest.raises(UnprocessableEntityError):
        await collect(enterprise.audit_log(user_id=[f"usr{i:014d}" for i in range(150)]))


# ----------------------------------------------------------------- merging


def many_users(n: int) -> list[str]:
    return [f"usr{i:014d}" for i in range(n)]


async def test_filters_over_100_values_merge_in_order_each_event_once() -> None:
    workspace = "wspBBBBBBBBBBBBBB"
    events = [
        make_event(i, user=f"usr{i % 230:014d}", model=f"app{i % 150:014d}", workspace=workspace)
        for i in range(600)
    ]
    # Same-timestamp events: order falls back to the id.
    events += [make_event(1000 + i, at=T0 + timedelta(seconds=42)) for i in range(5)]
    fake = FakeAuditLog(events)
    # 150 base IDs + the workspace they all live in: every event matches two chunks.
    models = [*(f"app{i:014d}" for i in range(150)), workspace]
    async with AsyncApi("patX", transport=fake.transport, requests_per_second=1e6) as api:
        enterprise = api.enterprise("entUBq2RGdihxl3vU")
        for sort_asc in (True, False):
            fake.requests.clear()
            pages = await collect(
                enterprise.audit_log(sort_asc=sort_asc, page_size=37, model_id=models)
            )
            assert ids(pages) == reference(fake, ascending=sort_asc)
            assert max(sum(k == "modelId" for k, _ in r) for r in fake.requests) == 100
            keys = [(e.timestamp, e.id) for p in pages for e in p.events]
            assert keys == sorted(keys, reverse=not sort_asc)
            # and with read-ahead
            async with enterprise.audit_log(
                sort_asc=sort_asc, page_size=37, model_id=models, read_ahead=2
            ) as stream:
                assert ids(await collect(stream)) == reference(fake, ascending=sort_asc)


async def test_chunked_users_and_types_use_the_cross_product(
    enterprise: Enterprise, fake: FakeAuditLog
) -> None:
    users = many_users(150)
    pages = await collect(
        enterprise.audit_log(
            sort_asc=True,
            user_id=users,
            event_type=["createBase", "loginUser", *(f"t{i}" for i in range(120))],
        )
    )
    expected = reference(
        fake, ascending=True, t=lambda e: e["action"] in ("createBase", "loginUser")
    )
    assert ids(pages) == expected
    filters = {
        frozenset(p for p in r if p[0] in ("originatingUserId", "eventType")) for r in fake.requests
    }
    assert len(filters) == 2 * 2


async def test_parallel_backfill_equals_the_sequential_walk(
    enterprise: Enterprise, fake: FakeAuditLog
) -> None:
    window = {
        "start_time": iso(T0 + timedelta(seconds=3)),
        "end_time": iso(T0 + timedelta(seconds=90)),
    }
    for sort_asc in (True, False):
        sequential = await collect(enterprise.audit_log(sort_asc=sort_asc, page_size=7, **window))
        parallel = await collect(
            enterprise.audit_log(sort_asc=sort_asc, page_size=7, parallel=4, **window)
        )
        assert ids(parallel) == ids(sequential)
        assert len(ids(sequential)) == 87
        async with enterprise.audit_log(
            sort_asc=sort_asc, page_size=7, parallel=4, **window
        ) as pages:
            assert ids(await collect(pages)) == ids(sequential)
    assert fake.max_in_flight >= 2


# ------------------------------------------------------ read-ahead and exits


async def test_read_ahead_is_bounded(enterprise: Enterprise, fake: FakeAuditLog) -> None:
    for read_ahead in (1, 3):
        fake.requests.clear()
        async with enterprise.audit_log(page_size=5, read_ahead=read_ahead) as pages:
            await pages.__anext__()
            for _ in range(20):
                await anyio.sleep(0.001)  # let the producer run as far as it may
            # one page delivered, read_ahead fetched ahead, nothing more
            assert len(fake.requests) == 1 + read_ahead


async def test_leaving_the_block_cancels_the_request_in_flight(
    enterprise: Enterprise, fake: FakeAuditLog
) -> None:
    async with enterprise.audit_log(page_size=5) as pages:
        async for _ in pages:
            fake.gate = anyio.Event()  # the next request now blocks inside the fake
            while fake.in_flight == 0:
                await anyio.lowlevel.checkpoint()
            break
    assert fake.in_flight == 0
    assert fake.cancelled == 1


async def test_an_exception_in_the_loop_cancels_every_chain(
    enterprise: Enterprise, fake: FakeAuditLog
) -> None:
    window = {"start_time": iso(T0), "end_time": iso(T0 + timedelta(seconds=95))}
    fake.gate = anyio.Event()  # every chain's first request blocks inside the fake

    async def fail_while_four_requests_are_in_flight() -> None:
        async with enterprise.audit_log(page_size=5, parallel=4, **window):
            while fake.in_flight < 4:
                await anyio.lowlevel.checkpoint()
            raise KeyError("stop")

    with pytest.raises(KeyError):
        await fail_while_four_requests_are_in_flight()
    assert fake.in_flight == 0
    assert fake.cancelled == 4


async def test_cancelling_the_caller_cancels_a_bare_iteration(
    enterprise: Enterprise, fake: FakeAuditLog
) -> None:
    fake.gate = anyio.Event()

    async def cancel_when_all_wait(scope: anyio.CancelScope) -> None:
        while fake.in_flight < 3:  # noqa: ASYNC110 (a counter, no event to wait on)
            await anyio.sleep(0.001)
        scope.cancel()

    async with anyio.create_task_group() as tg:
        with anyio.CancelScope() as scope:
            tg.start_soon(cancel_when_all_wait, scope)
            await collect(enterprise.audit_log(user_id=many_users(300)))
    assert fake.in_flight == 0
    assert fake.cancelled == 3


async def test_a_bare_break_leaves_nothing_running(
    enterprise: Enterprise, fake: FakeAuditLog
) -> None:
    async for _ in enterprise.audit_log(page_size=5, user_id=many_users(150)):
        break
    requests = len(fake.requests)
    await anyio.sleep(0.01)
    assert fake.in_flight == 0
    assert len(fake.requests) == requests == 2


# ------------------------------------------------------------------- follow


async def test_follow_picks_up_events_appended_later_until_the_caller_breaks(
    enterprise: Enterprise, fake: FakeAuditLog
) -> None:
    seen: list[str] = []
    async with enterprise.audit_events(
        sort_asc=True, page_size=50, follow=True, poll_interval=0.001, max_poll_interval=0.004
    ) as events:
        async for event in events:
            seen.append(event.id)
            if len(seen) == 95:
                fake.append(make_event(200), make_event(201))
            if len(seen) == 97:
                break
    assert seen == reference(fake, ascending=True)
    assert fake.in_flight == 0


async def test_follow_with_chunked_filters_delivers_new_events_once(
    enterprise: Enterprise, fake: FakeAuditLog
) -> None:
    seen: list[str] = []
    stream = enterprise.audit_events(
        sort_asc=True, follow=True, poll_interval=0.001, user_id=many_users(120), page_size=1000
    )
    async for event in stream:
        seen.append(event.id)
        if len(seen) == 95:
            fake.append(make_event(300, user="usr00000000000110"))
        if len(seen) == 96:
            break
    assert seen == reference(fake, ascending=True)


# --------------------------------------------------------- checkpoint/resume


class Crash(Exception):
    pass


async def run_with_checkpoints(
    enterprise: Enterprise, options: dict[str, Any], crash_at: int | None
) -> tuple[list[str], str | None]:
    """The audit-log guide's pattern: process a page, then save page.cursor."""
    processed: list[str] = []
    saved: str | None = None
    while True:
        try:
            async with enterprise.audit_log(**options, resume=saved) as pages:
                async for page in pages:
                    for event in page.events:
                        if crash_at is not None and len(processed) == crash_at:
                            crash_at = None
                            raise Crash
                        processed.append(event.id)
                    saved = page.cursor
            return processed, saved
        except Crash:
            continue  # restart the job from the saved checkpoint


@pytest.mark.parametrize(
    "options",
    [
        {"sort_asc": True, "page_size": 10},
        {"sort_asc": False, "page_size": 10},
        {"sort_asc": True, "page_size": 9, "user_id": many_users(150)},
        {
            "sort_asc": False,
            "page_size": 9,
            "model_id": [f"app{i:014d}" for i in range(5)]
            + ["wspAAAAAAAAAAAAAA"]
            + [f"app{i:014d}" for i in range(5, 120)],
        },
        {
            "sort_asc": True,
            "page_size": 6,
            "parallel": 3,
            "start_time": iso(T0),
            "end_time": iso(T0 + timedelta(days=1)),
        },
    ],
)
async def test_resuming_from_the_saved_cursor_after_a_crash_loses_no_event(
    enterprise: Enterprise, fake: FakeAuditLog, options: dict[str, Any]
) -> None:
    uninterrupted, _ = await run_with_checkpoints(enterprise, options, crash_at=None)
    resumed, _ = await run_with_checkpoints(enterprise, options, crash_at=43)
    assert uninterrupted == reference(fake, ascending=options["sort_asc"])
    # at-least-once: the crashed page is processed again, nothing is lost or reordered
    assert list(dict.fromkeys(resumed)) == uninterrupted
    assert len(resumed) - len(uninterrupted) < options["page_size"]
