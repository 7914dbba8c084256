"""``airtable-enterprise scim ...`` against the in-process emulator."""

from __future__ import annotations

import json
from pathlib import Path

from airtable_enterprise.testing import Emulator
from airtable_enterprise.testing.http.scim_views import scim_users

from .conftest import Invoke


def jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def domain_of(emulator: Emulator) -> str:
    return next(iter(emulator.world.root.email_domains))


def test_users_list_get_create_deactivate_reactivate_delete(
    invoke: Invoke, emulator: Emulator
) -> None:
    listed = jsonl(invoke(["scim", "users", "list", "-f", "jsonl"]).stdout)
    assert len(listed) == len(scim_users(emulator.world))
    email = f"cli.person@{domain_of(emulator)}"
    created = invoke(
        [
            "scim",
            "users",
            "create",
            email,
            "--first-name",
            "Cli",
            "--last-name",
            "Person",
            "--department",
            "Ops",
            "-f",
            "jsonl",
        ]
    )
    assert created.exit_code == 0, created.output
    [doc] = jsonl(created.stdout)
    user_id = doc["id"]
    assert doc["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"] == {
        "department": "Ops"
    }
    assert invoke(["scim", "users", "deactivate", user_id]).exit_code == 0
    assert emulator.world.users[user_id].state == "deactivated"
    assert invoke(["scim", "users", "reactivate", user_id]).exit_code == 0
    [got] = jsonl(invoke(["scim", "users", "get", user_id, "-f", "jsonl"]).stdout)
    assert got["active"] is True
    found = jsonl(invoke(["scim", "users", "list", "--user-name", email, "-f", "jsonl"]).stdout)
    assert [u["id"] for u in found] == [user_id]
    assert invoke(["scim", "users", "delete", user_id]).exit_code == 0
    missing = invoke(["scim", "users", "get", user_id])
    assert missing.exit_code == 5
    unknown = invoke(["scim", "users", "get", "someone@example.com"])
    assert unknown.exit_code == 5
    assert "no user 'someone@example.com' in SCIM" in unknown.stderr
    bad = invoke(["scim", "users", "get", "not-an-id"])
    assert bad.exit_code == 2
    assert "invalid USER" in bad.stderr  # the CLI's name for the argument, not Python's


def test_users_get_deactivate_reactivate_delete_take_an_email(
    invoke: Invoke, emulator: Emulator
) -> None:
    person, other = [u for u in scim_users(emulator.world) if u.id != emulator.admin_id][3:5]
    typed = f"  {person.email.upper()}".strip()  # another case: the same user
    [got] = jsonl(invoke(["scim", "users", "get", typed, "-f", "jsonl"]).stdout)
    assert got["id"] == person.id
    assert invoke(["scim", "users", "deactivate", typed, other.id]).exit_code == 0
    assert {emulator.world.users[u].state for u in (person.id, other.id)} == {"deactivated"}
    assert invoke(["scim", "users", "reactivate", person.email]).exit_code == 0
    assert emulator.world.users[person.id].state == "provisioned"
    # An unknown email anywhere in the list: exit 5 before any change.
    missing = invoke(["scim", "users", "deactivate", person.email, "nobody@nowhere.example"])
    assert missing.exit_code == 5
    assert "nobody@nowhere.example" in missing.stderr
    assert emulator.world.users[person.id].state == "provisioned"
    assert invoke(["scim", "users", "delete", person.email]).exit_code == 0
    assert invoke(["scim", "users", "get", person.email]).exit_code == 5


def test_groups_commands(invoke: Invoke, emulator: Emulator) -> None:
    [group] = jsonl(invoke(["scim", "groups", "create", "CLI crew", "-f", "jsonl"]).stdout)
    users = [u.id for u in scim_users(emulator.world)[:3]]
    added = invoke(["scim", "groups", "add-members", group["id"], *users, "-f", "jsonl"])
    assert jsonl(added.stdout)[0]["members"] == [{"value": u} for u in users]
    removed = invoke(["scim", "groups", "remove-members", group["id"], users[0], "-f", "jsonl"])
    assert [m["value"] for m in jsonl(removed.stdout)[0]["members"]] == users[1:]
    [shown] = jsonl(invoke(["scim", "groups", "show", group["id"], "-f", "jsonl"]).stdout)
    assert shown["displayName"] == "CLI crew"
    listed = jsonl(invoke(["scim", "groups", "list", "--name", "CLI crew", "-f", "jsonl"]).stdout)
    assert [g["id"] for g in listed] == [group["id"]]
    assert invoke(["scim", "groups", "delete", group["id"]]).exit_code == 0
    gone = invoke(["scim", "groups", "show", group["id"]])
    assert gone.exit_code == 5  # Airtable's 400 "invalid group ID" is a not-found
    assert "invalid group ID" in gone.stderr


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "people.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_sync_bad_rows_stop_before_anything_is_sent(
    invoke: Invoke, emulator: Emulator, tmp_path: Path
) -> None:
    domain = domain_of(emulator)
    path = write(
        tmp_path,
        "email,first name,last name,active,groups\n"
        f"ok@{domain},Ok,Person,true,\n"
        "nope,No,Email,true,\n"
        "x@elsewhere.example,For,Eign,true,\n"
        f"OK@{domain},Dup,Licate,true,\n",
    )
    before = emulator.stats.requests
    result = invoke(["scim", "sync", "--from", str(path), "--yes"])
    assert result.exit_code == 2
    assert "line 3: nope: not a valid email address" in result.stderr
    assert "line 4: x@elsewhere.example" in result.stderr
    assert "line 5: OK@" in result.stderr
    assert "3 bad row(s)" in result.stderr
    assert "nothing was sent" in result.stderr
    # Only the enterprise's domains were read; no SCIM request, no write.
    assert emulator.stats.routes.get("GET /scim/v2/Users", 0) == 0
    assert emulator.stats.requests - before <= 1
    # With --domain, not even that.
    offline = invoke(["scim", "sync", "--from", str(path), "--domain", domain, "--yes"])
    assert offline.exit_code == 2
    assert emulator.stats.requests - before <= 1


def test_sync_plan_dry_run_confirm_apply_and_second_run(
    invoke: Invoke, emulator: Emulator, tmp_path: Path
) -> None:
    domain = domain_of(emulator)
    leaver = scim_users(emulator.world)[1]
    path = write(
        tmp_path,
        "email,first name,last name,active,groups,title\n"
        f"new.hire@{domain},New,Hire,true,Platform;Infra,Engineer\n"
        f"{leaver.email},{leaver.first_name},{leaver.last_name},false,,\n",
    )
    dry = invoke(["scim", "sync", "--from", str(path), "--dry-run", "-f", "jsonl"])
    assert dry.exit_code == 0, dry.output
    plan = jsonl(dry.stdout)
    assert {(c["action"], c["subject"]) for c in plan} >= {
        ("create user", f"new.hire@{domain}"),
        ("deactivate user", leaver.email),
        ("create group", "Platform"),
        ("add members", "Infra"),
    }
    assert emulator.world.user_by_email(f"new.hire@{domain}") is None
    declined = invoke(["scim", "sync", "--from", str(path), "-f", "jsonl"], input="n\n")
    assert declined.exit_code == 1  # aborted
    assert emulator.world.user_by_email(f"new.hire@{domain}") is None
    applied = invoke(["scim", "sync", "--from", str(path), "-f", "jsonl"], input="y\n")
    assert applied.exit_code == 0, applied.output
    assert "0 failed" in applied.stderr
    hire = emulator.world.user_by_email(f"new.hire@{domain}")
    assert hire is not None
    assert emulator.world.scim.of(hire.id).title == "Engineer"
    assert emulator.world.users[leaver.id].state == "deactivated"
    assert {g.name for g in emulator.world.groups.values() if hire.id in g.members} == {
        "Platform",
        "Infra",
    }
    again = invoke(["scim", "sync", "--from", str(path), "--yes", "-f", "jsonl"])
    assert again.exit_code == 0
    assert again.stdout.strip() == ""
    assert "Nothing to change" in again.stderr


def test_sync_exit_status_reports_a_failed_row(
    invoke: Invoke, emulator: Emulator, tmp_path: Path
) -> None:
    domain = domain_of(emulator)
    emulator.make_user(f"taken@{domain}", managed=False)  # SCIM cannot create it: 409
    path = write(
        tmp_path,
        f"email,first name,last name\ntaken@{domain},Tak,En\nfine@{domain},Fi,Ne\n",
    )
    result = invoke(["scim", "sync", "--from", str(path), "--yes", "-f", "jsonl"])
    assert result.exit_code == 1
    assert f"FAILED line 2: create user taken@{domain}" in result.stderr
    assert "1 change(s) failed" in result.stderr
    assert emulator.world.user_by_email(f"fine@{domain}") is not None


def test_sync_deactivate_missing(invoke: Invoke, emulator: Emulator, tmp_path: Path) -> None:
    keep = scim_users(emulator.world)[0]
    path = write(
        tmp_path, f"email,first name,last name\n{keep.email},{keep.first_name},{keep.last_name}\n"
    )
    result = invoke(
        ["scim", "sync", "--from", str(path), "--deactivate-missing", "--yes", "-f", "jsonl"]
    )
    assert result.exit_code == 0, result.output
    states = {u.id: u.state for u in scim_users(emulator.world)}
    assert states.pop(keep.id) == "provisioned"
    assert set(states.values()) == {"deactivated"}
