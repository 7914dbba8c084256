"""What a command talks to: Airtable with a token, or the built-in emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import attrs

from .._core.retry import RetryPolicy
from ..api import AsyncApi
from ..enterprise import Enterprise
from ._errors import EXIT_USAGE, CliError

if TYPE_CHECKING:
    from ..testing import Emulator

__all__ = ["EmulatorSpec", "Session", "Settings", "open_session"]

DEFAULT_ENDPOINT_URL = "https://api.airtable.com"


@attrs.frozen(kw_only=True)
class EmulatorSpec:
    """The synthetic enterprise of ``--emulator``: generated from these numbers, or
    ``emulator`` itself when given (tests share one between invocations)."""

    users: int = 400
    events: int = 4000
    seed: int = 1
    emulator: Emulator | None = None


@attrs.frozen(kw_only=True)
class Settings:
    """The global options, resolved: only ``--emulator`` means the emulator; without it
    a command needs a token (no token is an error, never a silent switch to fake data)."""

    token: str | None = attrs.field(default=None, repr=False)
    enterprise_id: str | None = None
    endpoint_url: str = DEFAULT_ENDPOINT_URL
    rps: float = 50.0
    max_attempts: int = RetryPolicy().max_attempts
    emulator: bool = False
    emulator_spec: EmulatorSpec = EmulatorSpec()
    redis_url: str | None = attrs.field(default=None, repr=False)  # may hold a password

    def api_options(self) -> dict[str, Any]:
        """The :class:`AsyncApi` options these settings choose."""
        retry = attrs.evolve(RetryPolicy(), max_attempts=self.max_attempts)
        options: dict[str, Any] = {"requests_per_second": self.rps, "retry": retry}
        if self.redis_url:
            options["redis_url"] = self.redis_url
        return options

    @property
    def emulated(self) -> bool:
        """Whether commands run against the in-process emulator."""
        return self.emulator


@attrs.frozen(kw_only=True)
class Session:
    """A connected :class:`AsyncApi` and the enterprise the commands act on."""

    api: AsyncApi
    enterprise_id: str | None
    emulated: bool

    def enterprise(self) -> Enterprise:
        """The ``--enterprise`` handle; a usage error when none was given."""
        if self.enterprise_id is None:
            raise CliError(
                "no enterprise account: pass --enterprise or set AIRTABLE_ENTERPRISE_ID",
                EXIT_USAGE,
            )
        return self.api.enterprise(self.enterprise_id)


@asynccontextmanager
async def open_session(settings: Settings) -> AsyncIterator[Session]:
    """Connect as ``settings`` say; the API client is closed on exit."""
    if settings.emulated:
        from ._emulated import emulated_session

        async with emulated_session(settings) as session:
            yield session
        return
    assert settings.token is not None
    api = AsyncApi(settings.token, endpoint_url=settings.endpoint_url, **settings.api_options())
    async with api:
        yield Session(api=api, enterprise_id=settings.enterprise_id, emulated=False)
