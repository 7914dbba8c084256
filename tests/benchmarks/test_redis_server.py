"""The ``redis-server`` the suite starts is stopped on every path, a failed start included."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest

from benchmarks import redis_server
from benchmarks.redis_server import RedisServer, running_redis


def _slow_binary(folder: Path) -> tuple[Path, Path]:
    """A stand-in for redis-server that never answers; it writes its pid first."""
    pid_file = folder / "pid"
    script = folder / "slow-redis-server"
    script.write_text(f'#!/bin/sh\necho $$ > "{pid_file}"\nexec sleep 600\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script, pid_file


def _gone(pid_file: Path) -> bool:
    pid = int(pid_file.read_text())
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _wait_for(pid_file: Path) -> None:
    # The shell writes its pid first thing; on a loaded machine that may come after
    # the short start timeout, so give the file a generous moment to appear.
    deadline = time.monotonic() + 30
    while not (pid_file.exists() and pid_file.read_text().strip()):
        if time.monotonic() > deadline:
            pytest.fail("the stand-in never started")
        time.sleep(0.01)


def test_a_start_that_times_out_stops_the_server(tmp_path: Path) -> None:
    script, pid_file = _slow_binary(tmp_path)
    server = RedisServer(tmp_path, str(script))
    with pytest.raises(RuntimeError, match="did not answer"):
        server.start(timeout=1.0)
    _wait_for(pid_file)
    assert server.process is not None
    assert server.process.poll() is not None  # stopped and reaped
    assert _gone(pid_file)


def test_running_redis_stops_a_server_that_failed_to_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script, pid_file = _slow_binary(tmp_path)
    monkeypatch.setattr(redis_server.shutil, "which", lambda name: str(script))
    with pytest.raises(RuntimeError, match="did not answer"), running_redis(start_timeout=1.0):
        pytest.fail("a server that never answered was handed out")
    _wait_for(pid_file)
    assert _gone(pid_file)
