"""pytest fixtures for code that uses airtable-enterprise (registered as a ``pytest11``
entry point, so installing the package is enough).

- ``airtable_emulator``: an :class:`~airtable_enterprise.testing.Emulator` on a small
  deterministic enterprise (seed 1: 50 users, 500 audit events), new for each test.
- ``airtable_api``: an :class:`~airtable_enterprise.AsyncApi` connected to it in-process
  (a sync fixture: it works under anyio, pytest-asyncio and trio tests alike).
- ``make_user``, ``make_group``, ``make_event``: factories adding to that emulator.

starlette and uvicorn are imported inside the fixtures only, so pytest starts normally
where the ``testing`` extra is not installed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ..api import AsyncApi
    from .emulator import Emulator
    from .world.state import Group, User


@pytest.fixture
def airtable_emulator() -> Emulator:
    """A fresh emulator on ``generate_enterprise(seed=1, users=50, events=500)``."""
    from .emulator import Emulator
    from .generate.enterprise import generate_enterprise

    return Emulator(generate_enterprise(seed=1, users=50, events=500))


@pytest.fixture
def airtable_api(airtable_emulator: Emulator) -> AsyncApi:
    """An ``AsyncApi`` talking to ``airtable_emulator`` in-process (no sockets).

    Its rate-limit cooldown after a 429 is shortened to 0.1 s so tests stay fast.
    """
    # In-process, the client holds no sockets: nothing to close after the test.
    return airtable_emulator.api(rate_limit_cooldown=0.1)


@pytest.fixture
def make_user(airtable_emulator: Emulator) -> Callable[..., User]:
    """``make_user(email=None, *, external=False, admin=False, state="provisioned", ...)``."""
    return airtable_emulator.make_user


@pytest.fixture
def make_group(airtable_emulator: Emulator) -> Callable[..., Group]:
    """``make_group(name=None, *, members=(), managers=())``."""
    return airtable_emulator.make_group


@pytest.fixture
def make_event(airtable_emulator: Emulator) -> Callable[..., dict[str, Any]]:
    """``make_event(action="viewBase", *, actor=None, timestamp=None, ...)``."""
    return airtable_emulator.make_event
