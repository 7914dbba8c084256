"""The argument checks and the request plan: pure, no I/O."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from airtable_enterprise import AuditLogEvent, AuditLogResponse, InvalidInputError
from airtable_enterprise._core.convert import converter
from airtable_enterprise.audit.checkpoint import encode_chains
from airtable_enterprise.audit.log import (
    Step,
    build_query,
    next_step,
    to_wire_time,
)
from airtable_enterprise.models.audit import AuditLogPagination

from .fake import make_event

USERS = [f"usr{i:014d}" for i in range(250)]


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"page_size": 0}, "page_size"),
        ({"page_size": 1001}, "page_size"),
        ({"page_size": True}, "page_size"),
        ({"page_size": "10"}, "page_size"),
        ({"page_limit": 0}, "page_limit"),
        ({"start_time": "2026-02-01", "end_time": "2026-02-01"}, "start_time"),
        ({"start_time": "2026-02-02T00:00Z", "end_time": "2026-02-01T00:00Z"}, "start_time"),
        ({"start_time": "last tuesday"}, "start_time"),
        ({"end_time": "2026-13-01"}, "end_time"),
        ({"end_time": 1700000000}, "end_time"),
        ({"sort_asc": "yes"}, "sort_asc"),
        ({"user_id": "someone@example.com"}, "user_id"),
        ({"user_id": []}, "user_id"),
        ({"event_type": [""]}, "event_type"),
        ({"model_id": [None]}, "model_id"),
        ({"category": 5}, "category"),
        ({"follow": True}, "follow"),
        ({"follow": True, "sort_asc": True, "end_time": "2026-01-01"}, "follow"),
        ({"poll_interval": 0}, "poll_interval"),
        ({"poll_interval": 10, "max_poll_interval": 5}, "max_poll_interval"),
        ({"parallel": 4, "start_time": "2026-01-01"}, "parallel"),
        ({"parallel": 0}, "parallel"),
        ({"read_ahead": 0}, "read_ahead"),
        ({"previous": "a", "next": "b"}, "next"),
        ({"next": ""}, "next"),
        ({"user_id": USERS, "next": "abc"}, "next"),
        ({"user_id": USERS, "resume": "abc"}, "resume"),
        ({"resume": "merged:!!!"}, "resume"),
        ({"resume": encode_chains([None, None], None, "")}, "resume"),
        (
            {"user_id": USERS * 1, "event_type": [f"t{i}" for i in range(2200)]},
            "user_id/event_type/model_id",
        ),
    ],
)
def test_bad_arguments_raise_a_value_error_naming_the_argument(
    kwargs: dict[str, Any], argument: str
) -> None:
    with pytest.raises(InvalidInputError) as info:
        build_query(**kwargs)
    assert isinstance(info.value, ValueError)
    assert info.value.argument == argument


def test_page_size_bounds_are_1_and_1000() -> None:
    assert ("pageSize", "1000") in build_query(page_size=1000).chains[0]
    assert ("pageSize", "1") in build_query(page_size=1).chains[0]


def test_unknown_categories_pass_through() -> None:
    (chain,) = build_query(category=["base", "somethingNew"]).chains
    assert [v for k, v in chain if k == "category"] == ["base", "somethingNew"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2026, 3, 1, 12, 0, tzinfo=UTC), "2026-03-01T12:00:00.000Z"),
        (
            datetime(2026, 3, 1, 12, 0, tzinfo=timezone(timedelta(hours=2))),
            "2026-03-01T10:00:00.000Z",
        ),
        ("2026-03-01T12:00:00Z", "2026-03-01T12:00:00.000Z"),
        ("2026-03-01T12:00:00.123+01:00", "2026-03-01T11:00:00.123Z"),
    ],
)
def test_times_are_sent_as_utc_iso_with_z(value: object, expected: str) -> None:
    (chain,) = build_query(start_time=value).chains
    assert ("startTime", expected) in chain


def test_naive_datetimes_dates_and_offsetless_strings_mean_local_time() -> None:
    naive = datetime(2026, 3, 1, 12, 0)
    local = naive.astimezone().astimezone(UTC)
    assert to_wire_time("t", naive) == local
    assert to_wire_time("t", "2026-03-01T12:00:00") == local
    assert to_wire_time("t", date(2026, 3, 1)) == datetime(2026, 3, 1).astimezone().astimezone(UTC)


def test_wire_parameters_repeat_keys_and_order_is_spelled_out() -> None:
    (chain,) = build_query(
        sort_asc=True,
        page_size=50,
        user_id=["usr00000000000001", "usr00000000000002"],
        event_type="createBase",
        model_id="appAAAAAAAAAAAAAA",
    ).chains
    assert list(chain) == [
        ("pageSize", "50"),
        ("sortOrder", "ascending"),
        ("originatingUserId", "usr00000000000001"),
        ("originatingUserId", "usr00000000000002"),
        ("eventType", "createBase"),
        ("modelId", "appAAAAAAAAAAAAAA"),
    ]
    assert build_query().chains == ((("sortOrder", "descending"),),)


def test_filters_over_100_values_become_chunks_and_the_cross_product() -> None:
    query = build_query(user_id=USERS, event_type=[f"type{i}" for i in range(150)])
    assert len(query.chains) == 3 * 2
    for chain in query.chains:
        assert sum(k == "originatingUserId" for k, _ in chain) <= 100
        assert sum(k == "eventType" for k, _ in chain) <= 100
    users = {v for chain in query.chains for k, v in chain if k == "originatingUserId"}
    assert users == set(USERS)


def test_duplicate_filter_values_are_sent_once() -> None:
    (chain,) = build_query(event_type=["a", "b", "a"]).chains
    assert [v for k, v in chain if k == "eventType"] == ["a", "b"]


def test_parallel_windows_are_disjoint_and_cover_the_range() -> None:
    query = build_query(
        parallel=3, start_time="2026-01-01T00:00:00Z", end_time="2026-01-01T00:00:01Z"
    )
    windows = [(dict(c)["startTime"], dict(c)["endTime"]) for c in query.chains]
    assert windows[0][0] == "2026-01-01T00:00:00.000Z"
    assert windows[-1][1] == "2026-01-01T00:00:01.000Z"
    for (_, end), (start, _) in itertools.pairwise(windows):
        assert end == start  # endTime exclusive, startTime inclusive: no gap, no overlap


def test_parallel_never_makes_windows_shorter_than_a_millisecond() -> None:
    query = build_query(
        parallel=8, start_time="2026-01-01T00:00:00.000Z", end_time="2026-01-01T00:00:00.003Z"
    )
    assert len(query.chains) == 3


def page(events: int, *, next: str | None = None, previous: str | None = None) -> AuditLogResponse:
    return AuditLogResponse(
        events=tuple(converter.structure(make_event(i), AuditLogEvent) for i in range(events)),
        pagination=AuditLogPagination(next=next, previous=previous),
    )


@pytest.mark.parametrize(
    ("response", "ascending", "bounded", "follow", "expected"),
    [
        # descending follows previous until absent
        (page(2, previous="p", next="n"), False, False, False, (Step.CONTINUE, "p")),
        (page(2, previous=None, next="n"), False, False, False, (Step.END, None)),
        (page(0, previous="p"), False, True, False, (Step.CONTINUE, "p")),
        (page(1, previous="null"), False, True, False, (Step.END, None)),
        # ascending bounded: next only while newer events in range; empty pages continue
        (page(0, next="n"), True, True, False, (Step.CONTINUE, "n")),
        (page(3, next=None, previous="p"), True, True, False, (Step.END, None)),
        # ascending streaming: next always present; an empty page means caught up
        (page(3, next="n"), True, False, False, (Step.CONTINUE, "n")),
        (page(0, next="n"), True, False, False, (Step.CAUGHT_UP, "n")),
        (page(0, next="n"), True, False, True, (Step.POLL, "n")),
    ],
)
def test_next_step_follows_the_cursor_rules(
    response: AuditLogResponse, ascending: bool, bounded: bool, follow: bool, expected: Any
) -> None:
    assert next_step(response, ascending=ascending, bounded=bounded, follow=follow) == expected


def test_audit_log_build_query_and_audit_log_options_take_the_same_arguments() -> None:
    # Enterprise.audit_log keeps the explicit signature (the public face), build_query
    # checks it, AuditLogOptions types audit_events: the three lists must not drift.
    import inspect
    import typing

    from airtable_enterprise import Enterprise
    from airtable_enterprise.audit.log import AuditLogOptions

    checked = inspect.signature(build_query).parameters
    public = dict(inspect.signature(Enterprise.audit_log).parameters)
    public.pop("self")
    assert [(p.name, p.default) for p in public.values()] == [
        (p.name, p.default) for p in checked.values()
    ]
    assert set(typing.get_type_hints(AuditLogOptions)) == set(checked)
