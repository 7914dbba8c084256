"""No token never means fake data: the emulator runs only when asked for."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from airtable_enterprise.cli import cli

from .conftest import TtyRunner

ENV = {"AIRTABLE_TOKEN": None, "AIRTABLE_API_KEY": None, "AIRTABLE_ENTERPRISE_ID": None}


def run(args: list[str], *, tty: bool) -> Result:
    runner = TtyRunner(env=ENV) if tty else CliRunner(env=ENV)
    return runner.invoke(cli, args)


@pytest.mark.parametrize("tty", [False, True], ids=["piped", "terminal"])
@pytest.mark.parametrize(
    "global_args",
    [
        [],
        ["--enterprise", "entAAAAAAAAAAAAAA"],
        ["--endpoint-url", "http://127.0.0.1:9", "--enterprise", "entAAAAAAAAAAAAAA"],
    ],
)
def test_no_token_is_an_error_naming_the_token_option(
    global_args: list[str], tty: bool, tmp_path: Path
) -> None:
    report = tmp_path / "report.csv"
    result = run([*global_args, "users", "inactive", "--out", str(report)], tty=tty)
    assert result.exit_code == 3, result.output
    assert "Traceback" not in result.output
    [line] = result.stderr.strip().splitlines()
    assert "--token" in line
    assert "AIRTABLE_TOKEN" in line
    assert "EMULATOR" not in result.output
    assert result.stdout == ""
    assert not report.exists()


@pytest.mark.parametrize("tty", [False, True], ids=["piped", "terminal"])
def test_the_emulator_runs_when_asked_for_and_says_so(tty: bool) -> None:
    result = run(["--emulator", "info", "--format", "json"], tty=tty)
    assert result.exit_code == 0, result.output
    assert "EMULATOR" in result.stderr
    assert json.loads(result.stdout)["id"].startswith("ent")


def test_a_token_from_the_environment_is_not_the_emulator() -> None:
    runner = CliRunner(env={**ENV, "AIRTABLE_TOKEN": "patX.y"})
    result = runner.invoke(
        cli, ["--endpoint-url", "http://127.0.0.1:9", "--max-attempts", "1", "info"]
    )
    assert "EMULATOR" not in result.output
    assert result.exit_code == 2  # no --enterprise: asked for before any request
