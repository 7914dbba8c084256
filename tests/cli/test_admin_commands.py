"""The admin-surface commands against the in-process emulator: whoami, groups list,
workspaces list, bases collaborators/shares, tokens list/revoke, packages list/install."""

from __future__ import annotations

import csv
import io
import json

from airtable_enterprise.testing import Emulator
from airtable_enterprise.testing.world.state import Grant

from .conftest import Invoke


def jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_whoami(invoke: Invoke, emulator: Emulator) -> None:
    result = invoke(["whoami"])
    assert result.exit_code == 0, result.output
    assert jsonl(result.stdout) == [
        {"id": emulator.admin_id, "email": emulator.world.users[emulator.admin_id].email}
    ]


def test_groups_list_has_names_and_member_counts(invoke: Invoke, emulator: Emulator) -> None:
    result = invoke(["groups", "list"])
    assert result.exit_code == 0, result.output
    rows = {row["id"]: row for row in jsonl(result.stdout)}
    root_groups = {
        g.id: g for g in emulator.world.groups.values() if g.account_id == emulator.enterprise_id
    }
    assert set(rows) == set(root_groups)
    for group_id, group in root_groups.items():
        assert rows[group_id]["name"] == group.name
        assert rows[group_id]["memberCount"] == len(group.members)


def test_workspaces_list_csv_has_base_counts(invoke: Invoke, emulator: Emulator) -> None:
    result = invoke(["workspaces", "list", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    world = emulator.world
    expected = {w.id: w for w in world.workspaces.values() if w.account_id == world.root_id}
    assert {r["id"] for r in rows} == set(expected)
    for row in rows:
        assert int(row["bases"]) == len(expected[row["id"]].base_ids)


def test_bases_collaborators(invoke: Invoke, emulator: Emulator) -> None:
    base = next(b for b in emulator.world.bases.values() if b.grants and b.interfaces)
    result = invoke(["bases", "collaborators", base.id])
    assert result.exit_code == 0, result.output
    rows = jsonl(result.stdout)
    on_base = {r["id"] for r in rows if r["on"] == "base"}
    assert on_base == set(base.grants)
    on_interfaces = {(r["on"], r["id"]) for r in rows if r["on"].startswith("pbd")}
    assert on_interfaces == {(i.id, s) for i in base.interfaces.values() for s in i.grants}


def test_bases_shares_lists_then_disables_after_a_dry_run(
    invoke: Invoke, emulator: Emulator
) -> None:
    base = next(
        b
        for b in emulator.world.bases.values()
        if any(s.state == "enabled" for s in b.shares.values())
    )
    share = next(s for s in base.shares.values() if s.state == "enabled")
    listed = invoke(["bases", "shares", base.id])
    assert {r["shareId"] for r in jsonl(listed.stdout)} == set(base.shares)
    dry = invoke(["bases", "shares", base.id, "--disable", share.id, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert [r["shareId"] for r in jsonl(dry.stdout)] == [share.id]
    assert "Dry run" in dry.stderr
    assert share.state == "enabled"
    refused = invoke(["bases", "shares", base.id, "--disable", share.id], input="n\n")
    assert refused.exit_code != 0
    assert share.state == "enabled"
    done = invoke(["bases", "shares", base.id, "--disable", share.id], input="y\n")
    assert done.exit_code == 0, done.output
    assert share.state == "disabled"
    deleted = invoke(["bases", "shares", base.id, "--delete", share.id, "--yes"])
    assert deleted.exit_code == 0, deleted.output
    assert share.id not in base.shares


def test_bases_shares_refuses_an_unknown_share(invoke: Invoke, emulator: Emulator) -> None:
    base = next(iter(emulator.world.bases.values()))
    result = invoke(["bases", "shares", base.id, "--delete", "shrAAAAAAAAAAAAAA", "--yes"])
    assert result.exit_code == 5  # a not-found, as `users get` of a missing user
    assert "no share shrAAAAAAAAAAAAAA" in result.stderr


def test_tokens_list_filters_and_flags_broad(invoke: Invoke, emulator: Emulator) -> None:
    tokens = list(emulator.world.access_tokens.values())
    everything = jsonl(invoke(["tokens", "list"]).stdout)
    assert {t["id"] for t in everything} == {t.id for t in tokens}
    broad = jsonl(invoke(["tokens", "list", "--broad"]).stdout)
    assert {t["id"] for t in broad} == {t["id"] for t in everything if t["broad"]}
    assert any("mode: all" in t["broad"] for t in broad)
    owner = tokens[0].user_id
    email = emulator.world.users[owner].email
    mine = jsonl(invoke(["tokens", "list", "--user", email, "--state", "active"]).stdout)
    assert {t["id"] for t in mine} == {
        t.id for t in tokens if t.user_id == owner and t.state == "active"
    }
    scoped = jsonl(invoke(["tokens", "list", "--scope", "data.records:read"]).stdout)
    assert all("data.records:read" in t["scopes"] for t in scoped)
    assert len(scoped) == sum("data.records:read" in t.scopes for t in tokens)


def test_tokens_revoke_a_leavers_tokens(invoke: Invoke, emulator: Emulator) -> None:
    tokens = emulator.world.access_tokens
    owner = next(t.user_id for t in tokens.values() if t.state == "active")
    active = {t.id for t in tokens.values() if t.user_id == owner and t.state == "active"}
    preview = invoke(["tokens", "revoke", "--user", owner, "--dry-run"])
    assert preview.exit_code == 0, preview.output
    assert {t["id"] for t in jsonl(preview.stdout)} == active
    assert all(tokens[i].state == "active" for i in active)
    refused = invoke(["tokens", "revoke", "--user", owner], input="n\n")
    assert refused.exit_code != 0
    assert all(tokens[i].state == "active" for i in active)
    done = invoke(["tokens", "revoke", "--user", owner, "--yes"])
    assert done.exit_code == 0, done.output
    assert all(tokens[i].state == "deactivated" for i in active)
    assert f"Revoked {len(active)} token(s)" in done.stderr


def test_tokens_revoke_of_a_revoked_token_is_a_success_with_a_note(
    invoke: Invoke, emulator: Emulator
) -> None:
    revoked = next(t.id for t in emulator.world.access_tokens.values() if t.state != "active")
    result = invoke(["tokens", "revoke", revoked, "--yes"])
    assert result.exit_code == 0, result.output
    assert "already revoked" in result.stderr.lower()
    assert invoke(["tokens", "revoke"]).exit_code == 2


def test_packages_list_and_install(invoke: Invoke, emulator: Emulator) -> None:
    world = emulator.world
    listed = jsonl(invoke(["packages", "list", "--all"]).stdout)
    assert {p["id"] for p in listed} == set(world.packages)
    package = next(p for p in world.packages.values() if p.latest_release_id)
    workspace = next(
        w
        for w in world.workspaces.values()
        if w.account_id == world.root_id and emulator.admin_id not in w.grants
    )
    refused = invoke(["packages", "install", package.id, workspace.id, "Nowhere"])
    assert refused.exit_code == 4, refused.output  # no access to the workspace (REFERENCE §7.1)
    admin = emulator.admin_id
    workspace.grants[admin] = Grant(admin, "create", world.now(), admin)
    result = invoke(["packages", "install", package.id, workspace.id, "From CLI"])
    assert result.exit_code == 0, result.output
    base_id = result.stdout.strip()
    assert world.bases[base_id].name == "From CLI"
    assert base_id in workspace.base_ids
    draft = next((p for p in world.packages.values() if p.latest_release_id is None), None)
    if draft is not None:
        refused = invoke(["packages", "install", draft.id, workspace.id, "Nope"])
        assert refused.exit_code == 2
        assert "no release" in refused.stderr


def test_lookup_misses_of_the_admin_commands_exit_not_found(
    invoke: Invoke, emulator: Emulator
) -> None:
    workspace = next(iter(emulator.world.workspaces))
    missing = invoke(["packages", "install", "pkgAAAAAAAAAAAAAA", workspace, "Nope"])
    assert missing.exit_code == 5, missing.output
    assert "no package or latest release" in missing.stderr
    for command in ("list", "revoke"):
        args = ["tokens", command, "--user", "nobody@nowhere.example"]
        nobody = invoke([*args, "--yes"] if command == "revoke" else args)
        assert nobody.exit_code == 5, nobody.output
        assert "no user nobody@nowhere.example" in nobody.stderr
    for args in (
        ["exports", "get", "etkAAAAAAAAAAAAAA"],
        ["audit", "requests", "get", "ealAAAAAAAAAAAAAA"],
        ["scim", "groups", "show", "ugpAAAAAAAAAAAAAA"],
    ):
        assert invoke(args).exit_code == 5, args
