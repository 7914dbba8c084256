"""An async web backend on airtable-enterprise (Starlette; FastAPI works the same way).

One ``AsyncApi`` is opened when the app starts and shared by every request, so all of
them share one connection pool and one rate limiter; it is closed when the app stops.

    GET /users/{id or email}              the user, and the newest page of their audit events
    GET /users/{id or email}?cursor=...   the next (older) page, from the cursor of the last one
    GET /handover/{leaver}/{successor}    both users, looked up concurrently

Library errors become HTTP answers in one place, the app's handler for ``AirtableError``
(404 for a user that does not exist, 400 for a malformed ID or email, ...). Calls run
concurrently in a task group raise their errors inside an ``ExceptionGroup``, which that
handler would not match (the client would get a 500): ``handover`` unwraps it with
``except*``.

Run it with ``AIRTABLE_TOKEN`` and ``AIRTABLE_ENTERPRISE_ID`` set:
``uvicorn examples.web_backend:app``.
"""

from __future__ import annotations

import math
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from airtable_enterprise import (
    AirtableError,
    AsyncApi,
    Enterprise,
    InvalidInputError,
    NotFoundError,
    RateLimitError,
    UserInfo,
    UserNotFoundError,
)

#: Events per page (Airtable serves up to 1,000).
PAGE_SIZE = 50


async def user_with_events(enterprise: Enterprise, who: str, cursor: str | None) -> dict[str, Any]:
    """The user ``who`` (ID or email) and one page of the audit events they started,
    newest first: exactly one request for the page, and the cursor of the next one
    (``None`` at the oldest). Passing that cursor back, with the same query, continues."""
    user = await enterprise.user(who, collaborations=False)
    pages = enterprise.audit_log(user_id=user.id, page_size=PAGE_SIZE, page_limit=1, resume=cursor)
    async for page in pages:  # page_limit=1: one page, one request
        events, next_cursor = [event.raw for event in page.events], page.cursor
        break
    else:  # a cursor that was already at the end
        events, next_cursor = [], None
    return {
        "user": summary(user),
        "events": events,
        "cursor": next_cursor,
    }


def summary(user: UserInfo) -> dict[str, Any]:
    """What the API answers about a user."""
    return {"id": user.id, "email": user.email, "name": user.name, "state": user.state}


async def get_user(request: Request) -> JSONResponse:
    """``GET /users/{who}[?cursor=...]``; errors are answered by :func:`library_error`."""
    enterprise: Enterprise = request.app.state.enterprise
    body = await user_with_events(
        enterprise, request.path_params["who"], request.query_params.get("cursor")
    )
    return JSONResponse(body)


async def handover(request: Request) -> JSONResponse:
    """``GET /handover/{leaver}/{successor}``: both users, looked up at the same time."""
    enterprise: Enterprise = request.app.state.enterprise
    found: dict[str, UserInfo] = {}

    async def look_up(role: str) -> None:
        found[role] = await enterprise.user(request.path_params[role], collaborations=False)

    try:
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(look_up, "leaver")
            tasks.start_soon(look_up, "successor")
    except* AirtableError as group:
        # The task group raised an ExceptionGroup, which the app's AirtableError handler
        # does not match: hand it the first library error, as itself. (An error that is
        # not the library's stays in the group: a bug, answered 500.)
        raise first_error(group) from None
    return JSONResponse({role: summary(user) for role, user in found.items()})


def first_error(group: BaseExceptionGroup[AirtableError]) -> AirtableError:
    """The first library error in ``group`` (groups can nest)."""
    first = group.exceptions[0]
    return first_error(first) if isinstance(first, BaseExceptionGroup) else first


async def library_error(request: Request, exc: Exception) -> JSONResponse:
    """The app's one mapping from library errors to HTTP answers."""
    assert isinstance(exc, AirtableError)
    if isinstance(exc, UserNotFoundError | NotFoundError):
        return JSONResponse({"error": "not found"}, status_code=404)
    if isinstance(exc, InvalidInputError):  # a malformed ID, email or cursor: nothing was sent
        return JSONResponse({"error": str(exc)}, status_code=400)
    if isinstance(exc, RateLimitError):  # Airtable's penalty outlasts a web request
        headers = {"Retry-After": str(math.ceil(exc.retry_after))}
        return JSONResponse({"error": "busy"}, status_code=503, headers=headers)
    return JSONResponse({"error": "upstream error"}, status_code=502)


def _from_environment() -> tuple[AsyncApi, str]:
    return AsyncApi(os.environ["AIRTABLE_TOKEN"]), os.environ["AIRTABLE_ENTERPRISE_ID"]


def create_app(connect: Callable[[], tuple[AsyncApi, str]] = _from_environment) -> Starlette:
    """The app; ``connect`` makes its one ``AsyncApi`` and names the enterprise
    (default: from ``AIRTABLE_TOKEN`` and ``AIRTABLE_ENTERPRISE_ID``)."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        api, enterprise_id = connect()
        async with api:  # closed (connections and all) when the app stops
            app.state.enterprise = api.enterprise(enterprise_id)
            yield

    return Starlette(
        routes=[
            Route("/users/{who}", get_user),
            Route("/handover/{leaver}/{successor}", handover),
        ],
        exception_handlers={AirtableError: library_error},
        lifespan=lifespan,
    )


app = create_app()
