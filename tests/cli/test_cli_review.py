"""Hostile review of the CLI of issue 26: input that cannot be sent, paths that are not
what they look like, --since-last state that lies, runs that overlap or crash."""

from __future__ import annotations

from pathlib import Path

import pytest

from airtable_enterprise.cli.raw_api import parse_field
from airtable_enterprise.testing import Emulator

from .conftest import Invoke


@pytest.mark.parametrize(
    "body", ['{"name": NaN}', '{"name": Infinity}', "[" * 100_000, '{"n": 1' + "0" * 5000 + "}"]
)
def test_input_that_cannot_be_sent_as_json_exits_2_before_any_request(
    invoke: Invoke, emulator: Emulator, tmp_path: Path, body: str
) -> None:
    source = tmp_path / "body.json"
    source.write_text(body)
    emulator.stats.reset()
    result = invoke(["api", "POST", "/v0/meta/workspaces", "--input", str(source)])
    assert result.exit_code == 2, result.output
    assert "is not JSON" in result.stderr
    assert emulator.stats.requests == 0


@pytest.mark.parametrize("value", ["[NaN]", "9" * 5000])
def test_a_field_python_cannot_send_as_a_json_value_stays_the_text_typed(value: str) -> None:
    assert parse_field(f"a={value}", typed=True) == ("a", value)


@pytest.mark.parametrize(
    "path",
    [
        "//evil.example.com/v0/meta/whoami",
        "/scim/v2/../../v0/meta/whoami",
        "/v0/meta/users/../whoami",
        "/v0/meta/%2e%2e/v0/meta/whoami",
        "/v0/meta/./whoami",
    ],
)
def test_a_path_that_is_not_the_path_sent_exits_2_before_any_request(
    invoke: Invoke, emulator: Emulator, path: str
) -> None:
    emulator.stats.reset()
    result = invoke(["api", "GET", path])
    assert result.exit_code == 2, result.output
    assert "segment" in result.stderr
    assert emulator.stats.requests == 0


def _state_run(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A completed run's checkpoint over [12:00, 13:00), its end and a 15m overlap."""
    from datetime import UTC, datetime, timedelta

    from airtable_enterprise.cli._checkpoint import Checkpoint

    end = datetime(2026, 12, 7, 13, 0, tzinfo=UTC)
    query = {
        "format": "jsonl",
        "resolved_start": "2026-12-07T12:00:00.000Z",
        "resolved_end": "2026-12-07T13:00:00.000Z",
        "resolved_append_from": 0,
    }
    return Checkpoint(query=query, offset=0), end, timedelta(minutes=15)


def test_a_timestamp_without_a_zone_does_not_break_the_state_save(tmp_path: Path) -> None:
    from airtable_enterprise.cli._since_last import RunState, finish_run, state_path

    out = tmp_path / "events.jsonl"
    # The models read a zoneless timestamp as UTC, so such an event is written.
    out.write_text('{"id": "e1", "timestamp": "2026-12-07T12:55:00"}\n')
    checkpoint, _, overlap = _state_run(tmp_path)
    finish_run(out, checkpoint, None, overlap, "jsonl")
    assert set(RunState.load(state_path(out)).seen) == {"e1"}


def test_a_state_with_a_bad_seen_time_is_refused_before_anything_is_appended(
    invoke: Invoke, tmp_path: Path
) -> None:
    import json

    from airtable_enterprise.cli._since_last import RunState, state_path

    out = tmp_path / "events.jsonl"
    out.write_text("")
    _, end, overlap = _state_run(tmp_path)
    state = RunState(end=end, size=0, cover=end - overlap, seen={"e1": "garbage"})
    state.save(state_path(out))
    before = json.loads(state_path(out).read_text())
    result = invoke(["audit", "export", "--out", str(out), "--since-last"])
    assert result.exit_code == 2, result.output
    assert "delete it to start over" in result.stderr
    assert out.read_text() == ""
    assert json.loads(state_path(out).read_text()) == before


def test_a_run_killed_between_its_first_append_and_checkpoint_is_continued(
    invoke: Invoke, emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json
    from datetime import timedelta

    from airtable_enterprise.cli._checkpoint import Checkpoint

    out = tmp_path / "events.jsonl"
    run = ["audit", "export", "--out", str(out), "--since-last", "--page-size", "100"]
    assert invoke(run).exit_code == 0
    # A minute back: inside the next run's window whatever the clocks' small skew.
    earlier = emulator.world.now() - timedelta(minutes=1)
    for _ in range(5):
        emulator.make_event("viewBase", timestamp=earlier)
    save = Checkpoint.save

    def dies_after_a_page(self: Checkpoint, path: Path) -> None:
        if self.pages:  # the page is on disk, its checkpoint is not
            raise KeyboardInterrupt
        save(self, path)

    with monkeypatch.context() as patched:
        patched.setattr(Checkpoint, "save", dies_after_a_page)
        assert invoke(run).exit_code != 0
    again = invoke(run)
    assert again.exit_code == 0, again.output
    ids = [json.loads(line)["id"] for line in out.read_text().splitlines()]
    assert len(ids) == len(set(ids))
    assert sorted(ids) == sorted(event.id for event in emulator.world.audit)


@pytest.mark.parametrize("command", ["audit", "changes"])
def test_a_second_run_on_the_same_file_exits_1_and_writes_nothing(
    invoke: Invoke, tmp_path: Path, command: str
) -> None:
    fcntl = pytest.importorskip("fcntl")
    out = tmp_path / "events.jsonl"
    run = [command, "export", "--out", str(out), "--since-last"]
    assert invoke(run).exit_code == 0  # the lock is released when a command ends
    before = out.read_bytes()
    with (tmp_path / "events.jsonl.lock").open("a") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)  # a run still writing the file
        result = invoke(run)
        assert result.exit_code == 1, result.output
        assert "another run is writing" in result.stderr
        assert not (tmp_path / "events.jsonl.checkpoint").exists()
        forced = invoke([command, "export", "--out", str(out), "--force"])
        assert forced.exit_code == 1, forced.output
    assert out.read_bytes() == before
    assert invoke(run).exit_code == 0


def _me(invoke: Invoke) -> str:
    import json

    result = invoke(["whoami", "--format", "json"])
    assert result.exit_code == 0, result.output
    return str(json.loads(result.stdout)["id"])


def test_deactivating_or_deleting_the_tokens_own_user_needs_allow_self(
    invoke: Invoke, emulator: Emulator
) -> None:
    me = _me(invoke)
    other = next(u.id for u in emulator.world.users.values() if u.id != me)
    for command in (
        ["users", "update", me, other, "--state", "deactivated"],
        ["users", "delete", other, me, "--yes"],
    ):
        result = invoke(command)
        assert result.exit_code == 2, result.output
        assert "the token's own user" in result.stderr
        assert "--allow-self" in result.stderr
        assert emulator.world.users[me].state != "deactivated"
        assert other in emulator.world.users
        assert emulator.world.users[other].state != "deactivated"
    # Another user: no question; --allow-self: the request is sent.
    assert invoke(["users", "update", other, "--state", "deactivated"]).exit_code == 0
    emulator.stats.reset()
    invoke(["users", "update", me, "--state", "deactivated", "--allow-self"])
    assert any(key.startswith("PATCH ") for key in emulator.stats.routes)


class _OnePage:
    """Answers one last page, recording the query of each request."""

    def __init__(self) -> None:
        self.queries: list[object] = []

    async def request(self, method: str, path: str, **kwargs: object) -> object:
        self.queries.append(kwargs.get("params"))
        return {"events": [{"id": "e1"}], "Resources": [], "totalResults": 0}


@pytest.mark.parametrize(
    ("path", "given"),
    [
        ("/v0/meta/enterpriseAccounts/entA/changeEvents", ("offset", "itrX/recY")),
        ("/v0/meta/enterpriseAccounts/entA/auditLogEvents", ("previous", "cursorZ")),
        ("/scim/v2/Users", ("startIndex", "51")),
    ],
)
def test_paginate_starts_at_the_cursor_given(path: str, given: tuple[str, str]) -> None:
    import anyio

    from airtable_enterprise.cli.raw_api import _pages, paging_for

    api = _OnePage()
    session = type("S", (), {"api": api})()
    paging = paging_for("GET", path, {})
    assert paging is not None

    async def main() -> None:
        pages = _pages(session, "GET", path, [given, ("pageSize", "10")], None, paging, None, None)  # type: ignore[arg-type]
        async for _ in pages:
            pass

    anyio.run(main)
    assert given in api.queries[0]  # type: ignore[operator]


def test_a_csv_id_a_spreadsheet_would_run_is_read_back_as_sent(tmp_path: Path) -> None:
    from airtable_enterprise.cli._output import csv_cell
    from airtable_enterprise.cli._since_last import _written

    out = tmp_path / "events.csv"
    ids = ["=evt", "+evt", "-evt", "@evt", "\tevt", "plain", "'quoted"]
    rows = "".join(f'"{csv_cell(i)}",2026-12-07T12:55:00.000Z\n' for i in ids)
    out.write_text("id,timestamp\n" + rows, encoding="utf-8")
    # The seen IDs must be the event IDs: the next run skips by event.id.
    assert [event_id for event_id, _ in _written(out, 0, "csv")] == ids


def test_a_run_that_wrote_nothing_does_not_bind_the_next_to_its_options(
    invoke: Invoke, tmp_path: Path
) -> None:
    out = tmp_path / "events.jsonl"
    run = ["audit", "export", "--out", str(out), "--since-last"]
    typo = invoke([*run, "--user", "nobody@nowhere.example", "--page-size", "50"])
    assert typo.exit_code == 5, typo.output
    fixed = invoke(run)
    assert fixed.exit_code == 0, fixed.output
    assert not Path(f"{out}.checkpoint").exists()


@pytest.mark.parametrize("command", ["audit", "changes"])
def test_an_out_in_a_missing_folder_exits_2_before_any_request(
    invoke: Invoke, emulator: Emulator, tmp_path: Path, command: str
) -> None:
    pytest.importorskip("fcntl")
    emulator.stats.reset()
    result = invoke([command, "export", "--out", str(tmp_path / "nowhere" / "events.jsonl")])
    assert result.exit_code == 2, result.output
    assert "cannot write" in result.stderr
    assert emulator.stats.requests == 0


def test_an_out_that_cannot_be_written_is_refused_before_the_change_is_made(
    invoke: Invoke, emulator: Emulator, tmp_path: Path
) -> None:
    me = _me(invoke)
    other = next(u for u in emulator.world.users.values() if u.id != me)
    emulator.stats.reset()
    nowhere = str(tmp_path / "nowhere" / "user.json")
    result = invoke(["users", "update", other.id, "--first-name", "Renamed", "--out", nowhere])
    assert result.exit_code == 2, result.output
    assert "cannot write" in result.stderr
    assert emulator.stats.requests == 0
    assert emulator.world.users[other.id].first_name != "Renamed"
    listed = invoke(["users", "export", "--out", nowhere])
    assert listed.exit_code == 2, listed.output


def test_a_state_that_ends_after_now_is_refused_not_moved_back(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from airtable_enterprise.cli._errors import CliError
    from airtable_enterprise.cli._since_last import RunState, begin_run, state_path

    out = tmp_path / "events.jsonl"
    out.write_text('{"id": "e1"}\n')
    now = datetime(2026, 12, 7, 13, 0, tzinfo=UTC)
    query = {"format": "jsonl", "since_last": True}
    later = now + timedelta(days=300)
    state = RunState(end=later, size=out.stat().st_size, cover=later, query=query)
    state.save(state_path(out))
    with pytest.raises(CliError, match="after now") as refused:
        begin_run(
            query,
            out,
            tmp_path / "events.jsonl.checkpoint",
            start=now - timedelta(days=1),
            end=now,
            overlap=timedelta(minutes=15),
            force=False,
        )
    assert refused.value.exit_code == 2
    assert not (tmp_path / "events.jsonl.checkpoint").exists()


def test_bad_times_leave_no_lock_file(invoke: Invoke, tmp_path: Path) -> None:
    out = tmp_path / "events.jsonl"
    result = invoke(["audit", "export", "--since", "yesterday-ish", "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert list(tmp_path.iterdir()) == []
