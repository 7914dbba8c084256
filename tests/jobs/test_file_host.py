"""The emulator's file host: signatures, expiry, Range, and the refused Authorization."""

from __future__ import annotations

import gc
import socket
from datetime import timedelta

import httpx
import pytest

from airtable_enterprise.testing import Emulator
from airtable_enterprise.testing import server as server_module

from .conftest import ManualClock

pytestmark = pytest.mark.anyio

DATA = bytes(range(256)) * 40  # 10,240 bytes


@pytest.fixture
def url(emulator: Emulator, clock: ManualClock) -> str:
    emulator.files.put("etkAAAAAAAAAAAAAA-json", DATA, "application/json")
    return emulator.files.signed_url("etkAAAAAAAAAAAAAA-json", clock.now + timedelta(hours=1))


async def get(emulator: Emulator, url: str, **headers: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=emulator.files_transport()) as client:
        return await client.get(url, headers=headers)


@pytest.mark.parametrize(
    ("range_header", "status", "body"),
    [
        (None, 200, DATA),
        ("bytes=100-", 206, DATA[100:]),
        ("bytes=100-199", 206, DATA[100:200]),
        ("bytes=-10", 206, DATA[-10:]),
        ("bytes=10240-", 416, b""),
        ("bytes=junk", 416, b""),
    ],
)
async def test_range_requests(
    emulator: Emulator, url: str, range_header: str | None, status: int, body: bytes
) -> None:
    headers = {"Range": range_header} if range_header else {}
    response = await get(emulator, url, **headers)
    assert response.status_code == status
    assert response.content == body
    if status == 206:
        first = (
            len(DATA) - len(body)
            if range_header == "bytes=-10"
            else int(range_header[6:].split("-")[0])
        )  # type: ignore[index]
        assert (
            response.headers["content-range"]
            == f"bytes {first}-{first + len(body) - 1}/{len(DATA)}"
        )


async def test_a_request_with_authorization_is_refused_and_counted(
    emulator: Emulator, url: str
) -> None:
    response = await get(emulator, url, Authorization="Bearer patSomething")
    assert response.status_code == 400
    assert b"Only one auth mechanism allowed" in response.content
    assert emulator.files.stats.authorization_rejected == 1
    assert emulator.files.stats.served == 0


async def test_a_tampered_or_expired_url_is_refused(
    emulator: Emulator, url: str, clock: ManualClock
) -> None:
    tampered = url.replace("expires=", "expires=9")
    assert (await get(emulator, tampered)).status_code == 403
    assert emulator.files.stats.bad_signature == 1
    clock.advance(7200)
    response = await get(emulator, url)
    assert response.status_code == 403
    assert b"Request has expired" in response.content
    assert emulator.files.stats.expired == 1


def test_emulator_serve_starts_the_file_host_on_its_own_port(
    monkeypatch: pytest.MonkeyPatch, emulator: Emulator
) -> None:
    seen: list[str] = []

    class FakeServer:
        def run(self, sockets: list[socket.socket]) -> None:
            port = sockets[0].getsockname()[1]
            seen.append(emulator.files.base_url)
            # The file host answers while the API serves.
            response = httpx.get(f"{emulator.files.base_url}/files/none")
            assert response.status_code == 403
            assert not emulator.files.base_url.endswith(f":{port}")

    monkeypatch.setattr(server_module, "_server", lambda emulator, log_level: FakeServer())
    try:
        server_module.serve_forever(emulator, "127.0.0.1", 0)
    finally:
        gc.unfreeze()
    assert len(seen) == 1
    assert seen[0].startswith("http://127.0.0.1:")
