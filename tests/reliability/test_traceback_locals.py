"""Issue 12, point 14: an exception leaving the transport while the request's headers
are in its frames' locals (a caller's timeout cancelling the write) renders without
those frames, so a traceback shown with its locals cannot show the token."""

from __future__ import annotations

import asyncio
import traceback

import anyio
import httpx
import pytest

from airtable_enterprise import AsyncApi

pytestmark = pytest.mark.anyio

TOKEN = "patLEAKCHECK.0123456789abcdef0123456789abcdef"


def rendered(exc: BaseException) -> str:
    return "".join(traceback.TracebackException.from_exception(exc, capture_locals=True).format())


async def writing_headers_forever(request: httpx.Request) -> httpx.Response:
    # What httpcore's frames hold while they write a request: its header bytes.
    header_bytes = b"Authorization: " + request.headers["Authorization"].encode()
    assert TOKEN.encode() in header_bytes
    await anyio.sleep_forever()
    raise AssertionError("unreachable")


async def test_a_caller_timeout_during_the_write_renders_no_token_in_locals(
    anyio_backend: str,
) -> None:
    transport = httpx.MockTransport(writing_headers_forever)

    async def call_with_a_timeout(api: AsyncApi) -> None:
        if anyio_backend == "asyncio":
            await asyncio.wait_for(api.request("GET", "/v0/meta/whoami"), 0.05)
        else:
            import trio

            with trio.fail_after(0.05):
                await api.request("GET", "/v0/meta/whoami")

    async with AsyncApi(TOKEN, transport=transport) as api:
        with pytest.raises(BaseException) as caught:  # TimeoutError or TooSlowError
            await call_with_a_timeout(api)
    text = rendered(caught.value)
    assert "writing_headers_forever" not in text
    assert TOKEN not in text
