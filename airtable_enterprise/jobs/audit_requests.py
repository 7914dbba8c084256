"""Legacy audit-log requests (REFERENCE §9): create, list, get, wait, download, stream.

``/v0/meta/enterpriseAccounts/{ent}/auditLogs``: scope ``enterprise.auditLogs:read``.
Airtable discourages this API in favour of the audit log events (§8), but it is the
way to a month of history in bulk: a request (``eal...``) becomes ``done`` with signed
URLs of gzipped newline-delimited JSON files on another host.

:meth:`AuditLogRequests.events` streams the events out of those files without holding
a file in memory: each file is fetched in chunks, decompressed incrementally with a
bounded output per step, and split into lines.
"""

from __future__ import annotations

import ipaddress
import json
import zlib
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from contextlib import aclosing
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
import attrs

from .._core.convert import converter
from .._core.validate import check_id
from ..errors import AuditLogRequestFailedError, DownloadError, InvalidInputError
from ..models.audit import AuditLogEvent
from ..models.jobs import AuditLogRequest, AuditLogRequestList
from .downloads import CHUNK_SIZE, check_not_expired, redact_url
from .exports import FileProgress
from .polling import (
    DEFAULT_MAX_POLL,
    DEFAULT_POLL,
    ProgressCallback,
    check_page_size,
    offset_pages,
    poll_until_done,
)
from .transfer import check_answered_id, confined

if TYPE_CHECKING:
    from ..api import AsyncApi

__all__ = [
    "RETENTION_DAYS",
    "AuditLogRequestEvent",
    "AuditLogRequests",
    "check_filter",
    "check_time_period",
    "iter_ndjson_gzip",
]

#: ``timePeriod`` must lie within the last 180 days (REFERENCE §9, §1.8).
RETENTION_DAYS = 180
#: The longest line accepted from a log file (an event is a few KiB).
MAX_LINE_BYTES = 16 * 1024 * 1024
_FILTER_PREFIXES = ("usr", "wsp", "app", "tbl")
#: A gzip stream (with its header), as ``zlib`` names it.
_GZIP = zlib.MAX_WBITS | 16
#: Compressed bytes handed to zlib at a time.
_FEED_SIZE = 16 * 1024

RequestRef = str | AuditLogRequest


def request_id(value: object) -> str:
    """The ``eal...`` ID of an audit-log request argument."""
    if isinstance(value, AuditLogRequest):
        return value.id
    return check_id("request", value, "eal")


def check_time_period(value: object, *, today: date | None = None) -> str:
    """``YYYY-MM`` or ``YYYY-MM-DD`` (a ``date`` is formatted as a day) within the last
    180 days: a month must overlap them, a day must fall in them."""
    today = today or datetime.now(UTC).date()
    oldest = today - timedelta(days=RETENTION_DAYS)
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        value = value.isoformat()
    if not isinstance(value, str):
        raise InvalidInputError("time_period", value, "must be 'YYYY-MM' or 'YYYY-MM-DD'")
    try:
        if len(value) == 7:
            first = date.fromisoformat(value + "-01")
            last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        elif len(value) == 10:
            first = last = date.fromisoformat(value)
        else:
            raise ValueError
    except ValueError:
        raise InvalidInputError("time_period", value, "must be 'YYYY-MM' or 'YYYY-MM-DD'") from None
    if first > today:
        raise InvalidInputError("time_period", value, "is in the future")
    if last < oldest:
        raise InvalidInputError(
            "time_period", value, f"is older than {RETENTION_DAYS} days (since {oldest})"
        )
    return value


def check_filter(value: object) -> str:
    """A user, workspace, base or table ID, or an IPv4 address (REFERENCE §9)."""
    if isinstance(value, str):
        try:
            return str(ipaddress.IPv4Address(value))
        except ValueError:
            pass
        if value[:3] in _FILTER_PREFIXES:
            return check_id("filter", value, _FILTER_PREFIXES)
    raise InvalidInputError(
        "filter", value, "must be a user, workspace, base or table ID, or an IPv4 address"
    )


@attrs.frozen(kw_only=True)
class AuditLogRequestEvent:
    """One line of a request's log files: ``raw`` always, ``event`` typed when the
    line has the shape of an audit-log event (§8.2), else ``None``.

    ``file_index`` is the file (0-based, in ``logFileUrls`` order), ``line`` the line
    number in it (1-based)."""

    raw: Mapping[str, Any]
    event: AuditLogEvent | None
    file_index: int
    line: int


def _typed(raw: Mapping[str, Any]) -> AuditLogEvent | None:
    try:
        event = converter.structure(raw, AuditLogEvent)
        # The deferred parts are checked now, so a partial shape yields None here
        # rather than failing later, in the caller's hands.
        _ = (event.actor, event.context, event.origin)
        return event
    except Exception:
        return None


async def iter_ndjson_gzip(
    chunks: AsyncIterator[bytes], *, url: str
) -> AsyncGenerator[bytes, None]:
    """The lines of gzipped NDJSON arriving as ``chunks``, decompressed incrementally.

    At most :data:`CHUNK_SIZE` decompressed bytes are produced per step (a highly
    compressed file cannot balloon in memory); concatenated gzip members are read in
    turn; a line longer than :data:`MAX_LINE_BYTES` is an error. A stream that stops
    before the end of a member (its CRC-32 and length trailer checked), or holds no
    member at all, is a :class:`DownloadError`, raised after the lines it did hold.
    """
    inflater = zlib.decompressobj(_GZIP)
    pending = b""
    # Whether the current member has had input, and whether any member ended: a file
    # that stops inside a member (a cut after a deflate flush, a missing trailer) or
    # holds none is truncated, however cleanly its lines end.
    started = False
    ended = False

    def split(text: bytes) -> list[bytes]:
        nonlocal pending
        pending += text
        if len(pending) > MAX_LINE_BYTES and b"\n" not in pending:
            raise DownloadError(f"a line longer than {MAX_LINE_BYTES} bytes", url=url)
        *lines, pending = pending.split(b"\n")
        return lines

    try:
        async for chunk in chunks:
            view = memoryview(chunk)
            # Fed in slices: zlib copies the input it has not consumed yet
            # (``unconsumed_tail``), so a large network chunk is not copied whole.
            for start in range(0, len(view), _FEED_SIZE):
                data: bytes | memoryview = view[start : start + _FEED_SIZE]
                full = False
                # Until the input is used up and zlib holds no more output for it.
                while data or full:
                    started = True
                    out = inflater.decompress(data, CHUNK_SIZE)
                    full = len(out) == CHUNK_SIZE
                    for line in split(out):
                        yield line
                    if inflater.eof:
                        # The member's CRC-32 and length matched (zlib checks the trailer).
                        data = inflater.unused_data
                        inflater = zlib.decompressobj(_GZIP)
                        started, ended, full = False, True, False
                    else:
                        data = inflater.unconsumed_tail
    except zlib.error as exc:
        raise DownloadError(f"not valid gzip data ({exc})", url=url) from None
    if started or not ended:
        raise DownloadError("the file ended before the end of its gzip stream (truncated)", url=url)
    if pending.strip():
        yield pending


class AuditLogRequests:
    """The legacy audit-log request calls of one enterprise account."""

    def __init__(self, api: AsyncApi, enterprise_url: str) -> None:
        self.api = api
        self.url = f"{enterprise_url}/auditLogs"

    async def create(
        self, time_period: str | date, *, filter: str | None = None
    ) -> AuditLogRequest:
        """Ask for the events of a month or day: ``POST .../enterpriseAccounts/{ent}/auditLogs``
        with ``{timePeriod, filter?}``; checked before any request."""
        body = {"timePeriod": check_time_period(time_period)}
        if filter is not None:
            body["filter"] = check_filter(filter)
        return await self.api.request_model(AuditLogRequest, "POST", self.url, json=body)

    async def get(self, request: RequestRef) -> AuditLogRequest:
        """One request's state. ``GET /v0/meta/enterpriseAccounts/{ent}/auditLogs/{id}``."""
        return await self.api.request_model(
            AuditLogRequest, "GET", f"{self.url}/{request_id(request)}"
        )

    def all(self, *, page_size: int | None = None) -> AsyncIterator[AuditLogRequest]:
        """Every request (integer ``offset`` paging).
        ``GET /v0/meta/enterpriseAccounts/{ent}/auditLogs``."""
        size = check_page_size(page_size)

        async def fetch(
            offset: int | str | None,
        ) -> tuple[tuple[AuditLogRequest, ...], int | None]:
            query: dict[str, int | str] = {} if size is None else {"pageSize": size}
            if offset is not None:
                query["offset"] = offset
            page = await self.api.request_model(AuditLogRequestList, "GET", self.url, params=query)
            return page.audit_logs, page.offset

        return offset_pages(fetch, path=self.url)

    async def wait(
        self,
        request: RequestRef,
        *,
        timeout: float | None = None,  # noqa: ASYNC109 (the job waits, not a request)
        poll: float = DEFAULT_POLL,
        max_poll: float = DEFAULT_MAX_POLL,
        on_progress: ProgressCallback[AuditLogRequest] | None = None,
    ) -> AuditLogRequest:
        """Poll ``GET .../auditLogs/{id}`` until ``done``; raises
        :class:`AuditLogRequestFailedError` on ``error`` (with ``errorMessage``)."""
        ident = request_id(request)
        first = request if isinstance(request, AuditLogRequest) and request.is_finished else None
        final = await poll_until_done(
            lambda: self.get(ident),
            first=first,
            timeout=timeout,
            poll=poll,
            max_poll=max_poll,
            on_progress=on_progress,
            path=f"{self.url}/{ident}",
        )
        if final.state == "error":
            raise AuditLogRequestFailedError(final.id, final.error_message, final)
        return final

    async def _done(self, request: RequestRef) -> AuditLogRequest:
        found = (
            request
            if isinstance(request, AuditLogRequest) and request.data is not None
            else await self.get(request)
        )
        if found.state != "done" or found.data is None:
            raise InvalidInputError(
                "request", found.id, f"is {found.state}, not done: wait for it first"
            )
        check_not_expired(found.data.expiration_time, self.url)
        return found

    async def download(
        self, request: RequestRef, directory: str | Path, *, progress: FileProgress | None = None
    ) -> list[Path]:
        """Save a done request's files into ``directory`` as ``{id}-{n:03d}.ndjson.gz``
        (without the token, atomically, resuming partial files); their paths."""
        found = await self._done(request)
        assert found.data is not None
        # File names are built from the ID the server answered: checked, and confined
        # to the folder, before anything is written (the folder included).
        ident = check_answered_id(found.id, "eal", path=self.url)
        folder = Path(directory)
        targets = [
            (confined(folder, f"{ident}-{index:03d}.ndjson.gz", url=redact_url(url)), url)
            for index, url in enumerate(found.data.log_file_urls)
        ]
        await anyio.Path(folder).mkdir(parents=True, exist_ok=True)
        saved = []
        for target, url in targets:
            name = target.name

            def report(done: int, total: int | None, name: str = name) -> None:
                if progress is not None:
                    progress(name, done, total)

            saved.append(
                await self.api.files.download(
                    url, target, expiration_time=found.data.expiration_time, progress=report
                )
            )
        return saved

    async def events(self, request: RequestRef) -> AsyncGenerator[AuditLogRequestEvent, None]:
        """Every event of a done request, file by file, in file order, streamed (no file
        is held in memory). Blank lines are skipped; a line that is not a JSON object is
        a :class:`DownloadError`."""
        found = await self._done(request)
        assert found.data is not None
        for index, url in enumerate(found.data.log_file_urls):
            safe = redact_url(url)
            number = 0
            # aclosing: a consumer that stops early closes the file's stream in order.
            async with (
                aclosing(self.api.files.iter_bytes(url)) as chunks,
                aclosing(iter_ndjson_gzip(chunks, url=safe)) as lines,
            ):
                async for line in lines:
                    number += 1
                    if not line.strip():
                        continue
                    try:
                        raw = json.loads(line)
                    except ValueError:
                        raw = None
                    if not isinstance(raw, dict):
                        raise DownloadError(f"line {number} is not a JSON object", url=safe)
                    yield AuditLogRequestEvent(
                        raw=raw, event=_typed(raw), file_index=index, line=number
                    )
