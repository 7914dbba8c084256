"""The limiter's bookkeeping, pinned: what leaves its lists and when, what a late or
repeated report of a start does, the counters, the defaults (issue 27).

Pure :class:`PacingState` tables where the logic is pure; the async limiter on a clock
that moves only when it sleeps (nothing depends on the machine's speed).
"""

from __future__ import annotations

import math

import anyio
import anyio.lowlevel
import pytest

from airtable_enterprise import RateLimiter
from airtable_enterprise.ratelimit.local import PacingState, acquire_all
from tests.helpers import most_in_any_window

pytestmark = pytest.mark.anyio


class StepClock:
    """A clock that moves only when a sleep moves it (by exactly the time asked)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)
        await anyio.lowlevel.checkpoint()


def _limiter(rps: float = 10, **options: float) -> tuple[RateLimiter, StepClock]:
    clock = StepClock()
    return RateLimiter(rps, clock=clock, sleep=clock.sleep, **options), clock


# ------------------------------------------------------------------ pure pacing


def test_claimed_slots_leave_the_booked_list() -> None:
    """A long-lived service books millions of slots: each one claimed must leave."""
    state = PacingState(limit=10, target=10)
    for step in range(1000):
        state.claim(state.reserve(step * 0.1))
    assert state.booked == []


def test_claiming_a_slot_that_is_not_booked_changes_nothing() -> None:
    state = PacingState(limit=10, target=10)
    slot = state.reserve(0.0)
    state.claim(12345.0)  # voided by a 429 meanwhile, say
    assert state.booked == [slot]
    assert state.last_claimed == 12345.0


def test_a_cancelled_only_booking_during_a_cooldown_keeps_the_cooldown() -> None:
    state = PacingState(limit=10, target=10)
    resume = state.penalize(1.0, started_at=0.5, wait=30.0)
    slot = state.reserve(2.0)
    assert slot == resume
    state.release(slot)  # its caller was cancelled: nothing is booked or claimed now
    assert state.next_start == resume
    assert state.reserve(3.0) == resume


def test_a_cancelled_only_booking_of_a_fresh_limiter_frees_the_schedule() -> None:
    state = PacingState(limit=10, target=10)
    state.release(state.reserve(5.0))
    assert state.reserve(6.0) == 6.0


@pytest.mark.parametrize(
    ("given_back", "now", "expected"),
    [
        # A slot given back between live bookings is reused by a caller booking before it.
        (1, 0.05, 0.1),
        # ... also by a caller booking exactly at its time ...
        (1, 0.1, 0.1),
        # ... but never once it is in the past: a fresh slot after the schedule instead.
        (1, 0.15, 0.4),
    ],
)
def test_slots_given_back_are_reused_only_while_ahead(
    given_back: int, now: float, expected: float
) -> None:
    state = PacingState(limit=10, target=10)
    slots = [state.reserve(0.0) for _ in range(4)]  # 0.0, 0.1, 0.2, 0.3
    state.release(slots[given_back])
    assert state.reserve(now) == pytest.approx(expected)


def test_a_slot_given_back_at_the_resume_time_is_reused() -> None:
    state = PacingState(limit=10, target=10)
    resume = state.penalize(1.0, started_at=0.5, wait=2.0)
    slots = [state.reserve(1.5) for _ in range(3)]
    assert slots[0] == resume
    state.release(slots[0])
    assert state.reserve(1.5) == resume


@pytest.mark.parametrize(("limit", "window"), [(5, 2.0), (3, 1.5), (1.5, 1.0)])
def test_the_hard_window_holds_where_the_pace_alone_would_not(limit: float, window: float) -> None:
    """At most floor(limit) starts in any ``window`` seconds (at least one), whatever the
    pace allows (here a window longer than 1 s, or a limit under 2)."""
    state = PacingState(limit=limit, target=limit, window=window)
    starts = [state.reserve(0.0) for _ in range(30)]
    capacity = max(1, math.floor(limit))
    assert most_in_any_window(starts, window) == capacity
    assert starts[capacity] == pytest.approx(starts[0] + window)


def test_a_start_at_the_penalty_instant_stays_counted() -> None:
    state = PacingState(limit=10, target=10)
    start = state.reserve(1.0)
    state.claim(start)
    state.penalize(1.0, started_at=start, wait=5.0)
    assert list(state.starts) == [1.0]


def test_each_penalty_changes_the_epoch() -> None:
    state = PacingState(limit=10, target=10)
    seen = {state.epoch}
    for now in (1.0, 2.0, 3.0):
        state.penalize(now, started_at=now, wait=1.0)
        assert state.epoch not in seen
        seen.add(state.epoch)


def test_a_request_started_as_the_last_penalty_was_recorded_tells_nothing_new() -> None:
    state = PacingState(limit=10, target=10)
    state.penalize(1.0, started_at=0.9, wait=30.0)
    pace = state.pace(31.0)
    state.penalize(1.5, started_at=1.0, wait=30.0)  # started when the 429 was recorded
    assert state.pace(31.5) == pytest.approx(pace)
    assert state.restart_pace == pytest.approx(5.0)


def test_the_ceiling_recovers_from_the_first_instant_after_a_deep_cut() -> None:
    """429s during the restart halve the pace again each time; the ceiling they set
    grows back from the instant it was set (10% of itself per 20 minutes)."""
    state = PacingState(limit=100, target=100)
    for now in range(1, 6):
        state.penalize(float(now), started_at=now - 0.5, wait=10.0)
    assert state.restart_pace == pytest.approx(3.125)
    assert state.ceiling == pytest.approx(5.625)
    assert state.ceiling_set_at == state.resume_at == 15.0
    # Half a second after the cooldown the climb (3.125 + 5 /s) is past the ceiling.
    assert state.pace(15.5) == pytest.approx(5.625 * (1 + 0.5 * 0.1 / 1200), rel=1e-12)


def test_the_pacing_error_names_what_is_wrong() -> None:
    with pytest.raises(ValueError) as caught:
        PacingState(limit=0, target=1)
    assert str(caught.value) == "limit and target must be > 0"


# ------------------------------------------------------------- the async limiter


def test_the_public_defaults() -> None:
    limiter = RateLimiter()
    assert limiter.requests_per_second == 50.0  # Airtable's limit per token
    assert limiter.cooldown == 30.0  # Airtable's documented penalty
    assert limiter.max_cooldown == 120.0
    assert limiter._state.target == pytest.approx(46.0)  # 8% headroom


@pytest.mark.parametrize("cooldown", [0, 0.5])
def test_short_cooldowns_are_allowed(cooldown: float) -> None:
    assert RateLimiter(cooldown=cooldown).cooldown == cooldown


@pytest.mark.parametrize("max_cooldown", [0, 0.5])
def test_short_max_cooldowns_are_allowed(max_cooldown: float) -> None:
    assert RateLimiter(max_cooldown=max_cooldown).max_cooldown == max_cooldown


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"cooldown": math.inf}, "cooldown must be a finite number >= 0, got inf"),
        ({"max_cooldown": math.inf}, "max_cooldown must be a finite number >= 0, got inf"),
        ({"max_cooldown": -1}, "max_cooldown must be a finite number >= 0, got -1"),
        ({"max_cooldown": "5"}, "max_cooldown must be a finite number >= 0, got '5'"),
    ],
)
def test_cooldowns_out_of_range_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError) as caught:
        RateLimiter(**kwargs)  # type: ignore[arg-type]
    assert str(caught.value) == message


async def test_give_back_after_the_start_left_the_window() -> None:
    limiter, clock = _limiter(10)
    first = await limiter.acquire()
    clock.now += 5.0
    await limiter.acquire()  # prunes the first start from both windows
    await limiter.give_back(first)  # must not raise
    assert limiter.stats.started == 1


async def test_confirm_start_after_the_start_left_the_window() -> None:
    limiter, clock = _limiter(10)
    first = await limiter.acquire()
    clock.now += 5.0
    await limiter.acquire()
    assert await limiter.confirm_start(first) == clock.now  # must not raise
    assert await limiter.confirm_start(first) == clock.now  # nor when told twice


async def test_confirm_start_holds_back_a_late_request_when_the_window_is_full() -> None:
    limiter, clock = _limiter(2, headroom=0.0)
    first = await limiter.acquire()
    await limiter.acquire()
    await limiter.acquire()  # two starts in the last second: the third waited
    clock.sleeps.clear()
    # The first request is written only now: two others started within the window,
    # so it waits for the older of them to leave it.
    clock.now += 0.2
    moved = await limiter.confirm_start(first)
    assert clock.sleeps
    assert clock.sleeps[0] > 0
    assert moved == clock.now


async def test_a_restated_start_is_counted_once() -> None:
    limiter, clock = _limiter(2, headroom=0.0)
    granted = await limiter.acquire()
    clock.now += 0.3
    limiter.restate_start(granted)
    assert len(limiter._state.started) == 1
    await limiter.acquire()
    # One start in the window: the second goes on its paced slot, no window wait.
    assert limiter._state.guard_wait(clock.now) > 0
    assert len(limiter._state.started) == 2


async def test_stats_add_up_across_429s() -> None:
    limiter, clock = _limiter(10, cooldown=5.0)
    started = await limiter.acquire()
    assert limiter.penalize(started_at=started, retry_after=None) == pytest.approx(5.0)
    clock.now += 1.0
    # A second 429 of the same burst, which does not extend the cooldown.
    limiter.penalize(started_at=started, retry_after=1.0)
    clock.now += 1.0
    limiter.penalize(started_at=started, retry_after=10.0)  # extends it by 7 s
    stats = limiter.stats
    assert stats.rate_limited == 3
    assert stats.cooldown_seconds == pytest.approx(5.0 + 0.0 + 7.0)
    assert stats.started == 1


async def test_grant_memory_is_bounded_and_keeps_the_recent_grants() -> None:
    """Without a network transport no grant is ever confirmed: the memory of grants
    (for give_back) is pruned, never the recent ones."""
    limiter, clock = _limiter(1000, headroom=0.0)
    granted = []
    # 3004: the last grant is one that finds more than 1000 remembered and prunes them
    # (also when a pruning keeps nothing, as after the 1002nd and the 2003rd).
    for _ in range(3004):
        granted.append(await limiter.acquire())
        clock.now += 0.05  # 150 s in all
    assert len(limiter._slots) <= 1 + 60 / 0.05
    before = limiter.stats.started
    await limiter.give_back(granted[-2])
    assert limiter.stats.started == before - 1


async def test_acquire_all_gives_back_under_a_cancelled_scope() -> None:
    """The give-back of a store-backed limiter awaits the store: it must run to the end
    even though the caller's scope is cancelled."""
    returned: list[float] = []

    class Granting:
        async def acquire(self) -> float:
            return 1.0

        async def give_back(self, granted_at: float) -> None:
            await anyio.lowlevel.checkpoint()  # a store round trip
            returned.append(granted_at)

    class Blocking:
        async def acquire(self) -> float:
            await anyio.sleep_forever()
            raise AssertionError

        async def give_back(self, granted_at: float) -> None:
            raise AssertionError("nothing was granted")

    with anyio.move_on_after(0.01):
        await acquire_all([Granting(), Blocking()])
    assert returned == [1.0]
