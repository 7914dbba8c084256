"""The command-line tool never prints the token, on success or failure, over loopback
with faults injected (429s, 5xx, dropped and malformed answers)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from airtable_enterprise.cli import cli
from airtable_enterprise.testing import (
    BackgroundServer,
    DropConnection,
    Emulator,
    MalformedBody,
    StatusFault,
    generate_enterprise,
)

TOKEN = "patCliReliabilitySecret.5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b"
WRONG = "patCliWrongSecret.0f1e2d3c4b5a69788796a5b4c3d2e1f0"


@pytest.fixture
def served() -> Iterator[tuple[BackgroundServer, Emulator]]:
    emulator = Emulator(generate_enterprise(seed=9, users=25, events=80), token=TOKEN)
    with BackgroundServer(emulator) as server:
        yield server, emulator


def test_cli_output_and_logs_never_show_the_token(
    served: tuple[BackgroundServer, Emulator], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server, emulator = served
    ent = emulator.enterprise_id
    faults = emulator.faults
    faults.add(r"/users$", StatusFault(429, retry_after=0.01), StatusFault(503), method="GET")
    faults.add(r"/auditLogEvents$", DropConnection(), StatusFault(502), method="GET")
    world = emulator.world
    user = next(
        u.id for u in world.users.values() if world.is_internal(u) and u.id != emulator.admin_id
    )
    runner = CliRunner(env={"AIRTABLE_TOKEN": None, "AIRTABLE_API_KEY": None})
    common = ["--endpoint-url", server.url, "--enterprise", ent, "--max-attempts", "3"]
    runs = [
        (["--token", TOKEN, *common, "info"], {}),
        ([*common, "users", "get", user], {"AIRTABLE_TOKEN": TOKEN}),
        (["--token", TOKEN, *common, "users", "export"], {}),
        (["--token", TOKEN, *common, "audit", "export", "-o", str(tmp_path / "log.jsonl")], {}),
        (["--token", TOKEN, *common, "users", "offboard", user, "--dry-run"], {}),
        (["--token", WRONG, *common, "info"], {}),  # 401
        (["--token", TOKEN, *common, "users", "get", TOKEN], {}),  # pasted as an argument
    ]
    outputs = []
    codes = []
    for args, env in runs:
        result = runner.invoke(cli, args, env=env)
        codes.append(result.exit_code)
        outputs += [result.output, repr(result.exception)]
    faults.add(r".*", MalformedBody(), method="GET", repeat=True)
    result = runner.invoke(cli, ["--token", TOKEN, *common, "info"])
    codes.append(result.exit_code)
    outputs += [result.output, repr(result.exception)]
    assert codes[:5] == [0, 0, 0, 0, 0], outputs
    assert codes[5] == 3  # bad token
    assert codes[6] == 2  # bad argument
    assert codes[7] not in (0, 2)
    outputs += [record.getMessage() for record in caplog.records]
    for text in outputs:
        for secret in (TOKEN, WRONG, "CliReliabilitySecret", "CliWrongSecret"):
            assert secret not in text
