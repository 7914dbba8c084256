"""EmulatorTransport: the emulator in-process, with faults that look like the network."""

from __future__ import annotations

import httpx
from starlette.types import ASGIApp

from .http.faults import ConnectionDropped

__all__ = ["EmulatorTransport"]


class EmulatorTransport(httpx.AsyncBaseTransport):
    """An :class:`httpx.AsyncBaseTransport` that calls the emulator's ASGI app directly.

    Wraps :class:`httpx.ASGITransport`; a connection the emulator drops or cuts short
    (``DropConnection``, ``TruncatedBody``) raises :class:`httpx.RemoteProtocolError`,
    as a real socket would, after the change was applied.
    """

    def __init__(self, app: ASGIApp, *, client: tuple[str, int] = ("127.0.0.1", 50000)) -> None:
        self._inner = httpx.ASGITransport(app=app, client=client)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self._inner.handle_async_request(request)
        except ConnectionDropped as exc:
            raise httpx.RemoteProtocolError(
                f"peer closed connection without sending complete message body ({exc})",
                request=request,
            ) from None

    async def aclose(self) -> None:
        await self._inner.aclose()
