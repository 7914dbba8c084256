"""Errors of the SCIM, job and token commands name arguments as the CLI does (issue 17
point 9), and claim that emails work only where they do."""

from __future__ import annotations

import pytest

from airtable_enterprise.testing import Emulator

from .conftest import Invoke


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (
            ["scim", "users", "create", "bad-email", "--first-name", "a", "--last-name", "b"],
            "EMAIL",
        ),
        (["scim", "groups", "add-members", "ugpAAAAAAAAAAAAAA", "foo"], "USER_ID"),
        (["scim", "groups", "show", "foo"], "GROUP_ID"),
        (["exports", "get", "foo"], "ID"),
        (["exports", "create", "--base", "wsp123"], "--base"),
        (["audit", "requests", "get", "foo"], "ID"),
        (["audit", "requests", "events", "foo"], "ID"),
        (["tokens", "revoke", "foo", "--dry-run"], "TOKEN_ID"),
    ],
)
def test_errors_use_the_commands_names(invoke: Invoke, args: list[str], name: str) -> None:
    result = invoke(args)
    assert result.exit_code == 2, result.output
    [line] = result.stderr.strip().splitlines()[-1:]
    assert f"invalid {name} " in line, line
    assert "email address works too" not in line  # none of these takes an email


@pytest.mark.parametrize("command", ["get", "deactivate", "reactivate", "delete"])
def test_scim_user_commands_say_an_email_works_too(invoke: Invoke, command: str) -> None:
    result = invoke(["scim", "users", command, "foo"])
    assert result.exit_code == 2, result.output
    [line] = result.stderr.strip().splitlines()[-1:]
    assert line.endswith(
        "invalid USER 'foo': must be an ID starting with 'usr' (an email address works too)"
    )


def test_a_revoke_preview_lists_unknown_ids_too(invoke: Invoke, emulator: Emulator) -> None:
    result = invoke(["tokens", "revoke", "patAAAAAAAAAAAAAA", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Not among the enterprise's tokens" in result.stderr
    assert "patAAAAAAAAAAAAAA" in result.stderr
