"""Streaming commands against `emulator serve`-style loopback servers, read by a reader
that stops early (`| head -1`): they end quietly with exit 0 (issue 17 point 4, for the
streams of issues 14 and 15), and the file host never sees the token."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator

import anyio
import pytest

from airtable_enterprise import AsyncApi
from airtable_enterprise.testing import BackgroundServer, Emulator, generate_enterprise

from ..helpers import last_full_month


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, Emulator]]:
    world = generate_enterprise(seed=6, users=60, events=3000)
    emulator = Emulator(world, token="patServed.secret", job_duration=0.0)
    with BackgroundServer(emulator) as server:
        yield server.url, emulator


def _request(url: str, emulator: Emulator) -> str:
    async def main() -> str:
        async with AsyncApi(emulator.token, endpoint_url=url) as api:
            enterprise = api.enterprise(emulator.enterprise_id)
            period = last_full_month(emulator.world.now())
            request = await enterprise.create_audit_log_request(period)
            return (await enterprise.wait_for_audit_log_request(request, poll=0.01)).id

    return anyio.run(main)


def _head_1(url: str, emulator: Emulator, args: list[str]) -> tuple[str, int, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRTABLE_")}
    env["AIRTABLE_TOKEN"] = emulator.token
    argv = [sys.executable, "-m", "airtable_enterprise", "--endpoint-url", url]
    argv += ["--enterprise", emulator.enterprise_id, *args]
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) as proc:
        assert proc.stdout is not None
        assert proc.stderr is not None
        first = proc.stdout.readline().decode()
        proc.stdout.close()
        errors = proc.stderr.read().decode()
        return first, proc.wait(timeout=120), errors


@pytest.mark.parametrize(
    "args",
    [
        ["audit", "requests", "events", "REQUEST"],
        ["scim", "users", "list"],
        ["changes", "tail", "--since", "14d", "--poll-interval", "0.05"],
    ],
    ids=["audit-requests-events", "scim-users-list", "changes-tail"],
)
def test_a_reader_that_stops_early_ends_the_stream_quietly(
    served: tuple[str, Emulator], args: list[str]
) -> None:
    url, emulator = served
    if "REQUEST" in args:
        args = [a.replace("REQUEST", _request(url, emulator)) for a in args]
    first, status, errors = _head_1(url, emulator, args)
    assert json.loads(first)
    assert status == 0, errors
    assert "Traceback" not in errors
    assert "Exception ignored" not in errors
    assert "error occurred" not in errors
    assert emulator.files.stats.authorization_rejected == 0
