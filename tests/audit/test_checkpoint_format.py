"""Issue 27, checkpoints: the saved format of audit-log checkpoints is pinned.

A user saves ``resume=`` tokens to disk and resumes them after an upgrade, so the
fingerprint of a query and the tokens of ``audit/checkpoint.py`` are held here
literally: a format change fails these tests instead of silently invalidating every
saved checkpoint. Also pinned: legacy ``merged:`` tokens (no fingerprint) still
resume, and every forged or corrupted token is an ``InvalidInputError`` at decode.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from airtable_enterprise import AsyncApi, InvalidInputError
from airtable_enterprise.audit.checkpoint import (
    decode_chains,
    decode_json_token,
    decode_key,
    encode_chains,
    fingerprint,
    is_chain_token,
)
from airtable_enterprise.audit.log import build_query

from .fake import T0, FakeAuditLog, make_event
from .test_checkpoints import ENTERPRISE, USERS, walk_events

pytestmark = pytest.mark.anyio

#: The chains of ``audit_log(sort_asc=True, start_time=T0, page_size=50)``.
CHAIN = (("startTime", "2026-01-01T00:00:00.000Z"), ("pageSize", "50"), ("sortOrder", "ascending"))
#: Its fingerprint, as every checkpoint saved by this version carries it.
FINGERPRINT = "7d959b433b220900"
KEY = (datetime(2026, 1, 1, 0, 0, 1, 500000, tzinfo=UTC), "01GOLDEN0000000000000000AB")
#: A checkpoint of a merged walk of two chains, mid-walk, as this version writes it.
GOLDEN = (
    "resume:eyJxIjoiN2Q5NTliNDMzYjIyMDkwMCIsImNoYWlucyI6WyJjdXJzb3JBIixmYWxzZSxudWxsXSwiYWZ0Z"
    "XIiOlsiMjAyNi0wMS0wMVQwMDowMDowMS41MDBaIiwiMDFHT0xERU4wMDAwMDAwMDAwMDAwMDAwQUIiXX0="
)
#: A checkpoint of an earlier version: merged walks only, no fingerprint.
LEGACY = (
    "merged:eyJjaGFpbnMiOlsiY3Vyc29yQSIsZmFsc2VdLCJhZnRlciI6WyIyMDI2LTAxLTAxVDAwOjAwOjAxLjUw"
    "MFoiLCIwMUdPTERFTjAwMDAwMDAwMDAwMDAwMDBBQiJdfQ=="
)


def token(prefix: str, body: object) -> str:
    return prefix + base64.urlsafe_b64encode(json.dumps(body).encode()).decode()


def refused(raw: str, reason: str, *, chain_count: int = 1, query: str = "q") -> None:
    """``decode_chains`` refuses ``raw`` naming the argument, the token and ``reason``."""
    with pytest.raises(InvalidInputError) as caught:
        decode_chains(raw, chain_count=chain_count, query=query)
    assert (caught.value.argument, caught.value.value) == ("resume", raw)
    assert caught.value.reason == reason


NOT_OURS = "is not a checkpoint of this library"
OTHER_QUERY = "was saved from a different query (filters, sort order or time window differ)"
CHAINS_DIFFER = "was saved from a different query (its cursor chains differ)"


def test_the_fingerprint_of_a_query_is_pinned() -> None:
    assert fingerprint([CHAIN]) == FINGERPRINT
    assert build_query(sort_asc=True, start_time=T0, page_size=50).fingerprint == FINGERPRINT


def test_the_fingerprint_ignores_page_size_and_parameter_order_but_not_values() -> None:
    without_size = [(k, v) for k, v in CHAIN if k != "pageSize"]
    assert fingerprint([without_size]) == FINGERPRINT
    assert fingerprint([reversed(CHAIN)]) == FINGERPRINT
    assert fingerprint([[*CHAIN, ("pageSize", "7")]]) == FINGERPRINT
    assert fingerprint([[*without_size, ("eventType", "createBase")]]) != FINGERPRINT
    assert fingerprint([[("startTime", "2026-01-02T00:00:00.000Z"), without_size[1]]]) != (
        FINGERPRINT
    )
    # Chains are a list, in order: two chains are not one, and their order counts.
    a, b = [("eventType", "a")], [("eventType", "b")]
    assert fingerprint([a, b]) != fingerprint([b, a])
    assert fingerprint([a, b]) != fingerprint([[*a, *b]])
    assert len(fingerprint([])) == 16


def test_a_checkpoint_is_written_in_the_pinned_format() -> None:
    assert encode_chains(["cursorA", False, None], KEY, FINGERPRINT) == GOLDEN
    body = json.loads(base64.urlsafe_b64decode(GOLDEN.removeprefix("resume:")))
    assert body == {
        "q": FINGERPRINT,
        "chains": ["cursorA", False, None],
        "after": ["2026-01-01T00:00:01.500Z", KEY[1]],
    }
    without_key = encode_chains([None], None, "q")
    assert json.loads(base64.urlsafe_b64decode(without_key.removeprefix("resume:"))) == {
        "q": "q",
        "chains": [None],
        "after": None,
    }
    assert " " not in base64.urlsafe_b64decode(without_key.removeprefix("resume:")).decode()


def test_a_golden_checkpoint_keeps_decoding() -> None:
    assert is_chain_token(GOLDEN)
    assert decode_chains(GOLDEN, chain_count=3, query=FINGERPRINT) == (
        ("cursorA", False, None),
        KEY,
    )


def test_a_legacy_merged_token_keeps_decoding_for_any_query() -> None:
    assert is_chain_token(LEGACY)
    for query in (FINGERPRINT, "", "another"):
        assert decode_chains(LEGACY, chain_count=2, query=query) == (("cursorA", False), KEY)
    refused(LEGACY, CHAINS_DIFFER, chain_count=3, query="")


def test_raw_api_cursors_are_not_chain_tokens() -> None:
    for raw in ("MDFHUk5OMlM4MFhTNkY0R0M2QVlZTVZNNDQ=", "resume", "merged", "backfill:xx", ""):
        assert not is_chain_token(raw)


async def test_a_legacy_merged_checkpoint_resumes_a_walk_exactly_once() -> None:
    events = [
        make_event(i, at=T0 + timedelta(seconds=i // 3), user=USERS[i % 150]) for i in range(60)
    ]
    options: dict[str, Any] = {"sort_asc": True, "page_size": 6, "user_id": USERS}
    fake = FakeAuditLog(events)
    async with AsyncApi("patTEST.secret", transport=fake.transport, requests_per_second=1e6) as api:
        enterprise = api.enterprise(ENTERPRISE)
        reference, _, _ = await walk_events(enterprise, options, None)
        first, saved, crashed = await walk_events(enterprise, options, 25)
        assert crashed
        assert saved is not None
        # The same position as an earlier version wrote it: "merged:", no fingerprint.
        body = json.loads(base64.urlsafe_b64decode(saved.removeprefix("resume:")))
        legacy = token("merged:", {"chains": body["chains"], "after": body["after"]})
        rest, _, _ = await walk_events(enterprise, {**options, "resume": legacy}, None)
    assert len(reference) == 60
    assert first + rest == reference


@pytest.mark.parametrize(
    "after",
    [
        ["2026-01-01T00:00:00Z"],
        ["2026-01-01T00:00:00Z", "x", "y"],
        [],
        "ab",
        {"t": "2026-01-01T00:00:00Z", "id": "x"},
        5,
        ["2026-01-01T00:00:00Z", ""],
        [None, "x"],
        ["not a time", "x"],
    ],
)
@pytest.mark.parametrize("prefix", ["resume:", "merged:"])
def test_a_forged_after_is_an_invalid_input_not_a_bare_value_error(
    prefix: str, after: object
) -> None:
    raw = token(prefix, {"q": "", "chains": [None], "after": after})
    refused(raw, NOT_OURS, query="")
    with pytest.raises(InvalidInputError):
        build_query(resume=raw)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2026-01-01T00:00:00Z", datetime(2026, 1, 1, tzinfo=UTC)),
        ("2026-01-01T00:00:00.250+00:00", datetime(2026, 1, 1, 0, 0, 0, 250000, tzinfo=UTC)),
        (
            "2026-01-01T02:00:00+02:00",
            datetime(2026, 1, 1, 2, tzinfo=timezone(timedelta(hours=2))),
        ),
    ],
)
def test_decode_key_reads_aware_times(moment: str, expected: datetime) -> None:
    assert decode_key("resume", "tok", [moment, "id1"]) == (expected, "id1")


@pytest.mark.parametrize(
    "value",
    [
        ["2026-01-01T00:00:00", "x"],  # naive
        ["9999-12-31T23:00:00-05:00", "x"],  # past year 9999 in UTC
        ["0001-01-01T00:00:00+05:00", "x"],  # before year 1 in UTC
        ["2026-01-01T00:00:00Z", 5],
        [5, "x"],
        ("2026-01-01T00:00:00Z", "x"),  # JSON has no tuples: never a decoded value
        None,
    ],
)
def test_decode_key_refuses_anything_else(value: object) -> None:
    with pytest.raises(InvalidInputError) as caught:
        decode_key("cursor", "the token", value)
    assert (caught.value.argument, caught.value.value) == ("cursor", "the token")
    assert caught.value.reason == NOT_OURS


@pytest.mark.parametrize(
    ("states", "valid"),
    [
        ([None], True),
        ([False], True),
        (["c1"], True),
        ([""], False),
        ([True], False),
        ([0], False),
        ([["c"]], False),
    ],
)
def test_chain_states_are_a_cursor_none_or_false(states: list[object], valid: bool) -> None:
    raw = token("resume:", {"q": "q", "chains": states, "after": None})
    if valid:
        assert decode_chains(raw, chain_count=1, query="q") == (tuple(states), None)
    else:
        refused(raw, NOT_OURS)


def test_a_checkpoint_of_another_query_or_chain_count_says_so() -> None:
    raw = token("resume:", {"q": "mine", "chains": [None, None], "after": None})
    refused(raw, OTHER_QUERY, chain_count=2, query="other")
    refused(raw, CHAINS_DIFFER, chain_count=1, query="mine")
    # A missing "q" in a current-format token is another query too.
    refused(token("resume:", {"chains": [None], "after": None}), OTHER_QUERY)


@pytest.mark.parametrize(
    "body",
    [{"q": "q", "chains": "ab"}, {"q": "q"}, ["chains"], "text", None, 5],
)
def test_a_body_that_is_not_a_checkpoint_is_refused(body: object) -> None:
    refused(token("resume:", body), NOT_OURS)


def test_json_tokens_refuse_what_is_not_base64_json_and_overlong_tokens() -> None:
    assert decode_json_token("resume", token("p:", {"a": 1}), "p:") == {"a": 1}
    # Only the text after the prefix is decoded, whatever the prefix's length.
    assert decode_json_token("resume", token("longer:", [1]), "longer:") == [1]
    for raw in ("p:!!!", "p:" + base64.urlsafe_b64encode(b"\xff\xfe").decode(), "p:e30"):
        with pytest.raises(InvalidInputError) as caught:
            decode_json_token("cursor", raw, "p:")
        assert (caught.value.argument, caught.value.value) == ("cursor", raw)
        assert caught.value.reason == NOT_OURS
    longest = "p:" + "A" * (200_000 - 2)
    with pytest.raises(InvalidInputError, match="not a checkpoint"):
        decode_json_token("resume", longest, "p:")  # long but allowed: decoded, then refused
    with pytest.raises(InvalidInputError) as caught:
        decode_json_token("cursor", longest + "A", "p:")
    # The message names the length, not the token.
    assert (caught.value.argument, caught.value.value) == ("cursor", "<200001 characters>")
    assert caught.value.reason == "is too long"
