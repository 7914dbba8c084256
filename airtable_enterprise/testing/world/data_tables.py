"""Emulator records of HyperDB data tables (REFERENCE §16): each belongs to one
enterprise account and holds records by primary key."""

from __future__ import annotations

from datetime import datetime

import attrs

__all__ = ["CellValue", "DataTable"]

#: A field value on the wire: a string, a number or null (§16).
CellValue = str | int | float | None


@attrs.define
class DataTable:
    """A data table of an enterprise account. The ID prefix ``dtb`` is the emulator's:
    Airtable documents none (§1.7 lists no prefix for data tables)."""

    id: str
    name: str
    account_id: str
    created_time: datetime
    #: Records by primary key: ``{primaryKey: {field name: value}}``.
    records: dict[str, dict[str, CellValue]] = attrs.Factory(dict)
