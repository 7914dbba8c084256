"""``access-review``: the file it writes, reading it back, ``--diff`` and the filters."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from airtable_enterprise import AccessRow
from airtable_enterprise.cli._access_file import read_rows
from airtable_enterprise.models.access_review import RECORD_FIELDS
from airtable_enterprise.testing import Emulator
from airtable_enterprise.testing.world.state import Grant

from .conftest import Invoke


def review_file(invoke: Invoke, path: Path, *extra: str) -> list[AccessRow]:
    result = invoke(["access-review", "--out", str(path), *extra])
    assert result.exit_code == 0, result.output
    assert not path.with_name(path.name + ".partial").exists()
    return list(read_rows(path))


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_a_review_file_reads_back_as_the_rows_written(
    invoke: Invoke, emulator: Emulator, tmp_path: Path, suffix: str
) -> None:
    world = emulator.world
    workspace = next(w for w in world.workspaces.values() if w.grants)
    workspace.name = '=HYPERLINK("http://x.example")'
    token = next(t for t in world.access_tokens.values() if t.state == "active")
    token.name = "'quoted"
    rows = review_file(invoke, tmp_path / f"review{suffix}")
    assert any(r.resource_name == workspace.name for r in rows)
    assert any(r.resource_name == "'quoted" for r in rows)
    assert {r.user_id for r in rows} == set(world.account_user_ids(world.root_id))
    again = review_file(invoke, tmp_path / f"again{suffix}")
    assert again == rows
    if suffix == ".csv":
        text = (tmp_path / "review.csv").read_text()
        assert ",'=HYPERLINK(" in text.replace('"', "")  # neutralised for spreadsheets
        assert "''quoted" in text


def test_the_diff_lists_the_changes_as_json_lines_when_piped(
    invoke: Invoke, emulator: Emulator, tmp_path: Path
) -> None:
    world = emulator.world
    review_file(invoke, tmp_path / "q1.csv")
    base = next(b for b in world.bases.values() if any(s.startswith("usr") for s in b.grants))
    holder = next(s for s in base.grants if s.startswith("usr"))
    del base.grants[holder]
    newcomer = emulator.make_user(first_name="New")
    result = invoke(
        ["access-review", "--out", str(tmp_path / "q2.jsonl"), "--diff", str(tmp_path / "q1.csv")]
    )
    assert result.exit_code == 0, result.output
    changes = [json.loads(line) for line in result.stdout.splitlines()]
    assert {"change": "user_added", "user_id": newcomer.id} in [
        {"change": c["change"], "user_id": c["user_id"]} for c in changes
    ]
    revoked = [c for c in changes if c["change"] == "revoked"]
    assert [(c["user_id"], c["resource_id"], c["held"]) for c in revoked] == [
        (holder, base.id, "direct")
    ]
    assert {c["change"] for c in changes} <= {"user_added", "granted", "revoked"}


def test_the_diff_is_a_summary_table_on_a_terminal(
    invoke: Invoke, invoke_tty: Invoke, emulator: Emulator, tmp_path: Path
) -> None:
    review_file(invoke, tmp_path / "q1.jsonl")
    user = next(u for u in emulator.world.users.values() if u.id != emulator.admin_id)
    user.state = "deactivated"
    result = invoke_tty(
        ["access-review", "-o", str(tmp_path / "q2.jsonl"), "--diff", str(tmp_path / "q1.jsonl")]
    )
    assert result.exit_code == 0, result.output
    assert "user_deactivated │ 1" in result.stdout.replace("  ", " ").replace("  ", " ")
    assert user.email in result.stdout


def test_filters_keep_admins_or_external_users_only(
    invoke: Invoke, emulator: Emulator, tmp_path: Path
) -> None:
    admins = review_file(invoke, tmp_path / "a.jsonl", "--admins-only")
    assert admins
    assert all(r.is_admin for r in admins)
    external = review_file(invoke, tmp_path / "e.jsonl", "--external-only")
    assert external
    assert all(r.external for r in external)
    domains = set(emulator.world.root.email_domains)
    assert all(r.email.rsplit("@", 1)[1] not in domains for r in external)


def test_named_users_only(invoke: Invoke, emulator: Emulator, tmp_path: Path) -> None:
    people = [u for u in emulator.world.users.values() if u.id != emulator.admin_id][:2]
    rows = review_file(
        invoke, tmp_path / "u.csv", "--user", people[0].email, "--user", people[1].id
    )
    assert {r.user_id for r in rows} == {p.id for p in people}


def test_an_existing_file_is_never_replaced_silently(
    invoke: Invoke, emulator: Emulator, tmp_path: Path
) -> None:
    out = tmp_path / "r.csv"
    out.write_text("precious\n")
    result = invoke(["access-review", "--out", str(out)])
    assert result.exit_code == 2
    assert out.read_text() == "precious\n"
    assert invoke(["access-review", "--out", str(out), "--force"]).exit_code == 0
    assert out.read_text().startswith("user_id,")


_ROW = (
    '{"user_id": "usrA", "email": "a@b.example", "state": "provisioned", '
    '"resource_kind": "enterprise", "resource_id": "entA"}\n'
)


@pytest.mark.parametrize(
    "text",
    [
        '{"user_id": "usrA", "email": "a@b.example"',  # cut mid-line
        "user_id,email\nusrA,a@b.example\n",  # not our columns
        "not a review at all\n",
        ",".join(RECORD_FIELDS) + "\n" + "u" * 200_000 + "\n",  # over the csv field limit
        _ROW + "[" * 100_000 + "]" * 100_000 + "\n",  # nested too deep
        _ROW + '{"user_id": ' + "1" * 5_000 + "}\n",  # past Python's int digit limit
    ],
)
def test_a_previous_file_that_is_not_a_review_is_refused_before_any_request(
    invoke: Invoke, emulator: Emulator, tmp_path: Path, text: str
) -> None:
    previous = tmp_path / "old.jsonl"
    previous.write_text(text)
    out = tmp_path / "new.csv"
    result = invoke(["access-review", "--out", str(out), "--diff", str(previous)])
    assert result.exit_code == 2, result.output
    assert "is not an access review" in result.stderr
    assert not out.exists()


def test_a_failed_review_leaves_no_file(invoke: Invoke, tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    result = invoke(["access-review", "--out", str(out), "--user", "nobody@nowhere.example"])
    assert result.exit_code == 5, result.output
    assert not out.exists()
    assert not list(tmp_path.iterdir())


def test_grants_through_groups_and_workspaces_are_in_the_file(
    invoke: Invoke, emulator: Emulator, tmp_path: Path
) -> None:
    world = emulator.world
    member = emulator.make_user(first_name="Grouped")
    group = emulator.make_group(members=[member])
    workspace = next(w for w in world.workspaces.values() if w.base_ids)
    workspace.grants[group.id] = Grant(group.id, "comment", world.now(), emulator.admin_id)
    rows = review_file(invoke, tmp_path / "g.csv", "--user", member.id)
    held = {(r.resource_kind, r.resource_id, r.held, r.permission_level) for r in rows}
    assert ("workspace", workspace.id, f"group {group.id}", "comment") in held
    for base_id in workspace.base_ids:
        assert (
            "base",
            base_id,
            f"group {group.id}, workspace {workspace.id}",
            "comment",
        ) in held


@pytest.mark.parametrize(
    "options",
    [["--admins-only"], ["--external-only"], ["--no-tokens"], ["--user", "USER"]],
)
def test_a_filtered_review_diffed_against_a_full_one_reports_no_change(
    invoke: Invoke, emulator: Emulator, tmp_path: Path, options: list[str]
) -> None:
    # The previous review is everyone's; this run keeps a slice: the rows the filters
    # leave out are not changes (they were all reported revoked / user_removed).
    full = tmp_path / "full.csv"
    review_file(invoke, full)
    person = next(u for u in emulator.world.users.values() if u.id != emulator.admin_id)
    options = [person.email.upper() if o == "USER" else o for o in options]
    result = invoke(
        ["access-review", "-o", str(tmp_path / "part.jsonl"), *options, "--diff", str(full)]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == ""


@pytest.mark.parametrize("written", ["{domain}.", "{upper}", "{upper}."])
def test_an_enterprise_domain_in_another_case_or_with_a_final_dot_is_not_external(
    invoke: Invoke, emulator: Emulator, tmp_path: Path, written: str
) -> None:
    domain = sorted(emulator.world.root.email_domains)[0]
    user = emulator.make_user(first_name="Dot")
    user.email = "dot@" + written.format(domain=domain, upper=domain.upper())
    rows = review_file(invoke, tmp_path / "r.jsonl", "--user", user.id)
    assert rows
    assert not any(row.external for row in rows)


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_a_review_saved_again_with_a_bom_and_crlf_still_reads_back(
    invoke: Invoke, emulator: Emulator, tmp_path: Path, suffix: str
) -> None:
    # What a spreadsheet's "save as CSV UTF-8" (or a Windows editor) makes of the file.
    path = tmp_path / f"r{suffix}"
    rows = review_file(invoke, path)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    assert list(read_rows(path)) == rows
    result = invoke(["access-review", "-o", str(tmp_path / "again.jsonl"), "--diff", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""


def test_a_review_of_another_enterprise_is_refused_before_the_review(
    invoke: Invoke, emulator: Emulator, tmp_path: Path
) -> None:
    theirs = tmp_path / "theirs.jsonl"
    review_file(invoke, theirs)
    theirs.write_text(theirs.read_text().replace(emulator.world.root_id, "entOtherAccount01"))
    out = tmp_path / "ours.jsonl"
    result = invoke(["access-review", "-o", str(out), "--diff", str(theirs)])
    assert result.exit_code == 2, result.output
    assert "another enterprise (entOtherAccount01)" in result.stderr
    assert result.stdout == ""
    assert not out.exists()


def test_a_link_planted_at_the_partial_file_is_not_written_through(
    invoke: Invoke, emulator: Emulator, tmp_path: Path
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    out = tmp_path / "r.jsonl"
    out.with_name("r.jsonl.partial").symlink_to(victim)
    rows = review_file(invoke, out)
    assert rows
    assert victim.read_text() == "precious\n"
    assert not out.is_symlink()


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_names_puts_the_bases_and_interfaces_names_in_the_file(
    invoke: Invoke, emulator: Emulator, tmp_path: Path, suffix: str
) -> None:
    world = emulator.world
    plain = review_file(invoke, tmp_path / f"plain{suffix}")
    named = review_file(invoke, tmp_path / f"named{suffix}", "--names")
    assert [r.key for r in named] == [r.key for r in plain]  # the same grants
    bases = [r for r in named if r.resource_kind == "base"]
    interfaces = [r for r in named if r.resource_kind == "interface"]
    assert bases
    assert all(r.resource_name == world.bases[r.resource_id].name for r in bases)
    assert all(
        r.base_id is not None
        and r.resource_name == world.bases[r.base_id].interfaces[r.resource_id].name
        for r in interfaces
    )
    assert {r.resource_name for r in plain if r.resource_kind in ("base", "interface")} == {None}
