"""Sessions on the built-in emulator (``--emulator``): in-process, no network."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from ._session import Session, Settings

__all__ = ["emulated_session"]


@asynccontextmanager
async def emulated_session(settings: Settings) -> AsyncIterator[Session]:
    """A session on ``settings.emulator_spec``'s emulator (made from the spec unless it
    carries one), through the in-process transport."""
    from ..testing import Emulator, generate_enterprise

    spec = settings.emulator_spec
    emulator = spec.emulator
    if emulator is None:
        world = generate_enterprise(seed=spec.seed, users=spec.users, events=spec.events)
        emulator = Emulator(world)
    async with emulator.api(**settings.api_options()) as api:
        yield Session(
            api=api,
            enterprise_id=settings.enterprise_id or emulator.enterprise_id,
            emulated=True,
        )
