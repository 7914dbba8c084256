"""``audit export --out -``: JSON Lines on stdout, no checkpoint; a closed pipe is a
quiet end, not a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from airtable_enterprise.testing import Emulator

from .conftest import Invoke


def test_export_to_dash_streams_json_lines_to_stdout(
    invoke: Invoke, emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke(["audit", "export", "--since", "200d", "--out", "-"])
    assert result.exit_code == 0, result.output
    ids = [json.loads(line)["id"] for line in result.stdout.splitlines()]
    assert len(ids) == len(set(ids)) == len(emulator.world.audit)
    # Nothing written beside it (CI's coverage hook may leave its own data file).
    assert [
        p for p in tmp_path.iterdir() if not p.name.startswith(".coverage")
    ] == []  # no file named "-", no checkpoint


def test_export_to_dash_on_a_terminal_is_still_json_lines(
    invoke_tty: Invoke, emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke_tty(["audit", "export", "--since", "200d", "--out", "-", "-f", "csv"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("timestamp,action,")
    assert len(lines) == 1 + len(emulator.world.audit)


def test_a_stream_cannot_be_resumed(invoke: Invoke) -> None:
    result = invoke(["audit", "export", "--out", "-", "--resume"])
    assert result.exit_code == 2
    assert "--resume" in result.stderr


@pytest.mark.parametrize("out", ["-", "/dev/stdout"])
def test_a_reader_that_stops_early_ends_the_export_quietly(out: str, tmp_path: Path) -> None:
    if out == "/dev/stdout" and not Path(out).exists():
        pytest.skip("no /dev/stdout here")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRTABLE_")}
    argv = [sys.executable, "-m", "airtable_enterprise", "--emulator", "audit", "export"]
    with subprocess.Popen(
        [*argv, "--since", "180d", "--out", out],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env=env,
    ) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        first = process.stdout.readline()  # like `| head -1`
        process.stdout.close()
        errors = process.stderr.read().decode()
        status = process.wait(timeout=120)
    assert json.loads(first)["id"]
    assert status == 0, errors
    assert "Traceback" not in errors
    assert "Exception ignored" not in errors
    assert "Errno" not in errors
    # Nothing written beside it (CI's coverage hook may leave its own data file).
    assert [p for p in tmp_path.iterdir() if not p.name.startswith(".coverage")] == []
