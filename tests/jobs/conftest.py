"""Fixtures for the job and change-feed tests: an emulator whose world clock the test
moves, so jobs finish and links expire without waiting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from airtable_enterprise.testing import Emulator, generate_enterprise


class ManualClock:
    """A world clock that moves ``step`` seconds each time it is read (so polling makes
    jobs progress) and jumps with :meth:`advance`."""

    def __init__(self, start: datetime | None = None, step: float = 0.0) -> None:
        # wall-clock ok: the world starts at the real now because the client checks an
        # audit-log request's period against the real date (check_time_period); the
        # tests take their periods from this clock (tests/helpers.py: last_full_month).
        self.now = start or datetime.now(UTC)  # wall-clock ok
        self.step = timedelta(seconds=step)

    def __call__(self) -> datetime:
        self.now += self.step
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> ManualClock:
    """Starts at the real now; each read moves it 1 s."""
    return ManualClock(step=1.0)


@pytest.fixture
def emulator(clock: ManualClock) -> Emulator:
    """A small enterprise whose jobs take 20 s of world time (about 20 reads)."""
    world = generate_enterprise(seed=5, users=30, events=2000, clock=clock)
    return Emulator(world, job_duration=20, audit_events_per_file=50)
