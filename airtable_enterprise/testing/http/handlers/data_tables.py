"""HyperDB endpoints (REFERENCE §16): read, upsert and delete the records of an
enterprise's data tables, by primary key.

Airtable's rules kept: personal access tokens only (an OAuth token is refused), the
``hyperDB.records:read`` / ``hyperDB.records:write`` scopes, enterprise admins only,
and an unknown account or table answers 403 ``INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND``
(§1.4: "lacks permission or the object does not exist"). What §16 leaves open is the
emulator's choice, listed in docs/guides/spec-vs-wire.md: the page size, what
``maxRecords`` caps, the cursor, the upsert merge, and the bodies of upsert and delete.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from typing import Any

from ..._wire import invalid_request, model_not_found, not_permitted
from ...world.data_tables import CellValue, DataTable
from ...world.state import World
from ..requests import Call

__all__ = ["PAGE_SIZE", "UPSERT_ANSWER", "delete_records", "get_records", "upsert_records"]

#: Records per getRecords answer (the emulator's choice; §16 documents none).
PAGE_SIZE = 100
#: What upsert answers: the documented schema's leaked internal key (§16); the real
#: success body is unknown, so a client must not read anything from it.
UPSERT_ANSWER: dict[str, Any] = {"_promisedCompressedResponseDataSymbol": {}}
READ_SCOPE = "hyperDB.records:read"
WRITE_SCOPE = "hyperDB.records:write"
_PAT_ONLY = "HyperDB accepts personal access tokens only, not OAuth access tokens"


def _table(world: World, call: Call, scope: str) -> DataTable:
    """The data table of the path, once the caller may use it (token kind, scope, admin)."""
    caller = call.caller
    if caller.token_kind != "pat":
        raise not_permitted(_PAT_ONLY)
    if caller.scopes is not None and scope not in caller.scopes:
        raise model_not_found()  # a missing scope reads like a missing object (§1.4)
    account = world.account(call.path["ent"])
    user = world.users.get(caller.user_id)
    if user is None or not user.is_admin:
        raise not_permitted()
    table = world.data_tables.get(call.path["table"])
    if table is None or table.account_id != account.id:
        raise model_not_found()
    return table


def _keys(value: object, name: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(k, str) and k for k in value):
        raise invalid_request(f"{name} must be an array of non-empty strings")
    return value


def _cursor(table: DataTable, text: object) -> str:
    """The last primary key a cursor of ``table`` points after (422 if it is not one)."""
    if not isinstance(text, str) or not text:
        raise invalid_request("cursor must be a non-empty string")
    try:
        decoded = json.loads(base64.urlsafe_b64decode(text.encode("ascii")))
    except (ValueError, UnicodeError, binascii.Error):
        raise invalid_request("cursor is not valid") from None
    if (
        not isinstance(decoded, dict)
        or decoded.get("t") != table.id
        or not isinstance(decoded.get("k"), str)
    ):
        raise invalid_request("cursor is not valid for this data table")
    last: str = decoded["k"]
    return last


def _make_cursor(table: DataTable, last_key: str) -> str:
    raw = json.dumps({"t": table.id, "k": last_key}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode("ascii")


def get_records(world: World, call: Call) -> dict[str, Any]:
    """POST /v0/{ent}/{dataTableId}/getRecords (§16): records in primary-key order,
    ``PAGE_SIZE`` at most per answer (fewer with ``maxRecords``), ``nextCursor`` null
    on the last page. The cursor names the last key returned, so records added or
    deleted between pages neither repeat nor shift the walk."""
    table = _table(world, call, READ_SCOPE)
    body = call.body({"cursor", "maxRecords", "fields", "primaryKeys"})
    limit = body.integer("maxRecords")
    if limit is not None and limit < 1:
        raise invalid_request("maxRecords must be at least 1")
    fields = _keys(body.data["fields"], "fields") if body.data.get("fields") is not None else None
    wanted = (
        _keys(body.data["primaryKeys"], "primaryKeys")
        if body.data.get("primaryKeys") is not None
        else None
    )
    after = _cursor(table, body.data["cursor"]) if body.data.get("cursor") is not None else None
    keys = sorted(table.records if wanted is None else set(wanted) & set(table.records))
    if after is not None:
        keys = [k for k in keys if k > after]
    size = PAGE_SIZE if limit is None else min(PAGE_SIZE, limit)
    page, rest = keys[:size], keys[size:]
    records = []
    for key in page:
        cells = table.records[key]
        shown = cells if fields is None else {f: cells[f] for f in fields if f in cells}
        records.append({"primaryKey": key, "fields": dict(shown)})
    more = bool(rest) and (limit is None or limit > len(page))
    return {"records": records, "nextCursor": _make_cursor(table, page[-1]) if more else None}


def _utf8(text: str) -> bool:
    """Whether ``text`` is valid Unicode: JSON's ``"\\ud800"`` escape decodes to a lone
    surrogate, which no answer could carry (a stored one made every later read fail)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _cells(value: object, where: str) -> dict[str, CellValue]:
    if not isinstance(value, dict):
        raise invalid_request(f"{where}.fields must be an object")
    for name, cell in value.items():
        if not name:
            raise invalid_request(f"{where}.fields has an empty field name")
        if not _utf8(name) or (isinstance(cell, str) and not _utf8(cell)):
            raise invalid_request(f"{where}.fields holds text that is not valid Unicode")
        finite = isinstance(cell, float) and math.isfinite(cell)
        if isinstance(cell, bool) or not (cell is None or isinstance(cell, str | int) or finite):
            raise invalid_request(f"{where}.fields[{name!r}] must be a string, a number or null")
    return value


def upsert_records(world: World, call: Call) -> dict[str, Any]:
    """PUT /v0/{ent}/{dataTableId}/upsertRecords (§16): each record created, or its
    fields merged into the existing one (fields left out are kept). All or nothing:
    one malformed record refuses the whole request (422)."""
    table = _table(world, call, WRITE_SCOPE)
    items = call.body({"records"}).list("records")
    changes: list[tuple[str, dict[str, CellValue]]] = []
    for index, item in enumerate(items):
        where = f"records[{index}]"
        if not isinstance(item, dict) or set(item) - {"primaryKey", "fields"}:
            raise invalid_request(f"{where} must be an object with primaryKey and fields")
        key = item.get("primaryKey")
        if not isinstance(key, str) or not key or not _utf8(key):
            raise invalid_request(f"{where}.primaryKey must be a non-empty string")
        changes.append((key, _cells(item.get("fields", {}), where)))
    for key, cells in changes:
        table.records.setdefault(key, {}).update(cells)
    return dict(UPSERT_ANSWER)


def delete_records(world: World, call: Call) -> None:
    """POST /v0/{ent}/{dataTableId}/deleteRecords (§16, body ``primaryKeysForDelete``):
    keys that name no record are skipped; the answer is empty (its body is not
    documented)."""
    table = _table(world, call, WRITE_SCOPE)
    body = call.body({"primaryKeysForDelete"})
    for key in _keys(body.data.get("primaryKeysForDelete"), "primaryKeysForDelete"):
        table.records.pop(key, None)
