"""Fixtures of the pyairtable fidelity tests: pyairtable 3.5, unchanged, against a
loopback emulator (one per test module)."""

from __future__ import annotations

from collections.abc import Iterator

import pyairtable
import pytest
from pyairtable.api.enterprise import Enterprise as PyEnterprise

from airtable_enterprise.testing import Emulator, generate_enterprise
from airtable_enterprise.testing.server import BackgroundServer


@pytest.fixture(scope="module")
def emulator() -> Emulator:
    return Emulator(generate_enterprise(seed=11, users=80, events=100, descendants=1))


@pytest.fixture(scope="module")
def server(emulator: Emulator) -> Iterator[BackgroundServer]:
    with BackgroundServer(emulator) as running:
        yield running


@pytest.fixture(scope="module")
def api(emulator: Emulator, server: BackgroundServer) -> pyairtable.Api:
    return pyairtable.Api(emulator.token, endpoint_url=server.url)


@pytest.fixture(scope="module")
def enterprise(api: pyairtable.Api, emulator: Emulator) -> PyEnterprise:
    return api.enterprise(emulator.enterprise_id)
