"""Fixtures of the SCIM tests: an emulator with a fixed clock, raw HTTP to it, and an
AsyncApi on it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest

from airtable_enterprise import AsyncApi
from airtable_enterprise.testing import Emulator, generate_enterprise

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def emulator() -> Emulator:
    """A small deterministic enterprise (40 users) on a fixed clock."""
    return Emulator(generate_enterprise(seed=11, users=40, events=0, clock=lambda: NOW))


@pytest.fixture
def domain(emulator: Emulator) -> str:
    """An email domain of the enterprise."""
    return next(iter(emulator.world.root.email_domains))


@pytest.fixture
async def client(emulator: Emulator) -> AsyncIterator[httpx.AsyncClient]:
    """Raw HTTP to the emulator, as any SCIM client would send it."""
    async with httpx.AsyncClient(
        transport=emulator.transport(),
        base_url="http://emulator.localhost/scim/v2",
        headers={"Authorization": f"Bearer {emulator.token}"},
    ) as http:
        yield http


@pytest.fixture
async def api(emulator: Emulator) -> AsyncIterator[AsyncApi]:
    async with emulator.api() as client:
        yield client
