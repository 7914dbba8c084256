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

import contextlib
import hashlib
import logging
import math
import uuid
from collections.abc import Callable, Coroutine, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import anyio
import anyio.abc

from ..errors import InvalidInputError

if TYPE_CHECKING:
    import coredis

__all__ = ["STORE_SCHEMES", "RedisStore", "StoreError", "StoreHealth", "key_prefix", "open_store"]

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
        #: Outages so far (a limiter makes its local fallback afresh for each one).
        self.outages = 0
        #: When the store answered again after the latest outage.
        self.back_at = -math.inf
        self._backoff = PROBE_FIRST

    def waiting(self, now: float) -> bool:
        """Down, and not yet time to probe again."""
        return self.down and now < self.probe_at

    def failed(self, now: float, reason: str, meanwhile: str) -> None:
        """A call failed at ``now``; ``meanwhile`` says what the limiters do instead."""
        if not self.down:
            self.down = True
            self.outages += 1
            logger.warning("rate-limit store failed (%s): %s until it answers", reason, meanwhile)
        elif now >= self.probe_at:
            # A probe failed (not a call sent before the first failure was known).
            self._backoff = min(self._backoff * 2, PROBE_MAX)
        else:
            return
        self.probe_at = now + self._backoff

    def answered(self, now: float) -> None:
        """A call succeeded at ``now``."""
        if self.down:
            self.down = False
            self.back_at = now
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

    An owned store finds out by itself whether its URL names a Redis Cluster node: its
    first call asks the node (``INFO cluster``), and any ``MOVED`` answer asks again;
    a cluster node turns the store into a ``coredis.RedisCluster`` client on the same
    URL, which follows the cluster's slots through failovers.
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
        self.timeout = float(timeout)
        self.health = StoreHealth()
        #: Which process this is, in the store's register of live processes (see
        #: :mod:`~airtable_enterprise.ratelimit.lua`): random, nothing about the host.
        self.member = uuid.uuid4().hex
        self._scripts: dict[str, Any] = {}
        self._url = ""  # an owned store's URL, to reconnect to a cluster (never shown)
        #: Whether the server is known to be a plain server (False) or a cluster node
        #: (True); None until an owned store has asked it.
        self.cluster: bool | None = None if owned else False
        self._holder: _ClientHolder | None = None
        self._asking = anyio.Lock()

    @classmethod
    def from_url(cls, url: str, *, timeout: float = 0.5) -> RedisStore:
        """A store for ``url`` (``redis://``, ``rediss://``, ``valkey://``, ``unix://``);
        a Redis Cluster node's URL gives a cluster store.

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
        store = cls(client, owned=True, timeout=timeout)
        store._url = checked
        return store

    def __repr__(self) -> str:
        # The client's repr names its host, never its password; ours names neither.
        return f"<RedisStore owned={self._owned}>"

    async def __aenter__(self) -> Self:
        if self._owned and self._holder is None:
            # Connects nothing yet: a store that is down is reported by each script call.
            holder = _ClientHolder(self._client, self._cluster_client)
            await holder.open()
            self._holder = holder
            # Ask the node what it is now, in the background: the first call finds the
            # answer ready (or waits for it), instead of paying that round trip itself.
            holder.start_soon(self._ask_quietly)
        return self

    async def _ask_quietly(self) -> None:
        with contextlib.suppress(StoreError):  # down: the first call asks again
            await self._ask_cluster()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connections of an owned client (a borrowed one is left open)."""
        holder, self._holder = self._holder, None
        if holder is not None:
            await holder.close()

    def _cluster_client(self) -> Any:
        import coredis

        return coredis.RedisCluster.from_url(
            self._url,
            connect_timeout=self.timeout,
            stream_timeout=self.timeout,
            decode_responses=False,
        )

    async def run(self, source: str, keys: Sequence[str], args: Sequence[str | float]) -> Any:
        """Run the Lua ``source`` atomically on the server; its reply, decoded."""
        if self._owned and self._holder is None:
            # coredis 6 keeps its pool in a task group, entered and left by one task.
            raise StoreError("redis_url needs `async with AsyncApi(...)` to open the store")
        if self.cluster is None:
            await self._ask_cluster()
        try:
            return await self._run(source, keys, args)
        except _MovedError:
            if not self._owned:
                raise StoreError(
                    "a Redis Cluster node: pass a coredis.RedisCluster as redis_client"
                ) from None
        await self._use_cluster()
        try:
            return await self._run(source, keys, args)
        except _MovedError:
            raise StoreError("MOVED from a cluster client") from None

    async def _run(self, source: str, keys: Sequence[str], args: Sequence[str | float]) -> Any:
        client = self._client
        script = self._scripts.get(source)
        if script is None:
            # coredis's Script sends EVALSHA and, on NOSCRIPT, SCRIPT LOAD then EVALSHA.
            script = self._scripts[source] = client.register_script(source)
        try:
            with anyio.fail_after(self.timeout):
                reply = await script(keys=list(keys), args=[str(arg) for arg in args])
        except TimeoutError:
            raise StoreError(f"no answer within {self.timeout:g} s") from None
        except anyio.get_cancelled_exc_class():
            raise
        except Exception as exc:
            if type(exc).__name__ == "MovedError" and not self.cluster:
                raise _MovedError from None
            raise StoreError(f"{type(exc).__name__}: {exc}") from None
        return _decode(reply)

    async def _ask_cluster(self) -> None:
        """Ask the server named by the URL whether it is a cluster node (once)."""
        async with self._asking:
            if self.cluster is not None:
                return
            try:
                with anyio.fail_after(self.timeout):
                    info = await self._client.info("cluster")
            except TimeoutError:
                raise StoreError(f"no answer within {self.timeout:g} s") from None
            except anyio.get_cancelled_exc_class():
                raise
            except Exception as exc:
                from coredis.exceptions import ResponseError

                if isinstance(exc, ResponseError):
                    # It answered, but refuses INFO (a managed service's restricted
                    # commands): take it for a plain server; a MOVED would say otherwise.
                    self.cluster = False
                    return
                raise StoreError(f"{type(exc).__name__}: {exc}") from None
            if str(info.get("cluster_enabled", 0)) == "1":
                await self._use_cluster()
            else:
                self.cluster = False

    async def _use_cluster(self) -> None:
        """Reconnect as a cluster client (the holder does it, in the task that opened it)."""
        if self.cluster:
            return
        assert self._holder is not None
        client = await self._holder.to_cluster(_CLUSTER_CONNECT_TIMEOUT)
        if client is None:
            raise StoreError("a Redis Cluster node, but the cluster did not answer")
        self._client = client
        self._scripts = {}
        self.cluster = True


#: How long a store waits for its cluster client to connect (it reads the slot map).
_CLUSTER_CONNECT_TIMEOUT = 5.0


class _MovedError(Exception):
    """A plain client was answered ``MOVED``: the server is a Redis Cluster node."""


class _ClientHolder:
    """Holds an owned client's ``async with`` in a task of its own.

    coredis 6 keeps a client's pool in a task group, which only the task that entered it
    may leave; the store's calls come from any task, and the switch to a cluster client
    happens during one of them. So one task (started in the task that opens the
    ``AsyncApi``, stopped when it closes) enters the plain client, and on request the
    cluster client within it, and leaves both when the store closes.
    """

    def __init__(self, plain: Any, make_cluster: Callable[[], Any]) -> None:
        self._plain = plain
        self._make_cluster = make_cluster
        self._group = anyio.create_task_group()
        self._wake = anyio.Event()
        self._closing = False
        self._attempt: anyio.Event | None = None
        self._cluster: Any = None

    async def open(self) -> None:
        await self._group.__aenter__()
        try:
            await self._group.start(self._hold)
        except BaseException as exc:
            self._group.cancel_scope.cancel()
            await self._group.__aexit__(type(exc), exc, exc.__traceback__)
            raise

    def start_soon(self, function: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Run ``function`` beside the holder (the store waits for it when it closes)."""
        self._group.start_soon(function)

    async def close(self) -> None:
        self._closing = True
        self._wake.set()
        await self._group.__aexit__(None, None, None)

    async def to_cluster(self, wait: float) -> Any:
        """The cluster client, connected; None when the cluster did not answer in time."""
        if self._cluster is not None:
            return self._cluster
        if self._attempt is None:
            self._attempt = anyio.Event()
            self._wake.set()
        attempt = self._attempt
        with anyio.move_on_after(wait):
            await attempt.wait()
        return self._cluster

    async def _hold(self, *, task_status: anyio.abc.TaskStatus[None]) -> None:
        async with self._plain:
            task_status.started()
            while True:
                await self._wake.wait()
                self._wake = anyio.Event()
                if self._closing:
                    return
                cluster = self._make_cluster()
                try:
                    async with cluster:
                        self._cluster = cluster
                        self._end_attempt()
                        while not self._closing:
                            await self._wake.wait()
                            self._wake = anyio.Event()
                except Exception:
                    if self._cluster is not None:
                        raise
                    # Unreachable now: the next call that needs the cluster asks again.
                    self._end_attempt()
                    continue
                return

    def _end_attempt(self) -> None:
        attempt, self._attempt = self._attempt, None
        if attempt is not None:
            attempt.set()


def open_store(redis_url: object, redis_client: object) -> RedisStore | None:
    """The store ``AsyncApi(redis_url=..., redis_client=...)`` asks for (None: neither).

    Raises :class:`~airtable_enterprise.InvalidInputError` for a bad URL or client; the
    URL may hold a password, so the error never shows it.
    """
    if redis_url is None and redis_client is None:
        return None
    if redis_url is not None and redis_client is not None:
        raise InvalidInputError("redis_client", "<client>", "pass redis_url or redis_client")
    if redis_client is not None:
        try:
            return RedisStore(redis_client)
        except TypeError as exc:
            raise InvalidInputError("redis_client", type(redis_client).__name__, str(exc)) from None
    try:
        return RedisStore.from_url(redis_url)  # type: ignore[arg-type]
    except (ValueError, ImportError) as exc:
        raise InvalidInputError("redis_url", "<hidden>", str(exc)) from None


def _decode(reply: Any) -> Any:
    if isinstance(reply, bytes):
        return reply.decode()
    if isinstance(reply, list | tuple):
        return [_decode(item) for item in reply]
    return reply
