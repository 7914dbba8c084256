"""``users deactivate|reactivate`` and the whole leaver: ``users offboard --deactivate
--revoke-tokens``."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from airtable_enterprise.cli._access_file import read_rows
from airtable_enterprise.testing import Emulator, StatusFault
from airtable_enterprise.testing.world.state import Grant, User, World

from .conftest import Invoke


def leaver(emulator: Emulator) -> User:
    """An internal, managed root-account user with grants, groups and an active token,
    who is no workspace's sole owner."""
    world = emulator.world
    sole = {o[0] for w in world.workspaces.values() if len(o := world.owners(w)) == 1}
    for user in world.users.values():
        if (
            user.id != emulator.admin_id
            and user.id not in sole
            and user.account_id == world.root_id
            and world.is_internal(user)
            and user.is_managed
            and user.state == "provisioned"
            and any(user.id in g.members for g in world.groups.values())
            and any(
                t.user_id == user.id and t.state == "active" for t in world.access_tokens.values()
            )
            and world.holders_of([user.id])
        ):
            return user
    raise AssertionError("no suitable leaver in the generated world")


def access_left(world: World, user: User) -> dict[str, list[str]]:
    return {
        "grants": [holder.id for holder, grants in world.grant_holders() if user.id in grants],
        "groups": [g.id for g in world.groups.values() if user.id in g.members],
        "tokens": [
            t.id
            for t in world.access_tokens.values()
            if t.user_id == user.id and t.state == "active"
        ],
    }


def test_the_leaver_leaves_nothing_behind_and_a_second_run_changes_nothing(
    invoke: Invoke, emulator: Emulator
) -> None:
    world = emulator.world
    user = leaver(emulator)
    before = access_left(world, user)
    assert all(before.values())
    args = ["users", "offboard", user.email, "--deactivate", "--revoke-tokens", "--descendants"]
    result = invoke([*args, "--yes", "-f", "jsonl"])
    assert result.exit_code == 0, result.output
    preview = [json.loads(line) for line in result.stdout.splitlines()]
    changes = {(row["change"], row["id"]) for row in preview}
    assert {("leave group", g) for g in before["groups"]} <= changes
    assert {("revoke", t) for t in before["tokens"]} <= changes
    assert ("deactivate", user.id) in changes
    assert user.state == "deactivated"
    assert access_left(world, user) == {"grants": [], "groups": [], "tokens": []}

    events = len(world.audit)
    again = invoke([*args, "--yes", "-f", "jsonl"])
    assert again.exit_code == 0, again.output
    assert again.stdout == ""
    assert "Nothing to do" in again.stderr
    assert len(world.audit) == events  # no write reached the server


def test_one_preview_and_one_confirmation_and_no_changes_when_refused(
    invoke: Invoke, emulator: Emulator
) -> None:
    user = leaver(emulator)
    before = access_left(emulator.world, user)
    args = ["users", "offboard", user.id, "--deactivate", "--revoke-tokens", "-f", "jsonl"]
    result = invoke(args, input="n\n")
    assert result.exit_code == 1
    assert result.stderr.count("Offboard ") == 1
    assert user.state == "provisioned"
    assert access_left(emulator.world, user) == before


def test_the_tokens_own_user_is_never_offboarded(invoke: Invoke, emulator: Emulator) -> None:
    me = emulator.world.users[emulator.admin_id]
    before = access_left(emulator.world, me)
    result = invoke(["users", "offboard", me.id, "--revoke-tokens", "--deactivate", "--yes"])
    assert result.exit_code == 2, result.output
    assert "token's own user" in result.stderr
    assert access_left(emulator.world, me) == before
    assert me.state == "provisioned"


def test_deactivate_then_reactivate_by_id_and_email(invoke: Invoke, emulator: Emulator) -> None:
    world = emulator.world
    people = [
        u
        for u in world.users.values()
        if u.id != emulator.admin_id
        and world.is_internal(u)
        and u.is_managed
        and u.state == "provisioned"
        and u.account_id == world.root_id
    ][:2]
    names = [people[0].id, people[1].email.upper()]
    result = invoke(["users", "deactivate", *names, "--yes", "-f", "jsonl"])
    assert result.exit_code == 0, result.output
    assert [u.state for u in people] == ["deactivated", "deactivated"]
    again = invoke(["users", "deactivate", *names, "--yes", "-f", "jsonl"])
    assert again.exit_code == 0, again.output
    assert [json.loads(line)["change"] for line in again.stdout.splitlines()] == [
        "none: already deactivated"
    ] * 2
    assert "0 user(s) deactivated" in again.stderr
    back = invoke(["users", "reactivate", *names, "--yes"])
    assert back.exit_code == 0, back.output
    assert [u.state for u in people] == ["provisioned", "provisioned"]


def test_deactivate_skips_the_tokens_own_user(invoke: Invoke, emulator: Emulator) -> None:
    result = invoke(["users", "deactivate", emulator.admin_id, "--yes", "-f", "jsonl"])
    assert result.exit_code == 0, result.output
    [row] = [json.loads(line) for line in result.stdout.splitlines()]
    assert row["change"] == "skip: the token's own user"
    assert emulator.world.users[emulator.admin_id].state == "provisioned"


@pytest.mark.parametrize("command", ["deactivate", "reactivate"])
def test_an_unknown_user_stops_before_any_change(
    invoke: Invoke, emulator: Emulator, command: str
) -> None:
    user = next(u for u in emulator.world.users.values() if u.id != emulator.admin_id)
    state = user.state
    result = invoke(["users", command, user.id, "nobody@nowhere.example", "--yes"])
    assert result.exit_code == 5, result.output
    assert user.state == state


def test_deactivate_dry_run_changes_nothing(invoke: Invoke, emulator: Emulator) -> None:
    user = next(
        u
        for u in emulator.world.users.values()
        if u.id != emulator.admin_id and u.state == "provisioned"
    )
    result = invoke(["users", "deactivate", user.email, "--dry-run", "-f", "jsonl"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["change"] == "provisioned -> deactivated"
    assert user.state == "provisioned"


@pytest.mark.parametrize("kind", ["external", "unmanaged"])
def test_a_user_that_cannot_be_deactivated_is_refused_before_anything(
    invoke: Invoke, emulator: Emulator, kind: str
) -> None:
    world = emulator.world
    user = emulator.make_user(external=kind == "external", managed=kind != "unmanaged")
    emulator.make_group(members=[user])
    workspace = next(iter(world.workspaces.values()))
    workspace.grants[user.id] = Grant(user.id, "read", world.now(), emulator.admin_id)
    result = invoke(["users", "offboard", user.id, "--deactivate", "--yes"])
    assert result.exit_code == 2, result.output
    assert "cannot be deactivated" in result.stderr
    assert user.id in workspace.grants  # nothing was removed either


def test_an_email_typed_in_nfd_names_the_same_user_everywhere(
    invoke: Invoke, emulator: Emulator, tmp_path: Path
) -> None:
    domain = sorted(emulator.world.root.email_domains)[0]
    user = emulator.make_user(f"zoé.dupont@{domain}")  # stored in NFC, as Airtable does
    typed = unicodedata.normalize("NFD", user.email).upper()
    assert typed.casefold() != user.email.casefold()
    review = invoke(["access-review", "-o", str(tmp_path / "r.jsonl"), "--user", typed])
    assert review.exit_code == 0, review.output
    rows = {row.user_id for row in read_rows(tmp_path / "r.jsonl")}
    assert rows == {user.id}
    result = invoke(["users", "deactivate", typed, "--yes", "-f", "jsonl"])
    assert result.exit_code == 0, result.output
    assert user.state == "deactivated"
    offboard = invoke(["users", "offboard", typed, "--dry-run", "-f", "jsonl"])
    assert offboard.exit_code == 0, offboard.output


def test_a_half_failed_leaver_says_what_was_done_and_a_rerun_finishes_it(
    invoke: Invoke, emulator: Emulator
) -> None:
    user = leaver(emulator)
    emulator.faults.add(rf"/users/{user.id}$", StatusFault(403), method="PATCH")
    args = ["users", "offboard", user.id, "--deactivate", "--revoke-tokens", "--yes"]
    first = invoke([*args, "-f", "jsonl"])
    assert first.exit_code == 1, first.output
    # The removal and the tokens were applied: the run says so, and names what failed.
    assert "change(s) applied" in first.stderr
    assert "could not finish: deactivate" in first.stderr
    assert user.state == "provisioned"
    assert access_left(emulator.world, user)["tokens"] == []
    second = invoke([*args, "-f", "jsonl"])
    assert second.exit_code == 0, second.output
    changes = [json.loads(line)["change"] for line in second.stdout.splitlines()]
    assert [c for c in changes if not c.startswith("kept")] == ["deactivate"]
    assert user.state == "deactivated"
    third = invoke([*args, "-f", "jsonl"])
    assert third.exit_code == 0, third.output
    assert "Nothing to do" in third.stderr


def test_the_preview_lists_the_descendant_groups_a_removal_without_descendants_keeps(
    invoke: Invoke, emulator: Emulator
) -> None:
    world = emulator.world
    user = leaver(emulator)
    theirs = {
        g.id
        for g in world.groups.values()
        if user.id in g.members and g.account_id != world.root_id
    }
    assert theirs  # the generated leaver is in a descendant account's group
    result = invoke(["users", "offboard", user.id, "--dry-run", "-f", "jsonl"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    kept = {r["id"] for r in rows if r["kind"] == "group" and r["change"].startswith("kept")}
    assert kept == theirs
    assert "pass --descendants" in result.stderr
