"""RetryPolicy and the pure retry decisions (no I/O, no clock).

The request core in :mod:`airtable_enterprise.api` asks these functions what to do
after each failed attempt; the tests pin them with tables of cases.
"""

from __future__ import annotations

import enum
import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import attrs
import httpx

__all__ = [
    "AIRTABLE_RATE_LIMIT_PENALTY",
    "NOT_SENT_ERRORS",
    "Decision",
    "Failure",
    "RetryPolicy",
    "backoff_delay",
    "decide",
    "is_idempotent",
    "parse_retry_after",
    "retry_delay",
]

#: Transport errors raised before anything reached the server (:attr:`Failure.NOT_SENT`):
#: no connection, no pool slot, or h11 refused to write the request (a bad header).
NOT_SENT_ERRORS = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.LocalProtocolError,
)

#: After a 429 Airtable refuses every request of the token for 30 seconds (REFERENCE §1.5).
AIRTABLE_RATE_LIMIT_PENALTY = 30.0

_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


def _positive(instance: object, attribute: attrs.Attribute[Any], value: float | None) -> None:
    if value is not None and not value > 0:
        raise ValueError(f"RetryPolicy.{attribute.name} must be > 0, got {value!r}")


def _at_least_one(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 1:
        raise ValueError(f"RetryPolicy.{attribute.name} must be >= 1, got {value!r}")


@attrs.frozen
class RetryPolicy:
    """How hard one call tries before it gives up.

    - ``max_attempts``: attempts in all, the first one included (1 disables retries).
    - ``backoff_initial`` / ``backoff_max``: exponential backoff with full jitter; attempt
      *n* waits a random time in ``[0, min(backoff_max, backoff_initial * 2**(n-1))]``.
    - ``deadline``: seconds one call may take in all, waits included; ``None`` for no bound.
    - ``max_retry_after``: the longest wait a server may direct (``Retry-After`` or
      Airtable's 30 s penalty after a 429) that the call will sit out; a longer one
      raises :class:`~airtable_enterprise.RateLimitError` at once.

    ``RetryPolicy(max_attempts=1)`` turns retries off; ``attrs.evolve(policy, deadline=10)``
    derives a variant.
    """

    max_attempts: int = attrs.field(default=6, validator=_at_least_one)
    backoff_initial: float = attrs.field(default=0.5, validator=_positive)
    backoff_max: float = attrs.field(default=20.0, validator=_positive)
    deadline: float | None = attrs.field(default=180.0, validator=_positive)
    max_retry_after: float = attrs.field(default=65.0, validator=_positive)


class Failure(enum.Enum):
    """What went wrong with one attempt, as far as retrying is concerned."""

    #: HTTP 429: the server refused the request, nothing was applied.
    RATE_LIMITED = "rate_limited"
    #: The connection could not be made (or no pool slot): nothing was sent.
    NOT_SENT = "not_sent"
    #: HTTP 500/502/503/504: the server may have applied the request.
    SERVER_ERROR = "server_error"
    #: The request went out but no complete answer came back (read timeout,
    #: dropped connection, truncated body): the server may have applied it.
    NO_RESPONSE = "no_response"


class Decision(enum.Enum):
    """What to do after a failed attempt."""

    RETRY = "retry"
    #: Give up and raise the error that describes the failure.
    RAISE = "raise"
    #: Give up and raise :class:`~airtable_enterprise.UnknownOutcomeError`.
    UNKNOWN_OUTCOME = "unknown_outcome"


RETRIABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


def is_idempotent(method: str) -> bool:
    """Whether repeating ``method`` can never apply an action twice (RFC 9110 §9.2.2)."""
    return method.upper() in _IDEMPOTENT_METHODS


def decide(method: str, failure: Failure, *, idempotent: bool = False) -> Decision:
    """Whether a failed attempt may be retried (ignoring attempt counts and deadlines).

    A refused request (429) or one that never left (connect error) is safe to repeat
    for every method. A request that may have been applied is repeated only when the
    method is idempotent; a POST or PATCH gets ``UNKNOWN_OUTCOME``, so that an admin
    action such as ``create_workspace`` is never carried out twice, unless the caller
    marks the call ``idempotent`` (a read sent as POST).
    """
    if failure in (Failure.RATE_LIMITED, Failure.NOT_SENT):
        return Decision.RETRY
    if idempotent or is_idempotent(method):
        return Decision.RETRY
    return Decision.UNKNOWN_OUTCOME


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header, or ``None`` when absent or unreadable.

    Accepts both forms of RFC 9110 §10.2.3: delay-seconds (``"30"``, also ``"1.5"``)
    and an HTTP date (``"Wed, 21 Oct 2026 07:28:00 GMT"``). A date in the past gives 0.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        if seconds != seconds or seconds in (float("inf"), float("-inf")):
            return None
        return max(0.0, seconds)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    reference = now if now is not None else datetime.now(UTC)
    return max(0.0, (when - reference).total_seconds())


def backoff_delay(policy: RetryPolicy, attempt: int, rng: random.Random | None = None) -> float:
    """The full-jitter wait before retrying after failed attempt number ``attempt`` (1-based)."""
    ceiling = min(policy.backoff_max, policy.backoff_initial * 2 ** max(0, attempt - 1))
    return (rng or random).uniform(0.0, ceiling)


def retry_delay(
    policy: RetryPolicy,
    failure: Failure,
    attempt: int,
    *,
    retry_after: float | None,
    cooldown: float,
    remaining: float,
) -> float | None:
    """The pause before retrying after failed attempt ``attempt``, or ``None`` when the
    call must fail now: no attempts left, a ``Retry-After`` over the policy's
    ``max_retry_after``, or a wait past the ``remaining`` time of its deadline.

    After a 429 the limiter's ``cooldown`` holds every call back (nothing more to sleep:
    0); the server's ``Retry-After``, when longer, still decides whether to wait at all.
    """
    if attempt >= policy.max_attempts:
        return None
    if failure is Failure.RATE_LIMITED:
        asked = cooldown if retry_after is None else max(cooldown, retry_after)
        return None if asked > policy.max_retry_after or cooldown > remaining else 0.0
    wait = backoff_delay(policy, attempt)
    if retry_after is not None:
        if retry_after > policy.max_retry_after:
            return None
        wait = max(wait, retry_after)
    return None if wait > remaining else wait
