"""A real ``redis-server`` in its own process, on a free loopback port, in a temp dir.

Used by the scale-out benchmark and by the tests of the shared rate limiter. The
server is Debian's ``redis-server`` package (``.ci/run`` installs it); nothing is
written to disk (no RDB, no AOF) and the process is stopped afterwards.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["RedisServer", "RedisServerMissing", "running_redis"]


class RedisServerMissing(RuntimeError):
    """No ``redis-server`` on PATH (``apt-get install redis-server``)."""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisServer:
    """One ``redis-server`` process; :meth:`kill` and :meth:`start` again on the same port."""

    def __init__(self, directory: Path, executable: str, extra_args: tuple[str, ...] = ()) -> None:
        self.directory = directory
        self.executable = executable
        self.extra_args = extra_args
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """``redis://127.0.0.1:<port>/0``."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 30.0) -> None:
        """Start the server and wait until it accepts connections.

        On every path that does not return (no answer within ``timeout``, an exit, an
        interrupt), the process started here is stopped before the error propagates.
        """
        argv = [
            self.executable,
            "--bind", "127.0.0.1",
            "--port", str(self.port),
            "--dir", str(self.directory),
            "--save", "",
            "--appendonly", "no",
            "--protected-mode", "no",
            *self.extra_args,
        ]  # fmt: skip
        with (self.directory / "redis.log").open("ab") as log:
            self.process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        try:
            self._wait_ready(timeout)
        except BaseException:
            self.kill()
            raise

    def _wait_ready(self, timeout: float) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(64).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not answer within {timeout:g} s")
            time.sleep(0.05)

    def command(self, *words: str) -> bytes:
        """Send one command (inline protocol) and return the first line of the answer."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
            sock.sendall(" ".join(words).encode() + b"\r\n")
            return sock.recv(65536)

    def kill(self) -> None:
        """SIGKILL the server (as a crash would)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
        if self.process is not None:
            self.process.wait(timeout=10)

    def stop(self) -> None:
        """Stop the server."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


@contextmanager
def running_redis(start_timeout: float = 30.0) -> Iterator[RedisServer]:
    """A started ``redis-server``, stopped afterwards (also when it fails to start);
    :class:`RedisServerMissing` if none."""
    executable = shutil.which("redis-server")
    if executable is None:
        raise RedisServerMissing("redis-server is not installed (apt-get install redis-server)")
    with tempfile.TemporaryDirectory(prefix="airtable-redis-") as scratch:
        server = RedisServer(Path(scratch), executable)
        try:
            server.start(start_timeout)
            yield server
        finally:
            server.stop()
