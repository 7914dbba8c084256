"""HyperDB data-table records (REFERENCE §16): what ``getRecords`` answers."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import attrs

from ._base import raw_field

__all__ = ["CellValue", "DataTableRecord", "RecordsPage", "cell_problem"]

#: A field value: ``{name: string|number|null}`` (REFERENCE §16).
CellValue = str | int | float | None


def cell_problem(value: object) -> str | None:
    """Why ``value`` cannot be a field value, or ``None`` (a ``bool`` is not a number,
    and NaN or infinity is not JSON)."""
    if value is None or type(value) is str or type(value) is int:
        return None
    if type(value) is float:
        return None if math.isfinite(value) else "is not a finite number (not JSON)"
    return f"is a {type(value).__name__}; a field value is a string, a number or null"


def _cells(value: object) -> Mapping[str, CellValue]:
    """The ``fields`` of a record from the wire: null reads as empty; strict about types."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise TypeError(f"fields must be an object, not {type(value).__name__}")
    for name, cell in value.items():
        problem = cell_problem(cell)
        if problem is not None:
            raise TypeError(f"field {name!r} {problem}")
    return dict(value)


@attrs.frozen(kw_only=True)
class DataTableRecord:
    """One record of a HyperDB data table: its ``primaryKey`` and its ``fields``
    (values are strings, numbers or null). Unknown keys stay in ``raw``."""

    primary_key: str
    fields: Mapping[str, CellValue] = attrs.field(factory=dict, converter=_cells)
    raw: Mapping[str, Any] = raw_field()

    def body(self) -> dict[str, object]:
        """The record as ``upsertRecords`` takes it: ``{"primaryKey", "fields"}``."""
        return {"primaryKey": self.primary_key, "fields": dict(self.fields)}


@attrs.frozen(kw_only=True)
class RecordsPage:
    """One answer of ``POST /v0/{ent}/{dataTableId}/getRecords``."""

    records: tuple[DataTableRecord, ...] = ()
    next_cursor: str | None = None
    raw: Mapping[str, Any] = raw_field()
