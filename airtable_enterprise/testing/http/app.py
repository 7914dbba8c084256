"""The ASGI application: Starlette routes over the handlers, wrapped in the middleware
that plays the network and the gateway (latency, auth, rate limit, faults, counters)."""

from __future__ import annotations

import json
import logging
import math
import random
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any

import anyio
import attrs
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .._wire import ApiFailure, invalid_request
from .faults import (
    ConnectionDropped,
    DropConnection,
    MalformedBody,
    SlowResponse,
    StatusFault,
    TruncatedBody,
)
from .requests import Call, Caller
from .routes import ROUTES, Handler

if TYPE_CHECKING:
    from ..emulator import Emulator

__all__ = ["EmulatorStats", "build_app"]

_CALLER = "airtable_enterprise.caller"

# Bodies Airtable sends with these statuses (REFERENCE §1.4, fixtures Error.*).
_STATUS_BODIES: dict[int, dict[str, Any]] = {
    401: {"error": {"type": "AUTHENTICATION_REQUIRED", "message": "Authentication required"}},
    429: {
        "error": {
            "type": "RATE_LIMIT_REACHED",
            "message": "Rate limit exceeded. Please try again later",
        }
    },
    503: {
        "error": {
            "type": "RETRIABLE_ERROR",
            "message": "Server encountered an error while processing your request, "
            "and it is safe to retry the request",
        }
    },
}


@attrs.define
class EmulatorStats:
    """What the emulator served: requests, statuses, 429s, faults, per route."""

    requests: int = 0
    statuses: Counter[int] = attrs.Factory(Counter)
    rate_limited: int = 0
    faults: Counter[str] = attrs.Factory(Counter)
    routes: Counter[str] = attrs.Factory(Counter)

    def reset(self) -> None:
        self.requests = self.rate_limited = 0
        self.statuses.clear()
        self.faults.clear()
        self.routes.clear()


logger = logging.getLogger("airtable_enterprise.testing")


def _json(status: int, body: object, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(body, status_code=status, headers=headers)


def _failure_response(failure: ApiFailure) -> Response:
    return _json(failure.status, failure.body())


def _endpoint(emulator: Emulator, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            raw = await request.body()
        except ClientDisconnect:
            # The client went away mid-request: nothing to answer, nothing to report.
            logger.debug("%s %s: the client disconnected", request.method, request.url.path)
            return Response(b"", status_code=400)
        data: object = None
        if raw.strip():
            try:
                data = json.loads(raw)
            except RecursionError:
                return _failure_response(invalid_request("the JSON body is nested too deeply"))
            except ValueError:
                # "400: the body is not valid JSON" (REFERENCE §1.4; body not documented).
                return _json(
                    400, {"error": {"type": "INVALID_REQUEST_BODY", "message": "Invalid JSON"}}
                )
        call = Call(
            path=dict(request.path_params),
            query=request.query_params.multi_items(),
            json=data,
            caller=request.scope[_CALLER],
        )
        try:
            with emulator.lock:
                result = handler(emulator.world, call)
        except ApiFailure as failure:
            return _failure_response(failure)
        except (ValueError, TypeError, KeyError, RecursionError) as exc:
            # Input no handler check anticipated: Airtable answers such requests 422,
            # never 500 (third-party clients are tested against this server).
            logger.debug("%s %s: malformed request (%r)", request.method, request.url.path, exc)
            return _failure_response(invalid_request())
        if result is None:
            return Response(b"", status_code=200)  # "empty response" endpoints
        if isinstance(result, bytes):  # already JSON (audit-log pages)
            return Response(result, status_code=200, media_type="application/json")
        return _json(200, result)

    return endpoint


async def _not_found(request: Request, exc: Exception) -> Response:
    # Undefined routes (and known paths with another method) answer the bare-string
    # form {"error": "NOT_FOUND"} (REFERENCE §1.4).
    return _json(404, {"error": "NOT_FOUND"})


def build_app(emulator: Emulator) -> ASGIApp:
    """The emulator's ASGI app: the middleware around the Starlette routes."""
    routes = [
        Route(path, _endpoint(emulator, handler), methods=[method])
        for method, path, handler in ROUTES
    ]
    inner = Starlette(routes=routes, exception_handlers={404: _not_found, 405: _not_found})
    return _Gateway(inner, emulator, routes)


class _Gateway:
    """Latency, auth, rate limit, fault injection and counting, in that order."""

    def __init__(self, app: ASGIApp, emulator: Emulator, routes: list[Route]) -> None:
        self.app = app
        self.emulator = emulator
        self.routes = routes
        self._rng = random.Random(emulator.seed)

    def _route_name(self, scope: Scope) -> str:
        for route in self.routes:
            match, _ = route.matches(scope)
            if match is Match.FULL:
                return f"{scope['method']} {route.path}"
        return "unknown"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        emulator = self.emulator
        stats = emulator.stats
        stats.requests += 1
        stats.routes[self._route_name(scope)] += 1

        async def counted_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                stats.statuses[message["status"]] += 1
            await send(message)

        # The rate limit counts a request when it arrives, before the emulated latency:
        # counting after a sleep would count the sleep's wake-ups, which a server busy
        # rendering other answers bunches together (Airtable's limit counts arrivals,
        # and its servers' CPU is not this process's).
        delay = emulator.latency + (self._rng.uniform(0, emulator.jitter) if emulator.jitter else 0)

        token = _bearer(scope)
        user_id = emulator.tokens.get(token) if token is not None else None
        if token is None or user_id is None:
            await anyio.sleep(delay)
            await _json(401, _STATUS_BODIES[401])(scope, receive, counted_send)
            return

        limiter = emulator.limiter
        if limiter is not None:
            penalty = limiter.check(token)
            if penalty is not None:
                stats.rate_limited += 1
                headers = None
                if emulator.retry_after_header:
                    headers = {"Retry-After": str(max(1, math.ceil(penalty)))}
                await anyio.sleep(delay)
                await _json(429, _STATUS_BODIES[429], headers)(scope, receive, counted_send)
                return
        if delay > 0:
            await anyio.sleep(delay)

        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        client = scope.get("client") or ("127.0.0.1", 0)
        scope = dict(scope)
        scope[_CALLER] = Caller(
            user_id=user_id,
            token_id=emulator.token_ids.get(token),
            ip_address=str(client[0]),
            user_agent=headers.get("user-agent", ""),
            token_kind="oauth" if token in emulator.oauth_tokens else "pat",
            scopes=emulator.token_scopes.get(token),
        )

        fault = emulator.faults.take(scope["method"], scope["path"])
        if fault is None:
            await self.app(scope, receive, counted_send)
            return
        stats.faults[type(fault).__name__] += 1
        if isinstance(fault, SlowResponse):
            await anyio.sleep(fault.seconds)
            await self.app(scope, receive, counted_send)
            return
        if isinstance(fault, StatusFault):
            body = _STATUS_BODIES.get(
                fault.status,
                {"error": {"type": "SERVER_ERROR", "message": f"HTTP {fault.status}"}},
            )
            extra = {"Retry-After": _seconds(fault.retry_after)} if fault.retry_after else None
            await _json(fault.status, body, extra)(scope, receive, counted_send)
            return
        await self._after_change(fault, scope, receive, counted_send)

    async def _after_change(
        self,
        fault: DropConnection | TruncatedBody | MalformedBody,
        scope: Scope,
        receive: Receive,
        send: Send,
    ) -> None:
        """Run the endpoint (the change happens), then spoil what reaches the client."""
        messages: list[MutableMapping[str, Any]] = []

        async def keep(message: Message) -> None:
            messages.append(message)

        await self.app(scope, receive, keep)
        start = messages[0]
        body = b"".join(m.get("body", b"") for m in messages[1:])
        if isinstance(fault, MalformedBody):
            spoiled = b'{"error": <html>Bad gateway' if not body else body[: len(body) // 2]
            headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(spoiled)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": spoiled})
            return
        full_length = max(len(body), 2)
        headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
        headers.append((b"content-length", str(full_length).encode()))
        await send({**start, "headers": headers})
        if isinstance(fault, TruncatedBody):
            await send(
                {"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True}
            )
        raise ConnectionDropped(f"{type(fault).__name__} injected on {scope['path']}")


def _bearer(scope: Scope) -> str | None:
    for key, value in scope["headers"]:
        if key.lower() == b"authorization":
            text: str = value.decode("latin-1")
            if text[:7].lower() == "bearer " and text[7:].strip():
                return text[7:].strip()
    return None


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
