"""Expected failures: one line on stderr, the documented exit code, no traceback, and
never the token."""

from __future__ import annotations

import socket
from collections.abc import Iterator, Sequence

import pytest
from click.testing import CliRunner, Result

from airtable_enterprise.cli import cli
from airtable_enterprise.cli._session import EmulatorSpec
from airtable_enterprise.testing import BackgroundServer, Emulator, generate_enterprise

TOKEN = "patCliTestSecret.0123456789abcdef0123456789abcdef"
WRONG = "patWrongSecret.fedcba9876543210fedcba9876543210"


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[BackgroundServer, Emulator]]:
    emulator = Emulator(generate_enterprise(seed=5, users=20, events=50), token=TOKEN)
    with BackgroundServer(emulator) as running:
        yield running, emulator


def invoke(args: Sequence[str], obj: object = None, **env: str) -> Result:
    runner = CliRunner(
        env={"AIRTABLE_TOKEN": None, "AIRTABLE_API_KEY": None, "AIRTABLE_ENTERPRISE_ID": None} | env
    )
    return runner.invoke(cli, list(args), obj=obj)


def assert_one_line(result: Result, code: int, *secrets: str) -> str:
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    for secret in (TOKEN, *secrets):
        assert secret not in result.output
    return lines[0]


def test_a_real_token_talks_to_the_endpoint(server: tuple[BackgroundServer, Emulator]) -> None:
    running, emulator = server
    result = invoke(
        ["--endpoint-url", running.url, "--enterprise", emulator.enterprise_id, "info"],
        AIRTABLE_TOKEN=TOKEN,
    )
    assert result.exit_code == 0, result.output
    assert emulator.enterprise_id in result.stdout
    assert "EMULATOR" not in result.stderr


def test_bad_token_exits_3(server: tuple[BackgroundServer, Emulator]) -> None:
    running, emulator = server
    args = ["--token", WRONG, "--endpoint-url", running.url, "--enterprise", emulator.enterprise_id]
    line = assert_one_line(invoke([*args, "info"]), 3, WRONG)
    assert "401" in line
    assert "--token" in line


def test_api_key_variable_is_accepted(server: tuple[BackgroundServer, Emulator]) -> None:
    running, emulator = server
    result = invoke(
        ["--endpoint-url", running.url, "info"],
        AIRTABLE_API_KEY=WRONG,
        AIRTABLE_ENTERPRISE_ID=emulator.enterprise_id,
    )
    assert_one_line(result, 3, WRONG)


def test_unknown_enterprise_is_permission_denied_exit_4(
    server: tuple[BackgroundServer, Emulator],
) -> None:
    running, _ = server
    result = invoke(
        [
            "--token",
            TOKEN,
            "--endpoint-url",
            running.url,
            "--enterprise",
            "entAAAAAAAAAAAAAA",
            "info",
        ]
    )
    line = assert_one_line(result, 4)
    assert "403" in line


def test_unreachable_endpoint_exits_6() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = invoke(
        [
            "--token",
            TOKEN,
            "--endpoint-url",
            f"http://127.0.0.1:{port}",
            "--enterprise",
            "entAAAAAAAAAAAAAA",
            "--max-attempts",
            "1",
            "info",
        ]
    )
    line = assert_one_line(result, 6)
    assert "--endpoint-url" in line


def test_rate_limit_exhausted_exits_7() -> None:
    emulator = Emulator(
        generate_enterprise(seed=5, users=250, events=10),
        rate_limit=1,
        rate_limit_penalty=120,
        retry_after_header=True,
    )
    result = invoke(["users", "export"], obj=EmulatorSpec(emulator=emulator))
    assert result.exit_code == 7, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1
    assert "429" in errors[0]


@pytest.mark.parametrize(
    "args",
    [
        ["users", "get", "not-an-id"],
        ["--enterprise", "entTooShort", "info"],
        ["groups", "show", "usrAAAAAAAAAAAAAA"],
        ["audit", "export", "--since", "yesterday-ish", "--out", "x.jsonl"],
        ["audit", "export"],
        ["users", "inactive", "--days", "-3"],
    ],
)
def test_bad_arguments_exit_2(args: list[str]) -> None:
    result = invoke(["--emulator", *args])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if "Error" in line]
    assert len(errors) == 1


def test_a_token_pasted_as_an_argument_is_not_echoed(
    server: tuple[BackgroundServer, Emulator],
) -> None:
    running, emulator = server
    result = invoke(
        [
            "--token",
            TOKEN,
            "--endpoint-url",
            running.url,
            "--enterprise",
            emulator.enterprise_id,
            "users",
            "get",
            TOKEN,
        ]
    )
    line = assert_one_line(result, 2)
    assert "***" in line


def test_help_never_shows_the_token() -> None:
    result = invoke(["--help"], AIRTABLE_TOKEN=TOKEN)
    assert result.exit_code == 0
    assert TOKEN not in result.output
    assert "AIRTABLE_TOKEN" in result.output
