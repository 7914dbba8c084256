"""The rate limiter: pure pacing decisions, then the async limiter on virtual time."""

from __future__ import annotations

import itertools
import math
import random

import anyio
import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airtable_enterprise import AsyncApi, RateLimiter
from airtable_enterprise.ratelimit.local import PacingState
from tests.helpers import most_in_any_window, virtual_time

# ------------------------------------------------------------------ pure pacing


def test_starts_are_spread_evenly_at_the_target_pace() -> None:
    state = PacingState(limit=50, target=47.5)
    starts = [state.reserve(0.0) for _ in range(10)]
    gaps = {round(b - a, 9) for a, b in itertools.pairwise(starts)}
    assert gaps == {round(1 / 47.5, 9)}
    assert starts[0] == 0.0


def test_an_idle_limiter_starts_at_once() -> None:
    state = PacingState(limit=10, target=10)
    state.reserve(0.0)
    assert state.reserve(5.0) == 5.0


def test_the_window_holds_even_when_the_pace_alone_would_not() -> None:
    # A target above the limit is clamped, so the limit always wins.
    state = PacingState(limit=5, target=500)
    starts = [state.reserve(0.0) for _ in range(20)]
    assert most_in_any_window(starts) == 5


def test_a_429_pauses_every_later_start_until_the_cooldown_ends() -> None:
    state = PacingState(limit=10, target=10)
    for _ in range(5):
        state.reserve(0.0)
    resume = state.penalize(0.45, started_at=0.4, wait=30.0)
    assert resume == pytest.approx(30.45)
    assert state.reserve(1.0) == pytest.approx(30.45)


def test_after_a_429_the_pace_halves_then_climbs_to_a_lower_ceiling() -> None:
    state = PacingState(limit=10, target=10)
    state.penalize(0.0, started_at=0.0, wait=30.0)
    assert state.pace(29.0) == pytest.approx(5.0)  # restart at half
    assert state.pace(32.0) == pytest.approx(7.0)  # climbing 10% of target per second
    assert state.pace(60.0) == pytest.approx(9.0, abs=0.05)  # capped at 90% of the tripped pace


def test_one_burst_of_429s_lowers_the_pace_once() -> None:
    state = PacingState(limit=10, target=10)
    state.penalize(1.0, started_at=0.9, wait=30.0)
    # Requests already in flight when the first 429 came back report theirs too.
    state.penalize(1.1, started_at=0.95, wait=30.0)
    state.penalize(1.2, started_at=0.99, wait=30.0)
    assert state.pace(2.0) == pytest.approx(5.0)
    assert state.resume_at == pytest.approx(31.2)


@pytest.mark.parametrize("true_limit", [10, 30, 45])
def test_a_misconfigured_limit_converges_instead_of_tripping_again_and_again(
    true_limit: float,
) -> None:
    """Configured for 50/s against a server that allows less: an hour of simulated traffic."""
    state = PacingState(limit=50, target=50)
    trips: list[float] = []
    paces: list[float] = []
    for step in range(36_000):
        now = step / 10
        if now < state.resume_at:
            continue
        pace = state.pace(now)
        paces.append(pace)
        if pace > true_limit:  # the server answers 429
            state.penalize(now, started_at=now, wait=30.0)
            trips.append(now)
    late_trips = [t for t in trips if t > 600]
    assert len(late_trips) <= 3  # about one probe every 20 minutes once converged
    assert sum(paces) / len(paces) > 0.9 * true_limit


def test_the_ceiling_recovers_slowly_after_a_one_off_429() -> None:
    state = PacingState(limit=50, target=50)
    state.penalize(0.0, started_at=0.0, wait=30.0)
    assert state.pace(100.0) == pytest.approx(45.0, abs=0.5)
    assert state.pace(30.0 + 1200.0) == pytest.approx(49.5)
    assert state.pace(30.0 + 3000.0) == pytest.approx(50.0)


@pytest.mark.parametrize(("headroom", "worst_allowed"), [(0.0, 53), (0.08, 50)])
def test_the_default_headroom_keeps_a_strict_window_clear_of_60_ms_jitter(
    headroom: float, worst_allowed: int
) -> None:
    """Sent evenly at the full limit, jittered arrivals overflow the server's window;
    at the default 8% headroom they never do."""
    worst = 0
    for seed in range(20):
        rng = random.Random(seed)
        state = PacingState(limit=50, target=50 * (1 - headroom))
        starts = [state.reserve(0.0) for _ in range(1000)]
        worst = max(worst, most_in_any_window([s + rng.uniform(0, 0.06) for s in starts]))
    if headroom == 0.0:
        assert worst > 50
    assert worst <= worst_allowed
    assert RateLimiter(50)._state.target == pytest.approx(46.0)


@pytest.mark.parametrize(("limit", "target"), [(0, 1), (1, 0), (-1, 1)])
def test_pacing_rejects_non_positive_rates(limit: float, target: float) -> None:
    with pytest.raises(ValueError, match="must be > 0"):
        PacingState(limit=limit, target=target)


@settings(max_examples=200, deadline=None)
@given(
    limit=st.integers(min_value=1, max_value=60),
    headroom=st.floats(min_value=0.0, max_value=0.5),
    gaps=st.lists(st.floats(min_value=0.0, max_value=0.5), min_size=1, max_size=300),
    penalties=st.sets(st.integers(min_value=0, max_value=299), max_size=3),
)
def test_no_window_ever_sees_more_than_the_limit(
    limit: int, headroom: float, gaps: list[float], penalties: set[int]
) -> None:
    """Random arrival patterns (and 429s) never push more than `limit` starts into 1 s."""
    state = PacingState(limit=limit, target=limit * (1 - headroom))
    now = 0.0
    starts = []
    for i, gap in enumerate(gaps):
        now += gap
        start = state.reserve(now)
        assert start >= now
        if i in penalties:
            state.penalize(start, started_at=start, wait=2.0)
            continue  # that reservation was refused and is void
        starts.append(start)
    assert most_in_any_window(starts) <= limit


# ---------------------------------------------------------- async, virtual time


@virtual_time
@pytest.mark.anyio
async def test_concurrent_tasks_share_one_pace() -> None:
    limiter = RateLimiter(10, headroom=0.0)
    starts: list[float] = []

    async def worker() -> None:
        for _ in range(5):
            starts.append(await limiter.acquire())

    async with anyio.create_task_group() as tg:
        for _ in range(20):
            tg.start_soon(worker)
    assert len(starts) == 100
    assert most_in_any_window(starts) <= 10
    # Saturated: 100 starts at 10/s take just under 10 s.
    assert max(starts) - min(starts) == pytest.approx(9.9, abs=0.01)
    assert limiter.stats.started == 100


@pytest.mark.parametrize("seed", range(5))
@virtual_time
@pytest.mark.anyio
async def test_tasks_woken_late_do_not_start_in_a_bunch(seed: int) -> None:
    """A busy event loop (a long parse, a garbage collection) wakes every sleeper due
    during the stall at its end. Their slots were booked evenly, but without the guard
    they would start at once and overflow the server's window."""
    rng = random.Random(seed)
    t0 = anyio.current_time()
    # Stalls of 100-200 ms, one every 0.5-1 s.
    stalls: list[tuple[float, float]] = []
    moment = t0
    while moment < t0 + 30:
        moment += rng.uniform(0.5, 1.0)
        stalls.append((moment, moment + rng.uniform(0.1, 0.2)))
        moment = stalls[-1][1]

    async def late_sleep(seconds: float) -> None:
        wake = anyio.current_time() + seconds
        for begin, end in stalls:
            if begin <= wake < end:
                wake = end
        await anyio.sleep(max(0.0, wake - anyio.current_time()))

    limiter = RateLimiter(25, sleep=late_sleep)
    starts: list[float] = []

    async def worker() -> None:
        for _ in range(8):
            await limiter.acquire()
            starts.append(anyio.current_time())  # when it really started

    async with anyio.create_task_group() as tg:
        for _ in range(25):
            tg.start_soon(worker)
    assert len(starts) == 200
    guard = 1 / 0.92  # limit / pace at the default 8% headroom
    assert most_in_any_window(starts, guard) <= 25
    # The guard costs little: 200 starts at 23/s take about 200/23 s, plus the stalls.
    assert max(starts) - min(starts) < 200 / 23 * 1.1


def test_the_guard_counts_starts_that_happened() -> None:
    state = PacingState(limit=3, target=2)
    assert state.guard_window == pytest.approx(1.5)
    for moment in (0.0, 0.45, 0.9):
        assert state.guard_wait(moment) == 0.0
        state.record_start(moment)
    assert state.guard_wait(1.0) == pytest.approx(0.5)  # until 0.0 leaves [t - 1.5, t]
    assert state.guard_wait(1.5) == 0.0


@virtual_time
@pytest.mark.anyio
async def test_penalize_voids_waiting_reservations() -> None:
    limiter = RateLimiter(2, headroom=0.0, cooldown=30.0)
    starts: list[float] = []

    async def worker() -> None:
        starts.append(await limiter.acquire())

    t0 = anyio.current_time()
    async with anyio.create_task_group() as tg:
        for _ in range(6):
            tg.start_soon(worker)
        await anyio.sleep(0.01)  # one has started, five are waiting for their slots
        limiter.penalize(started_at=t0, retry_after=None)
    assert len(starts) == 6
    late = [s - t0 for s in starts if s - t0 > 1]
    assert len(late) == 5
    assert min(late) == pytest.approx(30.01, abs=0.01)
    assert limiter.stats.rate_limited == 1
    assert limiter.stats.cooldown_seconds == pytest.approx(30.0)


@virtual_time
@pytest.mark.anyio
async def test_retry_after_overrides_the_default_cooldown() -> None:
    limiter = RateLimiter(5, cooldown=30.0)
    started = await limiter.acquire()
    assert limiter.penalize(started_at=started, retry_after=2.5) == pytest.approx(2.5)
    assert limiter.cooldown_remaining() == pytest.approx(2.5)
    assert await limiter.acquire() - started == pytest.approx(2.5)
    assert limiter.cooldown_remaining() == 0.0


@pytest.mark.parametrize(
    "kwargs", [{"requests_per_second": 0}, {"headroom": 1.0}, {"headroom": -0.1}, {"cooldown": -1}]
)
def test_limiter_rejects_nonsense(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        RateLimiter(**kwargs)


def test_limiter_repr_is_short() -> None:
    assert repr(RateLimiter(50)) == "<RateLimiter 50/s>"
    assert math.isclose(RateLimiter(50).requests_per_second, 50.0)


# ---------------------------------------------- real starts: when the bytes are written


class _LateWriter(httpx.AsyncBaseTransport):
    """Calls the ``trace`` hook as httpcore does around writing a request's headers,
    but some requests reach the write late: other tasks ran in between (a parse, a
    garbage collection)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.writes: list[float] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        trace = request.extensions.get("trace")
        if self.rng.random() < 0.15:
            await anyio.sleep(self.rng.uniform(0.1, 0.4))
        if trace is not None:
            await trace("http11.send_request_headers.started", {})
        self.writes.append(anyio.current_time())
        if trace is not None:
            await trace("http11.send_request_headers.complete", {})
        return httpx.Response(200, json={})


@pytest.mark.parametrize("seed", range(5))
@virtual_time
@pytest.mark.anyio
async def test_requests_written_late_are_counted_when_written(seed: int) -> None:
    transport = _LateWriter(seed)
    api = AsyncApi("patX.y", transport=transport, requests_per_second=10)
    async with api, anyio.create_task_group() as tg:
        for _ in range(200):
            tg.start_soon(api.request, "GET", "/v0/meta/whoami")
    assert len(transport.writes) == 200
    assert most_in_any_window(transport.writes, 1 / 0.92) <= 10


@virtual_time
@pytest.mark.anyio
async def test_a_start_is_moved_to_when_it_is_confirmed() -> None:
    limiter = RateLimiter(2, headroom=0.0)
    first = await limiter.acquire()
    second = await limiter.acquire()
    await anyio.sleep(0.3)
    # The first request reaches the socket only now: the window counts it now, so a
    # third start has to wait for the second to leave the window, not the first.
    moved = await limiter.confirm_start(first)
    assert moved == pytest.approx(first + 0.8)
    await limiter.acquire()
    assert anyio.current_time() == pytest.approx(second + 1.0)
    assert limiter.restate_start(moved) == pytest.approx(anyio.current_time())
