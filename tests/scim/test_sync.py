"""The HR-file sync: reading the file, planning, applying, and the property that after
apply the directory equals the file (hypothesis, on asyncio and trio)."""

from __future__ import annotations

import csv
import io
from typing import Any

import anyio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airtable_enterprise import AsyncApi
from airtable_enterprise.scim.people import People, Person, read_people
from airtable_enterprise.scim.sync import apply_sync, plan_sync, read_directory
from airtable_enterprise.testing import Emulator, generate_enterprise
from airtable_enterprise.testing.http.scim_views import scim_users
from airtable_enterprise.testing.world.state import GroupMember

HEADER = "email,first name,last name,active,groups,title,department,employee number\n"


def test_bad_rows_are_reported_with_their_line_numbers() -> None:
    text = HEADER + (
        "ann@ours.example,Ann,A,true,Sales,,,\n"
        "not-an-email,B,B,true,,,,\n"
        "ANN@ours.example,Ann,Again,true,,,,\n"
        "cy@theirs.example,Cy,C,true,,,,\n"
        "dee@ours.example,,D,true,,,,\n"
        "eve@ours.example,Eve,E,maybe,,,,\n"
        '"fay@ours.example",Fay,"F\nG",no,,,,\n'
        "gus@ours.example,Gus,G,no,,,,\n"
    )
    people = read_people(text, domains={"OURS.example"})
    assert [(p.line, p.reason.split(" (")[0]) for p in people.problems] == [
        (3, "not a valid email address"),
        (4, "duplicate email"),
        (5, "the domain 'theirs.example' is not one of the enterprise's"),
        (6, "the first name is empty"),
        (7, "active must be one of true, yes, y, 1, active"),
        (9, "the last name contains a control or bidi character"),  # "F\nG"
    ]
    assert "first on line 2" in people.problems[1].reason
    assert people.problems[4].reason.endswith("or empty (active); not 'maybe'")
    assert [(p.email, p.line, p.active) for p in people.people] == [
        ("ann@ours.example", 2, True),
        ("gus@ours.example", 10, False),
    ]
    assert people.people[0].groups == frozenset({"Sales"})
    assert people.people[0].title == ""  # the column exists: empty clears


def test_absent_optional_columns_are_left_alone() -> None:
    people = read_people("Email,First_Name,Last-Name\nann@x.example,Ann,A\n")
    [ann] = people.people
    assert (ann.active, ann.groups, ann.title, ann.department) == (True, None, None, None)
    assert people.has_groups is False
    with pytest.raises(ValueError, match="last"):
        read_people("email,first name\nann@x.example,Ann\n")


# ------------------------------------------------------------ against the emulator


def world_emulator() -> Emulator:
    return Emulator(generate_enterprise(seed=5, users=30, events=0))


async def sync(api: AsyncApi, people: People, *, deactivate_missing: bool = False) -> Any:
    directory = await read_directory(api.scim)
    changes = plan_sync(people, directory, deactivate_missing=deactivate_missing)
    reported: list[Any] = []
    outcomes = await apply_sync(api.scim, changes, directory, on_outcome=reported.append)
    assert reported == outcomes  # one report per outcome, split membership changes included
    return changes, outcomes


@pytest.mark.anyio
async def test_a_second_run_plans_nothing_and_failures_do_not_stop_the_others() -> None:
    emulator = world_emulator()
    domain = next(iter(emulator.world.root.email_domains))
    unmanaged = emulator.make_user(f"taken@{domain}", managed=False)
    existing = scim_users(emulator.world)[2]
    text = HEADER + (
        f"new1@{domain},New,One,true,Red;Blue,Eng,R&D,42\n"
        f"{unmanaged.email},Tak,En,true,Red,,,\n"  # 409: the email is an unmanaged user's
        f"{existing.email},{existing.first_name},{existing.last_name},false,Blue,,,\n"
        f"new2@{domain},New,Two,yes,,,,\n"
    )
    people = read_people(text, domains=emulator.world.root.email_domains)
    async with emulator.api() as api:
        changes, outcomes = await sync(api, people)
        failed = [o for o in outcomes if not o.ok]
        # The failed creation, and the one membership that needed it (not the others').
        assert sorted((o.change.action, o.change.line) for o in failed) == [
            ("add members", None),
            ("create user", 3),
        ]
        assert len(outcomes) == len(changes) + 1  # the membership change split in two
        new1 = await api.scim.user(f"new1@{domain}")
        assert new1 is not None
        assert new1.title == "Eng"
        assert new1.enterprise is not None
        assert new1.enterprise.employee_number == "42"
        assert emulator.world.users[existing.id].state == "deactivated"
        # Apart from the row that cannot apply, the second run has nothing to do.
        again, _ = await sync(
            api, read_people(text.replace(f"{unmanaged.email},Tak,En,true,Red,,,\n", ""))
        )
        assert again == []


# ------------------------------------------------------------ the property

NAMES = st.sampled_from(["Ann", "Bo", "Cy", "Di"])
GROUPS = st.sampled_from(["Red", "Blue", "Green"])


def person(index: int, domain: str, data: Any, has_title: bool) -> Person:
    return Person(
        email=f"p{index}@{domain}",
        given_name=data.draw(NAMES),
        family_name=data.draw(NAMES),
        active=data.draw(st.booleans()),
        groups=frozenset(data.draw(st.sets(GROUPS, max_size=2))),
        title=data.draw(st.sampled_from(["", "Eng", "Ops"])) if has_title else None,
        line=index + 2,
    )


def to_csv(people: list[Person], has_title: bool) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["email", "first name", "last name", "active", "groups"] + (["title"] if has_title else [])
    )
    for p in people:
        row = [
            p.email,
            p.given_name,
            p.family_name,
            str(p.active).lower(),
            ";".join(sorted(p.groups or ())),
        ]
        writer.writerow(row + ([p.title or ""] if has_title else []))
    return out.getvalue()


def assert_directory_equals_file(
    emulator: Emulator, people: People, deactivate_missing: bool
) -> None:
    world = emulator.world
    visible = {u.email.lower(): u for u in scim_users(world)}
    in_file = {p.key for p in people.people}
    for p in people.people:
        user = visible.get(p.key)
        if user is None:
            assert not p.active  # nobody is created only to be deactivated
            continue
        assert (user.first_name, user.last_name) == (p.given_name, p.family_name)
        assert (user.state == "provisioned") == p.active
        if p.title is not None:
            assert (world.scim.of(user.id).title or "") == p.title
        groups = {g.name for g in world.groups.values() if user.id in g.members}
        assert groups == set(p.groups or ())
    if deactivate_missing:
        for key, user in visible.items():
            if key not in in_file:
                assert user.state == "deactivated"


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_after_apply_the_directory_equals_the_file(backend: str, data: Any) -> None:
    emulator = Emulator(generate_enterprise(seed=data.draw(st.integers(0, 3)), users=12, events=0))
    world = emulator.world
    domain = next(iter(world.root.email_domains))
    # A random directory: some of the file's people already exist, in random states
    # and groups; some groups already exist.
    existing_groups = [emulator.make_group(name) for name in data.draw(st.sets(GROUPS))]
    has_title = data.draw(st.booleans())
    people = [person(i, domain, data, has_title) for i in range(data.draw(st.integers(1, 8)))]
    for p in people:
        if data.draw(st.booleans()):
            user = emulator.make_user(
                p.email,
                first_name=data.draw(NAMES),
                last_name="Old",
                state=data.draw(st.sampled_from(["provisioned", "deactivated"])),
            )
            for group in existing_groups:
                if data.draw(st.booleans()):
                    group.members[user.id] = GroupMember(user.id, "member", world.now())
    deactivate_missing = data.draw(st.booleans())
    parsed = read_people(to_csv(people, has_title), domains=world.root.email_domains)
    assert parsed.problems == ()

    async def main() -> None:
        async with emulator.api() as api:
            _, outcomes = await sync(api, parsed, deactivate_missing=deactivate_missing)
            assert all(o.ok for o in outcomes), [o.error for o in outcomes if not o.ok]
            again, _ = await sync(api, parsed, deactivate_missing=deactivate_missing)
            assert again == []

    anyio.run(main, backend=backend)
    assert_directory_equals_file(emulator, parsed, deactivate_missing)


@pytest.mark.anyio
async def test_read_directory_fetches_pages_concurrently_in_order() -> None:
    emulator = Emulator(generate_enterprise(seed=2, users=260, events=0))
    async with emulator.api() as api:
        directory = await read_directory(api.scim)
        walked = [user async for user in api.scim.users()]
    assert [u.id for u in directory.users] == [u.id for u in walked]
    assert len(directory.users) == len(scim_users(emulator.world)) > 200
    assert {g.id: g.member_ids for g in directory.groups} == {
        g.id: tuple(g.members) for g in emulator.world.groups.values()
    }
