"""Issue 12, the emulator as a server: malformed requests get Airtable's 422, never a
500; a client that disconnects mid-request leaves no traceback in the log."""

from __future__ import annotations

import logging
import socket
import time

import httpx
import pytest

from airtable_enterprise.testing import BackgroundServer, Emulator

pytestmark = pytest.mark.anyio


def ent_path(emulator: Emulator, suffix: str = "") -> str:
    return f"/v0/meta/enterpriseAccounts/{emulator.enterprise_id}{suffix}"


async def test_a_deeply_nested_body_is_a_422(emulator: Emulator) -> None:
    app = httpx.ASGITransport(app=emulator.app)
    async with httpx.AsyncClient(transport=app, base_url="http://emulator") as client:
        response = await client.post(
            "/v0/meta/workspaces",
            content=b"[" * 100_000 + b"]" * 100_000,
            headers={"Authorization": f"Bearer {emulator.token}"},
        )
    assert response.status_code == 422
    assert response.json()["error"]["type"] == "INVALID_REQUEST_UNKNOWN"


@pytest.mark.parametrize("size", ["²", "٣", "1e3", "-1"])
async def test_a_page_size_that_is_not_ascii_digits_is_a_422(emulator: Emulator, size: str) -> None:
    app = httpx.ASGITransport(app=emulator.app)
    async with httpx.AsyncClient(transport=app, base_url="http://emulator") as client:
        response = await client.get(
            ent_path(emulator, "/auditLogEvents"),
            params={"pageSize": size},
            headers={"Authorization": f"Bearer {emulator.token}"},
        )
    assert response.status_code == 422
    assert response.json()["error"]["type"] == "INVALID_REQUEST_UNKNOWN"


def test_a_client_disconnecting_mid_request_logs_no_traceback(
    emulator: Emulator, server: BackgroundServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(
            b"POST /v0/meta/workspaces HTTP/1.1\r\nHost: x\r\n"
            b"Authorization: Bearer " + emulator.token.encode() + b"\r\n"
            b'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"na'
        )
        time.sleep(0.2)  # let the server start reading the body (no timing is asserted)
    # The server notices the disconnect on its own schedule: wait for its debug line,
    # generously, then check that nothing louder was logged.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not any(
        "disconnected" in r.getMessage() for r in caplog.records
    ):
        time.sleep(0.05)
    loud = [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]
    assert loud == []
    assert len([r for r in caplog.records if "disconnected" in r.getMessage()]) <= 1
