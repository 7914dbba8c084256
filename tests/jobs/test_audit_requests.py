"""Legacy audit-log requests against the emulator: validation, jobs, files, streaming."""

from __future__ import annotations

import gzip
import json
import tracemalloc
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from airtable_enterprise import (
    AuditLogRequest,
    AuditLogRequestFailedError,
    DownloadError,
    InvalidInputError,
)
from airtable_enterprise._core.convert import converter
from airtable_enterprise.jobs.audit_requests import (
    check_filter,
    check_time_period,
    iter_ndjson_gzip,
)
from airtable_enterprise.testing import Emulator, generate_enterprise
from airtable_enterprise.testing.world.audit import AuditEvent
from airtable_enterprise.testing.world.jobs import period_bounds
from tests.helpers import last_full_month, load_fixture

from .conftest import ManualClock

pytestmark = pytest.mark.anyio

FAST = {"poll": 0.001, "max_poll": 0.001}
TODAY = date(2026, 11, 27)


@pytest.mark.parametrize(
    ("period", "ok"),
    [
        ("2026-11", True),
        ("2026-06", True),  # June overlaps the last 180 days (from 2026-05-31)
        ("2026-05", True),
        ("2026-04", False),
        ("2026-06-01", True),
        ("2026-05-30", False),
        ("2026-11-27", True),
        ("2026-11-28", False),  # the future
        ("2026-12", False),
        ("2026-13", False),
        ("2026-1", False),
        ("202611", False),
        ("2026-02-30", False),
        (date(2026, 11, 1), True),
        (42, False),
    ],
)
def test_time_period_is_a_month_or_day_within_180_days(period: object, ok: bool) -> None:
    if ok:
        assert check_time_period(period, today=TODAY)
    else:
        with pytest.raises(InvalidInputError):
            check_time_period(period, today=TODAY)


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("usrL2PNC5o3H4lBEi", True),
        ("wspL2PNC5o3H4lBEi", True),
        ("appLkNDICXNqxSDhG", True),
        ("tbltp8DGLhqbUmjK1", True),
        ("203.0.113.7", True),
        ("ugpL2PNC5o3H4lBEi", False),
        ("usrShort", False),
        ("2001:db8::1", False),  # IPv4 only
        ("256.1.1.1", False),
        ("", False),
        (None, False),
    ],
)
def test_filter_is_an_id_or_an_ipv4_address(value: object, ok: bool) -> None:
    if ok:
        assert check_filter(value) == value
    else:
        with pytest.raises(InvalidInputError):
            check_filter(value)


@pytest.mark.parametrize(
    "name",
    [
        "GetAuditLogRequest.response.done.json",
        "GetAuditLogRequest.response.error.json",
        "CreateAuditLogRequest.response.json",
    ],
)
def test_the_documented_requests_structure(name: str) -> None:
    request = converter.structure(load_fixture(name), AuditLogRequest)
    assert request.id == "ealLvFqm3oJNxg30m"
    assert request.is_finished == (request.state in ("done", "error"))
    if request.state == "done":
        assert request.data is not None
        assert len(request.data.log_file_urls) == 1
    if request.state == "error":
        assert request.error_message == "error message"


async def test_create_wait_stream_and_download(emulator: Emulator, tmp_path: Path) -> None:
    now = emulator.world.now()
    period = last_full_month(now)
    async with emulator.api() as api:
        enterprise = api.enterprise(emulator.enterprise_id)
        created = await enterprise.create_audit_log_request(period)
        assert created.state == "pending"
        assert created.created_by_user_id == emulator.admin_id
        states: list[str] = []
        done = await enterprise.wait_for_audit_log_request(
            created.id, on_progress=lambda r: states.append(r.state), **FAST
        )
        assert states == ["pending", "processing", "done"]
        assert done.data is not None
        assert len(done.data.log_file_urls) > 1  # 50 events per file in this emulator
        streamed = [e async for e in enterprise.audit_log_request_events(done)]
        paths = await enterprise.download_audit_log_request(done, tmp_path)
        listed = [r.id async for r in enterprise.audit_log_requests()]
        assert listed == [done.id]
        assert (await enterprise.audit_log_request(done.id)).state == "done"
    start, end = (t.timestamp() * 1000 for t in period_bounds(period))
    expected = [e for e in emulator.world.audit if start <= e.timestamp_ms < end]
    assert len(expected) > 100  # a whole month of the 180 days' 2,000 events
    assert [s.raw["id"] for s in streamed] == [e.id for e in expected]  # file order
    assert all(s.event is not None and s.event.id == s.raw["id"] for s in streamed)
    assert [s.file_index for s in streamed] == sorted(s.file_index for s in streamed)
    # The downloaded files hold the same events.
    on_disk = [
        json.loads(line)["id"]
        for path in paths
        for line in gzip.decompress(path.read_bytes()).splitlines()
    ]
    assert on_disk == [s.raw["id"] for s in streamed]
    # Every download path went to the file host, none with the token.
    assert emulator.files.stats.served == 2 * len(paths)
    assert emulator.files.stats.authorization_rejected == 0


async def test_a_filter_narrows_the_files(emulator: Emulator) -> None:
    event = next(e for e in reversed(list(emulator.world.audit)) if e.base_id)
    period = datetime.fromtimestamp(event.timestamp_ms / 1000, UTC).strftime("%Y-%m-%d")
    async with emulator.api() as api:
        enterprise = api.enterprise(emulator.enterprise_id)
        created = await enterprise.create_audit_log_request(period, filter=event.base_id)
        assert created.filter == event.base_id
        done = await enterprise.wait_for_audit_log_request(created, **FAST)
        streamed = [e async for e in enterprise.audit_log_request_events(done)]
    assert event.id in [s.raw["id"] for s in streamed]
    assert all(event.base_id in json.dumps(s.raw) for s in streamed)


async def test_a_failed_request_raises_with_its_error_message(emulator: Emulator) -> None:
    emulator.fail_jobs("Too many events", kind="auditLog")
    async with emulator.api() as api:
        enterprise = api.enterprise(emulator.enterprise_id)
        yesterday = (emulator.world.now() - timedelta(days=1)).date()
        created = await enterprise.create_audit_log_request(yesterday)
        with pytest.raises(AuditLogRequestFailedError, match="Too many events"):
            await enterprise.wait_for_audit_log_request(created, **FAST)


async def test_bad_requests_fail_before_sending(emulator: Emulator) -> None:
    async with emulator.api() as api:
        enterprise = api.enterprise(emulator.enterprise_id)
        with pytest.raises(InvalidInputError):
            await enterprise.create_audit_log_request("2020-01")
        with pytest.raises(InvalidInputError):
            await enterprise.create_audit_log_request(
                last_full_month(emulator.world.now()), filter="not an id"
            )
        with pytest.raises(InvalidInputError):
            _ = [r async for r in enterprise.audit_log_requests(page_size=101)]
    assert emulator.stats.requests == 0


async def test_the_emulator_refuses_a_period_outside_180_days(emulator: Emulator) -> None:
    from airtable_enterprise import UnprocessableEntityError

    async with emulator.api() as api:
        path = f"/v0/meta/enterpriseAccounts/{emulator.enterprise_id}/auditLogs"
        with pytest.raises(UnprocessableEntityError):
            await api.request("POST", path, json={"timePeriod": "2020-01"})


async def test_events_of_a_request_whose_links_expired_are_refused(
    emulator: Emulator, clock: ManualClock
) -> None:
    clock.advance(-2 * 86400)  # the world is two days behind: its links expire in the past
    async with emulator.api() as api:
        enterprise = api.enterprise(emulator.enterprise_id)
        created = await enterprise.create_audit_log_request(emulator.world.now().date())
        done = await enterprise.wait_for_audit_log_request(created, **FAST)
        from airtable_enterprise import DownloadExpiredError

        with pytest.raises(DownloadExpiredError):
            _ = [e async for e in enterprise.audit_log_request_events(done)]
    assert emulator.files.stats.requests == 0


async def chunks_of(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def test_ndjson_lines_survive_any_chunking_and_concatenated_members() -> None:
    lines = [json.dumps({"n": n, "pad": "x" * (n % 7)}).encode() for n in range(300)]
    data = gzip.compress(b"\n".join(lines[:100]) + b"\n") + gzip.compress(
        b"\n".join(lines[100:]) + b"\n"
    )
    for size in (1, 7, 4096, len(data)):
        got = [line async for line in iter_ndjson_gzip(chunks_of(data, size), url="u")]
        assert got == lines


async def test_corrupt_gzip_is_a_download_error() -> None:
    with pytest.raises(DownloadError, match="gzip"):
        _ = [line async for line in iter_ndjson_gzip(chunks_of(b"not gzip at all", 4), url="u")]


async def test_streaming_a_large_multi_file_request_keeps_memory_bounded() -> None:
    """40,000 events of ~1.2 KB (about 50 MB of JSON) in 4 files of ~12 MB each,
    streamed with less than 4 MB allocated at the peak."""
    clock = ManualClock(step=0.5)
    world = generate_enterprise(seed=9, users=10, events=0, clock=clock, changes=0)
    day = (clock.now - timedelta(days=1)).date()
    start_ms = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000)
    admin = next(iter(world.users.values()))
    world.audit.extend(
        AuditEvent(
            key=((start_ms + n * 1000) << 80) | n,
            action="updateBaseName",
            category="base",
            model_id="appAAAAAAAAAAAAAA",
            model_type="base",
            actor_id=admin.id,
            actor_email=admin.email,
            payload={"name": f"Base {n}", "note": "lorem ipsum dolor sit amet " * 36},
        )
        for n in range(40_000)
    )
    emulator = Emulator(world, job_duration=1, audit_events_per_file=10_000)
    async with emulator.api() as api:
        enterprise = api.enterprise(emulator.enterprise_id)
        done = await enterprise.wait_for_audit_log_request(
            await enterprise.create_audit_log_request(day), **FAST
        )
        assert done.data is not None
        assert len(done.data.log_file_urls) == 4
        stored = [emulator.files.files[f] for f in emulator.world.jobs.jobs[done.id].file_ids]
        largest = max(len(gzip.decompress(f.data)) for f in stored)
        total = sum(len(gzip.decompress(f.data)) for f in stored)
        count = 0
        tracemalloc.start()
        try:
            async for item in enterprise.audit_log_request_events(done):
                count += 1
                assert item.event is not None
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    bound = 4 * 1024 * 1024
    assert count == 40_000
    assert total > 10 * bound  # far larger than the bound...
    assert largest > 2 * bound  # ...and so is each file
    assert peak < bound, f"peak {peak / 1e6:.1f} MB while streaming {total / 1e6:.0f} MB"
