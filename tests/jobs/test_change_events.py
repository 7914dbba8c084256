"""Change events: models, paging, the emulator's recording, follow and exactly-once resume."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import anyio
import pytest

from airtable_enterprise import (
    ChangeEvent,
    ChangeEventsNotEnabledError,
    InvalidInputError,
    PermissionDeniedError,
)
from airtable_enterprise._core.convert import converter
from airtable_enterprise.models.changes import ChangeEventsResponse
from airtable_enterprise.resources.change_events import (
    DEFAULT_LAG,
    decode_checkpoint,
    encode_checkpoint,
)
from airtable_enterprise.testing import Emulator, generate_enterprise
from tests.helpers import load_fixture

from .conftest import ManualClock

pytestmark = pytest.mark.anyio


def test_the_documented_payload_is_typed_and_keeps_unknown_keys() -> None:
    data = load_fixture("ChangeEvents.response.partial.json")
    data["events"][0]["payload"]["data"]["someNewKey"] = {"x": 1}
    [event] = converter.structure(data, ChangeEventsResponse).events
    assert event.time == datetime(2022, 2, 1, 21, 25, 5, 663000, tzinfo=UTC)
    assert event.base_id == "appLkNDICXNqxSDhG"
    assert event.actor is not None
    assert event.actor.user is not None
    assert event.actor.user.email == "foo@bar.com"
    table = event.data.changed_tables_by_id["tbltp8DGLhqbUmjK1"]
    assert table.changed_fields_by_id["fldoi0c3GaRQJ3xnI"].previous == {"name": "previous name"}
    assert table.changed_metadata is not None
    assert table.changed_metadata.current["name"] == "table name"
    record = table.changed_records_by_id["rec560UJdUtocSouk"]
    assert record.previous is not None
    assert record.previous.cell_values_by_field_id["fldoi0c3GaRQJ3xnI"] == "Hello world"
    comments = table.changed_records_metadata_by_id["rec560UJdUtocSouk"]
    assert comments.destroyed_comment_ids == ("comB5z37Mg9zaEPw6",)
    assert table.created_fields_by_id["fldoi0c3GaRQJ3xnI"]["type"] == "number"
    created = table.created_records_by_id["rec560UJdUtocSouk"]
    assert created.created_time is not None
    assert table.destroyed_field_ids == ("fldoi0c3GaRQJ3xnI",)
    assert table.destroyed_record_ids == ()  # absent: empty
    assert event.data.raw["someNewKey"] == {"x": 1}


def test_null_containers_read_as_empty_and_wrong_types_fail() -> None:
    event = converter.structure(
        {"id": "e1", "payload": {"data": {"changedTablesById": None, "destroyedTableIds": None}}},
        ChangeEvent,
    )
    assert event.data.changed_tables_by_id == {}
    assert event.data.destroyed_table_ids == ()
    assert event.data.raw["changedTablesById"] is None
    with pytest.raises(Exception):  # noqa: B017 - cattrs' own error type
        converter.structure({"id": "e1", "eventTimestamp": 12}, ChangeEvent)


def test_a_checkpoint_round_trips_and_is_bound_to_its_end_time() -> None:
    key = (datetime(2026, 11, 20, 12, 0, tzinfo=UTC), "01ABC")
    token = encode_checkpoint(key, None)
    assert decode_checkpoint(token, None) == key
    with pytest.raises(InvalidInputError, match="another end_time"):
        decode_checkpoint(token, datetime(2026, 11, 21, tzinfo=UTC))
    with pytest.raises(InvalidInputError):
        decode_checkpoint("merged:garbage", None)


async def test_creating_a_base_through_the_api_records_its_tables(emulator: Emulator) -> None:
    async with emulator.api() as api:
        enterprise = api.enterprise(emulator.enterprise_id)
        workspace = await enterprise.create_workspace("Launches")  # its creator may add bases
        base = await workspace.create_base(
            "Launch plan",
            [{"name": "Tasks", "fields": [{"name": "Name", "type": "singleLineText"}]}],
        )
        enterprise = api.enterprise(emulator.enterprise_id)
        newest = await anext(aiter(enterprise.change_events()))
    assert newest.base_id == base.id
    assert newest.type == "base_modified"
    [(table_id, table)] = newest.data.created_tables_by_id.items()
    assert table_id == base.tables[0]["id"]
    assert table.metadata["name"] == "Tasks"
    assert [f["name"] for f in table.fields_by_id.values()] == ["Name"]
    assert newest.actor is not None
    assert newest.actor.user is not None
    assert newest.actor.user.id == emulator.admin_id


async def test_modify_base_records_previous_values(emulator: Emulator) -> None:
    base_id = next(iter(emulator.world.bases))
    emulator.modify_base(base_id, create_tables=[{"name": "T", "fields": [{"name": "Name"}]}])
    created = emulator.modify_base(base_id, create_records=[{"Name": "first"}])
    [(table_id, changes)] = created["payload"]["data"]["changedTablesById"].items()
    [record_id] = changes["createdRecordsById"]
    emulator.modify_base(base_id, update_records={record_id: {"Name": "second"}})
    async with emulator.api() as api:
        newest = await anext(aiter(api.enterprise(emulator.enterprise_id).change_events()))
    record = newest.data.changed_tables_by_id[table_id].changed_records_by_id[record_id]
    assert record.current is not None
    assert record.previous is not None
    [field_id] = record.current.cell_values_by_field_id
    assert record.current.cell_values_by_field_id[field_id] == "second"
    assert record.previous.cell_values_by_field_id[field_id] == "first"


async def test_newest_first_paging_with_string_offsets_and_time_bounds(
    emulator: Emulator,
) -> None:
    stored = [
        emulator.world.changes.render(emulator.world, c) for c in emulator.world.changes.events
    ]
    assert len(stored) > 150  # the generator's 14-day history
    async with emulator.api() as api:
        enterprise = api.enterprise(emulator.enterprise_id)
        walked = [e.id async for e in enterprise.change_events(page_size=7)]
        assert walked == [s["id"] for s in reversed(stored)]
        middle = datetime.fromisoformat(stored[len(stored) // 2]["timestamp"])
        older = [e.id async for e in enterprise.change_events(end_time=middle)]
        newer = [e.id async for e in enterprise.change_events(start_time=middle)]
    assert sorted(older + newer) == sorted(walked)
    assert not set(older) & set(newer)


async def test_ascending_walk_with_a_checkpoint_resumes_at_the_next_event(
    emulator: Emulator, clock: ManualClock
) -> None:
    # Several events share one millisecond: the resume key is (time, id), not time.
    base_id = next(iter(emulator.world.bases))
    emulator.modify_base(base_id, create_tables=[{"name": "T", "fields": [{"name": "Name"}]}])
    moment = clock.now - timedelta(hours=1)
    for n in range(5):
        emulator.modify_base(base_id, create_records=[{"Name": str(n)}], moment=moment)
    everything = sorted(
        (c.key, emulator.world.changes.render(emulator.world, c)["id"])
        for c in emulator.world.changes.events
    )
    clock.advance(DEFAULT_LAG.total_seconds())  # every event is older than the settle lag
    async with emulator.api() as api:
        enterprise = api.enterprise(emulator.enterprise_id)
        # The walk ends at "now": the world's (test) clock, not the real one.
        first = enterprise.change_events(sort_asc=True, max_buffer=20, clock=clock)
        taken: list[str] = []
        async for event in first:
            taken.append(event.id)
            if len(taken) == len(everything) - 3:  # stop inside the same-millisecond run
                break
        token = first.checkpoint
        assert token is not None
        rest = [e.id async for e in enterprise.change_events(resume=token, clock=clock)]
    assert taken + rest == [ident for _, ident in everything]


async def test_follow_delivers_new_events_exactly_once_across_a_restart() -> None:
    emulator = Emulator(generate_enterprise(seed=4, users=20, events=50, changes=20))
    base_id = next(iter(emulator.world.bases))
    emulator.modify_base(base_id, create_tables=[{"name": "T", "fields": [{"name": "Name"}]}])
    expected = len(emulator.world.changes) + 6
    seen: list[str] = []

    async def follow(resume: str | None, stop_after: int) -> str | None:
        # No publish delay here, and the writer runs after the feed read "now": no lag
        # needed (tests/jobs/test_change_events_late.py covers late events).
        feed = enterprise.change_events(follow=True, resume=resume, poll_interval=0.01, lag=0)
        async for event in feed:
            seen.append(event.id)
            if len(seen) == stop_after:
                break
        return feed.checkpoint

    async with emulator.api() as api:
        enterprise = api.enterprise(emulator.enterprise_id)

        async def write_later() -> None:
            for n in range(6):
                await anyio.sleep(0.01)
                emulator.modify_base(base_id, create_records=[{"Name": f"live {n}"}])

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(write_later)
            with anyio.fail_after(30):
                token = await follow(None, expected - 3)
                await follow(token, expected)
    assert len(seen) == len(set(seen)) == expected
    stored = sorted(emulator.world.changes.events, key=lambda c: c.key)
    assert seen == [emulator.world.changes.render(emulator.world, c)["id"] for c in stored]


async def test_a_feed_that_is_not_enabled_says_what_to_do() -> None:
    emulator = Emulator(generate_enterprise(seed=4, users=20, events=10), change_events=False)
    async with emulator.api() as api:
        with pytest.raises(ChangeEventsNotEnabledError) as caught:
            _ = [e async for e in api.enterprise(emulator.enterprise_id).change_events()]
    assert isinstance(caught.value, PermissionDeniedError)
    assert caught.value.status_code == 403
    assert "admin panel" in str(caught.value)


async def test_events_are_kept_fourteen_days_of_emulated_time(
    emulator: Emulator, clock: ManualClock
) -> None:
    async with emulator.api() as api:
        enterprise = api.enterprise(emulator.enterprise_id)
        before = [e async for e in enterprise.change_events()]
        assert before
        clock.advance(timedelta(days=15).total_seconds())
        after = [e async for e in enterprise.change_events()]
    assert after == []


async def test_bad_arguments_fail_before_any_request(emulator: Emulator) -> None:
    async with emulator.api() as api:
        enterprise = api.enterprise(emulator.enterprise_id)
        for options in (
            {"page_size": 101},
            {"page_size": 0},
            {"follow": True, "end_time": "2026-11-01"},
            {"start_time": "2026-11-02", "end_time": "2026-11-01"},
            {"resume": "not a token"},
            {"poll_interval": 0},
        ):
            with pytest.raises(InvalidInputError):
                enterprise.change_events(**options)
    assert emulator.stats.requests == 0
