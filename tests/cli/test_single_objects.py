"""`--format json` of a command that shows one object prints that object, not a
one-element array (issue 17 point 8), for the commands of issues 13-15 too."""

from __future__ import annotations

import json

import pytest

from airtable_enterprise.testing import Emulator, generate_enterprise

from ..helpers import last_full_month
from .conftest import Invoke


@pytest.fixture
def emulator() -> Emulator:
    return Emulator(generate_enterprise(seed=3, users=40, events=100), job_duration=0.0)


def test_single_object_commands_print_an_object(invoke: Invoke, emulator: Emulator) -> None:
    world = emulator.world
    managed = next(
        u for u in world.users.values() if u.is_managed and u.account_id == world.root_id
    )
    group = next(g for g in world.groups.values() if g.account_id == world.root_id)
    base = next(iter(world.bases))
    created = invoke(["exports", "create", "--base", base, "-f", "json"])
    assert created.exit_code == 0, created.output
    export = json.loads(created.stdout)
    assert isinstance(export, dict), created.stdout
    period = last_full_month(world.now())
    requested = invoke(["audit", "requests", "create", "--period", period, "-f", "json"])
    assert requested.exit_code == 0, requested.output
    request = json.loads(requested.stdout)
    assert isinstance(request, dict), requested.stdout
    commands = {
        "audit requests get": ["audit", "requests", "get", request["id"]],
        "whoami": ["whoami"],
        "exports get": ["exports", "get", export["id"]],
        "scim users get": ["scim", "users", "get", managed.id],
        "scim groups show": ["scim", "groups", "show", group.id],
    }
    for name, args in commands.items():
        result = invoke([*args, "-f", "json"])
        assert result.exit_code == 0, (name, result.output)
        assert isinstance(json.loads(result.stdout), dict), (name, result.stdout)


def test_lists_stay_arrays(invoke: Invoke) -> None:
    for args in (["scim", "users", "list"], ["exports", "list"], ["groups", "list"]):
        result = invoke([*args, "-f", "json"])
        assert result.exit_code == 0, result.output
        assert isinstance(json.loads(result.stdout), list), args
