"""The generated bases' tables and records, and the change history written on them."""

from __future__ import annotations

from typing import Any

import pytest

from airtable_enterprise.testing import generate_enterprise
from airtable_enterprise.testing._wire import parse_time
from airtable_enterprise.testing.generate import enterprise as generator_module
from airtable_enterprise.testing.world.changes import RETENTION
from airtable_enterprise.testing.world.state import World

from .conftest import NOW, Clock


def world(seed: int = 2) -> World:
    return generate_enterprise(seed=seed, users=300, events=500, clock=Clock())


def test_every_generated_base_has_tables_with_fields_and_records() -> None:
    generated = world()
    total = 0
    for base in generated.bases.values():
        assert 1 <= len(base.tables) <= 4
        exported = generated.changes.snapshot(generated, base.id)  # an export's content
        assert [t["id"] for t in exported] == [t["id"] for t in base.tables]
        for table, content in zip(base.tables, exported, strict=True):
            fields: Any = table["fields"]
            assert table["primaryFieldId"] == fields[0]["id"]
            assert table["views"]
            field_ids = {f["id"] for f in fields}
            assert content["records"], (base.id, table["name"])
            for record in content["records"]:
                assert record["id"].startswith("rec")
                assert set(record["cellValuesByFieldId"]) <= field_ids
                assert fields[0]["id"] in record["cellValuesByFieldId"]
                assert base.created_time <= parse_time(record["createdTime"]) <= NOW
            total += len(content["records"])
    # Realistic, yet small: a 50,000-user world must stay quick to generate.
    assert len(generated.bases) <= total <= 30 * len(generated.bases)


def fingerprint(generated: World) -> tuple[Any, ...]:
    """Everything but the bases' contents and the change events."""
    return (
        [(u.id, u.email, u.state, u.last_activity_time) for u in generated.users.values()],
        [(g.id, sorted(g.members)) for g in generated.groups.values()],
        [(w.id, w.name, sorted(w.grants), w.base_ids) for w in generated.workspaces.values()],
        [(b.id, b.name, sorted(b.grants), sorted(b.interfaces)) for b in generated.bases.values()],
        [generated.audit.render(e) for e in generated.audit],
        [(t.id, t.user_id, t.scopes) for t in generated.access_tokens.values()],
        [(b.id, sorted(b.shares), sorted(b.block_installations)) for b in generated.bases.values()],
        [(p.id, p.releases) for p in generated.packages.values()],
    )


def test_the_tables_leave_every_other_object_of_the_world_as_it_was(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with_tables = fingerprint(world(5))
    monkeypatch.setattr(generator_module, "add_tables", lambda *args: None)
    without = world(5)
    assert all(not b.tables for b in without.bases.values())
    assert fingerprint(without) == with_tables


def test_the_change_history_is_written_on_the_generated_tables() -> None:
    generated = world()
    log = generated.changes
    assert len(log) >= 200
    touched = {c.base_id for c in log.events}
    assert len(touched) > 6
    cutoff = NOW - RETENTION
    created_records: set[str] = set()
    for change in log.events:
        base = generated.bases[change.base_id]
        assert change.key >> 80 >= int(base.created_time.timestamp() * 1000)
        table_ids = {t["id"] for t in base.tables}
        data = change.data
        # A table appears as created only for a base made within the retention.
        if "createdTablesById" in data:
            assert base.created_time > cutoff
            assert set(data["createdTablesById"]) == table_ids
        for table_id, changes in data.get("changedTablesById", {}).items():
            assert table_id in table_ids
            [table] = [t for t in base.tables if t["id"] == table_id]
            field_ids = {f["id"] for f in table["fields"]}  # type: ignore[attr-defined]
            created_records.update(changes.get("createdRecordsById", {}))
            for record in changes.get("changedRecordsById", {}).values():
                assert set(record["current"]["cellValuesByFieldId"]) <= field_ids
    # Every record either predates the retention or has the event that created it.
    for base in generated.bases.values():
        for content in log.snapshot(generated, base.id):
            for record in content["records"]:
                old = parse_time(record["createdTime"]) <= cutoff
                assert old or record["id"] in created_records, record["id"]
