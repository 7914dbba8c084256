"""The shared store of the rate limiter: a Redis or Valkey server, reached with coredis.

The client is coredis (>= 6), the one Python Redis client built on anyio: it runs on
asyncio and on trio, as the rest of the library does (redis-py's and valkey-py's async
clients are asyncio-only). It follows Redis Cluster redirects and speaks TLS. coredis 6
is structured: a client's connection pool lives inside ``async with client:``, so a
:class:`RedisStore` made from a URL is entered by ``async with AsyncApi(...)``; a client
passed in is the caller's to enter and close.

:class:`RedisStore` runs one Lua script per operation (``EVALSHA``, reloading it with
``SCRIPT LOAD`` after ``NOSCRIPT``: a restart, a failover or ``SCRIPT FLUSH``) within a
time limit, and turns every failure into :class:`StoreError`, which the limiter handles:
the store never raises into a user's call.
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import anyio

if TYPE_CHECKING:
    import coredis

__all__ = ["STORE_SCHEMES", "RedisStore", "StoreError", "StoreHealth", "key_prefix"]

logger = logging.getLogger("airtable_enterprise")

#: Probe a failed store after this many seconds, doubling up to the maximum.
PROBE_FIRST, PROBE_MAX = 1.0, 30.0

#: URL schemes accepted by ``AsyncApi(redis_url=...)``; ``valkey`` is the same protocol.
STORE_SCHEMES = {
    "redis": "redis",
    "rediss": "rediss",
    "valkey": "redis",
    "valkeys": "rediss",
    "unix": "unix",
}


class StoreError(Exception):
    """The store could not answer in time (refused, reset, timed out, misconfigured)."""


class StoreHealth:
    """Whether the store answers, shared by every limiter using it: one warning per
    outage, and one probe after 1 s, then 2, 4 ... up to 30 s, while it does not."""

    def __init__(self) -> None:
        self.down = False
        self.probe_at = -math.inf
        self._backoff = PROBE_FIRST

    def waiting(self, now: float) -> bool:
        """Down, and not yet time to probe again."""
        return self.down and now < self.probe_at

    def failed(self, now: float, reason: str, meanwhile: str) -> None:
        """A call failed at ``now``; ``meanwhile`` says what the limiters do instead."""
        if not self.down:
            self.down = True
            logger.warning("rate-limit store failed (%s): %s until it answers", reason, meanwhile)
        elif now >= self.probe_at:
            # A probe failed (not a call sent before the first failure was known).
            self._backoff = min(self._backoff * 2, PROBE_MAX)
        else:
            return
        self.probe_at = now + self._backoff

    def answered(self) -> None:
        """A call succeeded."""
        if self.down:
            self.down = False
            self._backoff = PROBE_FIRST
            logger.warning("rate-limit store answers again: the limit is shared again")


def key_prefix(token: str) -> str:
    """The prefix of every key of one token: a hash of the token, never the token.

    The ``{...}`` is a Redis Cluster hash tag: every key of a token lands in one slot,
    so each script may touch them all.
    """
    digest = hashlib.sha256(b"airtable-enterprise/ratelimit\0" + token.encode()).hexdigest()
    return f"airtable-enterprise:{{{digest[:32]}}}"


def check_store_url(url: object) -> str:
    """``url`` with ``valkey(s)://`` spelled as coredis knows it; ``ValueError`` if unusable."""
    if not isinstance(url, str) or "://" not in url:
        raise ValueError("must be a URL such as redis://host:6379/0")
    scheme, rest = url.split("://", 1)
    known = STORE_SCHEMES.get(scheme.lower())
    if known is None:
        raise ValueError(f"scheme must be one of {', '.join(sorted(STORE_SCHEMES))}")
    return f"{known}://{rest}"


class RedisStore:
    """Runs the limiter's scripts on one Redis/Valkey server or cluster.

    Make it with :meth:`from_url` (owned: entered and closed with the ``AsyncApi``) or
    around an already-open coredis client (borrowed: never entered or closed here).
    ``timeout`` bounds each script call: a slower answer counts as a failure.
    """

    def __init__(
        self, client: coredis.Redis[bytes] | Any, *, owned: bool = False, timeout: float = 0.5
    ) -> None:
        if not (isinstance(timeout, int | float) and timeout > 0 and math.isfinite(timeout)):
            raise ValueError("timeout must be a positive number of seconds")
        if not callable(getattr(client, "register_script", None)):
            raise TypeError("must be a coredis client (coredis.Redis or coredis.RedisCluster)")
        self._client = client
        self._owned = owned
        self._entered = False
        self.timeout = float(timeout)
        self.health = StoreHealth()
        self._scripts: dict[str, Any] = {}

    @classmethod
    def from_url(cls, url: str, *, timeout: float = 0.5) -> RedisStore:
        """A store for ``url`` (``redis://``, ``rediss://``, ``valkey://``, ``unix://``).

        Raises ``ValueError`` for a bad URL, ``ImportError`` without the ``redis`` extra.
        """
        checked = check_store_url(url)
        try:
            import coredis
        except ImportError:
            raise ImportError(
                'redis_url needs coredis: pip install "airtable-enterprise[redis]"'
            ) from None
        client = coredis.Redis.from_url(
            checked, connect_timeout=timeout, stream_timeout=timeout, decode_responses=False
        )
        return cls(client, owned=True, timeout=timeout)

    def __repr__(self) -> str:
        # The client's repr names its host, never its password; ours names neither.
        return f"<RedisStore owned={self._owned}>"

    async def __aenter__(self) -> Self:
        if self._owned and not self._entered:
            # Connects nothing yet: a store that is down is reported by each script call.
            await self._client.__aenter__()
            self._entered = True
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connections of an owned client (a borrowed one is left open)."""
        if self._owned and self._entered:
            self._entered = False
            await self._client.__aexit__(None, None, None)

    async def run(self, source: str, keys: Sequence[str], args: Sequence[str | float]) -> Any:
        """Run the Lua ``source`` atomically on the server; its reply, decoded."""
        if self._owned and not self._entered:
            # coredis 6 keeps its pool in a task group, entered and left by one task.
            raise StoreError("redis_url needs `async with AsyncApi(...)` to open the store")
        script = self._scripts.get(source)
        if script is None:
            # coredis's Script sends EVALSHA and, on NOSCRIPT, SCRIPT LOAD then EVALSHA.
            script = self._scripts[source] = self._client.register_script(source)
        try:
            with anyio.fail_after(self.timeout):
                reply = await script(keys=list(keys), args=[str(arg) for arg in args])
        except TimeoutError:
            raise StoreError(f"no answer within {self.timeout:g} s") from None
        except anyio.get_cancelled_exc_class():
            raise
        except Exception as exc:
            raise StoreError(f"{type(exc).__name__}: {exc}") from None
        return _decode(reply)


def _decode(reply: Any) -> Any:
    if isinstance(reply, bytes):
        return reply.decode()
    if isinstance(reply, list | tuple):
        return [_decode(item) for item in reply]
    return reply
