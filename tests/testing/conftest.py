"""Fixtures of the emulator's own tests (the pytest plugin adds ``airtable_emulator``)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from airtable_enterprise.testing import Emulator, generate_enterprise

FIXTURES = Path(__file__).parent.parent / "fixtures"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def fixture(name: str) -> Any:
    """A JSON payload copied from the API reference's fixtures."""
    return json.loads((FIXTURES / name).read_text())


class Clock:
    """A settable clock for the world: ``advance()`` moves it forward."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def emulator(clock: Clock) -> Emulator:
    """A small deterministic enterprise on a fixed clock."""
    return Emulator(generate_enterprise(seed=7, users=60, events=300, clock=clock))


@pytest.fixture
async def client(emulator: Emulator) -> AsyncIterator[httpx.AsyncClient]:
    """Raw HTTP to the emulator, authenticated with its token."""
    async with httpx.AsyncClient(
        transport=emulator.transport(),
        base_url="http://emulator.localhost",
        headers={"Authorization": f"Bearer {emulator.token}"},
    ) as http:
        yield http


def ent_path(emulator: Emulator, suffix: str = "") -> str:
    return f"/v0/meta/enterpriseAccounts/{emulator.enterprise_id}{suffix}"
