"""The one "poll until done" helper: backoff, cap, timeout, progress, cancellation."""

from __future__ import annotations

import anyio
import attrs
import pytest

from airtable_enterprise import InvalidInputError
from airtable_enterprise.errors import JobTimeoutError, ResponseValidationError
from airtable_enterprise.jobs.polling import offset_pages, poll_until_done

pytestmark = pytest.mark.anyio


@attrs.frozen
class FakeJob:
    id: str
    state: str

    @property
    def is_finished(self) -> bool:
        return self.state in ("done", "error")


class Script:
    """Answers the states in order, repeating the last; records the sleeps asked for."""

    def __init__(self, *states: str) -> None:
        self.states = list(states)
        self.calls = 0
        self.sleeps: list[float] = []

    async def fetch(self) -> FakeJob:
        self.calls += 1
        state = self.states[min(self.calls - 1, len(self.states) - 1)]
        return FakeJob("etkAAAAAAAAAAAAAA", state)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)


async def test_polls_until_done_with_a_growing_capped_interval() -> None:
    script = Script("pending", "pending", "processing", "processing", "processing", "done")
    seen: list[str] = []
    job = await poll_until_done(
        script.fetch,
        poll=1.0,
        max_poll=2.0,
        sleep=script.sleep,
        on_progress=lambda j: seen.append(j.state),
    )
    assert job.state == "done"
    assert script.calls == 6
    assert script.sleeps == [1.0, 1.5, 2.0, 2.0, 2.0]
    # on_progress runs once per state change, not per poll.
    assert seen == ["pending", "processing", "done"]


async def test_an_error_state_is_final_too() -> None:
    script = Script("processing", "error")
    job = await poll_until_done(script.fetch, poll=0.5, sleep=script.sleep)
    assert job.state == "error"
    assert script.calls == 2


async def test_a_known_final_state_sends_no_request() -> None:
    script = Script("pending")
    job = await poll_until_done(script.fetch, first=FakeJob("etkAAAAAAAAAAAAAA", "done"))
    assert job.state == "done"
    assert script.calls == 0


async def test_timeout_raises_with_the_last_state_and_the_job_id() -> None:
    script = Script("processing")
    with pytest.raises(JobTimeoutError) as caught:
        await poll_until_done(script.fetch, timeout=0.05, poll=0.01, max_poll=0.01)
    assert caught.value.job_id == "etkAAAAAAAAAAAAAA"
    assert isinstance(caught.value.job, FakeJob)
    assert isinstance(caught.value, TimeoutError)
    assert script.calls >= 2


async def test_cancelling_the_wait_stops_polling() -> None:
    script = Script("processing")
    with anyio.move_on_after(0.05) as scope:
        await poll_until_done(script.fetch, poll=0.01, max_poll=0.01)
    assert scope.cancelled_caught
    calls = script.calls
    await anyio.sleep(0.05)
    assert script.calls == calls  # nothing left running


@pytest.mark.parametrize(
    ("argument", "value"), [("poll", 0), ("max_poll", -1), ("timeout", 0), ("poll", True)]
)
async def test_bad_wait_arguments_are_refused_before_any_request(
    argument: str, value: object
) -> None:
    script = Script("done")
    with pytest.raises(InvalidInputError):
        await poll_until_done(script.fetch, **{argument: value})  # type: ignore[arg-type]
    assert script.calls == 0


async def test_offset_pages_walks_until_the_offset_is_absent() -> None:
    pages = {None: ([1, 2], 2), 2: ([3, 4], 4), 4: ([5], None)}

    async def fetch(offset: int | str | None) -> tuple[list[int], int | str | None]:
        return pages[offset]  # type: ignore[index]

    assert [i async for i in offset_pages(fetch, path="/x")] == [1, 2, 3, 4, 5]


async def test_an_offset_that_comes_back_is_an_error_not_a_loop() -> None:
    async def fetch(offset: int | str | None) -> tuple[list[int], int | str | None]:
        return [1], 10

    with pytest.raises(ResponseValidationError):
        _ = [i async for i in offset_pages(fetch, path="/x")]


@pytest.mark.parametrize("states", [("queued",), ("pending", "paused"), ("pending", "DONE"), ("",)])
async def test_a_state_the_reference_does_not_list_is_a_typed_error_not_a_wait(
    states: tuple[str, ...],
) -> None:
    """Without a timeout, an unknown state would be polled forever."""
    script = Script(*states)
    with pytest.raises(ResponseValidationError, match=repr(states[-1])) as caught:
        await poll_until_done(script.fetch, sleep=script.sleep, path="/v0/x/exports/etk1")
    assert caught.value.path == "/v0/x/exports/etk1"
    assert script.calls == len(states)


async def test_an_unknown_state_given_as_first_is_refused_before_any_poll() -> None:
    script = Script("done")
    with pytest.raises(ResponseValidationError, match="job etkAAAAAAAAAAAAAA"):
        await poll_until_done(script.fetch, first=FakeJob("etkAAAAAAAAAAAAAA", "archived"))
    assert script.calls == 0
