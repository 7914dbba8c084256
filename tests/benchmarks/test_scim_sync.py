"""The scim sync benchmark's HR file: it differs from the directory by exactly the
changes the workload announces."""

from __future__ import annotations

from collections import Counter

from airtable_enterprise.models.scim import ScimName, ScimUser
from airtable_enterprise.scim.people import read_people
from airtable_enterprise.scim.sync import Directory, plan_sync
from benchmarks.clients.scim import hr_file


def test_the_file_carries_exactly_the_announced_changes() -> None:
    users = tuple(
        ScimUser(
            id=f"usr{n:014d}",
            user_name=f"u{n}@example.com",
            active=n % 7 != 0,
            name=ScimName(given_name="U", family_name=str(n)),
        )
        for n in range(60)
    )
    rows = [(u.user_name, "U", u.family_name or "", u.is_active, "") for u in users]
    text = hr_file(rows, "example.com", new=5, updates=10, deactivations=4)
    people = read_people(text, domains={"example.com"})
    assert people.problems == ()
    changes = plan_sync(people, Directory(users, ()))
    assert Counter(c.action for c in changes) == {
        "create user": 5,
        "update user": 10,
        "deactivate user": 4,
    }
