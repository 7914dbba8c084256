"""An infinite rate is bad input, refused at once (it raised a raw OverflowError from
the limiter at the first request)."""

from __future__ import annotations

import math

import httpx
import pytest

from airtable_enterprise import AsyncApi, InvalidInputError, RateLimiter


@pytest.mark.parametrize("name", ["requests_per_second", "base_requests_per_second"])
@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan, 0])
def test_a_rate_that_is_not_a_positive_finite_number_is_refused(name: str, value: float) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={}))
    with pytest.raises(InvalidInputError, match="positive finite"):
        AsyncApi("patX.y", transport=transport, **{name: value})


def test_the_limiter_refuses_an_infinite_rate() -> None:
    with pytest.raises(ValueError, match="finite"):
        RateLimiter(math.inf)
