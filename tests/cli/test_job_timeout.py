"""``--timeout`` on the commands that wait for a job: the wait ends, the job goes on."""

from __future__ import annotations

import pytest

from airtable_enterprise.testing import Emulator, generate_enterprise

from .conftest import Invoke


@pytest.fixture
def emulator() -> Emulator:
    """Jobs that take an hour of (real) world time: no wait here ever sees them done."""
    return Emulator(generate_enterprise(seed=3, users=40, events=100), job_duration=3600)


@pytest.mark.parametrize(
    "command",
    [
        ["exports", "create", "--base", "{base}", "--wait"],
        ["exports", "get", "{export}", "--download", "{dir}"],
        ["audit", "requests", "create", "--period", "{day}", "--wait"],
        ["audit", "requests", "get", "{request}", "--wait"],
    ],
)
def test_a_job_wait_stops_after_timeout_and_the_job_goes_on(
    invoke: Invoke, emulator: Emulator, command: list[str], tmp_path: object
) -> None:
    base = next(iter(emulator.world.bases))
    export = invoke(["exports", "create", "--base", base, "-f", "jsonl"])
    day = emulator.world.now().date().isoformat()
    request = invoke(["audit", "requests", "create", "--period", day, "-f", "jsonl"])
    assert export.exit_code == 0, export.output
    assert request.exit_code == 0, request.output
    [export_job] = emulator.world.jobs.of_kind("export")
    [request_job] = emulator.world.jobs.of_kind("auditLog")
    args = [
        a.format(base=base, export=export_job.id, request=request_job.id, day=day, dir=tmp_path)
        for a in command
    ]
    result = invoke([*args, "--timeout", "0.3"])
    assert result.exit_code == 1, result.output
    assert "not finished after 0.3 s" in result.stderr
    assert "goes on server-side" in result.stderr
    assert not any(job.finished for job in emulator.world.jobs.jobs.values())


@pytest.mark.parametrize("value", ["0", "-1", "soon"])
def test_timeout_must_be_a_positive_number(invoke: Invoke, value: str) -> None:
    result = invoke(["exports", "get", "etkAAAAAAAAAAAAAA", "--wait", "--timeout", value])
    assert result.exit_code == 2
    assert "Invalid value for '--timeout'" in result.stderr
