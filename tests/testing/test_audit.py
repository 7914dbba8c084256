"""Audit-log cursor rules (REFERENCE §8.3) on a store of known events."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from airtable_enterprise.testing import Emulator
from airtable_enterprise.testing._wire import ApiFailure, format_time
from airtable_enterprise.testing.world.audit import AuditEvent, AuditLog, AuditQuery, encode_cursor

from .conftest import NOW, ent_path

T0 = NOW - timedelta(days=10)


def build_log(count: int = 25, *, max_scan: int = 5000) -> AuditLog:
    """``count`` events one minute apart from T0; odd ones are deleteBase by usrB."""
    log = AuditLog("entAAAAAAAAAAAAAA", max_scan=max_scan)
    for n in range(count):
        odd = n % 2 == 1
        log.append(
            AuditEvent(
                key=log.new_key(T0 + timedelta(minutes=n), n),
                action="deleteBase" if odd else "createBase",
                category="base",
                model_id=f"app{n:014d}",
                model_type="base",
                actor_id="usrBBBBBBBBBBBBBB" if odd else "usrAAAAAAAAAAAAAA",
                actor_email="x@y.example",
                workspace_id="wspAAAAAAAAAAAAAA" if n < 5 else None,
            )
        )
    return log


def query(**params: Any) -> AuditQuery:
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        values = value if isinstance(value, list) else [value]
        pairs.extend((key, str(v)) for v in values)
    return AuditQuery.parse(pairs, NOW)


def minutes(page: dict[str, Any]) -> list[int]:
    """The minute offsets (from T0) of a page's events."""
    return [
        int(
            (datetime.fromisoformat(e["timestamp"].replace("Z", "+00:00")) - T0).total_seconds()
            // 60
        )
        for e in page["events"]
    ]


def test_descending_backfill_follows_previous_until_it_is_absent() -> None:
    log = build_log(25)
    first = log.page(query(pageSize=10))
    assert minutes(first) == list(range(24, 14, -1))
    seen = minutes(first)
    cursor = first["pagination"]["previous"]
    while cursor is not None:
        page = log.page(query(pageSize=10, previous=cursor))
        seen += minutes(page)
        cursor = page["pagination"]["previous"]
    assert seen == list(range(24, -1, -1))


def test_streaming_next_is_always_present_and_sees_later_events() -> None:
    log = build_log(5)
    page = log.page(query(pageSize=10, sortOrder="ascending"))
    assert minutes(page) == [0, 1, 2, 3, 4]
    cursor = page["pagination"]["next"]
    assert cursor is not None
    empty = log.page(query(pageSize=10, sortOrder="ascending", next=cursor))
    assert empty["events"] == []
    assert empty["pagination"]["next"] is not None
    log.append(
        AuditEvent(log.new_key(T0 + timedelta(minutes=30), 1), "createBase", "base", "appX", "base")
    )
    later = log.page(query(pageSize=10, sortOrder="ascending", next=empty["pagination"]["next"]))
    assert minutes(later) == [30]
    assert later["pagination"]["next"] is not None


def test_descending_first_page_next_polls_only_newer_events() -> None:
    log = build_log(5)
    first = log.page(query(pageSize=2))
    assert minutes(first) == [4, 3]
    log.append(AuditEvent(log.new_key(T0 + timedelta(minutes=40), 2), "x", "base", "appY", "base"))
    polled = log.page(query(pageSize=2, next=first["pagination"]["next"]))
    assert minutes(polled) == [40]


def test_bounded_range_start_inclusive_end_exclusive_and_no_next_at_the_end() -> None:
    log = build_log(25)
    start, end = format_time(T0 + timedelta(minutes=5)), format_time(T0 + timedelta(minutes=10))
    page = log.page(query(startTime=start, endTime=end, pageSize=100, sortOrder="ascending"))
    assert minutes(page) == [5, 6, 7, 8, 9]
    assert page["pagination"] == {"next": None, "previous": page["pagination"]["previous"]}
    assert page["pagination"]["previous"] is None  # startTime is where the range begins


def test_bounded_ascending_pages_carry_next_until_the_range_ends() -> None:
    log = build_log(25)
    end = format_time(T0 + timedelta(minutes=12))
    params = {"startTime": format_time(T0), "endTime": end, "pageSize": 5, "sortOrder": "ascending"}
    first = log.page(query(**params))
    assert minutes(first) == [0, 1, 2, 3, 4]
    second = log.page(query(**params, next=first["pagination"]["next"]))
    third = log.page(query(**params, next=second["pagination"]["next"]))
    assert minutes(second) + minutes(third) == list(range(5, 12))
    assert third["pagination"]["next"] is None
    assert third["pagination"]["previous"] is not None


def test_bounded_scan_limit_gives_empty_pages_that_keep_cursors() -> None:
    log = build_log(25, max_scan=4)
    params = {
        "startTime": format_time(T0),
        "endTime": format_time(T0 + timedelta(days=1)),
        "eventType": "nothingMatches",
        "sortOrder": "ascending",
    }
    page = log.page(query(**params))
    assert page["events"] == []
    assert page["pagination"]["next"] is not None
    pages = 1
    while page["pagination"]["next"] is not None:
        page = log.page(query(**params, next=page["pagination"]["next"]))
        pages += 1
    assert pages == 7  # 25 events read 4 at a time


def test_filters_or_within_and_across_parameters() -> None:
    log = build_log(25)
    both_types = log.page(query(pageSize=100, eventType=["createBase", "deleteBase"]))
    assert len(both_types["events"]) == 25
    anded = log.page(
        query(pageSize=100, eventType="deleteBase", originatingUserId="usrAAAAAAAAAAAAAA")
    )
    assert anded["events"] == []
    by_user = log.page(query(pageSize=100, originatingUserId="usrBBBBBBBBBBBBBB"))
    assert minutes(by_user) == list(range(23, 0, -2))
    # A workspace ID also matches events inside that workspace (§8.1).
    inside = log.page(query(pageSize=100, modelId="wspAAAAAAAAAAAAAA"))
    assert minutes(inside) == [4, 3, 2, 1, 0]
    assert log.page(query(pageSize=100, category="user"))["events"] == []


@pytest.mark.parametrize(
    "params",
    [
        {"pageSize": "1001"},
        {"pageSize": "0"},
        {"pageSize": "ten"},
        {"sortOrder": "sideways"},
        {"startTime": "yesterday"},
        {"eventType": [f"e{n}" for n in range(101)]},
        {"modelId": [f"app{n}" for n in range(101)]},
        {"originatingUserId": [f"usr{n}" for n in range(101)]},
        {"next": "not a cursor"},
        {"next": encode_cursor(5), "previous": encode_cursor(5)},
        {"startTime": format_time(NOW), "endTime": format_time(NOW - timedelta(days=1))},
        {"colour": "red"},
        {"pageSize": ["1", "2"]},
    ],
)
def test_bad_parameters_are_422(params: dict[str, Any]) -> None:
    with pytest.raises(ApiFailure) as caught:
        query(**params)
    assert caught.value.status == 422
    assert caught.value.error_type == "INVALID_REQUEST_UNKNOWN"


def test_an_unknown_category_matches_nothing() -> None:
    log = build_log()
    assert log.page(query(pageSize=100, category="someCategoryAddedLater"))["events"] == []
    either = log.page(query(pageSize=100, category=["someCategoryAddedLater", "base"]))
    assert len(either["events"]) == 25


def test_the_literal_null_cursor_counts_as_absent() -> None:
    log = build_log(5)
    assert log.page(query(pageSize=2, next="null")) == log.page(query(pageSize=2))


def test_older_events_can_be_inserted_in_order() -> None:
    log = build_log(3)
    log.append(AuditEvent(log.key_at(T0 - timedelta(hours=1), 9), "x", "base", "appZ", "base"))
    assert minutes(log.page(query(pageSize=10, sortOrder="ascending")))[0] == -60
    with pytest.raises(ValueError, match="already stored"):
        log.append(AuditEvent(log.key_at(T0 - timedelta(hours=1), 9), "x", "base", "appZ", "base"))


def test_actor_variants_render_per_type() -> None:
    log = AuditLog("entAAAAAAAAAAAAAA")
    now = datetime(2026, 1, 1, tzinfo=UTC)
    kinds = {"formSubmission": "viewId", "automation": "automationId", "system": None}
    for n, kind in enumerate(kinds):
        log.append(AuditEvent(log.new_key(now, n), "x", "base", "appA", "base", kind, f"id{n}"))
    rendered = [log.render(e) for e in log]
    for event, (kind, field) in zip(rendered, kinds.items(), strict=True):
        assert event["actor"]["type"] == kind
        assert (field in event["actor"]) == (field is not None)


@pytest.mark.anyio
async def test_over_http_actions_append_events_seen_by_a_streaming_cursor(
    client: httpx.AsyncClient, emulator: Emulator
) -> None:
    path = ent_path(emulator, "/auditLogEvents")
    first = (await client.get(path, params={"pageSize": 3})).json()
    assert len(first["events"]) == 3
    created = await client.post(
        "/v0/meta/workspaces", json={"enterpriseAccountId": emulator.enterprise_id, "name": "New"}
    )
    polled = (await client.get(path, params={"next": first["pagination"]["next"]})).json()
    assert [e["action"] for e in polled["events"]] == ["createWorkspace"]
    event = polled["events"][0]
    assert event["modelId"] == created.json()["id"]
    assert event["actor"]["user"]["id"] == emulator.admin_id
    assert event["origin"]["personalAccessTokenId"].startswith("pat")
    assert polled["pagination"]["next"] is not None


def test_page_json_serves_what_page_renders_and_bounds_its_cache() -> None:
    log = build_log(25)
    log.render_cache_size = 10
    for params in ({"pageSize": "7"}, {"pageSize": "25", "sortOrder": "ascending"}):
        assert json.loads(log.page_json(query(**params))) == log.page(query(**params))
    assert len(log._rendered) == 10
