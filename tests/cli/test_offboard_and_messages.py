"""Offboarding that guides (sole owners, the replacement, descendant accounts), and
error messages in the CLI's own words."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from airtable_enterprise import errors
from airtable_enterprise.cli import cli
from airtable_enterprise.cli._errors import cli_error_for
from airtable_enterprise.cli.users import KEPT
from airtable_enterprise.testing import BackgroundServer, Emulator

from .conftest import Invoke
from .test_safety import ENV


def rows_of(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def sole_owner(emulator: Emulator) -> str:
    world = emulator.world
    for workspace in world.workspaces.values():
        owners = world.owners(workspace)
        if len(owners) == 1 and len(workspace.grants) > 1 and owners[0] != emulator.admin_id:
            return owners[0]
    raise AssertionError("no sole owner in the generated world")


def descendant_holder(emulator: Emulator) -> tuple[str, str, str]:
    """A user (not a sole owner anywhere) with a grant on a descendant's workspace."""
    world = emulator.world
    sole = {o[0] for w in world.workspaces.values() if len(o := world.owners(w)) == 1}
    for workspace in world.workspaces.values():
        if workspace.account_id == world.root_id:
            continue
        for user_id in workspace.grants:
            if user_id.startswith("usr") and user_id not in sole:
                return user_id, workspace.id, workspace.account_id
    raise AssertionError("no grant in a descendant account")


@pytest.mark.parametrize("tty", [False, True], ids=["piped", "terminal"])
def test_a_sole_owner_without_replacement_is_told_to_pass_one(
    invoke: Invoke, invoke_tty: Invoke, emulator: Emulator, tty: bool
) -> None:
    user = emulator.world.users[sole_owner(emulator)]
    result = (invoke_tty if tty else invoke)(["users", "offboard", user.email, "--dry-run"])
    assert result.exit_code == 2, result.output
    [line] = [line for line in result.stderr.splitlines() if line.startswith("Error")]
    assert "pass --replacement USER" in line
    assert "lacks the scope" not in line


@pytest.mark.parametrize("same", ["itself", "by-email"])
def test_a_replacement_who_is_the_leaver_is_refused(
    invoke: Invoke, emulator: Emulator, same: str
) -> None:
    user = emulator.world.users[sole_owner(emulator)]
    replacement = user.id if same == "itself" else user.email.upper()
    before = {w.id: dict(w.grants) for w in emulator.world.workspaces.values()}
    result = invoke(["users", "offboard", user.id, "--replacement", replacement, "--yes"])
    assert result.exit_code == 2, result.output
    assert "--replacement must be someone other than USER" in result.stderr
    assert {w.id: dict(w.grants) for w in emulator.world.workspaces.values()} == before


def test_the_preview_lists_grants_kept_in_descendant_accounts(
    invoke: Invoke, emulator: Emulator
) -> None:
    user_id, workspace_id, account_id = descendant_holder(emulator)
    result = invoke(["users", "offboard", user_id, "--dry-run", "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    rows = rows_of(result.stdout)
    kept = [row for row in rows if row["change"] == KEPT]
    assert {"kind": "workspace", "id": workspace_id, "account": account_id}.items() <= kept[
        0
    ].items()
    assert all(row["account"] == account_id for row in kept)
    assert "pass --descendants" in result.stderr

    wide = invoke(["users", "offboard", user_id, "--dry-run", "--descendants", "-f", "jsonl"])
    assert wide.exit_code == 0, wide.output
    rows = rows_of(wide.stdout)
    assert not [row for row in rows if row["change"] == KEPT]
    assert any(row["id"] == workspace_id and row["change"] == "unshare" for row in rows)
    assert "pass --descendants" not in wide.stderr


def test_offboarding_with_descendants_removes_the_descendant_grants(
    invoke: Invoke, emulator: Emulator
) -> None:
    user_id, workspace_id, _ = descendant_holder(emulator)
    result = invoke(["users", "offboard", user_id, "--descendants", "--yes", "-f", "jsonl"])
    assert result.exit_code == 0, result.output
    assert user_id not in emulator.world.workspaces[workspace_id].grants


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (["users", "get", "not-an-id"], "USER"),
        (["users", "offboard", "nope", "--dry-run"], "USER"),
        (["audit", "summary", "--user", "bad"], "--user"),
    ],
)
def test_errors_name_arguments_as_the_cli_does(invoke: Invoke, args: list[str], name: str) -> None:
    result = invoke(args)
    assert result.exit_code == 2, result.output
    [line] = result.stderr.strip().splitlines()[-1:]
    assert f"invalid {name} " in line
    assert "email" in line
    assert "ids_or_emails" not in line
    assert "user_id" not in line


def forbidden(message: str | None) -> errors.PermissionDeniedError:
    return errors.PermissionDeniedError(
        status_code=403,
        error_type="INVALID_PERMISSIONS",
        error_message=message,
        method="POST",
        path="/v0/x",
    )


def test_a_403_that_explains_itself_gets_no_guess() -> None:
    own = cli_error_for(forbidden("Replacement owner must have verified email"))
    assert "lacks the scope" not in own.message
    generic = cli_error_for(forbidden("You are not permitted to perform this operation"))
    assert "lacks the scope" in generic.message
    assert "lacks the scope" in cli_error_for(forbidden(None)).message


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, Emulator]]:
    from airtable_enterprise.testing import generate_enterprise

    emulator = Emulator(generate_enterprise(seed=5, users=10, events=10), token="patT.x")
    with BackgroundServer(emulator) as server:
        yield server.url, emulator


def test_an_endpoint_url_with_a_path_gets_a_hint(served: tuple[str, Emulator]) -> None:
    url, emulator = served
    args = ["--endpoint-url", f"{url}/v0", "--enterprise", emulator.enterprise_id, "info"]
    result = CliRunner(env={**ENV, "AIRTABLE_TOKEN": "patT.x"}).invoke(cli, args)
    assert result.exit_code == 5, result.output
    assert "--endpoint-url should be the API root, without /v0" in result.stderr
