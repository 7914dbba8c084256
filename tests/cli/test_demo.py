"""The demo's report: admins ordered by how long they have been idle, and where the
generated users went."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from airtable_enterprise.cli.demo import longest_idle_admins, users_by_account
from airtable_enterprise.testing import generate_enterprise

from .conftest import Invoke

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def admin(name: str, idle_days: int | None, *, deactivated: bool = False) -> SimpleNamespace:
    last = None if idle_days is None else NOW - timedelta(days=idle_days, hours=1)
    return SimpleNamespace(
        name=name, is_admin=True, is_deactivated=deactivated, last_activity_time=last
    )


def test_an_admin_idle_0_days_is_not_sorted_as_never_active() -> None:
    users = [
        admin("today", 0),
        admin("never", None),
        admin("month", 30),
        admin("gone", 400, deactivated=True),
        SimpleNamespace(
            name="not admin", is_admin=False, is_deactivated=False, last_activity_time=None
        ),
        admin("week", 7),
    ]
    assert [u.name for u in longest_idle_admins(users)] == [
        "never",
        "month",
        "week",
        "today",
        "gone",
    ]


def test_users_by_account_explains_the_reports_count() -> None:
    world = generate_enterprise(seed=1, users=300, events=0, descendants=1)
    line = users_by_account(world, world.root_id)
    numbers = re.findall(r"\d+", line.replace(world.root_id, ""))
    listed, total, members, guests, descendants, outside = map(int, numbers[:6])
    # The report counts the enterprise's userIds: members and guests from the descendant.
    assert listed == len(world.account_user_ids(world.root_id))
    assert total == 300
    assert members == sum(u.account_id == world.root_id for u in world.users.values())
    assert members + guests == listed
    assert members + guests + outside == total
    assert guests > 0
    assert outside > 0
    assert descendants == 1
    assert "descendant account" in line
    alone = generate_enterprise(seed=1, users=50, events=0, descendants=0)
    assert users_by_account(alone, alone.root_id) == f"all 50 users belong to {alone.root_id}"


@pytest.mark.parametrize("tty", [False, True], ids=["piped", "terminal"])
def test_the_demo_explains_the_user_count_and_never_splits_emails(
    invoke: Invoke, invoke_tty: Invoke, tty: bool
) -> None:
    args = ["demo", "--in-process", "--users", "120", "--events", "300", "--latency-ms", "0"]
    result = (invoke_tty if tty else invoke)([*args, "--jitter-ms", "0"], env={"COLUMNS": "60"})
    assert result.exit_code == 0, result.output
    assert "descendant account" in result.stderr
    # The note's count of users in the report is the report's own.
    [in_report] = re.findall(r"(\d+) of the \d+ users in the report", result.stderr)
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", result.stdout)
    [reported] = re.findall(r"Enterprise ent\w+: (\d+) users", text)
    assert in_report == reported
    assert "Audit log: 300 events in" in text  # the whole log, whatever the date
    for line in text.splitlines():
        for fragment in re.findall(r"[\w.+-]+@[\w.-]*", line):
            assert re.fullmatch(r"[\w.+-]+@[\w-]+(\.[\w-]+)*\.example", fragment), line
