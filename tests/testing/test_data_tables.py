"""The emulator's HyperDB routes (REFERENCE §16), spoken to over raw HTTP: cursors,
filters, upsert and delete, and who may call them (PAT only, scopes, admins)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from airtable_enterprise.testing import Emulator
from airtable_enterprise.testing.http.handlers.data_tables import PAGE_SIZE, UPSERT_ANSWER
from airtable_enterprise.testing.world.data_tables import DataTable

pytestmark = pytest.mark.anyio


def _table(emulator: Emulator) -> DataTable:
    """The generated data table with the most records (several pages of them)."""
    return max(emulator.world.data_tables.values(), key=lambda t: len(t.records))


def _path(emulator: Emulator, table_id: str, action: str) -> str:
    return f"/v0/{emulator.enterprise_id}/{table_id}/{action}"


async def _walk(client: httpx.AsyncClient, path: str, **body: Any) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    cursor = None
    for _ in range(100):
        sent = dict(body) if cursor is None else {**body, "cursor": cursor}
        answer = await client.post(path, json=sent)
        assert answer.status_code == 200, answer.text
        page = answer.json()
        assert set(page) == {"records", "nextCursor"}
        records += page["records"]
        cursor = page["nextCursor"]
        if cursor is None:
            return records
    raise AssertionError("the cursor never ended")


def test_the_generator_seeds_data_tables_with_several_pages_of_records(
    emulator: Emulator,
) -> None:
    tables = list(emulator.world.data_tables.values())
    assert len(tables) >= 2
    assert all(t.account_id == emulator.enterprise_id and t.records for t in tables)
    assert min(len(t.records) for t in tables) > PAGE_SIZE  # more than one page each
    values = [v for t in tables for fields in t.records.values() for v in fields.values()]
    assert {type(v) for v in values} == {str, int, float, type(None)}


async def test_get_records_follows_the_cursor_through_every_record(
    client: httpx.AsyncClient, emulator: Emulator
) -> None:
    table = _table(emulator)
    path = _path(emulator, table.id, "getRecords")
    records = await _walk(client, path, maxRecords=10_000)
    assert [r["primaryKey"] for r in records] == sorted(table.records)
    assert all(r["fields"] == table.records[r["primaryKey"]] for r in records)
    small = await _walk(client, path)
    assert small == records
    first = (await client.post(path, json={"maxRecords": 7})).json()
    assert len(first["records"]) == 7
    assert first["nextCursor"] is None


async def test_records_added_or_deleted_between_pages_neither_repeat_nor_shift_the_walk(
    client: httpx.AsyncClient, emulator: Emulator
) -> None:
    table = _table(emulator)
    path = _path(emulator, table.id, "getRecords")
    first = (await client.post(path, json={"maxRecords": 20})).json()
    keys = [r["primaryKey"] for r in first["records"]]
    first = (await client.post(path, json={})).json()
    seen = [r["primaryKey"] for r in first["records"]]
    del table.records[seen[0]]  # behind the cursor
    table.records["zzz-new"] = {"hostname": "late"}  # ahead of it
    rest = await _walk(client, path, cursor=first["nextCursor"])
    following = [r["primaryKey"] for r in rest]
    assert not set(following) & set(seen)
    assert following[-1] == "zzz-new"
    assert keys == seen[:20]


async def test_fields_and_primary_keys_filter_the_answer(
    client: httpx.AsyncClient, emulator: Emulator
) -> None:
    table = _table(emulator)
    key, other = sorted(table.records)[3:5]
    field = next(iter(table.records[key]))
    answer = await client.post(
        _path(emulator, table.id, "getRecords"),
        json={"fields": [field], "primaryKeys": [other, key, "no-such-key"]},
    )
    assert answer.json() == {
        "records": [
            {"primaryKey": key, "fields": {field: table.records[key][field]}},
            {"primaryKey": other, "fields": {field: table.records[other][field]}},
        ],
        "nextCursor": None,
    }


async def test_upsert_creates_and_merges_and_delete_removes(
    client: httpx.AsyncClient, emulator: Emulator
) -> None:
    table = _table(emulator)
    key = sorted(table.records)[0]
    before = dict(table.records[key])
    field = next(iter(before))
    answer = await client.put(
        _path(emulator, table.id, "upsertRecords"),
        json={
            "records": [
                {"primaryKey": key, "fields": {field: "changed"}},
                {"primaryKey": "new-1", "fields": {"a": 1, "b": 2.5, "c": None}},
            ]
        },
    )
    assert answer.status_code == 200
    assert answer.json() == UPSERT_ANSWER
    assert table.records[key] == {**before, field: "changed"}  # fields left out are kept
    assert table.records["new-1"] == {"a": 1, "b": 2.5, "c": None}
    answer = await client.post(
        _path(emulator, table.id, "deleteRecords"),
        json={"primaryKeysForDelete": ["new-1", "never-there"]},
    )
    assert answer.status_code == 200
    assert answer.content == b""
    assert "new-1" not in table.records


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("getRecords", {"maxRecords": 0}),
        ("getRecords", {"fields": "name"}),
        ("getRecords", {"cursor": "not-a-cursor"}),
        ("getRecords", {"pageSize": 10}),
        ("upsertRecords", {"records": [{"primaryKey": "", "fields": {}}]}),
        ("upsertRecords", {"records": [{"primaryKey": "k", "fields": {"flag": True}}]}),
        ("upsertRecords", {"records": [{"primaryKey": "k", "fields": {"list": [1]}}]}),
        ("upsertRecords", {"records": [{"primaryKey": "k", "extra": 1}]}),
        ("deleteRecords", {"primaryKeysForDelete": "k"}),
        ("deleteRecords", {}),
    ],
)
async def test_malformed_bodies_are_refused_with_422_and_change_nothing(
    client: httpx.AsyncClient, emulator: Emulator, action: str, body: dict[str, Any]
) -> None:
    table = _table(emulator)
    before = {k: dict(v) for k, v in table.records.items()}
    method = "PUT" if action == "upsertRecords" else "POST"
    answer = await client.request(method, _path(emulator, table.id, action), json=body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["type"] == "INVALID_REQUEST_UNKNOWN"
    assert table.records == before


async def test_a_cursor_of_another_table_is_refused(
    client: httpx.AsyncClient, emulator: Emulator
) -> None:
    one, two = list(emulator.world.data_tables.values())[:2]
    cursor = (await client.post(_path(emulator, one.id, "getRecords"), json={})).json()
    assert cursor["nextCursor"] is not None
    answer = await client.post(
        _path(emulator, two.id, "getRecords"), json={"cursor": cursor["nextCursor"]}
    )
    assert answer.status_code == 422


@pytest.mark.parametrize(
    "where", ["unknown table", "unknown account", "another account's table", "not an ID"]
)
async def test_unknown_tables_answer_the_documented_403(
    client: httpx.AsyncClient, emulator: Emulator, where: str
) -> None:
    table = _table(emulator)
    account, table_id = emulator.enterprise_id, table.id
    if where == "unknown table":
        table_id = "dtbAAAAAAAAAAAAAA"
    elif where == "unknown account":
        account = "entAAAAAAAAAAAAAA"
    elif where == "another account's table":
        table.account_id = next(a for a in emulator.world.accounts if a != account)
    else:
        table_id = "nonsense"
    answer = await client.post(f"/v0/{account}/{table_id}/getRecords", json={})
    assert answer.status_code == 403
    assert answer.json()["error"]["type"] == "INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND"


def _emulator_with(emulator: Emulator, **options: Any) -> Emulator:
    tokens = {"patAdmin.x": emulator.admin_id, "oaaAdmin.x": emulator.admin_id}
    return Emulator(emulator.world, tokens=tokens, **options)


async def _status(emulator: Emulator, token: str, method: str, action: str, body: Any) -> int:
    table = _table(emulator)
    async with httpx.AsyncClient(
        transport=emulator.transport(),
        base_url="http://emulator.localhost",
        headers={"Authorization": f"Bearer {token}"},
    ) as http:
        answer = await http.request(method, _path(emulator, table.id, action), json=body)
        return answer.status_code


async def test_oauth_tokens_are_refused_personal_access_tokens_accepted(
    emulator: Emulator,
) -> None:
    served = _emulator_with(emulator, oauth_tokens=["oaaAdmin.x"])
    for method, action, body in [
        ("POST", "getRecords", {}),
        ("PUT", "upsertRecords", {"records": [{"primaryKey": "k", "fields": {}}]}),
        ("POST", "deleteRecords", {"primaryKeysForDelete": ["k"]}),
    ]:
        assert await _status(served, "oaaAdmin.x", method, action, body) == 403
        assert await _status(served, "patAdmin.x", method, action, body) == 200
    assert "k" not in _table(served).records


async def test_the_hyperdb_scopes_are_enforced(emulator: Emulator) -> None:
    served = _emulator_with(
        emulator,
        token_scopes={
            "patAdmin.x": ["hyperDB.records:read"],
            "oaaAdmin.x": ["enterprise.user:read"],
        },
    )
    upsert = {"records": [{"primaryKey": "k", "fields": {}}]}
    assert await _status(served, "patAdmin.x", "POST", "getRecords", {}) == 200
    assert await _status(served, "patAdmin.x", "PUT", "upsertRecords", upsert) == 403
    assert await _status(served, "oaaAdmin.x", "POST", "getRecords", {}) == 403
    assert "k" not in _table(served).records


async def test_only_enterprise_admins_may_call_hyperdb(emulator: Emulator) -> None:
    member = next(
        u for u in emulator.world.users.values() if not u.is_admin and u.state == "provisioned"
    )
    served = Emulator(emulator.world, tokens={"patMember.x": member.id})
    assert await _status(served, "patMember.x", "POST", "getRecords", {}) == 403


def test_token_options_must_name_accepted_tokens(emulator: Emulator) -> None:
    with pytest.raises(ValueError, match="accepted tokens"):
        Emulator(emulator.world, oauth_tokens=["other"])
    with pytest.raises(ValueError, match="accepted tokens"):
        Emulator(emulator.world, token_scopes={"other": []})


@pytest.mark.parametrize(
    "record",
    [
        b'{"primaryKey": "\\ud800", "fields": {}}',
        b'{"primaryKey": "k", "fields": {"\\udc00": 1}}',
        b'{"primaryKey": "k", "fields": {"s": "a\\ud800b"}}',
    ],
)
async def test_text_that_is_not_valid_unicode_is_refused_not_stored(
    client: httpx.AsyncClient, emulator: Emulator, record: bytes
) -> None:
    # A lone surrogate (JSON's "\ud800" escape) was stored, and every later read of the
    # record raised UnicodeEncodeError inside the emulator.
    table = _table(emulator)
    before = {k: dict(v) for k, v in table.records.items()}
    path = _path(emulator, table.id, "upsertRecords")
    answer = await client.put(path, content=b'{"records": [' + record + b"]}")
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["type"] == "INVALID_REQUEST_UNKNOWN"
    assert table.records == before
    everything = await _walk(client, _path(emulator, table.id, "getRecords"))
    assert len(everything) == len(before)
