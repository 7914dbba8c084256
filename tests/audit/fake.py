"""A small cursor-faithful fake of ``GET .../auditLogEvents`` (REFERENCE §8.3).

Cursors are scan positions: the fake examines at most ``scan_limit`` events per
request, so a sparse filter yields empty pages that still carry a cursor, as the
docs warn. Bounded queries (``endTime``) hand out ``next`` only while unexamined
events remain in range; streaming queries always hand out ``next``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
import anyio.lowlevel
import httpx

CATEGORY = {
    "createBase": "base",
    "deleteBase": "base",
    "addGroupMember": "groups",
    "loginUser": "user",
}
ACTIONS = list(CATEGORY)
T0 = datetime(2026, 1, 1, tzinfo=UTC)
Key = tuple[str, str]


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def make_event(
    index: int,
    *,
    at: datetime | None = None,
    user: str | None = None,
    action: str | None = None,
    model: str | None = None,
    workspace: str = "wspAAAAAAAAAAAAAA",
) -> dict[str, Any]:
    moment = at if at is not None else T0 + timedelta(seconds=index)
    actor: dict[str, Any]
    if user is None:
        user = f"usr{index % 7:014d}"
    actor = {"type": "user", "user": {"id": user, "email": f"{user}@example.com"}}
    base = model if model is not None else f"app{index % 5:014d}"
    return {
        "id": f"01J{index:023d}",
        "timestamp": iso(moment),
        "action": action if action is not None else ACTIONS[index % len(ACTIONS)],
        "actor": actor,
        "modelId": base,
        "modelType": "base",
        "payload": {"name": f"base {index}"},
        "payloadVersion": "1.0",
        "context": {
            "actionId": f"act{index:014d}",
            "enterpriseAccountId": "entUBq2RGdihxl3vU",
            "baseId": base,
            "workspaceId": workspace,
        },
        "origin": {"ipAddress": "1.2.3.4", "userAgent": "test"},
    }


def _key(event: dict[str, Any]) -> Key:
    return (event["timestamp"], event["id"])


def _encode(kind: str, key: Key | None) -> str:
    return base64.b64encode(json.dumps([kind, key]).encode()).decode()


def _decode(cursor: str) -> tuple[str, Key | None]:
    kind, key = json.loads(base64.b64decode(cursor))
    return kind, (tuple(key) if key is not None else None)  # type: ignore[return-value]


def _time(value: str) -> str:
    return iso(datetime.fromisoformat(value))


class FakeAuditLog:
    """The endpoint's state and handler; pass ``transport`` to ``AsyncApi``."""

    def __init__(self, events: Iterable[dict[str, Any]] = (), *, scan_limit: int = 10**9) -> None:
        self.events: list[dict[str, Any]] = sorted(events, key=_key)
        self.scan_limit = scan_limit
        self.requests: list[list[tuple[str, str]]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.cancelled = 0
        self.gate: anyio.Event | None = None  # when set, requests wait for it
        self.transport = httpx.MockTransport(self.handle)

    def append(self, *events: dict[str, Any]) -> None:
        self.events = sorted([*self.events, *events], key=_key)

    async def handle(self, request: httpx.Request) -> httpx.Response:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.gate is not None:
                await self.gate.wait()
            for _ in range(3):  # stay in flight a little, as a real request would
                await anyio.lowlevel.checkpoint()
            return self.respond(list(request.url.params.multi_items()))
        except anyio.get_cancelled_exc_class():
            self.cancelled += 1
            raise
        finally:
            self.in_flight -= 1

    def respond(self, params: list[tuple[str, str]]) -> httpx.Response:
        self.requests.append(params)
        multi: dict[str, list[str]] = {}
        for key, value in params:
            multi.setdefault(key, []).append(value)
        for name in ("originatingUserId", "eventType", "modelId"):
            if len(multi.get(name, [])) > 100:
                return httpx.Response(422, json={"error": {"type": "INVALID_REQUEST_UNKNOWN"}})
        page_size = int(multi.get("pageSize", ["10"])[0])
        if not 1 <= page_size <= 1000:
            return httpx.Response(422, json={"error": {"type": "INVALID_REQUEST_UNKNOWN"}})
        ascending = multi.get("sortOrder", ["descending"])[0] == "ascending"
        start = _time(multi["startTime"][0]) if "startTime" in multi else ""
        bounded = "endTime" in multi
        end = _time(multi["endTime"][0]) if bounded else "\uffff"
        in_range = [e for e in self.events if start <= e["timestamp"] < end]

        def matches(event: dict[str, Any]) -> bool:
            # OR within a parameter, AND across parameters (§8.1).
            actor_user = (event["actor"].get("user") or {}).get("id")
            checks = [
                ("originatingUserId", {actor_user}),
                ("eventType", {event["action"]}),
                ("category", {CATEGORY[event["action"]]}),
                ("modelId", {event["modelId"], *event["context"].values()}),
            ]
            return all(name not in multi or values & set(multi[name]) for name, values in checks)

        cursor_given = [(k, v) for k, v in params if k in ("next", "previous") and v != "null"]
        if cursor_given:
            kind, position = _decode(cursor_given[0][1])
            scan_up = kind == "after"
        else:
            scan_up = ascending
            position = None
        if scan_up:
            pool = [e for e in in_range if position is None or _key(e) > position]
        else:
            pool = [e for e in in_range if position is None or _key(e) < position]
            pool.reverse()
        examined = pool[: self.scan_limit]
        found: list[dict[str, Any]] = []
        last_examined = None
        for event in examined:
            last_examined = _key(event)
            if matches(event):
                found.append(event)
                if len(found) == page_size:
                    break
        first_examined = _key(examined[0]) if examined else None
        if scan_up:
            frontier = last_examined or position
            remaining = frontier is not None and any(_key(e) > frontier for e in in_range)
            next_cursor = _encode("after", frontier) if (not bounded or remaining) else None
            older = first_examined or position
            has_older = older is not None and any(_key(e) < older for e in in_range)
            previous_cursor = _encode("before", older) if has_older else None
        else:
            frontier = last_examined or position
            has_older = any(_key(e) < frontier for e in in_range) if frontier else False
            previous_cursor = _encode("before", frontier) if has_older else None
            newest = first_examined or position
            has_newer = newest is not None and any(_key(e) > newest for e in in_range)
            if not bounded:
                next_cursor = _encode("after", newest)
            else:
                next_cursor = _encode("after", newest) if has_newer else None
        if scan_up != ascending:
            found.reverse()
        body = {"events": found, "pagination": {"next": next_cursor, "previous": previous_cursor}}
        return httpx.Response(200, json=body)
