"""Reading what the fake Airtable received."""

from __future__ import annotations

import json
from typing import Any

import httpx
import respx


def last_request(route: respx.Route) -> httpx.Request:
    assert route.call_count >= 1, "the route was not called"
    return route.calls.last.request


def query(request: httpx.Request) -> list[tuple[str, str]]:
    """The query string as decoded (key, value) pairs, in order."""
    return list(request.url.params.multi_items())


def body(request: httpx.Request) -> Any:
    return json.loads(request.content) if request.content else None


def no_requests(router: respx.MockRouter) -> bool:
    return router.calls.call_count == 0
