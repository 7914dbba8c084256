"""The pure retry decisions, pinned by tables."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from airtable_enterprise._core.retry import (
    Decision,
    Failure,
    RetryPolicy,
    backoff_delay,
    decide,
    is_idempotent,
    parse_retry_after,
)

R, U = Decision.RETRY, Decision.UNKNOWN_OUTCOME

# method x failure -> decision. A refused (429) or unsent request is always safe to repeat;
# one that may have been applied is repeated only for idempotent methods.
DECISIONS = [
    ("GET", Failure.RATE_LIMITED, R),
    ("GET", Failure.NOT_SENT, R),
    ("GET", Failure.SERVER_ERROR, R),
    ("GET", Failure.NO_RESPONSE, R),
    ("PUT", Failure.SERVER_ERROR, R),
    ("PUT", Failure.NO_RESPONSE, R),
    ("DELETE", Failure.SERVER_ERROR, R),
    ("DELETE", Failure.NO_RESPONSE, R),
    ("POST", Failure.RATE_LIMITED, R),
    ("POST", Failure.NOT_SENT, R),
    ("POST", Failure.SERVER_ERROR, U),
    ("POST", Failure.NO_RESPONSE, U),
    ("PATCH", Failure.RATE_LIMITED, R),
    ("PATCH", Failure.NOT_SENT, R),
    ("PATCH", Failure.SERVER_ERROR, U),
    ("PATCH", Failure.NO_RESPONSE, U),
    ("post", Failure.NO_RESPONSE, U),
    ("get", Failure.NO_RESPONSE, R),
]


@pytest.mark.parametrize(("method", "failure", "expected"), DECISIONS)
def test_decide(method: str, failure: Failure, expected: Decision) -> None:
    assert decide(method, failure) is expected


@pytest.mark.parametrize(
    ("method", "idempotent"),
    [
        ("GET", True),
        ("PUT", True),
        ("DELETE", True),
        ("HEAD", True),
        ("POST", False),
        ("PATCH", False),
    ],
)
def test_is_idempotent(method: str, idempotent: bool) -> None:
    assert is_idempotent(method) is idempotent


NOW = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("", None),
        ("   ", None),
        ("30", 30.0),
        (" 7 ", 7.0),
        ("1.5", 1.5),
        ("0", 0.0),
        ("-5", 0.0),
        ("nan", None),
        ("inf", None),
        ("soon", None),
        (format_datetime(NOW + timedelta(seconds=42), usegmt=True), 42.0),
        ("Mon, 23 Nov 2026 12:01:00 GMT", 60.0),
        ("Monday, 23-Nov-26 12:00:10 GMT", 10.0),  # RFC 850, still allowed by RFC 9110
        (format_datetime(NOW - timedelta(minutes=5), usegmt=True), 0.0),
    ],
)
def test_parse_retry_after(header: str | None, expected: float | None) -> None:
    assert parse_retry_after(header, now=NOW) == expected


@given(
    attempt=st.integers(min_value=1, max_value=60),
    initial=st.floats(min_value=0.001, max_value=10),
    cap=st.floats(min_value=0.001, max_value=100),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_backoff_is_full_jitter_within_the_exponential_cap(
    attempt: int, initial: float, cap: float, seed: int
) -> None:
    policy = RetryPolicy(backoff_initial=initial, backoff_max=cap)
    delay = backoff_delay(policy, attempt, random.Random(seed))
    assert 0.0 <= delay <= min(cap, initial * 2 ** (attempt - 1))


def test_backoff_grows_then_caps() -> None:
    policy = RetryPolicy(backoff_initial=1.0, backoff_max=8.0)
    rng = random.Random(7)
    samples = {n: max(backoff_delay(policy, n, rng) for _ in range(400)) for n in (1, 2, 3, 6)}
    assert samples[1] <= 1.0 < samples[2] <= 2.0 < samples[3] <= 4.0
    assert 4.0 < samples[6] <= 8.0


@pytest.mark.parametrize(
    "changes",
    [
        {"max_attempts": 0},
        {"backoff_initial": 0},
        {"backoff_max": -1},
        {"deadline": 0},
        {"max_retry_after": 0},
    ],
)
def test_retry_policy_rejects_nonsense(changes: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=next(iter(changes))):
        RetryPolicy(**changes)  # type: ignore[arg-type]


def test_retry_policy_is_frozen_and_evolvable() -> None:
    policy = RetryPolicy()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        policy.max_attempts = 3  # type: ignore[misc]
    assert attrs.evolve(policy, deadline=None).deadline is None


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        # An HTTP date with no zone, or -0000 ("zone unknown"), is read as UTC: never a
        # naive datetime subtracted from an aware one (a TypeError out of the 429 path).
        ("Mon, 23 Nov 2026 12:01:00", 60.0),
        ("Mon, 23 Nov 2026 12:01:00 -0000", 60.0),
        ("Mon, 23 Nov 2026 12:01:00 +0000", 60.0),
        ("Mon, 23 Nov 2026 13:01:00 +0100", 60.0),
        ("Mon, 23 Nov 2026 12:01:00 +0100", 0.0),
        ("Mon, 23 Nov 2026 11:01:00 -0100", 60.0),
        ("Mon, 32 Nov 2026 12:01:00 GMT", None),
        ("Mon, 23 Nov 2026", None),
    ],
)
def test_parse_retry_after_dates_with_any_zone(header: str, expected: float | None) -> None:
    assert parse_retry_after(header, now=NOW) == expected


def test_parse_retry_after_without_now_measures_from_the_present() -> None:
    # A date far in the past is 0 whenever the test runs; far in the future, positive.
    assert parse_retry_after("Mon, 01 Jan 2001 00:00:00 GMT") == 0.0
    later = parse_retry_after("Fri, 01 Jan 9999 00:00:00 GMT")
    assert later is not None
    assert later > 0


class Top:
    """An rng whose ``uniform`` always answers the upper bound (and records the calls)."""

    def __init__(self) -> None:
        self.calls: list[tuple[float, float]] = []

    def uniform(self, low: float, high: float) -> float:
        self.calls.append((low, high))
        return high


@pytest.mark.parametrize(
    ("attempt", "ceiling"),
    [
        (-3, 0.5),
        (0, 0.5),
        (1, 0.5),
        (2, 1.0),
        (3, 2.0),
        (4, 4.0),
        (5, 8.0),
        (6, 16.0),
        (7, 20.0),
        (30, 20.0),
    ],
)
def test_backoff_ceiling_per_attempt(attempt: int, ceiling: float) -> None:
    rng = Top()
    assert backoff_delay(RetryPolicy(), attempt, rng) == ceiling  # type: ignore[arg-type]
    assert rng.calls == [(0.0, ceiling)]


def test_backoff_without_an_rng_draws_from_the_module_random() -> None:
    random.seed(11)
    first = backoff_delay(RetryPolicy(), 3)
    random.seed(11)
    assert backoff_delay(RetryPolicy(), 3) == first
    assert 0.0 <= first <= 2.0


def test_the_documented_defaults() -> None:
    from airtable_enterprise._core.retry import AIRTABLE_RATE_LIMIT_PENALTY, RETRIABLE_STATUSES

    assert attrs.asdict(RetryPolicy()) == {
        "max_attempts": 6,
        "backoff_initial": 0.5,
        "backoff_max": 20.0,
        "deadline": 180.0,
        "max_retry_after": 65.0,
    }
    assert AIRTABLE_RATE_LIMIT_PENALTY == 30.0
    assert frozenset({429, 500, 502, 503, 504}) == RETRIABLE_STATUSES


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"max_attempts": 0}, "RetryPolicy.max_attempts must be >= 1, got 0"),
        ({"max_attempts": -2}, "RetryPolicy.max_attempts must be >= 1, got -2"),
        ({"backoff_initial": -0.5}, "RetryPolicy.backoff_initial must be > 0, got -0.5"),
        ({"backoff_max": 0.0}, "RetryPolicy.backoff_max must be > 0, got 0.0"),
        ({"deadline": -1.0}, "RetryPolicy.deadline must be > 0, got -1.0"),
        ({"max_retry_after": float("nan")}, "RetryPolicy.max_retry_after must be > 0, got nan"),
    ],
)
def test_retry_policy_messages_name_the_field_and_value(
    changes: dict[str, float], message: str
) -> None:
    with pytest.raises(ValueError) as caught:
        RetryPolicy(**changes)  # type: ignore[arg-type]
    assert str(caught.value) == message


@pytest.mark.parametrize(
    "changes",
    [
        {"max_attempts": 1},
        {"deadline": None},
        {"backoff_initial": 0.001},
        {"max_retry_after": 0.01},
    ],
)
def test_retry_policy_accepts_the_edges(changes: dict[str, float | None]) -> None:
    policy = RetryPolicy(**changes)  # type: ignore[arg-type]
    assert attrs.asdict(policy) | changes == attrs.asdict(policy)


@pytest.mark.parametrize(
    ("value", "member"),
    [
        ("rate_limited", Failure.RATE_LIMITED),
        ("not_sent", Failure.NOT_SENT),
        ("server_error", Failure.SERVER_ERROR),
        ("no_response", Failure.NO_RESPONSE),
        ("retry", Decision.RETRY),
        ("raise", Decision.RAISE),
        ("unknown_outcome", Decision.UNKNOWN_OUTCOME),
    ],
)
def test_enum_values_are_stable(value: str, member: Failure | Decision) -> None:
    assert member.value == value
