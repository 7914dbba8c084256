"""Fixtures for the command-line tests: a small emulator shared by the invocations of
one test, and a runner that passes it to the tool."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest
from click.testing import CliRunner, Result

from airtable_enterprise.cli import cli
from airtable_enterprise.cli._session import EmulatorSpec
from airtable_enterprise.testing import Emulator, generate_enterprise

Invoke = Callable[..., Result]


@pytest.fixture
def emulator() -> Emulator:
    """A small enterprise (60 users, 600 events); new for each test."""
    return Emulator(generate_enterprise(seed=3, users=60, events=600))


@pytest.fixture
def invoke(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Invoke:
    """Run ``airtable-enterprise ARGS`` on ``emulator`` (no token in the environment)."""
    for name in ("AIRTABLE_TOKEN", "AIRTABLE_API_KEY", "AIRTABLE_ENTERPRISE_ID"):
        monkeypatch.delenv(name, raising=False)

    def run(args: Sequence[str], input: str | None = None, **kwargs: Any) -> Result:
        runner = CliRunner()
        return runner.invoke(
            cli, list(args), input=input, obj=EmulatorSpec(emulator=emulator), **kwargs
        )

    return run


class TtyRunner(CliRunner):
    """A :class:`CliRunner` whose stdout and stderr say they are a terminal
    (``isatty()`` is true; 100 columns), as an admin's shell would."""

    @contextlib.contextmanager
    def isolation(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        with super().isolation(*args, **kwargs) as streams:
            for stream in (sys.stdout, sys.stderr):
                stream.isatty = lambda: True  # type: ignore[method-assign]
            yield streams


@pytest.fixture
def invoke_tty(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Invoke:
    """:func:`invoke`, with stdout and stderr on a (pretend) 100-column terminal."""
    for name in ("AIRTABLE_TOKEN", "AIRTABLE_API_KEY", "AIRTABLE_ENTERPRISE_ID"):
        monkeypatch.delenv(name, raising=False)

    def run(args: Sequence[str], input: str | None = None, **kwargs: Any) -> Result:
        runner = TtyRunner(env={"COLUMNS": "100", "TERM": "xterm"})
        return runner.invoke(
            cli, list(args), input=input, obj=EmulatorSpec(emulator=emulator), **kwargs
        )

    return run
