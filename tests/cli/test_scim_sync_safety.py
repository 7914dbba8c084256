"""`scim sync` against files that would do harm (issue 23 points 4, 5, 13; issue 26):
the token's own admin, admins, one email typed two ways, huge cells, HR-export headers,
the documented ``active`` values, and result lines when applying with ``-f jsonl``."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from airtable_enterprise.scim.people import FALSE_VALUES, TRUE_VALUES
from airtable_enterprise.testing import Emulator
from airtable_enterprise.testing.http.faults import DropConnection, StatusFault
from airtable_enterprise.testing.http.scim_views import scim_users

from .conftest import Invoke
from .test_scim import domain_of, jsonl, write


def test_a_row_saying_inactive_never_deactivates_the_tokens_own_admin(
    invoke: Invoke, emulator: Emulator, tmp_path: Path
) -> None:
    admin = emulator.world.users[emulator.admin_id]
    path = write(
        tmp_path,
        f"email,first name,last name,active\n{admin.email},{admin.first_name},"
        f"{admin.last_name},false\n",
    )
    applied = invoke(["scim", "sync", "--from", str(path), "--yes", "-f", "jsonl"])
    assert applied.exit_code == 0, applied.output
    assert emulator.world.users[admin.id].state == "provisioned"
    assert f"line 2: {admin.email} (the token's own user) is kept active" in applied.stderr
    assert "--allow-deactivate-self" in applied.stderr
    assert "Nothing to change" in applied.stderr
    assert applied.stdout.strip() == ""

    allowed = invoke(
        ["scim", "sync", "--from", str(path), "--allow-deactivate-self", "--yes", "-f", "jsonl"]
    )
    assert allowed.exit_code == 0, allowed.output
    assert emulator.world.users[admin.id].state == "deactivated"
    assert "warning: the plan deactivates 1 admin(s):" in allowed.stderr
    assert f"  {admin.email} (line 2)" in allowed.stderr


def test_the_plan_warns_when_it_deactivates_admins(
    invoke: Invoke, emulator: Emulator, tmp_path: Path
) -> None:
    other = emulator.make_user(f"second.admin@{domain_of(emulator)}", admin=True)
    path = write(tmp_path, f"email,first name,last name,active\n{other.email},A,B,no\n")
    planned = invoke(["scim", "sync", "--from", str(path), "--dry-run", "-f", "jsonl"])
    assert planned.exit_code == 0, planned.output
    assert "warning: the plan deactivates 1 admin(s):" in planned.stderr
    assert f"{other.email} (line 2)" in planned.stderr
    assert emulator.world.users[other.id].state == "provisioned"


def test_one_email_typed_two_ways_is_one_duplicate_with_its_lines(
    invoke: Invoke, emulator: Emulator, tmp_path: Path
) -> None:
    domain = domain_of(emulator)
    nfc = unicodedata.normalize("NFC", f"zoë@{domain}")
    nfd = unicodedata.normalize("NFD", f"Zoë@{domain}")
    path = write(tmp_path, f"email,first name,last name\n{nfc},Zoë,A\n{nfd},Zoë,B\n")
    before = emulator.stats.requests
    result = invoke(["scim", "sync", "--from", str(path), "--domain", domain, "--yes"])
    assert result.exit_code == 2
    assert "line 3:" in result.stderr
    assert "duplicate email (first on line 2)" in result.stderr
    assert emulator.stats.requests == before  # nothing sent
    assert emulator.world.user_by_email(nfc) is None


def test_a_directory_user_typed_in_nfd_is_updated_not_created_again(
    invoke: Invoke, emulator: Emulator, tmp_path: Path
) -> None:
    domain = domain_of(emulator)
    existing = emulator.make_user(unicodedata.normalize("NFD", f"zoë@{domain}"), first_name="Z")
    path = write(
        tmp_path,
        f"email,first name,last name\n{unicodedata.normalize('NFC', f'ZOË@{domain}')},Zoë,A\n",
    )
    before = len(emulator.world.users)
    result = invoke(["scim", "sync", "--from", str(path), "--yes", "-f", "jsonl"])
    assert result.exit_code == 0, result.output
    assert len(emulator.world.users) == before
    assert emulator.world.users[existing.id].first_name == "Zoë"


def test_a_cell_over_the_csv_limit_is_a_bad_file_with_its_line(
    invoke: Invoke, emulator: Emulator, tmp_path: Path
) -> None:
    domain = domain_of(emulator)
    path = write(
        tmp_path,
        f"email,first name,last name,title\nok@{domain},Ok,Person,\n"
        f"big@{domain},Big,Cell,{'x' * 200_000}\n",
    )
    result = invoke(["scim", "sync", "--from", str(path), "--domain", domain, "--yes"])
    assert result.exit_code == 2, result.output
    assert f"cannot read {path}:line 3: field larger than field limit" in result.stderr
    assert "Traceback" not in result.output
    assert emulator.world.user_by_email(f"ok@{domain}") is None


def test_map_reads_an_hr_exports_own_headers(
    invoke: Invoke, emulator: Emulator, tmp_path: Path
) -> None:
    domain = domain_of(emulator)
    path = write(
        tmp_path,
        "Employee ID,Work Email,Given Name,Surname,Status,Email\n"
        f"7,hr.export@{domain},Hana,Rossi,Active,private@gmail.example\n",
    )
    mapped = [
        "--map",
        "Work Email=email,Given Name=first name",
        "--map",
        "Surname=last_name, Status=active,Employee ID=employee number",
    ]
    result = invoke(["scim", "sync", "--from", str(path), *mapped, "--yes", "-f", "jsonl"])
    assert result.exit_code == 0, result.output
    created = emulator.world.user_by_email(f"hr.export@{domain}")
    assert created is not None
    assert (created.first_name, created.last_name) == ("Hana", "Rossi")
    assert emulator.world.scim.of(created.id).enterprise.get("employeeNumber") == "7"
    bad_target = invoke(["scim", "sync", "--from", str(path), "--map", "Status=state"])
    assert bad_target.exit_code == 2
    assert "'state' is not a column" in bad_target.stderr
    no_header = invoke(["scim", "sync", "--from", str(path), "--map", "Mail=email"])
    assert no_header.exit_code == 2
    assert "the file has no column 'Mail'" in no_header.stderr
    not_a_pair = invoke(["scim", "sync", "--from", str(path), "--map", "Work Email"])
    assert not_a_pair.exit_code == 2
    assert "is not HEADER=COLUMN" in not_a_pair.stderr
    # One header mapped twice: the last one silently won (Work Email read as first name,
    # the private Email column as the email).
    for twice in (
        ["--map", "Work Email=email,Work Email=first name"],
        ["--map", "Work Email=email", "--map", "work_email=first name"],
    ):
        refused = invoke(["scim", "sync", "--from", str(path), *twice, "--dry-run"])
        assert refused.exit_code == 2, refused.output
        assert "mapped t" in refused.stderr


def test_active_accepts_exactly_the_documented_values(
    invoke: Invoke, emulator: Emulator, tmp_path: Path
) -> None:
    domain = domain_of(emulator)
    values = [*TRUE_VALUES, *FALSE_VALUES, "YES", "False", ""]
    rows = "".join(f"v{i}@{domain},V,{i},{value}\n" for i, value in enumerate(values))
    path = write(tmp_path, "email,first name,last name,active\n" + rows)
    ok = invoke(["scim", "sync", "--from", str(path), "--domain", domain, "--dry-run"])
    assert ok.exit_code == 0, ok.output
    refused = write(tmp_path, f"email,first name,last name,active\nm@{domain},M,M,maybe\n")
    result = invoke(["scim", "sync", "--from", str(refused), "--domain", domain, "--dry-run"])
    assert result.exit_code == 2
    assert f"{refused}:line 2: m@{domain}: active must be one of" in result.stderr
    help_text = invoke(["scim", "sync", "--help"]).output
    for value in (*TRUE_VALUES, *FALSE_VALUES):
        assert value in help_text


def test_applying_with_jsonl_writes_one_result_line_per_change(
    invoke: Invoke, emulator: Emulator, tmp_path: Path
) -> None:
    domain = domain_of(emulator)
    emulator.make_user(f"taken@{domain}", managed=False)  # SCIM cannot create it: 409
    leaver = scim_users(emulator.world)[1]
    path = write(
        tmp_path,
        "email,first name,last name,active\n"
        f"taken@{domain},Tak,En,true\nfresh@{domain},Fre,Sh,true\n"
        f"{leaver.email},{leaver.first_name},{leaver.last_name},false\n",
    )
    result = invoke(["scim", "sync", "--from", str(path), "--yes", "-f", "jsonl"])
    assert result.exit_code == 1
    lines = jsonl(result.stdout)
    assert sorted((r["line"], r["action"], r["result"]) for r in lines) == [
        (2, "create user", "failed"),
        (3, "create user", "ok"),
        (4, "deactivate user", "ok"),
    ]
    [failed] = [r for r in lines if r["result"] == "failed"]
    assert "409" in failed["error"]
    assert all(r["error"] is None for r in lines if r["result"] == "ok")
    # The plan is not written again on stdout; asked to confirm, it goes to stderr.
    asked = invoke(["scim", "sync", "--from", str(path), "-f", "jsonl"], input="n\n")
    assert asked.exit_code == 1
    assert asked.stdout.strip() == ""
    assert f"line 2: create user taken@{domain}" in asked.stderr


def test_a_token_that_cannot_read_users_gets_a_warning_not_a_failure(
    invoke: Invoke, emulator: Emulator, tmp_path: Path
) -> None:
    leaver = next(u for u in scim_users(emulator.world) if u.id != emulator.admin_id)
    path = write(tmp_path, f"email,first name,last name,active\n{leaver.email},A,B,no\n")
    emulator.faults.add(r"/users$", StatusFault(403), method="GET")
    result = invoke(["scim", "sync", "--from", str(path), "--yes", "-f", "jsonl"])
    assert result.exit_code == 0, result.output
    assert "warning: could not tell whether the plan deactivates admins" in result.stderr
    assert emulator.world.users[leaver.id].state == "deactivated"


def test_scim_users_deactivate_and_delete_refuse_the_tokens_own_user(
    invoke: Invoke, emulator: Emulator
) -> None:
    admin = emulator.world.users[emulator.admin_id]
    typed = unicodedata.normalize("NFD", admin.email.upper())
    spare = emulator.make_user(f"spare@{domain_of(emulator)}")
    for command in ("deactivate", "delete"):
        refused = invoke(["scim", "users", command, spare.email, typed])
        assert refused.exit_code == 2, refused.output
        assert "is the token's own user" in refused.stderr
        assert "--allow-self" in refused.stderr
        assert emulator.world.users[admin.id].state == "provisioned"
        assert emulator.world.users[spare.id].state == "provisioned"  # nothing changed
    allowed = invoke(["scim", "users", "deactivate", admin.id, "--allow-self"])
    assert allowed.exit_code == 0, allowed.output
    assert emulator.world.users[admin.id].state == "deactivated"


def test_a_token_whose_whoami_fails_changes_nothing(
    invoke: Invoke, emulator: Emulator, tmp_path: Path
) -> None:
    # The guard cannot know who the token is: the sync stops rather than risk the admin
    # (typed here in upper case and NFD, with spaces).
    admin = emulator.world.users[emulator.admin_id]
    typed = unicodedata.normalize("NFD", admin.email.upper())
    path = write(tmp_path, f"email,first name,last name,active\n {typed} ,A,B,FALSE\n")
    emulator.faults.add(r"/whoami$", StatusFault(403), method="GET", repeat=True)
    before = {user.id: user.state for user in emulator.world.users.values()}
    result = invoke(["scim", "sync", "--from", str(path), "--deactivate-missing", "--yes"])
    assert result.exit_code != 0
    assert {user.id: user.state for user in emulator.world.users.values()} == before


def test_a_change_the_server_may_have_applied_is_unknown_not_failed(
    invoke: Invoke, emulator: Emulator, tmp_path: Path
) -> None:
    # The user is created, then the connection drops before the answer: the result line
    # said "failed" for a write the server applied. A re-run finds it and plans nothing.
    domain = domain_of(emulator)
    path = write(tmp_path, f"email,first name,last name\nnew@{domain},New,One\n")
    emulator.faults.add(r"/scim/v2/Users$", DropConnection(), method="POST")
    result = invoke(["scim", "sync", "--from", str(path), "--yes", "-f", "jsonl"])
    assert result.exit_code == 1
    [line] = jsonl(result.stdout)
    assert (line["action"], line["result"]) == ("create user", "unknown")
    assert "outcome unknown" in line["error"]
    assert "0 failed, 1 unknown (may have been applied" in result.stderr
    assert emulator.world.user_by_email(f"new@{domain}") is not None
    again = invoke(["scim", "sync", "--from", str(path), "--yes", "-f", "jsonl"])
    assert again.exit_code == 0, again.output
    assert "Nothing to change" in again.stderr
