"""Shared test configuration: every ``@pytest.mark.anyio`` test runs on asyncio and trio.

A test marked with :data:`tests.helpers.virtual_time` runs on trio with a ``MockClock``
that jumps ahead whenever every task sleeps: rate-limit cooldowns of 30 s take no time.
"""

from __future__ import annotations

from typing import Any

import pytest
import trio.testing


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> Any:
    if request.param == "trio-virtual-time":
        return ("trio", {"clock": trio.testing.MockClock(autojump_threshold=0)})
    return request.param
