"""Fixtures of the reliability tests: the emulator served over loopback sockets."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from airtable_enterprise.testing import BackgroundServer, Emulator, generate_enterprise


@pytest.fixture
def emulator() -> Emulator:
    """A small deterministic enterprise (seed 11: 40 users, no audit events)."""
    return Emulator(generate_enterprise(seed=11, users=40, events=0))


@pytest.fixture
def server(emulator: Emulator) -> Iterator[BackgroundServer]:
    """``emulator`` behind uvicorn on 127.0.0.1 (a free port), for the test's duration."""
    with BackgroundServer(emulator) as running:
        yield running
