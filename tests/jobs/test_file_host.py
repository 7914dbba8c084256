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


async def test_every_file_has_a_strong_etag_and_a_last_modified_date(
    emulator: Emulator, url: str
) -> None:
    first = await get(emulator, url)
    again = await get(emulator, url, Range="bytes=5-")
    etag = first.headers["etag"]
    assert etag.startswith('"')
    assert etag.endswith('"')
    assert not etag.startswith("W/")
    assert again.headers["etag"] == etag  # the same file, the same validator
    assert first.headers["last-modified"].endswith(" GMT")
    emulator.files.put("etkAAAAAAAAAAAAAA-json", DATA[::-1], "application/json")
    assert (await get(emulator, url)).headers["etag"] != etag  # written again: new ETag


async def test_if_range_serves_the_range_only_for_the_current_file(
    emulator: Emulator, url: str
) -> None:
    current = await get(emulator, url)
    etag, date = current.headers["etag"], current.headers["last-modified"]
    cases = [
        (etag, 206, DATA[100:]),
        (date, 206, DATA[100:]),
        ('"another"', 200, DATA),
        ("W/" + etag, 200, DATA),  # a weak validator never matches (RFC 9110 §13.1.5)
        ("Wed, 21 Oct 2015 07:28:00 GMT", 200, DATA),
        ("junk", 200, DATA),
    ]
    for if_range, status, body in cases:
        response = await get(emulator, url, Range="bytes=100-", **{"If-Range": if_range})
        assert (response.status_code, response.content) == (status, body), if_range
        assert ("content-range" in response.headers) == (status == 206)
    assert emulator.files.stats.if_range_mismatches == 4
    # If-Range without Range changes nothing.
    response = await get(emulator, url, **{"If-Range": '"another"'})
    assert (response.status_code, response.content) == (200, DATA)
    assert emulator.files.stats.if_range_mismatches == 4


async def test_head_answers_the_headers_without_the_body(emulator: Emulator, url: str) -> None:
    async with httpx.AsyncClient(transport=emulator.files_transport()) as client:
        response = await client.head(url)
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == str(len(DATA))
    assert "etag" in response.headers
