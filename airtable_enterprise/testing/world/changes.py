"""Emulated change events (REFERENCE §11): recorded when bases change, kept 14 days.

:class:`ChangeLog` holds the events (sorted by their ULID-like key, which starts with
the time) and the records of every base it has seen change, so that an update carries
the previous cell values and an export holds the records. Events come from creating a
base through the API (its tables), from :meth:`ChangeLog.modify` (the public
``Emulator.modify_base``) and from the generator (:mod:`.generator_tables`).
"""

from __future__ import annotations

import base64
import binascii
import random
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import attrs

from .._wire import (
    ApiFailure,
    format_ms,
    format_time,
    invalid_request,
    make_id,
    parse_time,
    to_ms,
    ulid_from_int,
    ulid_to_int,
)

if TYPE_CHECKING:
    from .state import World

__all__ = ["RETENTION", "ChangeLog", "StoredChange"]

#: How long change events are kept (REFERENCE §11).
RETENTION = timedelta(days=14)
_RANDOM_BITS = 80
_MAX_PAGE_SIZE = 100
_DEFAULT_PAGE_SIZE = 10
#: The 403 of an account whose change events are off. Airtable's exact body is not
#: documented (REFERENCE §19); this shape is the generic INVALID_PERMISSIONS one.
NOT_ENABLED_MESSAGE = (
    "Change events are not enabled for this enterprise account. "
    "They must be enabled by Airtable and turned on in the admin panel."
)


@attrs.define(order=False)
class StoredChange:
    """One stored change event; :meth:`ChangeLog.render` builds its wire form."""

    key: int
    base_id: str
    data: dict[str, Any]
    actor_id: str | None = None
    actor_email: str | None = None
    actor_name: str | None = None
    ip_address: str = "127.0.0.1"


def published_before(now: datetime, delay: float) -> int:
    """The first event key not yet readable at ``now`` when events become readable
    ``delay`` seconds after their timestamp (keys start with the time in ms)."""
    return (to_ms(now - timedelta(seconds=delay)) + 1) << _RANDOM_BITS


def _encode_offset(key: int) -> str:
    return base64.urlsafe_b64encode(ulid_from_int(key).encode()).decode()


def _decode_offset(offset: str) -> int:
    try:
        return ulid_to_int(base64.urlsafe_b64decode(offset.encode()).decode())
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise invalid_request(f"invalid offset {offset!r}") from None


@attrs.define
class ChangeLog:
    """The change events of a world and the records of the bases they touched."""

    enabled: bool = True
    #: Seconds after its timestamp before an event is readable (ingestion delay; 0: at
    #: once). Set by ``Emulator(publish_delay=)``.
    publish_delay: float = 0.0
    events: list[StoredChange] = attrs.Factory(list)
    _keys: list[int] = attrs.Factory(list)
    #: base ID -> table ID -> record ID -> ``{cellValuesByFieldId, createdTime}``.
    records: dict[str, dict[str, dict[str, dict[str, Any]]]] = attrs.Factory(dict)

    def __len__(self) -> int:
        return len(self.events)

    # ------------------------------------------------------------- recording

    def record(
        self,
        world: World,
        base_id: str,
        data: dict[str, Any],
        *,
        actor_id: str | None = None,
        ip_address: str = "127.0.0.1",
        moment: datetime | None = None,
    ) -> StoredChange:
        """Store one ``base_modified`` event for ``base_id`` with ``payload.data``
        (at ``moment``, default now: then later than every stored event)."""
        explicit = moment is not None
        moment = moment or world.now()
        key = (to_ms(moment) << _RANDOM_BITS) | world.rng.getrandbits(_RANDOM_BITS)
        if not explicit and self._keys and key <= self._keys[-1]:
            key = self._keys[-1] + 1
        user = world.users.get(actor_id) if actor_id else None
        change = StoredChange(
            key=key,
            base_id=base_id,
            data=data,
            actor_id=actor_id,
            actor_email=user.email if user else None,
            actor_name=user.name if user else None,
            ip_address=ip_address,
        )
        index = bisect_left(self._keys, key)
        self._keys.insert(index, key)
        self.events.insert(index, change)
        return change

    def created_base(
        self,
        world: World,
        base_id: str,
        tables: Sequence[Mapping[str, Any]],
        actor_id: str | None,
        ip_address: str,
        moment: datetime | None = None,
    ) -> StoredChange:
        """The event of a base created through the API: ``createdTablesById``."""
        created = {
            str(t["id"]): {
                "fieldsById": {
                    str(f["id"]): {"name": f["name"], "type": f["type"]}
                    for f in t.get("fields", [])
                },
                "metadata": {"name": t["name"], "description": t.get("description")},
                "recordsById": {},
            }
            for t in tables
        }
        for table_id in created:
            self.records.setdefault(base_id, {}).setdefault(table_id, {})
        return self.record(
            world,
            base_id,
            {"createdTablesById": created},
            actor_id=actor_id,
            ip_address=ip_address,
            moment=moment,
        )

    def modify(
        self,
        world: World,
        base_id: str,
        *,
        table_id: str | None = None,
        create_records: Iterable[Mapping[str, Any]] = (),
        update_records: Mapping[str, Mapping[str, Any]] | None = None,
        delete_records: Iterable[str] = (),
        create_fields: Iterable[Mapping[str, Any]] = (),
        rename_fields: Mapping[str, str] | None = None,
        delete_fields: Iterable[str] = (),
        rename_table: str | None = None,
        create_tables: Iterable[Mapping[str, Any]] = (),
        delete_tables: Iterable[str] = (),
        actor_id: str | None = None,
        moment: datetime | None = None,
    ) -> StoredChange:
        """Apply changes to a base and record them as one event (see ``Emulator.modify_base``)."""
        base = world.base(base_id)
        now = moment or world.now()
        data: dict[str, Any] = {}
        tables_by_id = {str(t["id"]): t for t in base.tables}
        new_tables = list(create_tables)
        if new_tables:
            created: dict[str, Any] = {}
            for spec in new_tables:
                fields = [
                    {
                        "id": make_id("fld", world.rng),
                        "name": f["name"],
                        "type": f.get("type", "singleLineText"),
                    }
                    for f in spec.get("fields", [{"name": "Name"}])
                ]
                table = {
                    "id": make_id("tbl", world.rng),
                    "name": spec["name"],
                    "primaryFieldId": fields[0]["id"],
                    "fields": fields,
                    "views": [
                        {"id": make_id("viw", world.rng), "name": "Grid view", "type": "grid"}
                    ],
                }
                base.tables.append(table)
                self.records.setdefault(base.id, {})[str(table["id"])] = {}
                created[str(table["id"])] = {
                    "fieldsById": {f["id"]: {"name": f["name"], "type": f["type"]} for f in fields},
                    "metadata": {"name": spec["name"], "description": None},
                    "recordsById": {},
                }
            data["createdTablesById"] = created
        changed = self._table_changes(
            world,
            base.id,
            tables_by_id,
            table_id,
            now,
            create_records=list(create_records),
            update_records=dict(update_records or {}),
            delete_records=list(delete_records),
            create_fields=list(create_fields),
            rename_fields=dict(rename_fields or {}),
            delete_fields=list(delete_fields),
            rename_table=rename_table,
        )
        if changed:
            data["changedTablesById"] = changed
        destroyed = [t for t in delete_tables if t in tables_by_id]
        if destroyed:
            base.tables[:] = [t for t in base.tables if t["id"] not in destroyed]
            for t in destroyed:
                self.records.get(base.id, {}).pop(t, None)
            data["destroyedTableIds"] = destroyed
        if not data:
            raise ValueError("modify_base needs at least one change")
        return self.record(world, base.id, data, actor_id=actor_id, moment=moment)

    def _table_changes(
        self,
        world: World,
        base_id: str,
        tables_by_id: dict[str, dict[str, Any]],
        table_id: str | None,
        now: datetime,
        **changes: Any,
    ) -> dict[str, Any]:
        if not any(changes.values()):
            return {}
        if table_id is None:
            if not tables_by_id:
                raise ValueError(f"base {base_id} has no table; pass create_tables first")
            table_id = list(tables_by_id)[-1]  # the newest table
        table = tables_by_id.get(table_id)
        if table is None:
            raise ValueError(f"no table {table_id} in base {base_id}")
        fields: list[dict[str, Any]] = table["fields"]
        by_name = {f["name"]: f["id"] for f in fields}
        records = self.records.setdefault(base_id, {}).setdefault(table_id, {})
        out: dict[str, Any] = {}

        def cells(values: Mapping[str, Any]) -> dict[str, Any]:
            return {by_name.get(k, k): v for k, v in values.items()}

        if changes["rename_table"] is not None:
            previous = {"name": table["name"], "description": table.get("description")}
            table["name"] = changes["rename_table"]
            current = {"name": table["name"], "description": table.get("description")}
            out["changedMetadata"] = {"current": current, "previous": previous}
        if changes["create_fields"]:
            created_fields = {}
            for spec in changes["create_fields"]:
                field = {
                    "id": make_id("fld", world.rng),
                    "name": spec["name"],
                    "type": spec.get("type", "singleLineText"),
                }
                fields.append(field)
                created_fields[field["id"]] = {"name": field["name"], "type": field["type"]}
            out["createdFieldsById"] = created_fields
        if changes["rename_fields"]:
            renamed = {}
            for field_id, name in changes["rename_fields"].items():
                wanted = by_name.get(field_id, field_id)
                matches = [f for f in fields if f["id"] == wanted]
                if not matches:
                    raise ValueError(f"no field {field_id} in table {table_id}")
                renamed[wanted] = {
                    "current": {"name": name},
                    "previous": {"name": matches[0]["name"]},
                }
                matches[0]["name"] = name
            out["changedFieldsById"] = renamed
        if changes["delete_fields"]:
            gone = [by_name.get(f, f) for f in changes["delete_fields"]]
            fields[:] = [f for f in fields if f["id"] not in gone]
            out["destroyedFieldIds"] = gone
        if changes["create_records"]:
            created = {}
            for values in changes["create_records"]:
                record_id = make_id("rec", world.rng)
                record = {"cellValuesByFieldId": cells(values), "createdTime": format_time(now)}
                records[record_id] = record
                created[record_id] = dict(record)
            out["createdRecordsById"] = created
        if changes["update_records"]:
            updated = {}
            for record_id, values in changes["update_records"].items():
                found = records.get(record_id)
                if found is None:
                    raise ValueError(f"no record {record_id} in table {table_id}")
                new = cells(values)
                old = {k: found["cellValuesByFieldId"].get(k) for k in new}
                found["cellValuesByFieldId"].update(new)
                updated[record_id] = {
                    "current": {"cellValuesByFieldId": new},
                    "previous": {"cellValuesByFieldId": old},
                }
            out["changedRecordsById"] = updated
        if changes["delete_records"]:
            gone = [r for r in changes["delete_records"] if records.pop(r, None) is not None]
            out["destroyedRecordIds"] = gone
        return {table_id: out}

    def snapshot(self, world: World, base_id: str) -> list[dict[str, Any]]:
        """The base's tables with their fields and records (an export's content)."""
        tables = []
        for table in world.base(base_id).tables:
            records = self.records.get(base_id, {}).get(str(table["id"]), {})
            tables.append(
                {
                    "id": table["id"],
                    "name": table["name"],
                    "fields": list(table.get("fields", [])),  # type: ignore[call-overload]
                    "records": [{"id": rid, **rec} for rid, rec in records.items()],
                }
            )
        return tables

    # ----------------------------------------------------------------- reading

    def prune(self, now: datetime) -> None:
        """Forget events older than the retention (14 days of world time)."""
        oldest = (to_ms(now - RETENTION)) << _RANDOM_BITS
        cut = bisect_left(self._keys, oldest)
        if cut:
            del self._keys[:cut]
            del self.events[:cut]

    def page(self, world: World, query: Sequence[tuple[str, str]]) -> dict[str, Any]:
        """One ``changeEvents`` response: newest first, string ``offset`` (§11)."""
        if not self.enabled:
            raise ApiFailure(403, "INVALID_PERMISSIONS", NOT_ENABLED_MESSAGE)
        params: dict[str, str] = {}
        for name, value in query:
            if name not in ("startTime", "endTime", "pageSize", "offset"):
                raise invalid_request(f"unknown parameter {name!r}")
            params[name] = value
        now = world.now()
        self.prune(now)
        size = _DEFAULT_PAGE_SIZE
        if "pageSize" in params:
            try:
                size = int(params["pageSize"])
            except ValueError:
                raise invalid_request("pageSize must be a number") from None
            if not 1 <= size <= _MAX_PAGE_SIZE:
                raise invalid_request(f"pageSize must be 1 to {_MAX_PAGE_SIZE}")
        low, high = 0, len(self._keys)
        for name in ("startTime", "endTime"):
            if name in params:
                try:
                    moment = to_ms(parse_time(params[name])) << _RANDOM_BITS
                except ValueError:
                    raise invalid_request(f"{name} is not an ISO 8601 time") from None
                if name == "startTime":
                    low = bisect_left(self._keys, moment)
                else:
                    high = bisect_left(self._keys, moment)
        if self.publish_delay > 0:
            high = min(high, bisect_left(self._keys, published_before(now, self.publish_delay)))
        if "offset" in params:
            high = min(high, bisect_left(self._keys, _decode_offset(params["offset"])))
        start = max(low, high - size)
        found = self.events[start:high][::-1]
        body: dict[str, Any] = {"events": [self.render(world, c) for c in found]}
        if start > low:
            body["offset"] = _encode_offset(self._keys[start])
        return body

    def render(self, world: World, change: StoredChange) -> dict[str, Any]:
        """The wire form of a stored change (REFERENCE §11)."""
        moment = format_ms(change.key >> _RANDOM_BITS)
        actor: dict[str, Any]
        if change.actor_id is not None:
            actor = {
                "type": "user",
                "user": {
                    "id": change.actor_id,
                    "email": change.actor_email,
                    "name": change.actor_name,
                },
            }
        else:
            actor = {"type": "system"}
        return {
            "id": ulid_from_int(change.key),
            "type": "base_modified",
            "actor": actor,
            "eventTimestamp": moment,
            "timestamp": moment,
            "objectId": change.base_id,
            "objectType": "base",
            "context": {"baseId": change.base_id, "actionId": make_id("act", _rng(change.key))},
            "origin": {"ipAddress": change.ip_address},
            "payload": {"version": "v0", "data": change.data},
        }


def _rng(seed: int) -> random.Random:
    return random.Random(seed)
