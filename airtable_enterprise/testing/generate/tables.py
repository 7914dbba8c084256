"""The generator's base contents and change history: every base gets a few tables with
fields, a grid view and some records, and the 14 days before "now" get a history of
record and field changes on them (REFERENCE §10 exports, §11 change events).

Drawn from their own random sources (seeded from the world's seed), so adding them
leaves every user, workspace, base, token and audit event of a seed's world as it was.
A base created within the change-event retention has its tables and first records
as change events too; older bases' records predate the retention.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from ..world.changes import RETENTION
from ..world.state import Base, World

__all__ = ["add_tables", "generate_history"]

_STATUSES = ("Todo", "In progress", "Blocked", "Done")
_STAGES = ("Idea", "Planned", "Active", "On hold", "Closed")
_CATEGORIES = ("Hardware", "Software", "Furniture", "Services", "Travel")
_WORDS = ("launch", "budget", "hiring", "vendor", "review", "audit", "roadmap", "migration")
_PEOPLE = ("Ada", "Ben", "Chen", "Dana", "Eli", "Farah", "Grace", "Kai", "Maya", "Omar")
_COMPANIES = ("Acme", "Globex", "Initech", "Hooli", "Vandelay", "Stark", "Wayne", "Tyrell")
_OPTIONS = {"Status": _STATUSES, "Stage": _STAGES, "Category": _CATEGORIES}
#: Each byte value -> a base-62 character (a byte modulo 62: near enough uniform here).
_BYTE_TO_BASE62 = bytes(
    (b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")[b % 62] for b in range(256)
)


def _make_id(prefix: str, rng: random.Random) -> str:
    """An ID like :func:`._wire.make_id`'s, several times faster: the tables of a
    50,000-user world need about half a million."""
    return prefix + rng.randbytes(14).translate(_BYTE_TO_BASE62).decode()


#: (table name, ((field name, type), ...)): the first field is the primary one.
_TEMPLATES: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "Tasks",
        (
            ("Name", "singleLineText"),
            ("Status", "singleSelect"),
            ("Owner", "singleLineText"),
            ("Due", "date"),
            ("Estimate", "number"),
        ),
    ),
    (
        "Projects",
        (
            ("Name", "singleLineText"),
            ("Stage", "singleSelect"),
            ("Budget", "currency"),
            ("Notes", "multilineText"),
        ),
    ),
    (
        "Vendors",
        (
            ("Name", "singleLineText"),
            ("Email", "email"),
            ("Active", "checkbox"),
            ("Category", "singleSelect"),
        ),
    ),
    ("Contacts", (("Name", "singleLineText"), ("Email", "email"), ("Company", "singleLineText"))),
    (
        "Assets",
        (
            ("Name", "singleLineText"),
            ("Category", "singleSelect"),
            ("Cost", "currency"),
            ("Purchased", "date"),
        ),
    ),
    ("Meetings", (("Name", "singleLineText"), ("Date", "date"), ("Notes", "multilineText"))),
)


def cell_value(rng: random.Random, name: str, kind: str) -> Any:
    """A plausible value for a field of ``kind`` named ``name``."""
    if kind == "singleSelect":
        return rng.choice(_OPTIONS.get(name, _STATUSES))
    if kind in ("number", "currency"):
        return rng.randint(1, 40) if kind == "number" else rng.randint(1, 500) * 100
    if kind == "checkbox":
        return rng.random() < 0.7
    if kind == "date":
        return f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    if kind == "email":
        return f"{rng.choice(_PEOPLE).lower()}@{rng.choice(_COMPANIES).lower()}.example"
    if name == "Company":
        return rng.choice(_COMPANIES)
    if name == "Owner":
        return rng.choice(_PEOPLE)
    return f"{rng.choice(_WORDS).capitalize()} {rng.randint(1, 999)}"


class _Values:
    """Records' cell values, drawn from a pool of 64 per field name and type: a fresh
    value per cell made the tables cost more than the rest of the world together."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._pools: dict[tuple[str, str], list[Any]] = {}

    def record(self, table: dict[str, Any]) -> dict[str, Any]:
        """Cell values by field ID; the primary field always, the others mostly."""
        rng = self._rng
        values: dict[str, Any] = {}
        for n, field in enumerate(table["fields"]):
            if n and rng.random() >= 0.8:
                continue
            key = (field["name"], field["type"])
            pool = self._pools.get(key)
            if pool is None:
                pool = self._pools[key] = [cell_value(rng, *key) for _ in range(64)]
            values[field["id"]] = pool[rng.getrandbits(6)]
        return values


def _table(rng: random.Random, name: str, spec: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    fields: list[dict[str, Any]] = []
    for field_name, kind in spec:
        field: dict[str, Any] = {"id": _make_id("fld", rng), "name": field_name, "type": kind}
        if kind == "singleSelect":
            choices = _OPTIONS.get(field_name, _STATUSES)
            field["options"] = {
                "choices": [{"id": _make_id("sel", rng), "name": c} for c in choices]
            }
        fields.append(field)
    return {
        "id": _make_id("tbl", rng),
        "name": name,
        "primaryFieldId": fields[0]["id"],
        "fields": fields,
        "views": [{"id": _make_id("viw", rng), "name": "Grid view", "type": "grid"}],
    }


def add_tables(world: World, seed: int, now: datetime) -> None:
    """Give every base 1-4 tables with 1-5 records each (the first table is a task list)."""
    rng = random.Random(f"{seed}:tables")
    cutoff = now - RETENTION
    # Change events draw their keys and IDs from world.rng: lend them this source.
    saved, world.rng = world.rng, rng
    values = _Values(rng)
    try:
        for base in world.bases.values():
            count = rng.choice((1, 2, 2, 3, 3, 4))
            picked = [_TEMPLATES[0], *rng.sample(_TEMPLATES[1:], count - 1)]
            tables = [_table(rng, name, spec) for name, spec in picked]
            base.tables.extend(tables)
            if base.created_time > cutoff:
                _recent_base(world, rng, values, base, tables)
            else:
                _old_records(world, rng, values, base, tables, cutoff)
    finally:
        world.rng = saved


def _old_records(
    world: World,
    rng: random.Random,
    values: _Values,
    base: Base,
    tables: list[dict[str, Any]],
    cutoff: datetime,
) -> None:
    """Records created before the retention window: no change event remembers them."""
    start = base.created_time.astimezone(UTC)
    span = max(60.0, (cutoff - start).total_seconds())
    by_table = world.changes.records.setdefault(base.id, {})
    for table in tables:
        records = by_table.setdefault(table["id"], {})
        for _ in range(rng.randint(1, 5)):
            created = min(start + timedelta(seconds=rng.uniform(0, span)), cutoff)
            records[_make_id("rec", rng)] = {
                "cellValuesByFieldId": values.record(table),
                # format_time's form (…T12:00:00.000Z), the quick way: 15,000 at 5,000 users.
                "createdTime": created.isoformat(timespec="milliseconds")[:-6] + "Z",
            }


def _recent_base(
    world: World, rng: random.Random, values: _Values, base: Base, tables: list[dict[str, Any]]
) -> None:
    """A base created within the retention: its tables, then its records, as events."""
    owners = world.owners(world.workspaces[base.workspace_id])
    actor = owners[0] if owners else None
    log = world.changes
    log.created_base(world, base.id, tables, actor, "127.0.0.1", moment=base.created_time)
    for n, table in enumerate(tables):
        log.modify(
            world,
            base.id,
            table_id=table["id"],
            create_records=[values.record(table) for _ in range(rng.randint(1, 5))],
            actor_id=actor,
            moment=base.created_time + timedelta(minutes=n + 1),
        )


def generate_history(world: World, rng: random.Random, now: datetime, count: int) -> None:
    """A realistic change history over the 14 days before ``now`` on the tables of a
    few active bases: records created, edited (mostly a status or stage), deleted, and
    now and then a field added, by their collaborators."""
    bases = [b for b in world.bases.values() if b.tables]
    if count <= 0 or not bases:
        return
    users = [u.id for u in world.users.values() if u.state == "provisioned"]
    active = rng.sample(bases, min(len(bases), max(6, min(40, len(bases) // 10))))
    # The history draws its IDs from its own random source: the world's stays as it
    # was, so adding history changes no ID generated afterwards.
    saved, world.rng = world.rng, rng
    try:
        _history(world, rng, now, count, active, users)
    finally:
        world.rng = saved


def _history(
    world: World,
    rng: random.Random,
    now: datetime,
    count: int,
    active: list[Base],
    users: list[str],
) -> None:
    span = RETENTION.total_seconds() - 2 * 3600
    moments = sorted(now - timedelta(seconds=rng.uniform(60, span)) for _ in range(count))
    log = world.changes
    values = _Values(rng)
    settled = timedelta(hours=1)  # a base's own tables and first records come first
    for moment in moments:
        base = rng.choice([b for b in active if b.created_time + settled < moment] or active)
        table: dict[str, Any] = rng.choice(base.tables)
        table_id = str(table["id"])
        records = list(log.records.get(base.id, {}).get(table_id, {}))
        roll = rng.random()
        changes: dict[str, Any]
        if roll < 0.35 or len(records) < 3:
            new = [values.record(table) for _ in range(rng.randint(1, 3))]
            changes = {"create_records": new}
        elif roll < 0.85:
            fields = table["fields"]
            selects = [f for f in fields if f["type"] == "singleSelect"]
            field = rng.choice(selects or fields)
            value = cell_value(rng, field["name"], field["type"])
            changes = {"update_records": {rng.choice(records): {field["id"]: value}}}
        elif roll < 0.95:
            changes = {"delete_records": [rng.choice(records)]}
        else:
            changes = {"create_fields": [{"name": f"Notes {rng.randint(1, 99)}"}]}
        log.modify(
            world, base.id, table_id=table_id, actor_id=rng.choice(users), moment=moment, **changes
        )
