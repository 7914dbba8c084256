"""A streamed audit-log file is complete only when its gzip stream ends: every member's
trailer (CRC-32 and length) read and matched. "It ended" is not "it is complete"."""

from __future__ import annotations

import gzip
import json
import struct
import zlib
from collections.abc import AsyncIterator

import pytest

from airtable_enterprise import DownloadError
from airtable_enterprise.jobs.audit_requests import iter_ndjson_gzip
from airtable_enterprise.testing import Emulator

pytestmark = pytest.mark.anyio

LINES = [json.dumps({"id": f"evt{n:04d}", "pad": "x" * (n % 13)}).encode() for n in range(200)]
BODY = b"\n".join(LINES) + b"\n"


async def chunks_of(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def read(data: bytes, size: int = 4096) -> list[bytes]:
    return [line async for line in iter_ndjson_gzip(chunks_of(data, size), url="u")]


def flushed_at_a_line_boundary(lines: int) -> bytes:
    """A gzip stream cut right after a sync flush that ends on a line boundary: every
    byte before the cut decompresses cleanly into whole lines."""
    deflater = zlib.compressobj(6, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    return deflater.compress(b"\n".join(LINES[:lines]) + b"\n") + deflater.flush(zlib.Z_SYNC_FLUSH)


@pytest.mark.parametrize("size", [1, 7, 4096])
async def test_a_stream_cut_after_a_flush_at_a_line_boundary_is_an_error(size: int) -> None:
    with pytest.raises(DownloadError, match="truncated"):
        await read(flushed_at_a_line_boundary(50), size)


@pytest.mark.parametrize("missing", [1, 4, 7, 8, 9])
async def test_a_stream_missing_any_part_of_its_trailer_is_an_error(missing: int) -> None:
    data = gzip.compress(BODY)
    with pytest.raises(DownloadError, match="truncated"):
        await read(data[:-missing])


async def test_the_lines_before_a_cut_are_delivered_then_the_error() -> None:
    got: list[bytes] = []

    async def collect() -> None:
        async for line in iter_ndjson_gzip(chunks_of(flushed_at_a_line_boundary(50), 100), url="u"):
            got.append(line)

    with pytest.raises(DownloadError):
        await collect()
    assert got == LINES[:50]


@pytest.mark.parametrize(
    ("offset", "what"),
    [(-8, "CRC"), (-5, "CRC"), (-4, "length"), (-1, "length")],
)
async def test_a_wrong_crc_or_length_is_an_error(offset: int, what: str) -> None:
    data = bytearray(gzip.compress(BODY))
    data[offset] ^= 0xFF
    with pytest.raises(DownloadError, match="not valid gzip data"):
        await read(bytes(data))


async def test_an_empty_file_holds_no_gzip_stream() -> None:
    with pytest.raises(DownloadError, match="truncated"):
        await read(b"")


async def test_an_empty_member_is_a_complete_file_without_lines() -> None:
    assert await read(gzip.compress(b"")) == []


@pytest.mark.parametrize("size", [1, 3, 100, 100_000])
async def test_concatenated_members_stay_valid_at_any_chunking(size: int) -> None:
    data = gzip.compress(b"\n".join(LINES[:80]) + b"\n") + gzip.compress(
        b"\n".join(LINES[80:]) + b"\n"
    )
    assert await read(data, size) == LINES


async def test_a_cut_inside_the_second_member_is_an_error() -> None:
    first = gzip.compress(b"\n".join(LINES[:80]) + b"\n")
    second = gzip.compress(b"\n".join(LINES[80:]) + b"\n")
    with pytest.raises(DownloadError, match="truncated"):
        await read(first + second[: len(second) // 2])
    with pytest.raises(DownloadError, match="truncated"):
        await read(first + second[:5])  # inside the header


async def test_a_last_line_without_newline_is_still_delivered() -> None:
    assert await read(gzip.compress(b'{"a":1}\n{"b":2}')) == [b'{"a":1}', b'{"b":2}']


async def test_output_held_back_by_the_step_bound_is_not_mistaken_for_a_cut() -> None:
    """A highly compressed member whose last input byte leaves more than one bounded
    step of output inside zlib: it must be drained, and the stream seen to end."""
    body = (b"a" * 1000 + b"\n") * 2000  # 2 MB of output from a few KB of input
    data = gzip.compress(body)
    got = await read(data, len(data))
    assert len(got) == 2000
    assert all(line == b"a" * 1000 for line in got)


def test_the_trailer_layout_the_tests_rely_on() -> None:
    data = gzip.compress(BODY)
    crc, size = struct.unpack("<II", data[-8:])
    assert crc == zlib.crc32(BODY)
    assert size == len(BODY)


async def test_events_of_a_request_whose_file_is_truncated_end_in_a_download_error(
    emulator: Emulator,
) -> None:
    async with emulator.api() as api:
        enterprise = api.enterprise(emulator.enterprise_id)
        created = await enterprise.create_audit_log_request(emulator.world.now().date())
        done = await enterprise.wait_for_audit_log_request(created, poll=0.001, max_poll=0.001)
        [first, *_] = emulator.world.jobs.jobs[done.id].file_ids
        stored = emulator.files.files[first]
        emulator.files.put(first, stored.data[:-8], stored.content_type)  # no trailer
        with pytest.raises(DownloadError, match="truncated"):
            _ = [e async for e in enterprise.audit_log_request_events(done)]
