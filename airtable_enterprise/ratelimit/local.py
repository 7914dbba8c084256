"""The shared rate limiter: even pacing, a hard 1-second window, and a shared cooldown.

Airtable allows 50 requests/s per token (5/s per base) counted in 1-second windows,
and after a 429 refuses *every* request for 30 s (REFERENCE §1.5). A burst that is
legal when sent can land as an illegal one, because arrival times jitter; so instead
of letting a window's worth go at once, the limiter spaces request starts evenly at
a pace a little under the limit (92% by default), and never lets more than ``limit`` start in any
1-second window.

Slots are booked ahead, so a task the event loop wakes late (a long parse, a garbage
collection) would start together with the next ones. A second check, on the times
requests really start, holds such a bunch back: never more than ``limit`` starts in any
``limit / pace`` seconds (1.087 s at the default headroom), the window that keeps the
server's 1-second window clear of the jitter the headroom is there to absorb. A start
is counted when the request is let go, then again (:meth:`RateLimiter.confirm_start`,
:meth:`RateLimiter.restate_start`) when its headers are written: other tasks may run
in between, and a request written 200 ms late lands in the server's next window. (A
minimum gap between real starts was tried too: it cost a CPU-busy parallel backfill
~10% of its speed, delaying starts after every page parsed, and guarded nothing more.)

When a 429 arrives anyway (another client sharing the token, a wrong limit), every
task sharing the limiter pauses for the cooldown, then the pace restarts at half the
rate it tripped at and climbs back to a ceiling just under it, so a misconfigured
limit converges instead of tripping again and again.

:class:`PacingState` holds the decisions and is pure (the tests drive it with plain
numbers); :class:`RateLimiter` adds the waiting, on anyio so it runs on asyncio and trio.
"""

from __future__ import annotations

import bisect
import collections
import contextlib
import math
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

import anyio
import attrs

__all__ = ["MAX_COOLDOWN", "PacingState", "RateLimiter", "RateLimiterStats", "acquire_all"]

#: The longest pause one 429 can impose on every task sharing a limiter, whatever its
#: ``Retry-After`` says (4x Airtable's documented 30 s penalty). The request that got
#: the 429 still reports the server's value in :class:`~airtable_enterprise.RateLimitError`.
MAX_COOLDOWN = 120.0

#: Grant times remembered for :meth:`RateLimiter.give_back`, at most this long.
_GRANT_MEMORY = 60.0

#: After a 429 the pace restarts at this fraction of the pace that tripped.
_RESTART_FRACTION = 0.5
#: ... climbs back at this fraction of the target pace per second ...
_CLIMB_PER_SECOND = 0.1
#: ... up to this fraction of the pace that tripped, the new ceiling.
_CEILING_FRACTION = 0.9
#: The ceiling itself grows back towards the target by 10% of itself every 20 minutes
#: without a 429, so that a one-off 429 caused by someone else sharing the token does not
#: slow a long-lived service forever, while a wrong limit trips only every so often.
_CEILING_RECOVERY_PER_SECOND = 0.1 / 1200


@attrs.define
class PacingState:
    """The limiter's bookkeeping, advanced by plain method calls (no clock of its own).

    ``limit`` is the most starts allowed in any 1-second window; ``target`` the pace
    (starts per second) aimed at when nothing has gone wrong. :meth:`reserve` books
    slots; :meth:`guard_wait` and :meth:`record_start` hold the starts that really
    happen to at most ``limit`` in any ``limit / target`` seconds.
    """

    limit: float
    target: float
    window: float = 1.0
    next_start: float = -math.inf
    resume_at: float = -math.inf
    restart_pace: float = 0.0
    ceiling: float = 0.0
    ceiling_set_at: float = -math.inf
    last_penalty_at: float = -math.inf
    epoch: int = 0
    starts: collections.deque[float] = attrs.field(factory=collections.deque)
    started: collections.deque[float] = attrs.field(factory=collections.deque)
    #: Slots booked and not yet claimed (their owners wait for them), sorted.
    booked: list[float] = attrs.field(factory=list)
    #: Booked slots given back by cancelled callers, between live bookings, sorted: the
    #: next bookings reuse them.
    vacant: list[float] = attrs.field(factory=list)
    #: The latest slot claimed by a caller that started.
    last_claimed: float = -math.inf
    guard_window: float = attrs.field(init=False, default=1.0)

    def __attrs_post_init__(self) -> None:
        if not self.limit > 0 or not self.target > 0:
            raise ValueError("limit and target must be > 0")
        self.target = min(self.target, self.limit)
        self.ceiling = self.target
        self.restart_pace = self.target
        self.guard_window = self.window * self.limit / self.target

    def pace(self, now: float) -> float:
        """Starts per second allowed at ``now``."""
        quiet = max(0.0, now - self.ceiling_set_at)
        ceiling = min(self.target, self.ceiling * (1.0 + quiet * _CEILING_RECOVERY_PER_SECOND))
        if now < self.resume_at:
            return self.restart_pace
        climbed = self.restart_pace + (now - self.resume_at) * self.target * _CLIMB_PER_SECOND
        return min(ceiling, climbed)

    def reserve(self, now: float) -> float:
        """Book the next start time (>= ``now``) and return it."""
        vacant = self.vacant
        while vacant:
            # A slot a cancelled caller gave back: take it if it is still ahead.
            slot = vacant.pop(0)
            if slot >= now and slot >= self.resume_at:
                bisect.insort(self.starts, slot)
                bisect.insort(self.booked, slot)
                return slot
        start = max(now, self.next_start, self.resume_at)
        # The hard window: at most floor(limit) starts in any `window` seconds.
        capacity = max(1, math.floor(self.limit))
        while self.starts and self.starts[0] <= start - self.window:
            self.starts.popleft()
        if len(self.starts) >= capacity:
            start = max(start, self.starts[-capacity] + self.window)
        self.starts.append(start)
        self.booked.append(start)
        self.next_start = start + 1.0 / self.pace(start)
        return start

    def claim(self, start: float) -> None:
        """The owner of the slot booked at ``start`` is starting: it is no longer booked."""
        with contextlib.suppress(ValueError):
            self.booked.remove(start)
        self.last_claimed = max(self.last_claimed, start)

    def release(self, start: float) -> None:
        """Give back a slot booked by :meth:`reserve` whose owner will not start (it was
        cancelled while waiting), so that a cancelled caller costs the others nothing:
        a slot between live bookings is taken by the next booking; at the end of the
        schedule, the schedule shrinks back to the last live booking."""
        try:
            self.booked.remove(start)
        except ValueError:
            return  # voided by a 429 (penalize) already
        with contextlib.suppress(ValueError):  # already pruned from the hard window's list
            self.starts.remove(start)
        newest = self.booked[-1] if self.booked else self.last_claimed
        if start < newest:
            bisect.insort(self.vacant, start)
            return
        # The newest booking went: the slots given back after the new newest are no
        # longer holes in the schedule, and the next booking follows the newest.
        self.vacant = [slot for slot in self.vacant if slot < newest]
        if newest == -math.inf:
            self.next_start = self.resume_at
        else:
            self.next_start = max(self.resume_at, newest + 1.0 / self.pace(newest))

    def guard_wait(self, now: float) -> float:
        """Seconds before a request may really start at ``now``: 0 unless ``limit``
        starts already happened in the last ``guard_window`` seconds."""
        capacity = max(1, math.floor(self.limit))
        started = self.started
        while started and started[0] <= now - self.guard_window:
            started.popleft()
        if len(started) < capacity:
            return 0.0
        return started[-capacity] + self.guard_window - now

    def record_start(self, now: float) -> None:
        """A request really started at ``now`` (after :meth:`guard_wait` returned 0)."""
        self.started.append(now)

    def forget_start(self, at: float) -> None:
        """Take back a start recorded at ``at``: it is about to be recorded again, later,
        when the request's bytes are written (see :meth:`RateLimiter.confirm_start`)."""
        with contextlib.suppress(ValueError):  # already out of the window
            self.started.remove(at)

    def penalize(self, now: float, *, started_at: float, wait: float) -> float:
        """Record a 429 for a request that started at ``started_at``; return the resume time.

        Every 429 extends the shared cooldown to at least ``now + wait``. Only the first
        429 of a burst lowers the pace: a request that started before the last penalty
        was sent at the old pace and tells nothing new.
        """
        resume = max(self.resume_at, now + wait)
        if started_at > self.last_penalty_at:
            tripped_at = self.pace(started_at)
            self.ceiling = max(tripped_at * _CEILING_FRACTION, self.target * 0.02)
            self.ceiling_set_at = resume
            self.restart_pace = max(tripped_at * _RESTART_FRACTION, self.target * 0.01)
            self.last_penalty_at = now
        self.resume_at = resume
        self.next_start = resume
        # Reservations not yet started are void: their owners re-reserve after the cooldown.
        while self.starts and self.starts[-1] > now:
            self.starts.pop()
        self.vacant.clear()
        self.booked.clear()
        self.epoch += 1
        return resume


@attrs.frozen
class RateLimiterStats:
    """Counters of one limiter: starts granted, 429s reported, seconds spent cooling down."""

    started: int
    rate_limited: int
    cooldown_seconds: float
    pace: float


class RateLimiter:
    """Paces request starts for one rate-limit scope; share one instance between tasks.

    ``requests_per_second`` is the server's limit for the scope (50 for a token,
    5 for a base); no more than that many requests start in any 1-second window.
    Starts are spread evenly at ``requests_per_second * (1 - headroom)``: the headroom
    absorbs the jitter between when a request is sent and when it arrives. The server
    counts arrivals, and jitter of J seconds lets a 1-second window at the server catch
    the sends of 1 + J seconds; the default 8% keeps a strict window clear for about
    60 ms of jitter (REFERENCE §1.5: one 429 costs every request 30 s).

    ``cooldown`` is the pause after a 429 that carries no ``Retry-After``: Airtable
    documents 30 s. ``max_cooldown`` caps the pause a 429's ``Retry-After`` can impose
    on every task sharing the limiter (:data:`MAX_COOLDOWN`, 120 s, by default).
    ``clock`` and ``sleep`` default to anyio's, so under trio's ``MockClock`` the
    limiter runs on virtual time; pass your own to drive it by hand.
    """

    def __init__(
        self,
        requests_per_second: float = 50.0,
        *,
        headroom: float = 0.08,
        cooldown: float = 30.0,
        max_cooldown: float = MAX_COOLDOWN,
        clock: Callable[[], float] = anyio.current_time,
        sleep: Callable[[float], Awaitable[object]] = anyio.sleep,
    ) -> None:
        if not (
            isinstance(requests_per_second, int | float) and 0 < requests_per_second < math.inf
        ):
            raise ValueError(
                f"requests_per_second must be a finite number > 0, got {requests_per_second!r}"
            )
        if not 0.0 <= headroom < 1.0:
            raise ValueError(f"headroom must be in [0, 1), got {headroom!r}")
        if not (isinstance(cooldown, int | float) and 0 <= cooldown < math.inf):
            raise ValueError(f"cooldown must be a finite number >= 0, got {cooldown!r}")
        if not (isinstance(max_cooldown, int | float) and 0 <= max_cooldown < math.inf):
            raise ValueError(f"max_cooldown must be a finite number >= 0, got {max_cooldown!r}")
        self.requests_per_second = float(requests_per_second)
        self.max_cooldown = float(max_cooldown)
        self.cooldown = min(float(cooldown), self.max_cooldown)
        self._state = PacingState(
            limit=self.requests_per_second, target=self.requests_per_second * (1.0 - headroom)
        )
        self._clock = clock
        self._sleep = sleep
        self._started = 0
        self._rate_limited = 0
        self._cooldown_seconds = 0.0
        #: The slot each recent grant was booked at (grant time -> slot), for give_back.
        self._slots: dict[float, float] = {}

    def __repr__(self) -> str:
        return f"<RateLimiter {self.requests_per_second:g}/s>"

    async def acquire(self) -> float:
        """Wait for this task's turn and return the (clock) time at which it started."""
        while True:
            state = self._state
            epoch = state.epoch
            start = state.reserve(self._clock())
            delay = start - self._clock()
            try:
                if delay > 0:
                    await self._sleep(delay)
                # Woken late, this task would start together with the next slots' owners.
                await self._wait_for_window(epoch)
            except BaseException:
                # Cancelled (a timeout, a client that went away): the slot goes back.
                if state.epoch == epoch:
                    state.release(start)
                raise
            if state.epoch == epoch:
                state.claim(start)
                now = self._clock()
                state.record_start(now)
                self._started += 1
                self._remember(now, start)
                return now
            # A 429 arrived while we waited: our slot is void, queue again after the cooldown.

    def _remember(self, granted_at: float, slot: float) -> None:
        if len(self._slots) > 1000:  # grants never given back nor confirmed (no network)
            self._slots = {
                at: booked for at, booked in self._slots.items() if at > granted_at - _GRANT_MEMORY
            }
        self._slots[granted_at] = slot

    async def give_back(self, granted_at: float) -> None:
        """The request :meth:`acquire` let go at ``granted_at`` will not be sent after all
        (its caller was cancelled while waiting for another scope's limiter): its start
        and its slot in the window stop counting, so it costs the others nothing."""
        slot = self._slots.pop(granted_at, None)
        if slot is None:  # not a grant of this limiter, or one already on its way
            return
        self._state.forget_start(granted_at)
        with contextlib.suppress(ValueError):  # already out of the window, or voided
            self._state.starts.remove(slot)
        self._started -= 1

    async def confirm_start(self, granted_at: float) -> float:
        """The request :meth:`acquire` let go at ``granted_at`` is being written now.

        Between the two, other tasks ran (a response parsed, a garbage collection): the
        start is moved to now, and waits if it would overflow the window of real starts.
        :class:`AsyncApi` calls it from httpcore's ``trace`` hook, just before the
        request's headers are sent; without a network transport it is never called and
        the start stays at ``granted_at``. Returns the time recorded.
        """
        state = self._state
        self._slots.pop(granted_at, None)  # on its way: no longer given back
        state.forget_start(granted_at)
        await self._wait_for_window()
        now = self._clock()
        state.record_start(now)
        return now

    async def _wait_for_window(self, epoch: int | None = None) -> None:
        """Sleep until another real start fits the window (or a 429 changes ``epoch``)."""
        state = self._state
        wait = state.guard_wait(self._clock())
        while wait > 0 and (epoch is None or state.epoch == epoch):
            await self._sleep(wait)
            wait = state.guard_wait(self._clock())

    def restate_start(self, recorded_at: float) -> float:
        """The start recorded at ``recorded_at`` really happened now (the write of the
        headers completed; the event loop may have run other tasks in between): count it
        now, so that the next starts are held back if need be. Returns now."""
        now = self._clock()
        self._state.forget_start(recorded_at)
        self._state.record_start(now)
        return now

    def penalize(self, *, started_at: float, retry_after: float | None) -> float:
        """Report a 429 for a request started at ``started_at``; return the cooldown in seconds.

        Every task sharing the limiter waits until the cooldown ends: ``retry_after``
        seconds (the server's ``Retry-After``), at most :attr:`max_cooldown`, or
        :attr:`cooldown` when the server gave none.
        """
        now = self._clock()
        wait = self.cooldown if retry_after is None else min(retry_after, self.max_cooldown)
        before = max(now, self._state.resume_at)
        resume = self._state.penalize(now, started_at=started_at, wait=wait)
        self._rate_limited += 1
        self._cooldown_seconds += max(0.0, resume - before)
        return resume - now

    def cooldown_remaining(self) -> float:
        """Seconds until requests may start again after a 429 (0 when not cooling down)."""
        return max(0.0, self._state.resume_at - self._clock())

    @property
    def stats(self) -> RateLimiterStats:
        """Counters since the limiter was made."""
        return RateLimiterStats(
            started=self._started,
            rate_limited=self._rate_limited,
            cooldown_seconds=self._cooldown_seconds,
            pace=self._state.pace(self._clock()),
        )


class _Limiter(Protocol):
    async def acquire(self) -> float: ...
    async def give_back(self, granted_at: float) -> None: ...


async def acquire_all(limiters: Sequence[_Limiter]) -> list[float]:
    """Wait for each limiter in turn (a base's, then the token's); return their grant times.

    A caller cancelled while it waits for one of them gives back what the ones before
    granted it: the request is not sent, so it must not count in their windows.
    """
    granted: list[float] = []
    try:
        for limiter in limiters:
            granted.append(await limiter.acquire())
    except BaseException:
        with anyio.CancelScope(shield=True):
            for limiter, at in zip(limiters, granted, strict=False):
                await limiter.give_back(at)
        raise
    return granted
