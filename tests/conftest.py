"""Shared test configuration: every ``@pytest.mark.anyio`` test runs on asyncio and trio.

A test marked with :data:`tests.helpers.virtual_time` runs on trio with a ``MockClock``
that jumps ahead whenever every task sleeps: rate-limit cooldowns of 30 s take no time.

``pytest --pin-now 2027-01-01T00:30:00+00:00`` runs the tests with the process's wall
clock moved to that instant (and ticking on from it), as tests/test_any_date.py does to
prove that no test depends on the date or the time of day.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
import time_machine
import trio.testing


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--pin-now",
        metavar="ISO-8601",
        help="run with the wall clock moved to this aware instant (time-machine), ticking",
    )


def pytest_configure(config: pytest.Config) -> None:
    pinned = config.getoption("--pin-now")
    if pinned:
        instant = datetime.fromisoformat(pinned)
        if instant.tzinfo is None:
            raise pytest.UsageError("--pin-now needs an offset, e.g. 2027-01-01T00:30:00+00:00")
        traveller = time_machine.travel(instant, tick=True)
        traveller.start()
        config.add_cleanup(traveller.stop)


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> Any:
    if request.param == "trio-virtual-time":
        return ("trio", {"clock": trio.testing.MockClock(autojump_threshold=0)})
    return request.param
