"""The audit-log event store and the cursor rules of ``auditLogEvents`` (REFERENCE §8).

Events are kept sorted by their ULID-like ID, which starts with the event time, so a
time bound or a cursor is one :func:`bisect.bisect_left` away and a page costs what it
reads, even with a million events stored.

Cursors are opaque base64 strings of a ULID (REFERENCE §8.4). ``next=C`` reads events
after C; ``previous=C`` reads events before C. A request reads at most ``max_scan``
stored events, so a filtered query over a long range can answer a page with no events
that still carries cursors, as the documentation warns (§8.3).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

import attrs

from .._wire import format_ms, invalid_request, parse_time, to_ms, ulid_from_int, ulid_to_int
from .changes import published_before

__all__ = [
    "CATEGORIES",
    "AuditEvent",
    "AuditLog",
    "AuditQuery",
    "decode_cursor",
    "encode_cursor",
]

#: ``category`` values (REFERENCE §8.5).
CATEGORIES = frozenset(
    {
        "base",
        "baseCollaboration",
        "groups",
        "role",
        "share",
        "user",
        "twoFactorAuthentication",
        "oauth",
        "personalAccessToken",
        "enterprise",
        "enterpriseSettings",
        "enterpriseLicenses",
        "managedApps",
        "components",
        "publishedDataSets",
        "dataTable",
        "workspace",
        "workspaceCollaboration",
        "interface",
        "standaloneForms",
        "interfaceCollaboration",
        "view",
        "ai",
        "solution",
        "portal",
        "workflow",
        "customDomain",
    }
)

_RETENTION = timedelta(days=180)  # events are queryable for 180 days (§8)
_MAX_PAGE_SIZE = 1000  # §8.1
_DEFAULT_PAGE_SIZE = 10
_MAX_FILTER_VALUES = 100  # originatingUserId, eventType, modelId (§8.1)
_RANDOM_BITS = 80
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


@attrs.define(slots=True)
class AuditEvent:
    """One stored event, compact: the wire object is built by :meth:`AuditLog.render`.

    ``actor_type`` is ``user``, ``formSubmission``, ``automation``, ``system``,
    ``sync``, ``anonymousUser`` or ``unknown`` (§8.2); ``actor_id`` is the user, view or
    automation ID. ``payload`` None renders as ``{}``.
    """

    key: int
    action: str
    category: str
    model_id: str
    model_type: str
    actor_type: str = "user"
    actor_id: str | None = None
    actor_email: str | None = None
    actor_name: str | None = None
    account_id: str | None = None
    workspace_id: str | None = None
    base_id: str | None = None
    interface_id: str | None = None
    payload: dict[str, Any] | None = None
    payload_version: str = "1.0"
    ip_address: str = "127.0.0.1"
    user_agent: str = "airtable-enterprise-emulator"
    token_id: str | None = None

    @property
    def id(self) -> str:
        return ulid_from_int(self.key)

    @property
    def timestamp_ms(self) -> int:
        return self.key >> _RANDOM_BITS


def encode_cursor(key: int) -> str:
    """The opaque cursor of a position: base64 of a ULID, like Airtable's (§8.4)."""
    return base64.b64encode(ulid_from_int(key).encode()).decode()


def decode_cursor(cursor: str) -> int:
    """The position of a cursor; 422 when it is not one this emulator made."""
    try:
        return ulid_to_int(base64.b64decode(cursor.encode(), validate=True).decode())
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise invalid_request(f"invalid cursor {cursor!r}") from None


@attrs.frozen
class AuditQuery:
    """The parsed query of one ``auditLogEvents`` request."""

    start_ms: int
    end_ms: int | None  # None: streaming mode (no endTime given, §8.3)
    users: frozenset[str] = frozenset()
    event_types: frozenset[str] = frozenset()
    model_ids: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    page_size: int = _DEFAULT_PAGE_SIZE
    ascending: bool = False
    next: int | None = None
    previous: int | None = None

    @classmethod
    def parse(cls, params: Sequence[tuple[str, str]], now: datetime) -> AuditQuery:
        """Validate query parameters (repeated keys, with or without ``[]``); 422 if bad."""
        values: dict[str, list[str]] = {}
        for raw_key, value in params:
            values.setdefault(raw_key.removesuffix("[]"), []).append(value)
        known = {
            "startTime",
            "endTime",
            "originatingUserId",
            "eventType",
            "modelId",
            "category",
            "pageSize",
            "sortOrder",
            "previous",
            "next",
        }
        unknown = sorted(set(values) - known)
        if unknown:
            raise invalid_request(f"unknown parameter {unknown[0]!r}")

        def single(name: str) -> str | None:
            found = values.get(name)
            if not found:
                return None
            if len(found) > 1:
                raise invalid_request(f"{name} given more than once")
            return found[0]

        def many(name: str, limit: int | None) -> frozenset[str]:
            found = values.get(name, [])
            if limit is not None and len(found) > limit:
                raise invalid_request(f"{name} accepts at most {limit} values")
            return frozenset(found)

        def time_ms(name: str) -> int | None:
            text = single(name)
            if text is None:
                return None
            try:
                return to_ms(parse_time(text))
            except ValueError:
                raise invalid_request(f"{name} is not an ISO 8601 time: {text!r}") from None

        start_ms = time_ms("startTime")
        end_ms = time_ms("endTime")
        if start_ms is None:
            start_ms = to_ms(now - _RETENTION)
        if end_ms is not None and end_ms < start_ms:
            raise invalid_request("endTime is before startTime")

        page_size = _DEFAULT_PAGE_SIZE
        size_text = single("pageSize")
        if size_text is not None:
            # isdigit() alone lets "²" through, which int() refuses.
            if not (size_text.isascii() and size_text.isdigit()) or not (
                1 <= int(size_text) <= _MAX_PAGE_SIZE
            ):
                raise invalid_request(f"pageSize must be 1 to {_MAX_PAGE_SIZE}")
            page_size = int(size_text)

        order = single("sortOrder") or "descending"
        if order not in ("ascending", "descending"):
            raise invalid_request(f"sortOrder must be ascending or descending, not {order!r}")

        # A category this emulator does not know matches no event rather than failing:
        # Airtable adds categories over time (§8.5), and a test written against a newer
        # list must not break here.
        categories = many("category", None)

        cursors: dict[str, int | None] = {}
        for name in ("next", "previous"):
            text = single(name)
            # The literal string "null" counts as not given (§8.1).
            cursors[name] = None if text in (None, "", "null") else decode_cursor(str(text))
        if cursors["next"] is not None and cursors["previous"] is not None:
            raise invalid_request("give either next or previous, not both")

        return cls(
            start_ms=start_ms,
            end_ms=end_ms,
            users=many("originatingUserId", _MAX_FILTER_VALUES),
            event_types=many("eventType", _MAX_FILTER_VALUES),
            model_ids=many("modelId", _MAX_FILTER_VALUES),
            categories=categories,
            page_size=page_size,
            ascending=order == "ascending",
            next=cursors["next"],
            previous=cursors["previous"],
        )

    @property
    def is_filtered(self) -> bool:
        return bool(self.users or self.event_types or self.model_ids or self.categories)

    def matches(self, event: AuditEvent) -> bool:
        """Values of one parameter are OR'd, different parameters AND'd (§8.1); a model ID
        also matches events inside that workspace, base or interface."""
        if self.users and not (event.actor_type == "user" and event.actor_id in self.users):
            return False
        if self.event_types and event.action not in self.event_types:
            return False
        if self.categories and event.category not in self.categories:
            return False
        if self.model_ids:
            ids = self.model_ids
            if not (
                event.model_id in ids
                or event.workspace_id in ids
                or event.base_id in ids
                or event.interface_id in ids
            ):
                return False
        return True


class AuditLog:
    """Events in ID (= time) order, with :meth:`page` implementing §8.3."""

    def __init__(self, enterprise_account_id: str = "", *, max_scan: int = 5000) -> None:
        self.enterprise_account_id = enterprise_account_id
        self.max_scan = max_scan
        #: Seconds after its timestamp before an event is readable (ingestion delay; 0:
        #: at once). Set by ``Emulator(publish_delay=)``; needs ``now=`` when reading.
        self.publish_delay = 0.0
        self._keys: list[int] = []
        self._events: list[AuditEvent] = []
        #: Events whose JSON :meth:`page_json` keeps, oldest rendered dropped first.
        self.render_cache_size = 300_000
        self._rendered: OrderedDict[int, bytes] = OrderedDict()

    def __len__(self) -> int:
        return len(self._events)

    def __iter__(self) -> Any:
        return iter(self._events)

    @staticmethod
    def key_at(moment: datetime, random_bits: int) -> int:
        """The key (ULID integer) of an event at ``moment``."""
        return (to_ms(moment) << _RANDOM_BITS) | (random_bits & ((1 << _RANDOM_BITS) - 1))

    def new_key(self, moment: datetime, random_bits: int) -> int:
        """A key for an event at ``moment``, later than every stored key so that a
        streaming ``next`` cursor sees it (ULIDs made in one ms grow monotonically)."""
        key = self.key_at(moment, random_bits)
        if self._keys and key <= self._keys[-1]:
            key = self._keys[-1] + 1
        return key

    def append(self, event: AuditEvent) -> AuditEvent:
        """Store one event (kept sorted even if it is older than the newest)."""
        if not self._keys or event.key > self._keys[-1]:
            self._keys.append(event.key)
            self._events.append(event)
        else:
            index = bisect_left(self._keys, event.key)
            if index < len(self._keys) and self._keys[index] == event.key:
                raise ValueError("an event with this ID is already stored")
            self._keys.insert(index, event.key)
            self._events.insert(index, event)
        return event

    def extend(self, events: Iterable[AuditEvent]) -> None:
        """Store many events at once (sorted here: the generator's bulk load)."""
        merged = sorted([*self._events, *events], key=lambda e: e.key)
        self._events = merged
        self._keys = [e.key for e in merged]

    def newest(self) -> AuditEvent | None:
        return self._events[-1] if self._events else None

    # ------------------------------------------------------------------ paging

    def _select(
        self, query: AuditQuery, now: datetime | None
    ) -> tuple[list[AuditEvent], dict[str, str | None]]:
        """The events of one response for ``query`` and its pagination (§8.3)."""
        keys = self._keys
        count = len(keys)
        low = bisect_left(keys, query.start_ms << _RANDOM_BITS)
        high = count if query.end_ms is None else bisect_left(keys, query.end_ms << _RANDOM_BITS)
        if self.publish_delay > 0 and now is not None:
            # Not yet published: as if not stored (a streaming cursor waits for it).
            high = min(high, bisect_left(keys, published_before(now, self.publish_delay)))
        low = min(low, high)
        upward = query.ascending
        if query.next is not None:
            start, upward = min(max(bisect_right(keys, query.next), low), high), True
        elif query.previous is not None:
            start, upward = max(min(bisect_left(keys, query.previous), high), low), False
        else:
            start = low if upward else high

        found: list[AuditEvent] = []
        budget = self.max_scan
        check = query.matches if query.is_filtered else None
        events = self._events
        index = start
        if upward:
            while index < high and len(found) < query.page_size and budget > 0:
                event = events[index]
                if check is None or check(event):
                    found.append(event)
                index += 1
                budget -= 1
            bottom, top = start, index
        else:
            while index > low and len(found) < query.page_size and budget > 0:
                index -= 1
                event = events[index]
                if check is None or check(event):
                    found.append(event)
                budget -= 1
            bottom, top = index, start
            found.reverse()
        if not query.ascending:
            found.reverse()

        # `previous` only if older events may exist in range; `next` always when
        # streaming, else only if newer events may exist in range (§8.3).
        previous = None
        if bottom > low:
            previous = encode_cursor(keys[bottom] if bottom < count else keys[count - 1] + 1)
        next_cursor = None
        if query.end_ms is None or top < high:
            if top > 0:
                next_cursor = encode_cursor(keys[top - 1])
            else:
                next_cursor = encode_cursor(max(0, (query.start_ms << _RANDOM_BITS) - 1))
        return found, {"next": next_cursor, "previous": previous}

    def page(self, query: AuditQuery, now: datetime | None = None) -> dict[str, Any]:
        """One response of ``auditLogEvents`` for ``query`` (REFERENCE §8.2, §8.3) at
        world time ``now`` (which decides what :attr:`publish_delay` hides)."""
        found, pagination = self._select(query, now)
        return {"events": [self.render(e) for e in found], "pagination": pagination}

    def page_json(self, query: AuditQuery, now: datetime | None = None) -> bytes:
        """:meth:`page` as the JSON bytes served.

        Each event's JSON is rendered once and kept (the last ``render_cache_size``
        rendered), so serving events again costs a join: benchmarks walk the same
        100,000 events many times, and the emulator should not be what limits a
        client's throughput (Airtable's servers do not share the client's CPU).
        """
        found, pagination = self._select(query, now)
        cache = self._rendered
        parts = []
        for event in found:
            text = cache.get(event.key)
            if text is None:
                text = json.dumps(self.render(event), separators=(",", ":")).encode()
                cache[event.key] = text
                if len(cache) > self.render_cache_size:
                    cache.popitem(last=False)  # O(1), unlike popping a dict's first key
            parts.append(text)
        tail = json.dumps(pagination, separators=(",", ":")).encode()
        return b'{"events":[' + b",".join(parts) + b'],"pagination":' + tail + b"}"

    def render(self, event: AuditEvent) -> dict[str, Any]:
        """The wire AuditLogEvent (§8.2) of a stored event."""
        actor: dict[str, Any] = {"type": event.actor_type}
        if event.actor_type == "user":
            user: dict[str, Any] = {"id": event.actor_id, "email": event.actor_email}
            if event.actor_name:
                user["name"] = event.actor_name
            actor["user"] = user
        elif event.actor_type == "formSubmission":
            actor["viewId"] = event.actor_id
        elif event.actor_type == "automation":
            actor["automationId"] = event.actor_id
        context: dict[str, Any] = {
            "actionId": _derived_id("act", event.key),
            "enterpriseAccountId": self.enterprise_account_id,
        }
        if event.account_id and event.account_id != self.enterprise_account_id:
            context["descendantEnterpriseAccountId"] = event.account_id
        for name, value in (
            ("workspaceId", event.workspace_id),
            ("baseId", event.base_id),
            ("interfaceId", event.interface_id),
        ):
            if value is not None:
                context[name] = value
        origin: dict[str, Any] = {"ipAddress": event.ip_address, "userAgent": event.user_agent}
        if event.actor_type == "user":
            if event.token_id is not None:
                origin["personalAccessTokenId"] = event.token_id
            else:
                origin["sessionId"] = _derived_id("ses", event.key >> 40)
        return {
            "id": ulid_from_int(event.key),
            "timestamp": format_ms(event.key >> _RANDOM_BITS),
            "action": event.action,
            "actor": actor,
            "modelId": event.model_id,
            "modelType": event.model_type,
            "payload": dict(event.payload) if event.payload is not None else {},
            "payloadVersion": event.payload_version,
            "context": context,
            "origin": origin,
        }


#: Each byte to one base-62 digit (slightly uneven, which an emulated ID can afford).
_BYTE_TO_BASE62 = bytes(_BASE62.encode()[i % 62] for i in range(256))


def _derived_id(prefix: str, seed: int) -> str:
    """A stable 17-character ID derived from a number (action and session IDs are not
    stored per event, to keep a million events small)."""
    digest = hashlib.blake2b(seed.to_bytes(17, "big"), digest_size=14).digest()
    return prefix + digest.translate(_BYTE_TO_BASE62).decode("ascii")
