"""Helpers shared by the test modules."""

from __future__ import annotations

import json
from bisect import bisect_left
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).parent / "fixtures"

#: Run an anyio test on trio's virtual clock only (see tests/conftest.py).
virtual_time = pytest.mark.parametrize("anyio_backend", ["trio-virtual-time"], indirect=True)


def load_fixture(name: str) -> Any:
    """A JSON payload from tests/fixtures (copied from the API reference's examples)."""
    return json.loads((FIXTURES / name).read_text())


def last_full_month(now: datetime) -> str:
    """``YYYY-MM`` of the month before ``now``'s: a whole month that lies in the 180 days
    a world generated at ``now`` spreads its audit events over, and that an audit-log
    request accepts, whatever the day and hour (the current month holds nothing at
    00:30 on the 1st)."""
    return (now.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")


def most_in_any_window(starts: list[float], window: float = 1.0) -> int:
    """The largest number of starts inside any half-open window [t, t + window)."""
    ordered = sorted(starts)
    return max(
        (bisect_left(ordered, s + window - 1e-9) - i for i, s in enumerate(ordered)), default=0
    )
