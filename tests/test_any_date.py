"""No test depends on the date or the time of day.

The tests whose worlds and periods come from the clock (audit-log requests of "the last
month", idle days, the demo's audit section, windows of the last N days) run again in a
pytest whose wall clock is pinned (``--pin-now``, time-machine: ``datetime.now``,
``time.time`` and the emulator's default world clock all move) at the instants where a
calendar computed from the clock goes wrong: just after a month and a year begin, on a
leap day, and a minute before a year ends.
"""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine

from airtable_enterprise.jobs.audit_requests import check_time_period
from airtable_enterprise.testing import generate_enterprise
from airtable_enterprise.testing.world.jobs import period_bounds

from .helpers import last_full_month

ROOT = Path(__file__).resolve().parents[1]

INSTANTS = [
    "2027-01-01T00:30:00+00:00",  # the 1st of a month (and of a year), 00:30
    "2028-02-29T12:00:00+00:00",  # a leap day
    "2026-12-31T23:59:00+00:00",  # a minute before the year ends
]

#: The tests that read the emulator's world clock or ask for a period or a window.
DATE_SENSITIVE = [
    "tests/test_any_date.py::test_the_clock_is_pinned_when_asked",
    "tests/cli/test_jobs_commands.py::test_audit_requests_create_list_get_and_stream_events",
    "tests/cli/test_single_objects.py::test_single_object_commands_print_an_object",
    "tests/cli/test_commands.py::test_users_inactive_lists_never_and_long_idle_users_only",
    "tests/cli/test_demo.py",
    "tests/jobs/test_audit_requests.py",
    "tests/integration/test_spec_audit_examples.py",
    "tests/audit/test_backfill.py::test_against_the_emulator_parallel_equals_sequential[asyncio]",
    # Its period is the world's yesterday too, but it costs 20 s a run (tracemalloc).
    "--deselect",
    "tests/jobs/test_audit_requests.py::test_streaming_a_large_multi_file_request_keeps_memory_bounded",
]


@pytest.mark.parametrize("instant", INSTANTS)
def test_the_date_sensitive_tests_pass_at_awkward_instants(instant: str) -> None:
    pytest_argv = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q"]
    result = subprocess.run(
        [*pytest_argv, "--pin-now", instant, *DATE_SENSITIVE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert re.fullmatch(r"\d+ passed(, \d+ deselected)? in .*", summary), summary  # no skip


def test_the_clock_is_pinned_when_asked(request: pytest.FixtureRequest) -> None:
    pinned = request.config.getoption("--pin-now")
    if not pinned:
        pytest.skip("checks --pin-now (test_the_date_sensitive_tests_pass_at_awkward_instants)")
    now = datetime.now(UTC)  # wall-clock ok: checks that the pin moved it
    assert timedelta(0) <= now - datetime.fromisoformat(pinned) < timedelta(minutes=10)
    assert generate_enterprise(seed=1, users=2, events=0).now() >= datetime.fromisoformat(pinned)


@pytest.mark.parametrize("instant", INSTANTS)
def test_the_last_full_month_is_a_requestable_month_full_of_events(instant: str) -> None:
    with time_machine.travel(datetime.fromisoformat(instant), tick=False):
        world = generate_enterprise(seed=2, users=5, events=3_000, changes=0)
        now = world.now()
        assert now == datetime.fromisoformat(instant)
        period = last_full_month(now)
        assert check_time_period(period) == period  # the client's check, on the real date
        start, end = period_bounds(period)
    assert end <= now
    assert end - start >= timedelta(days=28)
    first, after = start.timestamp() * 1000, end.timestamp() * 1000
    in_period = [e for e in world.audit if first <= e.timestamp_ms < after]
    assert len(in_period) > 3_000 * 28 // 180 // 2  # a month's share of the 180 days, roughly
