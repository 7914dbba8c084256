"""The pure parts of the parallel backfill (_backfill.py): range arithmetic, tokens,
and the checks ``build_query`` makes for ``parallel``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from airtable_enterprise._core.convert import converter
from airtable_enterprise.audit.backfill import (
    boundary_split,
    cut,
    decode_token,
    encode_token,
    plan_window,
    steal_point,
    to_ms,
    trim,
)
from airtable_enterprise.audit.log import build_query
from airtable_enterprise.errors import InvalidInputError
from airtable_enterprise.models.audit import AuditLogEvent

from .fake import T0, iso, make_event


@pytest.mark.parametrize(
    ("lo", "hi", "parts", "expected"),
    [
        (0, 10, 2, [(0, 5), (5, 10)]),
        (0, 10, 3, [(0, 3), (3, 6), (6, 10)]),
        (0, 3, 8, [(0, 1), (1, 2), (2, 3)]),  # never shorter than a millisecond
        (5, 6, 4, [(5, 6)]),
        (5, 5, 4, []),
    ],
)
def test_cut_makes_adjacent_ranges_covering_the_window(
    lo: int, hi: int, parts: int, expected: list[tuple[int, int]]
) -> None:
    assert cut(lo, hi, parts) == expected


@pytest.mark.parametrize(
    ("lo", "hi", "first", "last", "ascending", "expected"),
    [
        # ascending: [lo, t) complete, [t, hi) refetches t
        (0, 100, 10, 40, True, ((0, 40), (40, 100))),
        (0, 100, 0, 1, True, ((0, 1), (1, 100))),
        # descending: walked from hi down to t: [t+1, hi) complete, [lo, t+1) next
        (0, 100, 90, 40, False, ((41, 100), (0, 41))),
        (0, 100, 99, 98, False, ((99, 100), (0, 99))),
        # every buffered event in one millisecond: no split
        (0, 100, 40, 40, True, None),
        (0, 100, 40, 40, False, None),
    ],
)
def test_boundary_split(
    lo: int, hi: int, first: int, last: int, ascending: bool, expected: Any
) -> None:
    assert boundary_split(lo, hi, first, last, ascending=ascending) == expected


@pytest.mark.parametrize(
    ("lo", "hi", "frontier", "ascending", "expected"),
    [
        (0, 100, None, True, 50),
        (0, 100, 60, True, 80),  # walker keeps [0, 80) (its ms 60 may continue)
        (0, 100, 97, True, 99),
        (0, 100, 98, True, None),  # only ms 99 left: nothing to give away
        (0, 100, None, False, 50),
        (0, 100, 40, False, 20),  # walker keeps [20, 100), thief takes [0, 20)
        (0, 100, 2, False, 1),
        (0, 100, 1, False, None),
    ],
)
def test_steal_point(
    lo: int, hi: int, frontier: int | None, ascending: bool, expected: int | None
) -> None:
    assert steal_point(lo, hi, frontier, ascending=ascending) == expected


def events_at(*seconds: float) -> tuple[AuditLogEvent, ...]:
    return tuple(
        converter.structure(make_event(i, at=T0 + timedelta(seconds=s)), AuditLogEvent)
        for i, s in enumerate(seconds)
    )


def ms(seconds: float) -> int:
    return to_ms(T0 + timedelta(seconds=seconds))


def test_trim_keeps_the_range_and_says_when_a_page_ran_past_it() -> None:
    page = events_at(1, 2, 3, 4)
    assert trim(page, ms(0), ms(5), ascending=True) == (page, False)
    kept, passed = trim(page, ms(0), ms(3), ascending=True)
    assert [e.timestamp for e in kept] == [e.timestamp for e in page[:2]]
    assert passed
    descending = page[::-1]
    kept, passed = trim(descending, ms(2), ms(5), ascending=False)
    assert [e.id for e in kept] == [e.id for e in descending[:3]]
    assert passed
    assert trim((), 0, 1, ascending=True) == ((), False)


def test_resume_tokens_name_their_window() -> None:
    (event,) = events_at(7)
    token = encode_token((ms(0), ms(10)), event)
    assert decode_token(token, (ms(0), ms(10))) == (event.timestamp, event.id)
    with pytest.raises(InvalidInputError, match="different query"):
        decode_token(token, (ms(0), ms(11)))
    with pytest.raises(InvalidInputError, match="not a checkpoint"):
        decode_token("backfill:!!!", (ms(0), ms(10)))
    with pytest.raises(InvalidInputError, match="parallel backfill checkpoint"):
        decode_token("MDFHUk5OMlM4MFhTNkY0R0M2QVlZTVZNNDQ=", (ms(0), ms(10)))


def test_plan_window_after_a_checkpoint_refetches_its_millisecond() -> None:
    start, end = T0, T0 + timedelta(seconds=10)
    at = (T0 + timedelta(seconds=4), "01J")
    assert plan_window(start, end, ascending=True, after=None) == (ms(0), ms(10))
    assert plan_window(start, end, ascending=True, after=at) == (ms(4), ms(10))
    assert plan_window(start, end, ascending=False, after=at) == (ms(0), ms(4) + 1)


WINDOW = {"start_time": iso(T0), "end_time": iso(T0 + timedelta(days=1))}


def test_parallel_refuses_chunked_filters_and_api_cursors() -> None:
    users = [f"usr{i:014d}" for i in range(101)]
    with pytest.raises(InvalidInputError, match="filters over 100 values"):
        build_query(parallel=2, user_id=users, **WINDOW)
    build_query(parallel=2, user_id=users[:100], **WINDOW)  # one chunk is fine
    with pytest.raises(InvalidInputError, match="resume="):
        build_query(parallel=2, previous="abc", **WINDOW)
    with pytest.raises(InvalidInputError, match="parallel backfill checkpoint"):
        build_query(resume=encode_token((0, 1), events_at(0)[0]))
