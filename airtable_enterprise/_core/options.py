"""The constructor checks of :class:`~airtable_enterprise.AsyncApi`'s tuning options.

Each bad value is an :class:`~airtable_enterprise.InvalidInputError` naming the argument,
raised before any connection is made.
"""

from __future__ import annotations

import math

from .. import errors
from .retry import RetryPolicy

__all__ = ["check_options"]


def check_options(
    *,
    max_concurrency: object,
    requests_per_second: object,
    base_requests_per_second: object,
    retry: object,
    user_agent: object,
    rate_limit_headroom: object,
    rate_limit_cooldown: object,
    redis_fallback_share: object,
    redis_fail_closed_timeout: object = 30.0,
    limiter: object = None,
    store: bool = False,
) -> None:
    """Refuse a bad tuning option of ``AsyncApi(...)`` (the arguments of the same names)."""
    if isinstance(max_concurrency, bool) or not isinstance(max_concurrency, int):
        raise errors.InvalidInputError("max_concurrency", max_concurrency, "must be an int")
    if max_concurrency < 1:
        raise errors.InvalidInputError("max_concurrency", max_concurrency, "must be >= 1")
    for name, value in (
        ("requests_per_second", requests_per_second),
        ("base_requests_per_second", base_requests_per_second),
    ):
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not 0 < value < math.inf
        ):
            raise errors.InvalidInputError(name, value, "must be a positive finite number")
    if retry is not None and not isinstance(retry, RetryPolicy):
        raise errors.InvalidInputError("retry", retry, "must be a RetryPolicy")
    if user_agent is not None and not (
        isinstance(user_agent, str) and user_agent.isascii() and user_agent.isprintable()
    ):
        # A header value: printable ASCII (h11 refuses CR/LF only when sending).
        raise errors.InvalidInputError(
            "user_agent", user_agent, "must be a one-line printable ASCII string"
        )
    if not (isinstance(rate_limit_headroom, int | float) and 0 <= rate_limit_headroom < 1):
        raise errors.InvalidInputError(
            "rate_limit_headroom", rate_limit_headroom, "must be a number in [0, 1)"
        )
    if (
        isinstance(rate_limit_cooldown, bool)
        or not isinstance(rate_limit_cooldown, int | float)
        or not 0 <= rate_limit_cooldown < math.inf
    ):
        raise errors.InvalidInputError(
            "rate_limit_cooldown", rate_limit_cooldown, "must be a finite number >= 0"
        )
    if not (isinstance(redis_fallback_share, int | float) and 0 < redis_fallback_share <= 1):
        raise errors.InvalidInputError(
            "redis_fallback_share", redis_fallback_share, "must be a number in (0, 1]"
        )
    if (
        isinstance(redis_fail_closed_timeout, bool)
        or not isinstance(redis_fail_closed_timeout, int | float)
        or not 0 <= redis_fail_closed_timeout < math.inf
    ):
        raise errors.InvalidInputError(
            "redis_fail_closed_timeout", redis_fail_closed_timeout, "must be a finite number >= 0"
        )
    if limiter is not None and store:
        # The token's limit would stay in this process while the bases' are shared.
        raise errors.InvalidInputError(
            "limiter", limiter, "pass limiter or a store (redis_url, redis_client), not both"
        )
