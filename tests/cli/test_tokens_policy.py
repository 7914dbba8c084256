"""``tokens list --broad`` flags what its help promises (issue 26): every ``:write`` and
``:manage`` scope and ``mode: all``; ``--broad-scope SCOPE`` sets the policy."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from airtable_enterprise.cli.tokens import BroadPolicy
from airtable_enterprise.models.tokens import AccessToken, ResourceAccess

from .conftest import Invoke


def _token(*scopes: str, mode: str = "specificModelIds") -> AccessToken:
    return AccessToken(
        id="patAAAAAAAAAAAAAA",
        name="t",
        state="active",
        user_id="usrAAAAAAAAAAAAAA",
        created_by_user_id="usrAAAAAAAAAAAAAA",
        created_time=datetime(2026, 1, 1, tzinfo=UTC),
        scopes=scopes,
        resource_access=ResourceAccess(mode=mode),
    )


def test_every_write_and_manage_scope_is_broad_by_default() -> None:
    token = _token("webhook:manage", "data.recordComments:write", "data.records:read")
    assert BroadPolicy().reasons(token) == ("webhook:manage", "data.recordComments:write")
    assert BroadPolicy().reasons(_token("schema.bases:read")) == ()
    assert BroadPolicy().reasons(_token(mode="all")) == ("mode: all",)


def test_a_policy_names_its_own_scopes() -> None:
    policy = BroadPolicy(frozenset({"data.records:read"}))
    assert policy.reasons(_token("webhook:manage", "data.records:read")) == ("data.records:read",)


def test_the_broad_filter_and_column_follow_the_policy(invoke: Invoke) -> None:
    every = [
        json.loads(line) for line in invoke(["tokens", "list", "-f", "jsonl"]).stdout.splitlines()
    ]
    broad = invoke(["tokens", "list", "--broad", "-f", "jsonl"])
    assert broad.exit_code == 0, broad.output
    flagged = {json.loads(line)["id"] for line in broad.stdout.splitlines()}
    expected = {
        t["id"]
        for t in every
        if t["resourceAccess"]["mode"] == "all"
        or any(s.endswith((":write", ":manage")) for s in t["scopes"])
    }
    assert flagged == expected
    assert any("webhook:manage" in t["scopes"] for t in every if t["id"] in flagged)
    custom = invoke(["tokens", "list", "--broad", "--broad-scope", "webhook:manage", "-f", "jsonl"])
    rows = [json.loads(line) for line in custom.stdout.splitlines()]
    assert rows
    for row in rows:
        assert set(row["broad"]) <= {"mode: all", "webhook:manage"}
