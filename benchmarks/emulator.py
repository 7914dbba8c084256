"""The emulator server in its own process, on a free loopback port.

A separate process (not a thread) so that the server's CPU never shares the GIL
with the client being measured.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import httpx

__all__ = ["ENTERPRISE_ID", "TOKEN", "EmulatorError", "EmulatorSpec", "Server", "running"]

#: Credentials of the emulated enterprise (not secrets: they exist only in the emulator).
TOKEN = "patBenchmark.loopbackonly"
ENTERPRISE_ID = "entBenchBench0001"

_MODULE = "airtable_enterprise.testing"


class EmulatorError(RuntimeError):
    """The emulator did not start, or died while serving."""


@dataclass(frozen=True)
class EmulatorSpec:
    """The world the emulator generates and how it serves it."""

    users: int = 100
    events: int = 0
    latency_ms: float = 0.0
    rps: float = 50.0
    penalty_s: float = 30.0
    seed: int = 7


@dataclass(frozen=True)
class Server:
    """A running emulator: where it listens and what it was told."""

    url: str
    spec: EmulatorSpec
    token: str = TOKEN
    enterprise_id: str = ENTERPRISE_ID
    notes: tuple[str, ...] = field(default=())


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@cache
def serve_options() -> frozenset[str]:
    """The ``--options`` the installed emulator's ``serve`` command accepts."""
    done = subprocess.run(
        [sys.executable, "-m", _MODULE, "serve", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0:
        raise EmulatorError(f"`python -m {_MODULE} serve --help` failed:\n{done.stderr[-2000:]}")
    words = done.stdout.replace(",", " ").replace("=", " ").split()
    return frozenset(word for word in words if word.startswith("--"))


def command(spec: EmulatorSpec, port: int) -> tuple[list[str], list[str]]:
    """The ``serve`` command line for ``spec``, and notes on knobs the CLI lacks."""
    argv = [
        sys.executable,
        "-m",
        _MODULE,
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--token",
        TOKEN,
        "--enterprise-id",
        ENTERPRISE_ID,
        "--users",
        str(spec.users),
        "--events",
        str(spec.events),
        "--seed",
        str(spec.seed),
        "--latency-ms",
        f"{spec.latency_ms:g}",
        "--rps",
        f"{spec.rps:g}",
    ]
    notes: list[str] = []
    known = serve_options()
    for option in ("--penalty-s", "--penalty", "--rate-limit-penalty"):
        if option in known:
            argv += [option, f"{spec.penalty_s:g}"]
            break
    else:
        if spec.penalty_s != 30.0:
            notes.append(
                f"the emulator CLI has no penalty option: the 30 s default applies, "
                f"not {spec.penalty_s:g} s"
            )
    return argv, notes


def _wait_until_ready(
    url: str, process: subprocess.Popen[bytes], log: Path, timeout: float
) -> None:
    """Poll ``GET /v0/meta/enterpriseAccounts/{ent}`` until the server answers.

    10 probes a second at most, below any limit the benchmarks set, so the probes
    cannot trip the emulated rate limit.
    """
    deadline = time.monotonic() + timeout
    headers = {"Authorization": f"Bearer {TOKEN}"}
    probe = f"{url}/v0/meta/enterpriseAccounts/{ENTERPRISE_ID}"
    while True:
        if process.poll() is not None:
            raise EmulatorError(f"the emulator exited with {process.returncode}:\n{_tail(log)}")
        try:
            response = httpx.get(probe, headers=headers, timeout=5.0)
        except httpx.TransportError:
            pass
        else:
            if response.status_code == 200:
                return
            if response.status_code != 429:
                raise EmulatorError(
                    f"the emulator answered {response.status_code} to {probe}: "
                    f"{response.text[:500]}"
                )
        if time.monotonic() > deadline:
            raise EmulatorError(f"the emulator did not answer within {timeout:g} s:\n{_tail(log)}")
        time.sleep(0.1)


def _tail(log: Path, size: int = 3000) -> str:
    try:
        return log.read_text(errors="replace")[-size:]
    except OSError:
        return "(no log)"


@contextmanager
def running(spec: EmulatorSpec, *, ready_timeout: float = 600.0) -> Iterator[Server]:
    """Start the emulator for ``spec``, wait until it answers, stop it afterwards.

    The caller waits a second before measuring (see :func:`benchmarks.workloads._run`),
    so that the readiness probes have left the emulator's 1-second rate-limit window.
    """
    port = free_port()
    argv, notes = command(spec, port)
    with tempfile.TemporaryDirectory(prefix="bench-emulator-") as scratch:
        log = Path(scratch) / "emulator.log"
        with log.open("wb") as sink:
            process = subprocess.Popen(
                argv,
                stdout=sink,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
            try:
                url = f"http://127.0.0.1:{port}"
                _wait_until_ready(url, process, log, ready_timeout)
                yield Server(url=url, spec=spec, notes=tuple(notes))
                if process.poll() is not None:
                    raise EmulatorError(f"the emulator died while serving:\n{_tail(log)}")
            finally:
                _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def describe(argv: Sequence[str]) -> str:
    """A command line as shown in RESULTS.md (interpreter path shortened)."""
    return " ".join(["python", *argv[1:]])
