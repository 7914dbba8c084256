"""Every command against the in-process emulator, its output parsed back."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest

from airtable_enterprise.testing import Emulator

from .conftest import Invoke


def jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_the_emulator_says_so(invoke: Invoke, emulator: Emulator) -> None:
    result = invoke(["info", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert "EMULATOR" in result.stderr
    found = json.loads(result.stdout)
    assert found["id"] == emulator.enterprise_id
    assert sorted(found["userIds"]) == sorted(
        json.loads(invoke(["info", "-f", "jsonl"]).stdout)["userIds"]
    )


def test_info_csv_has_the_counts(invoke: Invoke, emulator: Emulator) -> None:
    result = invoke(["info", "--format", "csv"])
    assert result.exit_code == 0
    [row] = list(csv.DictReader(io.StringIO(result.stdout)))
    assert row["id"] == emulator.enterprise_id
    assert int(row["users"]) > 0
    assert int(row["workspaces"]) > 0


def test_piped_output_defaults_to_json_lines(invoke: Invoke) -> None:
    result = invoke(["users", "export"])
    assert result.exit_code == 0
    assert all(record["id"].startswith("usr") for record in jsonl(result.stdout))


def test_users_get_by_id_and_email(invoke: Invoke, emulator: Emulator) -> None:
    users = list(emulator.world.users.values())
    first, second = users[1], users[2]
    result = invoke(["users", "get", first.id, second.email.upper()])
    assert result.exit_code == 0, result.output
    found = jsonl(result.stdout)
    assert [u["id"] for u in found] == [first.id, second.id]
    assert "collaborations" in found[0]


def test_users_get_reports_missing_users_with_exit_5(invoke: Invoke, emulator: Emulator) -> None:
    known = next(iter(emulator.world.users.values()))
    result = invoke(["users", "get", known.id, "nobody@nowhere.example"])
    assert result.exit_code == 5
    assert [u["id"] for u in jsonl(result.stdout)] == [known.id]
    assert "nobody@nowhere.example" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "json"])
def test_users_export_lists_every_user_once(
    invoke: Invoke, emulator: Emulator, fmt: str, tmp_path: Path
) -> None:
    out = tmp_path / f"users.{fmt}"
    result = invoke(["users", "export", "--collaborations", "--format", fmt, "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    if fmt == "jsonl":
        ids = [u["id"] for u in jsonl(text)]
    elif fmt == "json":
        ids = [u["id"] for u in json.loads(text)]
    else:
        rows = list(csv.DictReader(io.StringIO(text)))
        assert {"workspaces", "bases", "interfaces"} <= set(rows[0])
        ids = [row["id"] for row in rows]
    expected = json.loads(invoke(["info", "-f", "json"]).stdout)["userIds"]
    assert sorted(ids) == sorted(expected)
    assert f"{len(ids)} users written" in result.stderr


def test_users_inactive_lists_never_and_long_idle_users_only(
    invoke: Invoke, emulator: Emulator
) -> None:
    now = emulator.world.now()
    never = emulator.make_user(last_activity_time=None)
    idle = emulator.make_user(last_activity_time=now - timedelta(days=200))
    active = emulator.make_user(last_activity_time=now - timedelta(days=2))
    gone = emulator.make_user(last_activity_time=None, state="deactivated")
    result = invoke(["users", "inactive", "--days", "120"])
    assert result.exit_code == 0, result.output
    found = {u["id"]: u for u in jsonl(result.stdout)}
    assert never.id in found
    assert idle.id in found
    assert active.id not in found
    assert gone.id not in found
    assert found[never.id]["daysInactive"] is None
    assert found[idle.id]["daysInactive"] >= 199
    for user in found.values():
        assert user["state"] == "provisioned"
        assert user["daysInactive"] is None or user["daysInactive"] >= 120
    with_deactivated = invoke(["users", "inactive", "--days", "120", "--include-deactivated"])
    assert gone.id in {u["id"] for u in jsonl(with_deactivated.stdout)}


def _owner_with_grants(emulator: Emulator) -> tuple[str, str]:
    """An internal, non-admin user with collaborations, and a replacement admin."""
    world = emulator.world
    for workspace in world.workspaces.values():
        for grant_id in workspace.grants:
            user = world.users.get(grant_id)
            if user is not None and not user.is_admin and world.is_internal(user):
                return user.id, emulator.admin_id
    raise AssertionError("no collaborator in the generated world")


def _collaborations(invoke: Invoke, user_id: str) -> int:
    [user] = jsonl(invoke(["users", "get", user_id]).stdout)
    return sum(len(v) for v in user.get("collaborations", {}).values())


def test_users_offboard_dry_run_changes_nothing(invoke: Invoke, emulator: Emulator) -> None:
    user_id, admin_id = _owner_with_grants(emulator)
    before = _collaborations(invoke, user_id)
    result = invoke(["users", "offboard", user_id, "--replacement", admin_id, "--dry-run"])
    assert result.exit_code == 0, result.output
    rows = jsonl(result.stdout)
    assert any(row["change"] == "unshare" for row in rows)
    assert "Dry run" in result.stderr
    assert _collaborations(invoke, user_id) == before > 0


def test_users_offboard_asks_and_stops_on_no(invoke: Invoke, emulator: Emulator) -> None:
    user_id, admin_id = _owner_with_grants(emulator)
    before = _collaborations(invoke, user_id)
    result = invoke(["users", "offboard", user_id, "--replacement", admin_id], input="n\n")
    assert result.exit_code == 1
    assert "Offboard" in result.stderr
    assert _collaborations(invoke, user_id) == before


@pytest.mark.parametrize("consent", [["--yes"], []])
def test_users_offboard_removes_access(
    invoke: Invoke, emulator: Emulator, consent: list[str]
) -> None:
    user_id, admin_id = _owner_with_grants(emulator)
    args = ["users", "offboard", user_id, "--replacement", admin_id, *consent]
    result = invoke(args, input=None if consent else "y\n")
    assert result.exit_code == 0, result.output
    assert "Offboarded" in result.stderr
    assert _collaborations(invoke, user_id) == 0


def test_admins_list_grant_revoke(invoke: Invoke, emulator: Emulator) -> None:
    newcomer = emulator.make_user()
    admins = {u["id"] for u in jsonl(invoke(["admins", "list"]).stdout)}
    assert emulator.admin_id in admins
    assert newcomer.id not in admins

    granted = invoke(["admins", "grant", newcomer.email])
    assert granted.exit_code == 0, granted.output
    assert newcomer.id in {u["id"] for u in jsonl(invoke(["admins", "list"]).stdout)}

    again = invoke(["admins", "grant", newcomer.id])
    assert again.exit_code == 1
    assert "USER_ALREADY_ADMIN" in again.stderr

    revoked = invoke(["admins", "revoke", newcomer.id])
    assert revoked.exit_code == 0, revoked.output
    assert newcomer.id not in {u["id"] for u in jsonl(invoke(["admins", "list"]).stdout)}


def test_groups_show_one_row_per_group_or_member(invoke: Invoke, emulator: Emulator) -> None:
    group_ids = list(emulator.world.groups)[:2]
    result = invoke(["groups", "show", *group_ids, "-f", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [row["id"] for row in rows] == group_ids
    members = invoke(["groups", "show", *group_ids, "--members"])
    found = jsonl(members.stdout)
    expected = sum(len(emulator.world.groups[g].members) for g in group_ids)
    assert len(found) == expected == sum(int(row["members"]) for row in rows)
    assert {m["groupId"] for m in found} <= set(group_ids)


def test_workspaces_collaborators_and_move_base(invoke: Invoke, emulator: Emulator) -> None:
    world = emulator.world
    source = next(w for w in world.workspaces.values() if w.base_ids and w.grants)
    target = next(w for w in world.workspaces.values() if w.id != source.id)
    base_id = source.base_ids[0]

    result = invoke(["workspaces", "collaborators", source.id])
    assert result.exit_code == 0, result.output
    rows = jsonl(result.stdout)
    assert {row["id"] for row in rows if row["baseId"] is None} == set(source.grants)

    moved = invoke(["workspaces", "move-base", source.id, base_id, target.id, "--index", "0"])
    assert moved.exit_code == 0, moved.output
    assert base_id not in world.workspaces[source.id].base_ids
    assert world.workspaces[target.id].base_ids[0] == base_id


def test_audit_summary_counts_event_types(invoke: Invoke, emulator: Emulator) -> None:
    result = invoke(["audit", "summary", "--since", "180d", "--top", "3", "-f", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 3
    counts = [int(row["count"]) for row in rows]
    assert counts == sorted(counts, reverse=True)


def test_audit_tail_follows_events(invoke: Invoke, emulator: Emulator) -> None:
    result = invoke(
        ["audit", "tail", "--since", "30d", "--max-events", "5", "--poll-interval", "0.05"]
    )
    assert result.exit_code == 0, result.output
    events = jsonl(result.stdout)
    assert len(events) == 5
    stamps = [e["timestamp"] for e in events]
    assert stamps == sorted(stamps)
    assert "stopped after 5 events" in result.stderr


def test_audit_tail_stops_cleanly_on_ctrl_c(
    invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airtable_enterprise.cli import _output

    writes = 0
    original = _output.RecordWriter.write

    def write_then_interrupt(self: _output.RecordWriter, record: object) -> None:
        nonlocal writes
        original(self, record)
        writes += 1
        if writes == 3:
            raise KeyboardInterrupt

    monkeypatch.setattr(_output.RecordWriter, "write", write_then_interrupt)
    result = invoke(["audit", "tail", "--since", "30d", "--poll-interval", "0.05"])
    assert result.exit_code == 0, result.output
    assert len(jsonl(result.stdout)) == 3
    assert "stopped after" in result.stderr
    assert "Traceback" not in result.output


def test_emulator_serve_is_the_emulators_own_command(invoke: Invoke) -> None:
    from airtable_enterprise.testing import cli as emulator_cli

    result = invoke(["emulator", "serve", "--help"])
    assert result.exit_code == 0, result.output
    assert "--users" in result.stdout
    assert "[default: 5000" in result.stdout.replace("\n", " ").replace("  ", " ")
    from airtable_enterprise.cli.emulator import emulator

    assert emulator.commands["serve"] is emulator_cli.serve


def test_demo_runs_end_to_end_over_loopback(invoke: Invoke) -> None:
    result = invoke(
        ["demo", "--users", "80", "--events", "800", "--latency-ms", "1", "--jitter-ms", "1"]
    )
    assert result.exit_code == 0, result.output
    for heading in ("Inactive users", "Admins", "External collaborators", "Audit log", "HTTP 429"):
        assert heading in result.stdout
    assert "800 events" in result.stdout
