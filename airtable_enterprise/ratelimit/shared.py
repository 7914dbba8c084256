"""The rate limiter shared through a Redis/Valkey store by every process using one token.

:class:`SharedRateLimiter` has :class:`~airtable_enterprise.ratelimit.local.RateLimiter`'s
interface and semantics, with the state in the store (see
:mod:`~airtable_enterprise.ratelimit.lua`) instead of in the process: starts spread
evenly at the paced rate across all processes, never more than the limit of real
starts in the guard window, one 429 anywhere pausing everyone until the shared resume
time, and the adaptive restart pace and ceiling shared too.

A request costs one store round trip (booking, and starting at once when its slot is
due), plus one when it had to wait for its slot (to check that no 429 voided it in
the meantime, and count its real start), plus one when its headers were written more
than ``_RESTATE_AFTER`` after it was let go.

When the store fails (refused, reset, slower than its timeout), the process limits
itself with a local :class:`RateLimiter` at ``1/N`` of the limit, ``N`` being the
processes the store last counted live on the scope (those that called it in the last
``LIVE_WINDOW`` seconds), and at most ``fallback_share``; so ``N`` processes degrading
together stay under the limit in total. Its first local start waits one local interval,
so that the starts the store granted just before do not bunch with the local ones. The
store's :class:`~airtable_enterprise.ratelimit.store.StoreHealth`, shared by every limiter
of an ``AsyncApi``, logs once and probes the store again with a backoff (1 s doubling to
30 s). Once it answers again, the local limit still applies for ``REJOIN_GRACE`` seconds
(on top of the shared one): the other processes find the store back only at their next
probe, up to 30 s later, and run alone meanwhile. With ``fail_closed`` the limiter waits
for the store instead, at most ``fail_closed_timeout`` seconds per call, then raises
:class:`~airtable_enterprise.RateLimitStoreError` (nothing sent). No other store error
reaches the caller.
"""

from __future__ import annotations

import contextlib
import math
import uuid
from collections.abc import Awaitable, Callable

import anyio
import attrs

from ..errors import RateLimitStoreError
from . import lua
from .local import MAX_COOLDOWN, RateLimiter, RateLimiterStats
from .store import PROBE_MAX, RedisStore, StoreError, open_store

__all__ = ["LimiterFactory", "SharedRateLimiter", "SharedRateLimiterStats", "open_store"]

#: A start this late (let go after the store counted it, or written after it was let
#: go) is counted again, at the store.
_RESTATE_AFTER = 0.02
#: How long one measure of the store clock's offset is trusted.
_OFFSET_REFRESH = 30.0
#: Local grant times remembered for confirm_start / restate_start, at most this long.
_GRANT_MEMORY = 60.0

_LOCAL = ""  # the booking id of a start granted by the local fallback limiter

#: A process counts as live on a scope (in ``N``) for this long after its latest call.
LIVE_WINDOW = 60.0
#: After the store answers again, a process keeps its local limit this long: every
#: other process finds the store back at its next probe, at most PROBE_MAX later.
REJOIN_GRACE = PROBE_MAX + 1.0


@attrs.frozen
class SharedRateLimiterStats(RateLimiterStats):
    """:class:`RateLimiterStats` of this process, and how the store answered.

    ``pace`` is the shared pace; ``shared`` whether the store answers right now;
    ``local_starts`` the starts granted by the local fallback while it did not.
    """

    shared: bool = True
    store_calls: int = 0
    store_failures: int = 0
    local_starts: int = 0
    #: The processes the store last counted live on this scope (0: never heard).
    live_processes: int = 0
    #: The share of the limit this process takes alone while the store fails.
    degraded_share: float = 0.5


@attrs.frozen
class _Reply:
    status: str
    value: float
    store_now: float
    resume_at: float
    pace: float
    epoch: int
    live: int


class SharedRateLimiter:
    """Paces request starts for one rate-limit scope shared through ``store``.

    ``key`` names the scope in the store (built from a hash of the token, see
    :func:`~airtable_enterprise.ratelimit.store.key_prefix`). The other arguments are
    :class:`RateLimiter`'s, plus ``fallback_share`` (the most of the limit this
    process uses alone while the store fails: ``1/N`` of the ``N`` live processes last
    counted, at most this), ``fail_closed`` (wait for the store instead) and
    ``fail_closed_timeout`` (how long one call waits for it, in seconds).
    """

    def __init__(
        self,
        store: RedisStore,
        key: str,
        requests_per_second: float = 50.0,
        *,
        headroom: float = 0.08,
        cooldown: float = 30.0,
        max_cooldown: float = MAX_COOLDOWN,
        fallback_share: float = 0.5,
        fail_closed: bool = False,
        fail_closed_timeout: float = 30.0,
        clock: Callable[[], float] = anyio.current_time,
        sleep: Callable[[float], Awaitable[object]] = anyio.sleep,
    ) -> None:
        if not (isinstance(fallback_share, int | float) and 0 < fallback_share <= 1):
            raise ValueError(f"fallback_share must be in (0, 1], got {fallback_share!r}")
        if not (
            isinstance(fail_closed_timeout, int | float) and 0 <= fail_closed_timeout < math.inf
        ):
            raise ValueError(
                f"fail_closed_timeout must be a finite number >= 0, got {fail_closed_timeout!r}"
            )
        self._headroom = headroom
        self._fallback = RateLimiter(
            requests_per_second * fallback_share,
            headroom=headroom,
            cooldown=cooldown,
            max_cooldown=max_cooldown,
            clock=clock,
            sleep=sleep,
        )
        self.requests_per_second = float(requests_per_second)
        # The same ceiling as the in-process limiter: a bogus Retry-After must not stop
        # every process sharing the token for days (README, "Rate limiting").
        self.max_cooldown = self._fallback.max_cooldown
        self.cooldown = self._fallback.cooldown
        self._share = float(fallback_share)
        self.fail_closed = fail_closed
        self.fail_closed_timeout = float(fail_closed_timeout)
        self._store = store
        self._keys = (f"{key}:state", f"{key}:booked", f"{key}:started", f"{key}:live")
        target = self.requests_per_second * (1.0 - headroom)
        ttl_ms = int(1000 * max(3600.0, 2 * self.max_cooldown))
        self._args = (
            f"{self.requests_per_second!r}",
            f"{target!r}",
            "1.0",
            str(ttl_ms),
            store.member,
            f"{LIVE_WINDOW!r}",
        )
        self._live = 0  # the live processes on this scope, as last counted by the store
        self._outage = 0  # the outage (StoreHealth.outages) the fallback was made for
        self._local_from = -math.inf  # no local start before (a new outage's first)
        self._clock = clock
        self._sleep = sleep
        self._offset = 0.0  # store time minus local time, from the quickest recent answer
        self._offset_rtt = math.inf
        self._offset_at = -math.inf
        self._resume_local = -math.inf
        self._pace = target
        self._grants: dict[float, str] = {}
        self._health = store.health
        self._started = self._rate_limited = self._local_starts = 0
        self._store_calls = self._store_failures = 0
        self._cooldown_seconds = 0.0

    def __repr__(self) -> str:
        return f"<SharedRateLimiter {self.requests_per_second:g}/s>"

    # ------------------------------------------------------------------ store

    async def _call(self, script: str, *args: str | float) -> _Reply:
        """Run one script; remember the store's clock offset, resume time and pace."""
        self._store_calls += 1
        before = self._clock()
        try:
            raw = await self._store.run(script, self._keys, (*self._args, *args))
            reply = _Reply(
                str(raw[0]),
                float(raw[1]),
                float(raw[2]),
                float(raw[3]),
                float(raw[4]),
                int(raw[5]),
                int(raw[6]),
            )
        except StoreError as exc:
            self._failed(str(exc))
            raise
        except (TypeError, ValueError, IndexError) as exc:  # not our scripts' answer
            self._failed(f"unexpected answer ({type(exc).__name__})")
            raise StoreError("unexpected answer") from None
        self._health.answered(self._clock())
        after = self._clock()
        # The quickest answer tells the clocks' offset best (a slow one was late either
        # going or coming back); it is refreshed every _OFFSET_REFRESH seconds.
        if after - before <= self._offset_rtt or after - self._offset_at > _OFFSET_REFRESH:
            self._offset = reply.store_now - (before + after) / 2
            self._offset_rtt = after - before
            self._offset_at = after
        self._resume_local = reply.resume_at - self._offset
        self._pace = reply.pace
        self._live = max(1, reply.live)
        return reply

    def _failed(self, reason: str) -> None:
        self._store_failures += 1
        meanwhile = (
            "waiting for it (fail_closed)"
            if self.fail_closed
            else "each limit of this process goes on alone at 1/N of itself (N: the "
            f"processes last seen live, at most {self._share:g})"
        )
        self._health.failed(self._clock(), reason, meanwhile)

    # ---------------------------------------------------------------- acquire

    async def acquire(self) -> float:
        """Wait for this task's turn and return the (local clock) time at which it started.

        With ``fail_closed``, raises :class:`~airtable_enterprise.RateLimitStoreError`
        when the store has not answered for ``fail_closed_timeout`` seconds of this call.
        """
        deadline = math.inf  # fail_closed: when this call stops waiting for the store
        while True:
            now = self._clock()
            if self._health.waiting(now):
                if not self.fail_closed:
                    return await self._acquire_locally()
                if deadline == math.inf:
                    deadline = now + self.fail_closed_timeout
                if now >= deadline:
                    raise RateLimitStoreError(self.fail_closed_timeout)
                await self._sleep(min(self._health.probe_at, deadline) - now)
                continue
            local = None
            if self._health.down or now < self._health.back_at + REJOIN_GRACE:
                # Probing a store that failed, or back from an outage: other processes
                # may still run alone at their 1/N until their next probe, so this one
                # keeps its 1/N too meanwhile (the probe's own start included).
                local = await self._local_turn()
            try:
                granted = await self._acquire_shared(local)
            except BaseException:
                if local is not None:
                    with anyio.CancelScope(shield=True):
                        await self._fallback.give_back(local)
                raise
            if granted is not None:
                return granted
            if local is not None:
                if self._health.down and not self.fail_closed:
                    return self._local_grant(local)  # the probe failed: it goes alone
                await self._fallback.give_back(local)

    async def _acquire_shared(self, local: float | None = None) -> float | None:
        """One booking at the store: the grant time, or None to try again (the store
        failed, or a 429 voided the booking: book again after the cooldown).

        ``local``: a start the local limiter granted first (see :meth:`acquire`); once
        the store grants its slot too, the local window counts the start again, now,
        and holds it back if that window is full (the shared wait may have bunched it
        with the next local grants)."""
        booking = uuid.uuid4().hex
        try:
            reply = await self._call(lua.RESERVE, booking)
            started = await self._take(reply, booking)
            if started is not None and local is not None:
                await self._fallback.confirm_start(local)
            if started is not None and (
                self._clock() - (started.value - self._offset) > _RESTATE_AFTER
            ):
                # This task resumed late after the store counted its start: count it
                # again now, so the window of real starts sees when it really goes.
                await self._confirm_shared(booking)
        except StoreError:
            return None
        except BaseException:
            # Cancelled (or failed) before starting: give the booking back.
            with anyio.CancelScope(shield=True):
                await self._release(booking)
            raise
        return None if started is None else self._grant(booking)

    def _degraded_share(self) -> float:
        """The share of the limit this process takes alone while the store fails."""
        return min(self._share, 1.0 / self._live) if self._live else self._share

    def _degraded(self) -> RateLimiter:
        """The local limiter of the latest outage, at :meth:`_degraded_share` of the limit;
        made afresh when an outage begins (its first start waits one local interval)."""
        if self._outage != self._health.outages:
            self._outage = self._health.outages
            rps = self.requests_per_second * self._degraded_share()
            if rps != self._fallback.requests_per_second:
                self._fallback = RateLimiter(
                    rps,
                    headroom=self._headroom,
                    cooldown=self.cooldown,
                    max_cooldown=self.max_cooldown,
                    clock=self._clock,
                    sleep=self._sleep,
                )
            self._local_from = self._clock() + 1.0 / (rps * (1.0 - self._headroom))
        return self._fallback

    async def _take(self, reply: _Reply, booking: str) -> _Reply | None:
        """Wait for a booked slot: the ``started`` answer, or None when a 429 voided it."""
        epoch = reply.epoch
        while reply.status != "started":
            if reply.status == "void":
                return None
            await self._sleep(reply.value)
            reply = await self._call(lua.START, booking, epoch)
        return reply

    async def give_back(self, granted_at: float) -> None:
        """The request :meth:`acquire` let go at ``granted_at`` will not be sent after all
        (see :meth:`RateLimiter.give_back`): its start stops counting, at the store too."""
        booking = self._grants.pop(granted_at, None)
        if booking is None:
            return
        self._started -= 1
        if booking == _LOCAL:
            self._local_starts -= 1
            await self._fallback.give_back(granted_at)
        else:
            await self._release(booking)

    async def _release(self, booking: str) -> None:
        # On failure, the booking leaves the window by itself within a second.
        with contextlib.suppress(StoreError):
            await self._call(lua.RELEASE, booking)

    def _grant(self, booking: str) -> float:
        now = self._clock()
        self._remember(now, booking)
        self._started += 1
        return now

    def _remember(self, at: float, booking: str) -> None:
        """Which booking a start time belongs to (for confirm/restate); without a network
        transport those are never called, so old entries are dropped here."""
        if len(self._grants) > 1000:
            self._grants = {
                when: kind for when, kind in self._grants.items() if when > at - _GRANT_MEMORY
            }
        self._grants[at] = booking

    async def _acquire_locally(self) -> float:
        return self._local_grant(await self._local_turn())

    async def _local_turn(self) -> float:
        """A start granted by the local limiter of the outage (not yet counted here)."""
        fallback = self._degraded()
        # The last shared cooldown known still holds; and the outage's first local start
        # waits one local interval after the shared ones granted just before.
        wait = max(self._resume_local, self._local_from) - self._clock()
        if wait > 0:
            await self._sleep(wait)
        return await fallback.acquire()

    def _local_grant(self, granted: float) -> float:
        self._remember(granted, _LOCAL)
        self._started += 1
        self._local_starts += 1
        return granted

    # -------------------------------------------------- the request's real start

    async def confirm_start(self, granted_at: float) -> float:
        """The request let go at ``granted_at`` is being written now (see
        :meth:`RateLimiter.confirm_start`): counted again at the store when it is late."""
        booking = self._grants.pop(granted_at, None)
        if booking is None:
            return granted_at
        if booking == _LOCAL:
            now = await self._fallback.confirm_start(granted_at)
        elif self._clock() - granted_at <= _RESTATE_AFTER:
            now = granted_at
        else:
            now = await self._confirm_shared(booking)
        self._grants[now] = booking
        return now

    async def _confirm_shared(self, booking: str) -> float:
        try:
            reply = await self._call(lua.CONFIRM, booking)
            while reply.status == "wait":
                await self._sleep(reply.value)
                reply = await self._call(lua.CONFIRM, booking)
        except StoreError:
            # The store failed since it granted this start, which goes out late: count
            # it in the outage's local window instead (it waits there if that is full),
            # or it would go out counted nowhere, beside the local starts.
            return await self._degraded().confirm_start(self._clock())
        return self._clock()

    def restate_start(self, recorded_at: float) -> float:
        """The request's headers are written (see :meth:`RateLimiter.restate_start`).

        A local start is restated locally; a shared one was counted by
        :meth:`confirm_start` already (one more round trip would buy nothing).
        """
        booking = self._grants.pop(recorded_at, None)
        if booking != _LOCAL:
            return recorded_at
        now = self._fallback.restate_start(recorded_at)
        self._grants[now] = _LOCAL
        return now

    # ------------------------------------------------------------------- 429s

    async def penalize(self, *, started_at: float, retry_after: float | None) -> float:
        """Report a 429 for a request started at ``started_at``; return the cooldown (s).

        Every process sharing the store waits until the cooldown ends. A
        ``Retry-After`` above :attr:`max_cooldown` counts as that.
        """
        wait = (
            self.cooldown if retry_after is None else min(max(retry_after, 0.0), self.max_cooldown)
        )
        now = self._clock()
        before = max(now, self._resume_local, now + self._fallback.cooldown_remaining())
        self._rate_limited += 1
        self._fallback.penalize(started_at=started_at, retry_after=wait)
        self._resume_local = max(self._resume_local, now + wait)
        if not self._health.waiting(self._clock()):
            with anyio.CancelScope(shield=True):  # everyone else must hear of it
                with contextlib.suppress(StoreError):
                    await self._call(lua.PENALIZE, wait, started_at + self._offset)
        resume = max(self._resume_local, now + self._fallback.cooldown_remaining())
        self._cooldown_seconds += max(0.0, resume - before)
        return resume - now

    def cooldown_remaining(self) -> float:
        """Seconds until requests may start again after a 429, as last heard from the store
        (0 when not cooling down)."""
        remaining = max(0.0, self._resume_local - self._clock())
        if self._health.down:
            remaining = max(remaining, self._fallback.cooldown_remaining())
        return remaining

    @property
    def stats(self) -> SharedRateLimiterStats:
        """Counters of this process since the limiter was made."""
        return SharedRateLimiterStats(
            started=self._started,
            rate_limited=self._rate_limited,
            cooldown_seconds=self._cooldown_seconds,
            pace=self._fallback.stats.pace if self._health.down else self._pace,
            shared=not self._health.down,
            store_calls=self._store_calls,
            store_failures=self._store_failures,
            local_starts=self._local_starts,
            live_processes=self._live,
            degraded_share=self._degraded_share(),
        )


@attrs.frozen(kw_only=True)
class LimiterFactory:
    """How an ``AsyncApi`` makes the limiter of one scope (the token, a base): in this
    process, or shared through ``store`` under ``key`` (a hash of the token)."""

    headroom: float
    cooldown: float
    store: RedisStore | None = None
    key: str = ""
    fallback_share: float = 0.5
    fail_closed: bool = False
    fail_closed_timeout: float = 30.0

    def __call__(self, rps: float, scope: str) -> RateLimiter | SharedRateLimiter:
        """A limiter of ``rps`` requests per second for ``scope``."""
        if self.store is None:
            return RateLimiter(rps, headroom=self.headroom, cooldown=self.cooldown)
        return SharedRateLimiter(
            self.store,
            f"{self.key}:{scope}",
            rps,
            headroom=self.headroom,
            cooldown=self.cooldown,
            fallback_share=self.fallback_share,
            fail_closed=self.fail_closed,
            fail_closed_timeout=self.fail_closed_timeout,
        )
