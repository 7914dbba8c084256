"""HyperDB in the client (REFERENCE §16): the records walk and its no-progress guard,
chunked concurrent upserts and deletes, a tolerant reading of the write answers, and
input refused before any request."""

from __future__ import annotations

import json
import logging
from typing import Any

import anyio
import httpx
import pytest
import respx

from airtable_enterprise import (
    AsyncApi,
    ChunkOutcome,
    DataTableRecord,
    Enterprise,
    InvalidInputError,
    PermissionDeniedError,
    ResponseValidationError,
    RetryPolicy,
)
from airtable_enterprise.resources.data_tables import DEFAULT_CHUNK_SIZE, MAX_EMPTY_PAGES
from airtable_enterprise.testing import DropConnection, Emulator, TruncatedBody, generate_enterprise

from .conftest import ENT

pytestmark = pytest.mark.anyio

DTB = "dtbAbCdEfGhIjKlMn"
BASE = f"/v0/{ENT}/{DTB}"


def _record(key: str, **fields: Any) -> dict[str, Any]:
    return {"primaryKey": key, "fields": fields}


def _pages(router: respx.MockRouter, pages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Answer getRecords with ``pages`` in turn; the bodies sent, in order."""
    sent: list[dict[str, Any]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        return httpx.Response(200, json=pages[min(len(sent), len(pages)) - 1])

    router.post(f"{BASE}/getRecords").mock(side_effect=answer)
    return sent


async def test_records_follows_next_cursor_and_sends_the_documented_body(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    sent = _pages(
        router,
        [
            {"records": [_record("a", n=1), _record("b", n=2.5)], "nextCursor": "c1"},
            {"records": [_record("c", s="x", e=None)], "nextCursor": None, "extra": 1},
        ],
    )
    table = enterprise.data_table(DTB)
    found = [r async for r in table.records(fields=["n", "s", "e"])]
    assert [(r.primary_key, dict(r.fields)) for r in found] == [
        ("a", {"n": 1}),
        ("b", {"n": 2.5}),
        ("c", {"s": "x", "e": None}),
    ]
    assert sent == [{"fields": ["n", "s", "e"]}, {"fields": ["n", "s", "e"], "cursor": "c1"}]


async def test_max_records_stops_the_walk_and_sends_what_is_left(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    sent = _pages(
        router,
        [
            {"records": [_record("a"), _record("b")], "nextCursor": "c1"},
            {"records": [_record("c"), _record("d")], "nextCursor": "c2"},
        ],
    )
    found = [r.primary_key async for r in enterprise.data_table(DTB).records(max_records=3)]
    assert found == ["a", "b", "c"]
    assert [body.get("maxRecords") for body in sent] == [3, 1]


async def test_primary_keys_are_asked_for_in_chunks(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    sent = _pages(router, [{"records": [], "nextCursor": None}])
    keys = [f"k{i}" for i in range(DEFAULT_CHUNK_SIZE + 5)]
    assert [r async for r in enterprise.data_table(DTB).records(primary_keys=keys)] == []
    assert [body["primaryKeys"] for body in sent] == [keys[:DEFAULT_CHUNK_SIZE], keys[-5:]]


@pytest.mark.parametrize(
    "pages",
    [
        # the same cursor again
        [{"records": [_record("a")], "nextCursor": "c1"}, {"records": [], "nextCursor": "c1"}],
        # a cycle
        [
            {"records": [_record("a")], "nextCursor": "c1"},
            {"records": [_record("b")], "nextCursor": "c2"},
            {"records": [_record("c")], "nextCursor": "c1"},
        ],
        # fresh cursors, the same records
        [{"records": [_record("a")], "nextCursor": "c1"}]
        + [{"records": [_record("a")], "nextCursor": f"x{n}"} for n in range(5)],
        # fresh cursors, never a record
        [{"records": [], "nextCursor": f"e{n}"} for n in range(MAX_EMPTY_PAGES + 5)],
    ],
    ids=["same-cursor", "cycle", "repeated-records", "endless-empty-pages"],
)
async def test_a_cursor_that_does_not_advance_is_an_error_not_a_loop(
    router: respx.MockRouter, enterprise: Enterprise, pages: list[dict[str, Any]]
) -> None:
    sent = _pages(router, pages)
    seen: list[str] = []

    async def walk() -> None:
        async for record in enterprise.data_table(DTB).records():
            seen.append(record.primary_key)

    with pytest.raises(ResponseValidationError, match="does not advance"):
        await walk()
    assert len(sent) <= len(pages)
    assert len(seen) == len(set(seen))  # nothing handed out twice


@pytest.mark.parametrize(
    "body",
    [
        {"records": [{"primaryKey": "a", "fields": {"x": True}}], "nextCursor": None},
        {"records": [{"primaryKey": "a", "fields": {"x": [1]}}], "nextCursor": None},
        {"records": [{"fields": {}}], "nextCursor": None},
        {"records": "nope", "nextCursor": None},
        ["not", "an", "object"],
    ],
)
async def test_a_malformed_page_is_an_error_never_records_dropped(
    router: respx.MockRouter, enterprise: Enterprise, body: object
) -> None:
    router.post(f"{BASE}/getRecords").respond(200, json=body)
    with pytest.raises(ResponseValidationError):
        [r async for r in enterprise.data_table(DTB).records()]


async def test_a_page_that_is_not_json_is_an_error(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    router.post(f"{BASE}/getRecords").respond(200, content=b"<html>")
    with pytest.raises(ResponseValidationError, match="no JSON object"):
        [r async for r in enterprise.data_table(DTB).records()]


async def test_null_fields_read_as_empty_and_unknown_keys_are_kept(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    _pages(router, [{"records": [{"primaryKey": "a", "fields": None, "new": 1}]}])
    (record,) = [r async for r in enterprise.data_table(DTB).records()]
    assert record.fields == {}
    assert record.raw["new"] == 1


async def test_a_failed_read_is_retried_though_sent_as_post(router: respx.MockRouter) -> None:
    route = router.post(f"{BASE}/getRecords")
    route.side_effect = [
        httpx.Response(503),
        httpx.Response(200, json={"records": [_record("a")], "nextCursor": None}),
    ]
    async with AsyncApi(
        "patTESTTOKEN.secret",
        transport=httpx.MockTransport(router.async_handler),
        requests_per_second=10_000,
        retry=RetryPolicy(max_attempts=2, backoff_initial=0.001, backoff_max=0.001),
    ) as api:
        found = [r.primary_key async for r in api.enterprise(ENT).data_table(DTB).records()]
    assert found == ["a"]
    assert route.call_count == 2


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda t: t.records(fields="name"), "fields"),
        (lambda t: t.records(fields=[]), "fields"),
        (lambda t: t.records(primary_keys=["a", ""]), "primary_keys[1]"),
        (lambda t: t.records(max_records=0), "max_records"),
        (lambda t: t.records(max_records=True), "max_records"),
    ],
)
async def test_bad_read_arguments_are_refused_before_any_request(
    router: respx.MockRouter, enterprise: Enterprise, call: Any, argument: str
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        call(enterprise.data_table(DTB))
    assert caught.value.argument == argument
    assert not router.calls


@pytest.mark.parametrize("bad", ["dtb123", "DTBAbCdEfGhIjKlMn", "dtbAbCdEfGhIjK/Mn", 17, None])
async def test_a_malformed_data_table_id_is_refused(enterprise: Enterprise, bad: object) -> None:
    with pytest.raises(InvalidInputError):
        enterprise.data_table(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("records", "argument"),
    [
        ([{"primaryKey": "a", "fields": {"x": True}}], "records[0].fields['x']"),
        ([{"primaryKey": "a", "fields": {"x": float("nan")}}], "records[0].fields['x']"),
        ([{"primaryKey": "a", "fields": {"x": {"nested": 1}}}], "records[0].fields['x']"),
        ([{"primaryKey": "", "fields": {}}], "records[0].primaryKey"),
        ([{"primaryKey": 5, "fields": {}}], "records[0].primaryKey"),
        ([{"primaryKey": "a", "fields": [1]}], "records[0].fields"),
        ([{"primaryKey": "a", "field": {}}], "records[0]"),
        ([_record("a"), _record("b"), _record("a")], "records[2].primaryKey"),
        ("abc", "records"),
    ],
)
async def test_records_that_cannot_be_sent_are_refused_before_any_request(
    router: respx.MockRouter, enterprise: Enterprise, records: Any, argument: str
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        await enterprise.data_table(DTB).upsert(records)
    assert caught.value.argument == argument
    assert not router.calls


async def test_upsert_sends_chunks_concurrently_and_reports_each(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    in_flight = peak = 0
    bodies: list[list[dict[str, Any]]] = []

    async def answer(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await anyio.sleep(0.01)
        in_flight -= 1
        bodies.append(json.loads(request.content)["records"])
        # The documented answer: a leaked server-internal object (§16).
        return httpx.Response(200, json={"_promisedCompressedResponseDataSymbol": {}})

    router.put(f"{BASE}/upsertRecords").mock(side_effect=answer)
    records = [_record(f"k{i}", n=i) for i in range(25)]
    records[3] = DataTableRecord(primary_key="k3", fields={"n": 3})  # type: ignore[call-overload]
    heard: list[ChunkOutcome] = []
    result = await enterprise.data_table(DTB).upsert(records, chunk_size=10, on_chunk=heard.append)
    assert (result.records, result.requests) == (25, 3)
    assert peak > 1
    assert sorted(len(b) for b in bodies) == [5, 10, 10]
    assert sorted(r["primaryKey"] for b in bodies for r in b) == sorted(f"k{i}" for i in range(25))
    assert sorted((o.index, o.size, o.ok) for o in heard) == [
        (0, 10, True),
        (1, 10, True),
        (2, 5, True),
    ]


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, content=b""),
        httpx.Response(200, content=b"<html>ok"),
        httpx.Response(200, json=[1, 2]),
        httpx.Response(200, json={"_promisedCompressedResponseDataSymbol": {"x": 1}}),
    ],
)
async def test_an_applied_upsert_is_never_a_failure_whatever_it_answers(
    router: respx.MockRouter, enterprise: Enterprise, response: httpx.Response
) -> None:
    router.put(f"{BASE}/upsertRecords").mock(return_value=response)
    result = await enterprise.data_table(DTB).upsert([_record("a", n=1)])
    assert (result.records, result.requests) == (1, 1)


async def test_a_failed_chunk_lets_the_others_finish_then_raises(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        keys = json.loads(request.content)["primaryKeysForDelete"]
        if "k5" in keys:
            return httpx.Response(403, json={"error": {"type": "INVALID_PERMISSIONS"}})
        return httpx.Response(200)

    route = router.post(f"{BASE}/deleteRecords").mock(side_effect=answer)
    heard: list[ChunkOutcome] = []
    keys = [f"k{i}" for i in range(12)]
    with pytest.raises(PermissionDeniedError) as caught:
        await enterprise.data_table(DTB).delete(keys, chunk_size=4, on_chunk=heard.append)
    assert route.call_count == 3
    assert sorted((o.index, o.ok) for o in heard) == [(0, True), (1, False), (2, True)]
    assert "requests 1, 3 completed" in " ".join(caught.value.__notes__)


async def test_a_failing_callback_never_turns_an_applied_write_into_a_failure(
    router: respx.MockRouter, enterprise: Enterprise, caplog: pytest.LogCaptureFixture
) -> None:
    router.post(f"{BASE}/deleteRecords").respond(200)

    def broken(outcome: ChunkOutcome) -> None:
        raise RuntimeError("callback bug")

    with caplog.at_level(logging.ERROR, "airtable_enterprise"):
        result = await enterprise.data_table(DTB).delete(["a"], on_chunk=broken)
    assert result.records == 1
    assert "on_chunk callback failed" in caplog.text


async def test_delete_sends_each_key_once_and_nothing_for_no_key(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    route = router.post(f"{BASE}/deleteRecords").respond(200)
    table = enterprise.data_table(DTB)
    await table.delete(["a", "b", "a"])
    assert json.loads(route.calls[0].request.content) == {"primaryKeysForDelete": ["a", "b"]}
    with pytest.raises(InvalidInputError):
        await table.delete("ab")
    assert (await table.upsert([])).requests == 0
    assert route.call_count == 1


async def test_round_trip_against_the_emulator() -> None:
    emulator = Emulator(generate_enterprise(seed=5, users=20, events=10, changes=0))
    stored = next(iter(emulator.world.data_tables.values()))
    async with emulator.api() as api:
        table = api.enterprise(emulator.enterprise_id).data_table(stored.id)
        everything = [r async for r in table.records()]
        assert [r.primary_key for r in everything] == sorted(stored.records)
        assert all(dict(r.fields) == stored.records[r.primary_key] for r in everything)
        new = [{"primaryKey": f"new-{i:04d}", "fields": {"n": i, "s": "=1+1"}} for i in range(450)]
        written = await table.upsert(new, chunk_size=100)
        assert (written.records, written.requests) == (450, 5)
        assert stored.records["new-0449"] == {"n": 449, "s": "=1+1"}
        some = [r async for r in table.records(primary_keys=["new-0001", "nope"], fields=["n"])]
        assert [(r.primary_key, dict(r.fields)) for r in some] == [("new-0001", {"n": 1})]
        await table.delete([f"new-{i:04d}" for i in range(450)], chunk_size=200)
        assert not any(key.startswith("new-") for key in stored.records)


async def test_a_write_whose_answer_was_lost_is_repeated_not_reported_unknown() -> None:
    # Upserting or deleting the same keys again ends in the same state: retried.
    emulator = Emulator(generate_enterprise(seed=5, users=20, events=10, changes=0))
    stored = next(iter(emulator.world.data_tables.values()))
    emulator.faults.add(r"/upsertRecords$", DropConnection(), method="PUT")
    emulator.faults.add(r"/deleteRecords$", TruncatedBody(), method="POST")
    async with emulator.api() as api:
        table = api.enterprise(emulator.enterprise_id).data_table(stored.id)
        await table.upsert([{"primaryKey": "lost-1", "fields": {"n": 1}}])
        assert stored.records["lost-1"] == {"n": 1}
        await table.delete(["lost-1"])
    assert "lost-1" not in stored.records
    assert emulator.stats.routes["PUT /v0/{ent}/{table}/upsertRecords"] == 2
    assert emulator.stats.routes["POST /v0/{ent}/{table}/deleteRecords"] == 2


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda t: t.upsert([_record("\ud800")]), "records[0].primaryKey"),
        (lambda t: t.upsert([_record("a", **{"\udc00": 1})]), "records[0].fields key"),
        (lambda t: t.upsert([_record("a", s="ok \ud800")]), "records[0].fields['s']"),
        (lambda t: t.delete(["a", "\ud800"]), "primary_keys[1]"),
    ],
)
async def test_text_utf8_cannot_carry_is_refused_before_any_request(
    router: respx.MockRouter, enterprise: Enterprise, call: Any, argument: str
) -> None:
    # A lone surrogate reached httpx's JSON encoder as a bare UnicodeEncodeError, after
    # the limiter had counted the request.
    with pytest.raises(InvalidInputError) as caught:
        await call(enterprise.data_table(DTB))
    assert caught.value.argument == argument
    assert not router.calls


@pytest.mark.parametrize("keyword", ["fields", "primary_keys"])
async def test_a_read_naming_text_utf8_cannot_carry_is_refused(
    router: respx.MockRouter, enterprise: Enterprise, keyword: str
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        enterprise.data_table(DTB).records(**{keyword: ["\ud800"]})
    assert caught.value.argument == f"{keyword}[0]"
    assert not router.calls


@pytest.mark.parametrize(
    ("record", "argument"),
    [
        (_record("key\u202egnp.exe"), "records[0].primaryKey"),
        (_record("a\x00b"), "records[0].primaryKey"),
        (_record("line\nbreak"), "records[0].primaryKey"),
        (_record("   "), "records[0].primaryKey"),
        (_record("a", **{"name\u2066": 1}), "records[0].fields key"),
        (_record("a", **{"tab\there": 1}), "records[0].fields key"),
    ],
)
async def test_keys_and_field_names_with_control_or_bidi_characters_are_refused(
    router: respx.MockRouter, enterprise: Enterprise, record: Any, argument: str
) -> None:
    # They were sent as they were: a bidi override reorders what a CSV or a terminal
    # shows, and a NUL or a line break splits what a reader sees as one key.
    with pytest.raises(InvalidInputError) as caught:
        await enterprise.data_table(DTB).upsert([record])
    assert caught.value.argument == argument
    assert not router.calls


@pytest.mark.parametrize("value", [2**53, -(2**53), 10**5000], ids=["2**53", "-2**53", "10**5000"])
async def test_an_integer_a_json_number_cannot_carry_exactly_is_refused(
    router: respx.MockRouter, enterprise: Enterprise, value: int
) -> None:
    # 2**53 reached Airtable (JSON numbers are doubles there) to be rounded silently;
    # 10**5000 made json.dumps raise a bare ValueError (Python's 4300-digit limit).
    with pytest.raises(InvalidInputError) as caught:
        await enterprise.data_table(DTB).upsert([_record("a", n=value)])
    assert caught.value.argument == "records[0].fields['n']"
    assert not router.calls
    router.put(f"{BASE}/upsertRecords").respond(200, json={})
    await enterprise.data_table(DTB).upsert([_record("a", n=2**53 - 1, m=-(2**53 - 1))])


async def test_records_a_moving_cursor_repeats_are_handed_out_once(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    # Pages that overlap (the cursor changes, part of the content repeats) handed the
    # repeated records out twice: a CLI delete preview counted them twice.
    _pages(
        router,
        [
            {"records": [_record("a"), _record("b"), _record("b")], "nextCursor": "c1"},
            {"records": [_record("b"), _record("c")], "nextCursor": "c2"},
            {"records": [_record("c"), _record("d")], "nextCursor": None},
        ],
    )
    found = [r.primary_key async for r in enterprise.data_table(DTB).records()]
    assert found == ["a", "b", "c", "d"]


async def test_records_by_key_refuses_a_page_holding_records_not_asked_for(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    # A server that ignored primaryKeys answered the whole table, and the CLI's delete
    # preview went on to delete every record it was shown.
    _pages(router, [{"records": [_record("a"), _record("zzz")], "nextCursor": None}])
    found: list[str] = []

    async def walk() -> None:
        async for record in enterprise.data_table(DTB).records(primary_keys=["a"]):
            found.append(record.primary_key)

    with pytest.raises(ResponseValidationError, match="not asked for"):
        await walk()
    assert found == []


async def test_delete_of_no_key_sends_nothing_and_none_is_a_typed_error(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    # delete([]) was refused with "pass None for all", and delete(None) then failed
    # with a bare AssertionError.
    route = router.post(f"{BASE}/deleteRecords").respond(200)
    table = enterprise.data_table(DTB)
    for nothing in ([], iter(())):
        written = await table.delete(nothing)
        assert (written.records, written.requests) == (0, 0)
    with pytest.raises(InvalidInputError) as caught:
        await table.delete(None)  # type: ignore[arg-type]
    assert caught.value.argument == "primary_keys"
    assert "None for all" not in str(caught.value)
    assert not route.called


async def test_a_record_naming_its_key_two_ways_is_refused(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    # {"primaryKey": "a", "primary_key": "b"} upserted "a" and silently dropped "b".
    with pytest.raises(InvalidInputError, match="both primaryKey and primary_key") as caught:
        await enterprise.data_table(DTB).upsert(
            [{"primaryKey": "a", "primary_key": "b", "fields": {}}]
        )
    assert caught.value.argument == "records[0]"
    assert not router.calls


async def test_huge_cursors_and_keys_are_not_all_kept_in_memory() -> None:
    # The no-progress guard kept the last 4096 cursors (and keys) whole: a server sending
    # 1 MB cursors and keys made a walk hold 2 MB more per page, without bound.
    import gc
    import tracemalloc

    pages = 25
    held: list[int] = []

    def answer(request: httpx.Request) -> httpx.Response:
        index = len(held)
        gc.collect()
        held.append(tracemalloc.get_traced_memory()[0])
        following = None if index == pages - 1 else f"{index:04d}" + "c" * 1_000_000
        key = f"{index:04d}" + "k" * 1_000_000
        return httpx.Response(200, json={"records": [_record(key)], "nextCursor": following})

    # No respx router here: it keeps every response it served.
    async with AsyncApi(
        "patTESTTOKEN.secret",
        transport=httpx.MockTransport(answer),
        requests_per_second=10_000,
        base_requests_per_second=10_000,
    ) as api:
        tracemalloc.start()
        try:
            count = 0
            async for _ in api.enterprise(ENT).data_table(DTB).records():
                count += 1
        finally:
            tracemalloc.stop()
    assert count == pages
    # Each page is ~2 MB on the wire; 25 pages kept whole would be 50 MB more.
    assert held[-1] - held[1] < 15_000_000


async def test_an_empty_next_cursor_ends_the_walk(
    router: respx.MockRouter, enterprise: Enterprise
) -> None:
    # nextCursor "" was sent back as the cursor, asking for the first page again.
    sent = _pages(
        router,
        [
            {"records": [_record("a")], "nextCursor": ""},
            {"records": [_record("a")], "nextCursor": None},
        ],
    )
    found = [r.primary_key async for r in enterprise.data_table(DTB).records()]
    assert found == ["a"]
    assert sent == [{}]
