"""HyperDB: the records of an enterprise's data tables (REFERENCE §16; Enterprise Scale,
personal access tokens only, scopes ``hyperDB.records:read`` / ``hyperDB.records:write``).

:meth:`Enterprise.data_table` (bound in ``enterprise.py``) makes a :class:`DataTable`
handle; its calls go to ``/v0/{ent}/{dataTableId}/...`` (not under ``/v0/meta``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from .._core.batch import chunked
from .._core.convert import converter, describe_error
from .._core.gather import gather
from .._core.progress import RECENT, ChainProgress, fingerprint
from .._core.text import check_json, check_text
from ..errors import InvalidInputError, ResponseValidationError
from ..models.data_tables import CellValue, DataTableRecord, RecordsPage, cell_problem

if TYPE_CHECKING:
    from ..enterprise import Enterprise

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "ChunkOutcome",
    "DataTable",
    "DataTableWrite",
    "check_records",
    "data_table",
]

#: Records (or primary keys) per request. REFERENCE §16 documents **no** per-request
#: limit for HyperDB, so this is our choice, not Airtable's: one unbounded body risks an
#: undocumented 413 (§1.4) and makes one failure lose the whole write; 1,000 keeps a
#: body of typical rows to a few hundred kB. Pass ``chunk_size`` to change it.
DEFAULT_CHUNK_SIZE = 1000
#: Consecutive empty pages that still carry a cursor before a walk gives up: a server
#: could otherwise keep a walk going forever on fresh cursors and no records.
MAX_EMPTY_PAGES = 100

# REFERENCE §1.7: IDs are a 3-letter prefix and 14 base-62 characters; the prefix of a
# data table ID is not documented, so any prefix is accepted.
_ID = re.compile(r"[a-z]{3}[A-Za-z0-9]{14}")
#: The largest integer a JSON number carries exactly to a reader that decodes numbers as
#: doubles (JavaScript's Number.MAX_SAFE_INTEGER): beyond it, digits are lost silently.
MAX_EXACT_INT = 2**53 - 1


@attrs.frozen(kw_only=True)
class ChunkOutcome:
    """How one request of a chunked upsert or delete ended: ``index`` (0-based) of
    ``total`` requests, the ``size`` of its chunk, and its ``error`` (``None``: the
    server applied it; ``answer`` is then the decoded body, whatever its shape)."""

    index: int
    total: int
    size: int
    error: Exception | None = None
    answer: object = None

    @property
    def ok(self) -> bool:
        """Whether the server applied this chunk."""
        return self.error is None


@attrs.frozen(kw_only=True)
class DataTableWrite:
    """What an upsert or delete did: ``records`` sent (and applied) in ``requests``
    requests, and each request's decoded answer in order. The upsert answer Airtable
    documents is a leaked server-internal object (REFERENCE §16), so answers are kept
    as they came and never read for success: the HTTP status says that."""

    records: int
    requests: int
    answers: tuple[object, ...] = ()


ChunkCallback = Callable[[ChunkOutcome], None]

logger = logging.getLogger("airtable_enterprise")


def check_data_table_id(value: object) -> str:
    """Return ``value`` if it has the form of an Airtable ID (§1.7; any prefix)."""
    if isinstance(value, str) and _ID.fullmatch(value):
        return value
    raise InvalidInputError(
        "data_table_id",
        value,
        "must be a 17-character ID: a 3-letter lower-case prefix and 14 letters or digits",
    )


def _check_key(argument: str, value: object) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidInputError(argument, value, "must be a non-empty string")
    check_json(argument, value)  # a lone surrogate cannot be encoded as UTF-8
    return value


def _check_names(argument: str, values: object, *, empty_ok: bool = False) -> list[str] | None:
    """``None``, or a non-empty list of non-empty strings (a bare string is refused);
    ``empty_ok``: an empty list is returned as it is."""
    if values is None:
        return None
    if isinstance(values, str | bytes | Mapping) or not isinstance(values, Iterable):
        raise InvalidInputError(argument, values, "must be a list of strings")
    names = [_check_key(f"{argument}[{i}]", v) for i, v in enumerate(values)]
    if not names and not empty_ok:
        raise InvalidInputError(argument, values, "must not be empty (pass None for all)")
    return list(dict.fromkeys(names))


def _check_chunk_size(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInputError("chunk_size", value, "must be an int >= 1")
    return value


def _record_body(index: int, record: object) -> dict[str, object]:
    """``{"primaryKey", "fields"}`` from a :class:`DataTableRecord` or a mapping with
    ``primaryKey`` (or ``primary_key``) and ``fields``; checked before any request."""
    where = f"records[{index}]"
    if isinstance(record, DataTableRecord):
        key, fields = record.primary_key, record.fields
    elif isinstance(record, Mapping):
        unknown = sorted(set(record) - {"primaryKey", "primary_key", "fields"})
        if unknown:
            raise InvalidInputError(where, record, f"has an unknown key {unknown[0]!r}")
        if "primaryKey" in record and "primary_key" in record:
            raise InvalidInputError(where, record, "names both primaryKey and primary_key")
        key = record.get("primaryKey", record.get("primary_key"))
        fields = record.get("fields", {})
    else:
        raise InvalidInputError(where, record, "must be a DataTableRecord or a mapping")
    # A key or field name is shown in tables, CSV and terminals: no controls, line
    # separators or bidi controls (HOSTILE: refused before the limiter).
    check_text(f"{where}.primaryKey", key)
    if not isinstance(fields, Mapping):
        raise InvalidInputError(f"{where}.fields", fields, "must be a {name: value} mapping")
    cells: dict[str, CellValue] = {}
    for name, value in fields.items():
        check_text(f"{where}.fields key", name)
        problem = cell_problem(value)
        if problem is not None:
            raise InvalidInputError(f"{where}.fields[{name!r}]", value, problem)
        check_json(f"{where}.fields[{name!r}]", value)
        if type(value) is int and abs(value) > MAX_EXACT_INT:
            raise InvalidInputError(
                f"{where}.fields[{name!r}]",
                "<integer>" if abs(value) > 10**100 else value,
                "is beyond ±(2**53 - 1): a JSON number would lose digits (send it as a string)",
            )
        cells[name] = value
    return {"primaryKey": key, "fields": cells}


def check_records(records: Iterable[object]) -> list[dict[str, object]]:
    """The upsert bodies of ``records``, every one checked: a primary key named twice
    is refused, since chunks are sent concurrently and which value wins would be
    anyone's guess."""
    if isinstance(records, str | bytes | Mapping) or not isinstance(records, Iterable):
        raise InvalidInputError("records", records, "must be a list of records")
    bodies: list[dict[str, object]] = []
    seen: dict[object, int] = {}
    for index, record in enumerate(records):
        body = _record_body(index, record)
        first = seen.setdefault(body["primaryKey"], index)
        if first != index:
            raise InvalidInputError(
                f"records[{index}].primaryKey",
                body["primaryKey"],
                f"is also the key of records[{first}]; each key may be upserted once per call",
            )
        bodies.append(body)
    return bodies


class DataTable:
    """A HyperDB data table of an enterprise (REFERENCE §16): its records read, upserted
    and deleted by primary key. Made by :meth:`Enterprise.data_table`."""

    def __init__(self, enterprise: Enterprise, data_table_id: str) -> None:
        self.enterprise = enterprise
        self.api = enterprise.api
        self.id = check_data_table_id(data_table_id)

    def __repr__(self) -> str:
        return f"<DataTable {self.id} of {self.enterprise.id}>"

    @property
    def url(self) -> str:
        """``/v0/{ent}/{dataTableId}``: HyperDB paths are not under ``/v0/meta``."""
        return f"/v0/{self.enterprise.id}/{self.id}"

    def records(
        self,
        *,
        fields: Iterable[str] | None = None,
        primary_keys: Iterable[str] | None = None,
        max_records: int | None = None,
    ) -> AsyncIterator[DataTableRecord]:
        """The table's records, one at a time: ``POST /v0/{ent}/{dataTableId}/getRecords``
        with ``{cursor?, maxRecords?, fields?, primaryKeys?}``, following ``nextCursor``.

        ``fields`` limits the fields returned; ``primary_keys`` asks for those records
        only (sent in chunks of :data:`DEFAULT_CHUNK_SIZE`); ``max_records`` stops after
        that many. Arguments are checked here, before any request. A cursor that does
        not advance (the same one again, a cycle, pages of records already handed out)
        raises :class:`ResponseValidationError` instead of looping; a record repeated
        on a later page (of the last :data:`~airtable_enterprise._core.progress.RECENT`
        keys) is handed out once.
        """
        names = _check_names("fields", fields)
        keys = _check_names("primary_keys", primary_keys)
        if max_records is not None and (
            isinstance(max_records, bool) or not isinstance(max_records, int) or max_records < 1
        ):
            raise InvalidInputError("max_records", max_records, "must be an int >= 1 or None")
        key_chunks: list[list[str] | None] = (
            [None] if keys is None else list(chunked(keys, DEFAULT_CHUNK_SIZE))
        )
        return self._walk(names, key_chunks, max_records)

    async def _walk(
        self,
        fields: list[str] | None,
        key_chunks: list[list[str] | None],
        max_records: int | None,
    ) -> AsyncIterator[DataTableRecord]:
        path = f"{self.url}/getRecords"
        remaining = max_records
        # The most recent keys handed out: a page that repeats some of them (a cursor
        # that moved back, an offset shifted by an insert) must not hand them out twice.
        recent: dict[str, None] = {}
        for keys in key_chunks:
            asked = None if keys is None else frozenset(keys)
            cursor: str | None = None
            progress = ChainProgress()
            empty = 0
            while True:
                body: dict[str, object] = {}
                if cursor is not None:
                    body["cursor"] = cursor
                if remaining is not None:
                    # Whether maxRecords caps one answer or the whole walk is not
                    # documented (§16): sending what is left is right either way.
                    body["maxRecords"] = remaining
                if fields is not None:
                    body["fields"] = fields
                if keys is not None:
                    body["primaryKeys"] = keys
                # A read sent as POST: safe to repeat after a failure.
                data = await self.api.request("POST", path, json=body, idempotent=True)
                page = _page(data, path)
                if asked is not None and any(r.primary_key not in asked for r in page.records):
                    # A server that ignored primaryKeys would hand out (and a delete
                    # preview would go on to delete) records nobody named.
                    raise ResponseValidationError(
                        "getRecords answered a record whose primaryKey was not asked for",
                        method="POST",
                        path=path,
                    )
                # An empty cursor points nowhere: the end, as null is (sending it back
                # would ask for the first page again).
                following = page.next_cursor or None
                if following is not None:
                    ids = [record.primary_key for record in page.records]
                    empty = 0 if ids else empty + 1
                    if progress.stalled(cursor, following, ids) or empty > MAX_EMPTY_PAGES:
                        raise ResponseValidationError(
                            "the getRecords cursor does not advance (nextCursor came back "
                            "again, or pages repeat records or hold none): stopped",
                            method="POST",
                            path=path,
                        )
                for record in page.records:
                    seen = fingerprint(record.primary_key)
                    if seen in recent:
                        continue
                    recent[seen] = None
                    if len(recent) > RECENT:
                        del recent[next(iter(recent))]
                    yield record
                    if remaining is not None:
                        remaining -= 1
                        if remaining == 0:
                            return
                if following is None:
                    break
                cursor = following

    async def upsert(
        self,
        records: Iterable[DataTableRecord | Mapping[str, object]],
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        on_chunk: ChunkCallback | None = None,
    ) -> DataTableWrite:
        """Create or update records by primary key: ``PUT /v0/{ent}/{dataTableId}/upsertRecords``
        with ``{"records": [{"primaryKey", "fields"}]}``.

        Records are :class:`DataTableRecord` or mappings with ``primaryKey`` and
        ``fields`` (values: ``str``, ``int``, ``float`` or ``None``), all checked before
        any request. They go in chunks of ``chunk_size`` (:data:`DEFAULT_CHUNK_SIZE`:
        our choice, Airtable documents no limit), sent concurrently under the limiter.
        ``on_chunk`` hears how each request ended. If a chunk fails, the others still
        finish, then the first failure is raised (its note says which completed).
        The answer is kept as sent, never read for success (§16: its documented
        schema is a leaked internal object).
        """
        bodies = check_records(records)
        return await self._write(
            "PUT", "upsertRecords", "records", bodies, _check_chunk_size(chunk_size), on_chunk
        )

    async def delete(
        self,
        primary_keys: Iterable[str],
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        on_chunk: ChunkCallback | None = None,
    ) -> DataTableWrite:
        """Delete records by primary key: ``POST /v0/{ent}/{dataTableId}/deleteRecords``
        with ``{"primaryKeysForDelete": [...]}``, in chunks of ``chunk_size`` sent
        concurrently (see :meth:`upsert`). A key named twice is sent once; no key sends
        nothing (as :meth:`upsert` of no record)."""
        if primary_keys is None:
            raise InvalidInputError(
                "primary_keys", primary_keys, "must be a list of primary keys (there is no 'all')"
            )
        keys = _check_names("primary_keys", primary_keys, empty_ok=True)
        assert keys is not None
        return await self._write(
            "POST",
            "deleteRecords",
            "primaryKeysForDelete",
            keys,
            _check_chunk_size(chunk_size),
            on_chunk,
        )

    async def _write(
        self,
        method: str,
        action: str,
        key: str,
        items: list[Any],
        chunk_size: int,
        on_chunk: ChunkCallback | None,
    ) -> DataTableWrite:
        if not items:
            return DataTableWrite(records=0, requests=0)
        path = f"{self.url}/{action}"
        chunks = chunked(items, chunk_size)

        def tell(outcome: ChunkOutcome) -> None:
            if on_chunk is None:
                return
            try:
                on_chunk(outcome)
            except Exception:
                # The caller's callback failing must not turn an applied write into a
                # reported failure (nor hide a real one).
                logger.exception("%s %s: the on_chunk callback failed", method, path)

        def send(index: int, chunk: list[Any]) -> Callable[[], Any]:
            async def call() -> Any:
                size = len(chunk)
                try:
                    # Upserting or deleting the same keys again ends in the same state.
                    answer = await self.api.request(
                        method, path, json={key: chunk}, idempotent=True
                    )
                except Exception as exc:
                    tell(ChunkOutcome(index=index, total=len(chunks), size=size, error=exc))
                    raise
                tell(ChunkOutcome(index=index, total=len(chunks), size=size, answer=answer))
                return answer

            return call

        answers = await gather(
            [send(i, chunk) for i, chunk in enumerate(chunks)], cancel_on_error=False
        )
        return DataTableWrite(records=len(items), requests=len(chunks), answers=tuple(answers))


def _page(data: object, path: str) -> RecordsPage:
    """A getRecords answer, strictly: it is a read, so a malformed page is an error
    (a record silently dropped would be data lost)."""
    if not isinstance(data, Mapping):
        raise ResponseValidationError(
            "getRecords answered no JSON object", method="POST", path=path
        )
    try:
        return converter.structure(data, RecordsPage)
    except Exception as exc:
        raise ResponseValidationError(
            f"the response does not match RecordsPage ({describe_error(exc)})",
            method="POST",
            path=path,
        ) from None


def data_table(self: Enterprise, data_table_id: str) -> DataTable:
    """A handle on one HyperDB data table of this enterprise (``/v0/{ent}/{dataTableId}``,
    REFERENCE §16); the ID is checked here, no request is made."""
    return DataTable(self, data_table_id)
