"""Change events (REFERENCE §11): record-level changes of bases, with follow and resume.

``GET /v0/meta/enterpriseAccounts/{ent}/changeEvents``: Enterprise Scale, scope
``enterprise.changeEvents:read``. The feed must first be enabled by Airtable and
switched on in the admin panel; events exist from then on and are kept **14 days**.
The API pages newest first with a string ``offset``; ``startTime`` is inclusive and
``endTime`` exclusive.

:class:`ChangeEvents` iterates in one of two ways:

- **newest first** (the default): the API's own order, page after page.
- **oldest first with checkpoints** (``sort_asc=True``, ``follow=True`` or ``resume=``):
  the range is walked in contiguous time windows, each window's events sorted by
  (time, id) and delivered in that order. :attr:`ChangeEvents.checkpoint` after event
  *k* is a token that resumes at event *k+1*: each event exactly once, as the audit
  log's checkpoints do. With ``follow=True`` it then polls for new events (a growing
  interval while idle) and never ends. A window holding more than ``max_buffer``
  events is split, so memory stays bounded during a 14-day backfill.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Self

import anyio

from .._core.convert import format_datetime, parse_datetime
from ..audit.log import TimeInput, to_wire_time
from ..errors import (
    ChangeEventsNotEnabledError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from ..models.changes import ChangeEvent, ChangeEventsResponse

if TYPE_CHECKING:
    from ..api import AsyncApi

__all__ = ["MAX_PAGE_SIZE", "RETENTION", "ChangeEvents", "decode_checkpoint", "encode_checkpoint"]

#: ``pageSize`` maximum (default 10) (REFERENCE §11).
MAX_PAGE_SIZE = 100
#: How long Airtable keeps change events.
RETENTION = timedelta(days=14)
_PREFIX = "chg1."
_MAX_WINDOW = timedelta(days=1)
_MIN_WINDOW = timedelta(seconds=1)
_NOT_ENABLED = (
    "change events are not available: they must be enabled by Airtable for this "
    "Enterprise Scale account and switched on in the admin panel, and the token needs "
    "the enterprise.changeEvents:read scope (REFERENCE §11)"
)

Key = tuple[datetime, str]


def encode_checkpoint(after: Key, end_time: datetime | None) -> str:
    """The resume token of a position: after event ``after`` (time, id), bound to the
    query's ``end_time``."""
    body = {"t": format_datetime(after[0]), "id": after[1]}
    if end_time is not None:
        body["end"] = format_datetime(end_time)
    text = json.dumps(body, separators=(",", ":")).encode()
    return _PREFIX + base64.urlsafe_b64encode(text).decode().rstrip("=")


def decode_checkpoint(token: object, end_time: datetime | None) -> Key:
    """The position of a token made by :func:`encode_checkpoint` for the same query."""
    if not isinstance(token, str) or not token.startswith(_PREFIX):
        raise InvalidInputError("resume", token, "is not a change-events checkpoint")
    try:
        text = token[len(_PREFIX) :]
        body = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        key = (parse_datetime(body["t"]), str(body["id"]))
        end = body.get("end")
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise InvalidInputError("resume", token, "is not a change-events checkpoint") from None
    bound = parse_datetime(end) if end is not None else None
    if bound != end_time:
        raise InvalidInputError(
            "resume", token, "was made for another end_time; resume with the same query"
        )
    return key


def _key(event: ChangeEvent) -> Key:
    moment = event.time
    if moment is None:
        moment = datetime.min.replace(tzinfo=UTC)
    return moment, event.id


class ChangeEvents:
    """The events of :meth:`Enterprise.change_events`; ``async for`` over it.

    ```python
    feed = enterprise.change_events(follow=True, resume=saved)
    async for event in feed:
        handle(event)
        save(feed.checkpoint)
    ```
    """

    def __init__(
        self,
        api: AsyncApi,
        path: str,
        *,
        start_time: TimeInput | None = None,
        end_time: TimeInput | None = None,
        page_size: int = MAX_PAGE_SIZE,
        sort_asc: bool = False,
        follow: bool = False,
        resume: str | None = None,
        poll_interval: float = 5.0,
        max_poll_interval: float = 60.0,
        max_buffer: int = 10_000,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        if isinstance(page_size, bool) or not isinstance(page_size, int):
            raise InvalidInputError("page_size", page_size, "must be an int")
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise InvalidInputError("page_size", page_size, f"must be 1 to {MAX_PAGE_SIZE}")
        for name, value in (
            ("poll_interval", poll_interval),
            ("max_poll_interval", max_poll_interval),
        ):
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                raise InvalidInputError(name, value, "must be a positive number of seconds")
        if isinstance(max_buffer, bool) or not isinstance(max_buffer, int) or max_buffer < 1:
            raise InvalidInputError("max_buffer", max_buffer, "must be a positive int")
        self._api = api
        self._path = path
        self._clock = clock or (lambda: datetime.now(UTC))
        self._start = to_wire_time("start_time", start_time) if start_time is not None else None
        self._end = to_wire_time("end_time", end_time) if end_time is not None else None
        if follow and self._end is not None:
            raise InvalidInputError("follow", follow, "cannot be combined with end_time")
        if self._start is not None and self._end is not None and self._start >= self._end:
            raise InvalidInputError("end_time", end_time, "must be after start_time")
        self._page_size = page_size
        self._follow = bool(follow)
        self._ordered = bool(sort_asc or follow or resume is not None)
        self._after: Key | None = decode_checkpoint(resume, self._end) if resume else None
        self._poll = float(poll_interval)
        self._max_poll = float(max_poll_interval)
        self._max_buffer = max_buffer
        self._iterator: Any = None

    def __repr__(self) -> str:
        mode = "follow" if self._follow else ("ascending" if self._ordered else "descending")
        return f"<ChangeEvents {self._path} {mode}>"

    @property
    def checkpoint(self) -> str | None:
        """A token to pass as ``resume=``: continues right after the last event
        delivered (oldest-first modes only; ``None`` before the first event unless
        resuming or a start is known)."""
        if not self._ordered:
            return None
        if self._after is not None:
            return encode_checkpoint(self._after, self._end)
        return None

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> ChangeEvent:
        if self._iterator is None:
            self._iterator = self._ascending() if self._ordered else self._descending()
        event: ChangeEvent = await self._iterator.__anext__()
        return event

    async def aclose(self) -> None:
        """Stop iterating (no request is left running)."""
        if self._iterator is not None:
            await self._iterator.aclose()

    # -- requests

    async def _page(
        self, start: datetime | None, end: datetime | None, offset: str | None
    ) -> ChangeEventsResponse:
        params: dict[str, str | int] = {"pageSize": self._page_size}
        if start is not None:
            params["startTime"] = format_datetime(start)
        if end is not None:
            params["endTime"] = format_datetime(end)
        if offset:
            params["offset"] = offset
        try:
            data = await self._api.request("GET", self._path, params=params)
        except (PermissionDeniedError, NotFoundError) as exc:
            raise ChangeEventsNotEnabledError(
                status_code=exc.status_code,
                error_type=exc.error_type,
                error_message=f"{exc.error_message or 'no message'}; {_NOT_ENABLED}",
                method=exc.method,
                path=exc.path,
                body=exc.body,
            ) from exc
        return self._api.structure(data, ChangeEventsResponse, method="GET", path=self._path)

    async def _descending(self) -> Any:
        offset: str | None = None
        seen: set[str] = set()
        while True:
            page = await self._page(self._start, self._end, offset)
            for event in page.events:
                yield event
            if not page.offset or page.offset in seen:
                return
            seen.add(page.offset)
            offset = page.offset

    async def _window(self, start: datetime, end: datetime) -> list[ChangeEvent] | None:
        """Every event of [start, end) sorted oldest first; None when there are more
        than ``max_buffer`` (the caller splits the window)."""
        found: list[ChangeEvent] = []
        offset: str | None = None
        seen: set[str] = set()
        while True:
            page = await self._page(start, end, offset)
            found.extend(page.events)
            if len(found) > self._max_buffer and end - start > _MIN_WINDOW:
                return None
            if not page.offset or page.offset in seen:
                break
            seen.add(page.offset)
            offset = page.offset
        found.sort(key=_key)
        return found

    async def _ascending(self) -> Any:
        now = self._clock()
        if self._after is not None:
            lower = self._after[0]
        elif self._start is not None:
            lower = self._start
        else:
            lower = now - RETENTION
        upper = self._end if self._end is not None else now
        window = _MAX_WINDOW
        idle = 0
        while True:
            while lower < upper:
                end = min(lower + window, upper)
                events = await self._window(lower, end)
                if events is None:
                    window = max(window / 2, _MIN_WINDOW)
                    continue
                for event in events:
                    key = _key(event)
                    if self._after is not None and key <= self._after:
                        continue
                    self._after = key
                    idle = 0
                    yield event
                lower = end
                window = min(window * 2, _MAX_WINDOW)
            if not self._follow:
                return
            await anyio.sleep(min(self._poll * 2 ** min(idle, 16), self._max_poll))
            idle += 1
            upper = max(self._clock(), lower)
