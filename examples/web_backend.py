"""An async web backend on airtable-enterprise (Starlette; FastAPI works the same way).

One ``AsyncApi`` is opened when the app starts and shared by every request, so all of
them share one connection pool and one rate limiter; it is closed when the app stops.

    GET /users/{id or email}              the user, and the newest page of their audit events
    GET /users/{id or email}?cursor=...   the next (older) page, from the cursor of the last one

Run it with ``AIRTABLE_TOKEN`` and ``AIRTABLE_ENTERPRISE_ID`` set:
``uvicorn examples.web_backend:app``.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from airtable_enterprise import AsyncApi, Enterprise, InvalidInputError, UserNotFoundError

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
        "user": {"id": user.id, "email": user.email, "name": user.name, "state": user.state},
        "events": events,
        "cursor": next_cursor,
    }


async def get_user(request: Request) -> JSONResponse:
    """``GET /users/{who}[?cursor=...]``."""
    enterprise: Enterprise = request.app.state.enterprise
    try:
        body = await user_with_events(
            enterprise, request.path_params["who"], request.query_params.get("cursor")
        )
    except UserNotFoundError:
        return JSONResponse({"error": "no such user"}, status_code=404)
    except InvalidInputError as exc:  # a malformed ID, email or cursor: nothing was sent
        return JSONResponse({"error": str(exc)}, status_code=400)
    return JSONResponse(body)


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

    return Starlette(routes=[Route("/users/{who}", get_user)], lifespan=lifespan)


app = create_app()
