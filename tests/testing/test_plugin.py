"""The pytest plugin's fixtures, used as a user's test suite would."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from airtable_enterprise import AsyncApi
from airtable_enterprise.testing import Emulator
from airtable_enterprise.testing.world.state import Group, User


@pytest.mark.anyio
async def test_connected_api_and_factories(
    airtable_emulator: Emulator,
    airtable_api: AsyncApi,
    make_user: Callable[..., User],
    make_group: Callable[..., Group],
    make_event: Callable[..., dict[str, Any]],
) -> None:
    user = make_user("someone@" + next(iter(airtable_emulator.world.root.email_domains)))
    group = make_group("Team", members=[user])
    old = make_event("loginUser", actor=user, timestamp=datetime(2026, 1, 1, tzinfo=UTC))
    ent = airtable_emulator.enterprise_id
    found = await airtable_api.request(
        "GET", f"/v0/meta/enterpriseAccounts/{ent}/users", params=[("email", user.email)]
    )
    assert found["users"][0]["groups"] == [{"id": group.id}]
    events = await airtable_api.request(
        "GET",
        f"/v0/meta/enterpriseAccounts/{ent}/auditLogEvents",
        params=[("originatingUserId", user.id), ("startTime", "2025-12-01T00:00:00Z")],
    )
    assert [e["id"] for e in events["events"]] == [old["id"]]
    assert old["timestamp"] == "2026-01-01T00:00:00.000Z"


def test_the_plugin_module_imports_without_starlette() -> None:
    import importlib
    import sys

    blocked = {"starlette": None, "uvicorn": None}
    saved = {
        name: sys.modules.pop(name)
        for name in list(sys.modules)
        if name.startswith(("starlette", "uvicorn", "airtable_enterprise.testing"))
    }
    try:
        sys.modules.update(blocked)  # type: ignore[arg-type]
        plugin = importlib.import_module("airtable_enterprise.testing.pytest_plugin")
        assert hasattr(plugin, "airtable_emulator")
    finally:
        for name in [
            *blocked,
            *[n for n in sys.modules if n.startswith("airtable_enterprise.testing")],
        ]:
            sys.modules.pop(name, None)
        sys.modules.update(saved)


def test_repr_and_properties(airtable_emulator: Emulator) -> None:
    assert repr(airtable_emulator).startswith(f"<Emulator {airtable_emulator.enterprise_id}")
    assert airtable_emulator.token not in repr(airtable_emulator)
