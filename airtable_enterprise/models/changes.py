"""Change events: ``GET /v0/meta/enterpriseAccounts/{ent}/changeEvents`` (REFERENCE §11).

Every key of the payload is optional (the documented example is cut short, and the
destroyed-IDs keys are presumed), so every model here defaults each field; a null
container reads as empty; unknown keys stay in ``raw``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar

import attrs

from .._core.convert import converter, wire_name
from ._base import raw_field

__all__ = [
    "ChangeEvent",
    "ChangeEventActor",
    "ChangeEventContext",
    "ChangeEventOrigin",
    "ChangeEventPayload",
    "ChangeEventUser",
    "ChangeEventsData",
    "ChangeEventsResponse",
    "ChangedRecord",
    "ChangedRecordMetadata",
    "ChangedTable",
    "CreatedRecord",
    "CreatedTable",
    "RecordCells",
    "ValueChange",
]

C = TypeVar("C")


def _empty_map() -> Any:
    return attrs.field(factory=dict)


def _nulls_as_empty(cls: type[C]) -> type[C]:
    """Register ``cls`` so that a ``null`` container (mapping or list) reads as empty,
    while ``raw`` keeps the mapping as received."""
    containers = {
        str(a.metadata.get("wire") or wire_name(a.name))
        for a in attrs.fields(cls)  # type: ignore[arg-type]
        if isinstance(a.default, attrs.Factory) or a.default == ()  # type: ignore[arg-type]
    }
    base: Callable[[Any, Any], Any] = converter.get_structure_hook(cls)

    def structure(data: Any, typ: Any) -> Any:
        if isinstance(data, Mapping) and any(
            key in data and data[key] is None for key in containers
        ):
            fixed = {k: v for k, v in data.items() if not (k in containers and v is None)}
            instance = base(fixed, typ)
            object.__setattr__(instance, "raw", data)
            return instance
        return base(data, typ)

    converter.register_structure_hook(cls, structure)
    return cls


@_nulls_as_empty
@attrs.frozen(kw_only=True)
class ValueChange:
    """``{current, previous}`` of something changed (a field's or table's metadata, a
    comment): the properties that changed, before and after."""

    current: Mapping[str, Any] = _empty_map()
    previous: Mapping[str, Any] = _empty_map()
    raw: Mapping[str, Any] = raw_field()


@_nulls_as_empty
@attrs.frozen(kw_only=True)
class RecordCells:
    """``{cellValuesByFieldId}``: a record's cell values (only the changed ones)."""

    cell_values_by_field_id: Mapping[str, Any] = _empty_map()
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class ChangedRecord:
    """An item of ``changedRecordsById``: the record's changed cells, before and after."""

    current: RecordCells | None = None
    previous: RecordCells | None = None
    raw: Mapping[str, Any] = raw_field()


@_nulls_as_empty
@attrs.frozen(kw_only=True)
class CreatedRecord:
    """An item of ``createdRecordsById``: its cells and ``createdTime``."""

    cell_values_by_field_id: Mapping[str, Any] = _empty_map()
    created_time: datetime | None = None
    raw: Mapping[str, Any] = raw_field()


@_nulls_as_empty
@attrs.frozen(kw_only=True)
class ChangedRecordMetadata:
    """An item of ``changedRecordsMetadataById``: comments changed, created, destroyed."""

    changed_comments_by_id: Mapping[str, ValueChange] = _empty_map()
    created_comments_by_id: Mapping[str, Mapping[str, Any]] = _empty_map()
    destroyed_comment_ids: tuple[str, ...] = ()
    raw: Mapping[str, Any] = raw_field()


@_nulls_as_empty
@attrs.frozen(kw_only=True)
class ChangedTable:
    """An item of ``changedTablesById``: what changed in one existing table."""

    changed_fields_by_id: Mapping[str, ValueChange] = _empty_map()
    changed_metadata: ValueChange | None = None
    changed_records_by_id: Mapping[str, ChangedRecord] = _empty_map()
    changed_records_metadata_by_id: Mapping[str, ChangedRecordMetadata] = _empty_map()
    created_fields_by_id: Mapping[str, Mapping[str, Any]] = _empty_map()
    created_records_by_id: Mapping[str, CreatedRecord] = _empty_map()
    destroyed_field_ids: tuple[str, ...] = ()
    destroyed_record_ids: tuple[str, ...] = ()
    raw: Mapping[str, Any] = raw_field()


@_nulls_as_empty
@attrs.frozen(kw_only=True)
class CreatedTable:
    """An item of ``createdTablesById``: a new table's fields, metadata and records."""

    fields_by_id: Mapping[str, Mapping[str, Any]] = _empty_map()
    metadata: Mapping[str, Any] = _empty_map()
    records_by_id: Mapping[str, CreatedRecord] = _empty_map()
    raw: Mapping[str, Any] = raw_field()


@_nulls_as_empty
@attrs.frozen(kw_only=True)
class ChangeEventsData:
    """``payload.data``: the tables changed, created and destroyed in one base."""

    changed_tables_by_id: Mapping[str, ChangedTable] = _empty_map()
    created_tables_by_id: Mapping[str, CreatedTable] = _empty_map()
    destroyed_table_ids: tuple[str, ...] = ()
    raw: Mapping[str, Any] = raw_field()


@_nulls_as_empty
@attrs.frozen(kw_only=True)
class ChangeEventPayload:
    """``payload``: ``{version: "v0", data}``."""

    version: str | None = None
    data: ChangeEventsData = attrs.field(factory=ChangeEventsData)
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class ChangeEventUser:
    """``actor.user``: ``{id, email, name}``."""

    id: str
    email: str | None = None
    name: str | None = None
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class ChangeEventActor:
    """``actor``: a user (``type: "user"``) or an internal system (other types)."""

    type: str
    user: ChangeEventUser | None = None
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class ChangeEventContext:
    """``context``: the base (``applicationId`` is its deprecated alias) and action."""

    base_id: str | None = None
    application_id: str | None = None
    action_id: str | None = None
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class ChangeEventOrigin:
    """``origin``: ``{ipAddress}``."""

    ip_address: str | None = None
    raw: Mapping[str, Any] = raw_field()


@_nulls_as_empty
@attrs.frozen(kw_only=True)
class ChangeEvent:
    """One change event: a base's tables, fields and records changed (``base_modified``).

    An item of ``GET /v0/meta/enterpriseAccounts/{ent}/changeEvents``. Only ``id`` is
    required; :attr:`time` is ``timestamp`` or, when absent, ``eventTimestamp``.
    """

    id: str
    type: str | None = None
    actor: ChangeEventActor | None = None
    event_timestamp: datetime | None = None
    timestamp: datetime | None = None
    object_id: str | None = None
    object_type: str | None = None
    context: ChangeEventContext | None = None
    origin: ChangeEventOrigin | None = None
    payload: ChangeEventPayload = attrs.field(factory=ChangeEventPayload)
    raw: Mapping[str, Any] = raw_field()

    @property
    def time(self) -> datetime | None:
        """When the change happened (``timestamp``, else ``eventTimestamp``)."""
        return self.timestamp or self.event_timestamp

    @property
    def base_id(self) -> str | None:
        """The base changed (``context.baseId``, else ``objectId`` of a base event)."""
        if self.context is not None and self.context.base_id:
            return self.context.base_id
        return self.object_id if self.object_type in (None, "base") else None

    @property
    def data(self) -> ChangeEventsData:
        """``payload.data``."""
        return self.payload.data


@_nulls_as_empty
@attrs.frozen(kw_only=True)
class ChangeEventsResponse:
    """One page: ``{events (newest first), offset?: string}``."""

    events: tuple[ChangeEvent, ...] = ()
    offset: str | None = None
    raw: Mapping[str, Any] = raw_field()
