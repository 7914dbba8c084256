"""Safe to re-run, end to end: the real ``airtable-enterprise`` process against a served
emulator (issue 26). A leaver script revoking tokens twice succeeds twice; an unknown
token exits 5; a finished export is never overwritten without --force; --since-last runs
append exactly the events added in between (nothing lost, nothing written twice), and an
interrupted run is continued by the next one."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from airtable_enterprise.testing import BackgroundServer, Emulator, generate_enterprise
from airtable_enterprise.testing.http.faults import SlowResponse, StatusFault


@pytest.fixture
def served() -> Iterator[tuple[str, Emulator]]:
    emulator = Emulator(generate_enterprise(seed=8, users=40, events=700), token="patRerun.secret")
    with BackgroundServer(emulator) as server:
        yield server.url, emulator


def tool(url: str, emulator: Emulator, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRTABLE_")}
    env["AIRTABLE_TOKEN"] = emulator.token
    argv = [sys.executable, "-m", "airtable_enterprise", "--endpoint-url", url]
    argv += ["--enterprise", emulator.enterprise_id, *args]
    return subprocess.run(
        argv, capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=120
    )


def test_tokens_revoke_twice_succeeds_twice_and_an_unknown_token_exits_5(
    served: tuple[str, Emulator],
) -> None:
    url, emulator = served
    token = next(t for t in emulator.world.access_tokens.values() if t.state == "active")
    first = tool(url, emulator, "tokens", "revoke", token.id, "--yes")
    assert first.returncode == 0, first.stderr
    assert emulator.world.access_tokens[token.id].state == "deactivated"
    second = tool(url, emulator, "tokens", "revoke", token.id, "--yes")
    assert second.returncode == 0, second.stderr
    assert "already revoked" in second.stderr.lower()
    unknown = tool(url, emulator, "tokens", "revoke", "patAAAAAAAAAAAAAA", "--yes")
    assert unknown.returncode == 5, unknown.stderr
    assert "patAAAAAAAAAAAAAA" in unknown.stderr
    assert emulator.token not in first.stderr + second.stderr + unknown.stderr


@pytest.mark.parametrize("command", ["audit", "changes"])
def test_a_finished_export_is_not_overwritten_without_force(
    served: tuple[str, Emulator], tmp_path: Path, command: str
) -> None:
    url, emulator = served
    emulator.modify_base(next(iter(emulator.world.bases)), create_records=[{"Name": "x"}])
    out = tmp_path / "events.jsonl"
    # No settle wait for change events here: the emulator publishes at once.
    export = [command, "export", *(["--lag", "0"] if command == "changes" else [])]
    assert tool(url, emulator, *export, "--out", str(out)).returncode == 0
    finished = out.read_bytes()
    assert finished
    again = tool(url, emulator, *export, "--out", str(out), "--since", "1h")
    assert again.returncode == 2, again.stderr
    assert "--force" in again.stderr
    assert out.read_bytes() == finished
    forced = tool(url, emulator, *export, "--out", str(out), "--since", "1h", "--force")
    assert forced.returncode == 0, forced.stderr


def _ids(path: Path) -> list[str]:
    if path.suffix == ".csv":
        with path.open(newline="", encoding="utf-8") as stream:
            return [row["id"] for row in csv.DictReader(stream)]
    return [json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_audit_since_last_appends_exactly_the_new_events(
    served: tuple[str, Emulator], tmp_path: Path, suffix: str
) -> None:
    url, emulator = served
    out = tmp_path / f"audit{suffix}"
    run = ["audit", "export", "--out", str(out), "--since-last", "--page-size", "100"]
    first = tool(url, emulator, *run)
    assert first.returncode == 0, first.stderr
    assert sorted(_ids(out)) == sorted(e.id for e in emulator.world.audit)
    # Between the runs: new events, and one Airtable makes readable late (its timestamp
    # before the first run's end).
    added = [emulator.make_event("createBase")["id"] for _ in range(3)]
    late = emulator.make_event("deleteBase", timestamp=emulator.world.now() - timedelta(minutes=3))
    size = out.stat().st_size
    second = tool(url, emulator, *run)
    assert second.returncode == 0, second.stderr
    ids = _ids(out)
    assert len(ids) == len(set(ids))  # nothing written twice
    assert sorted(ids) == sorted(e.id for e in emulator.world.audit)  # nothing lost
    assert set(ids[-4:]) == {*added, late["id"]}
    assert out.stat().st_size > size
    unchanged = out.read_bytes()
    third = tool(url, emulator, *run)
    assert third.returncode == 0, third.stderr
    assert out.read_bytes() == unchanged  # no new event: nothing appended


def test_an_interrupted_since_last_run_is_continued_by_the_next(
    served: tuple[str, Emulator], tmp_path: Path
) -> None:
    url, emulator = served
    out = tmp_path / "audit.jsonl"
    run = ["audit", "export", "--out", str(out), "--since-last", "--page-size", "100"]
    assert tool(url, emulator, *run).returncode == 0
    for _ in range(250):
        emulator.make_event("viewBase")
    # The second run gets two pages, then a 401 (no retry): it stops with a checkpoint.
    emulator.faults.add(r"/auditLogEvents$", SlowResponse(0), SlowResponse(0), StatusFault(401))
    broken = tool(url, emulator, *run)
    assert broken.returncode == 3, broken.stderr
    assert Path(f"{out}.checkpoint").exists()
    resumed = tool(url, emulator, *run)
    assert resumed.returncode == 0, resumed.stderr
    ids = _ids(out)
    assert len(ids) == len(set(ids))
    assert sorted(ids) == sorted(e.id for e in emulator.world.audit)
    assert not Path(f"{out}.checkpoint").exists()


def test_changes_since_last_appends_exactly_the_new_events(
    served: tuple[str, Emulator], tmp_path: Path
) -> None:
    url, emulator = served
    base = next(iter(emulator.world.bases))
    first_batch = [emulator.modify_base(base, create_records=[{"Name": f"a{i}"}]) for i in range(3)]
    out = tmp_path / "changes.jsonl"
    run = ["changes", "export", "--lag", "0", "--out", str(out), "--since-last"]
    assert tool(url, emulator, *run).returncode == 0
    assert {e["id"] for e in first_batch} <= set(_ids(out))
    before = _ids(out)
    second_batch = [
        emulator.modify_base(base, create_records=[{"Name": f"b{i}"}]) for i in range(4)
    ]
    second = tool(url, emulator, *run)
    assert second.returncode == 0, second.stderr
    ids = _ids(out)
    assert len(ids) == len(set(ids))
    assert ids[: len(before)] == before
    assert set(ids[len(before) :]) == {e["id"] for e in second_batch}


def test_since_last_refuses_a_file_it_did_not_write(
    served: tuple[str, Emulator], tmp_path: Path
) -> None:
    url, emulator = served
    out = tmp_path / "audit.jsonl"
    assert (
        tool(url, emulator, "audit", "export", "--out", str(out), "--since", "1d").returncode == 0
    )
    refused = tool(url, emulator, "audit", "export", "--out", str(out), "--since-last")
    assert refused.returncode == 2
    assert "--since-last" in refused.stderr


def test_since_last_runs_must_share_their_filters_and_enterprise(
    served: tuple[str, Emulator], tmp_path: Path
) -> None:
    url, emulator = served
    out = tmp_path / "audit.jsonl"
    run = ["audit", "export", "--out", str(out), "--since-last", "--event-type", "createBase"]
    assert tool(url, emulator, *run).returncode == 0
    other = tool(url, emulator, "audit", "export", "--out", str(out), "--since-last")
    assert other.returncode == 2
    assert "event_types" in other.stderr
    elsewhere = tool(
        url, emulator, "--enterprise", emulator.world.descendant_ids()[0], *run
    )  # the last --enterprise wins
    assert elsewhere.returncode == 2
    assert "enterprise" in elsewhere.stderr


def test_a_longer_overlap_later_repeats_nothing(
    served: tuple[str, Emulator], tmp_path: Path
) -> None:
    url, emulator = served
    out = tmp_path / "audit.jsonl"
    run = ["audit", "export", "--out", str(out), "--since-last"]
    for overlap in ("1m", "1d", "1d", "5m"):
        # Readable 10 s late: within every overlap used here.
        emulator.make_event("createBase", timestamp=emulator.world.now() - timedelta(seconds=10))
        emulator.make_event("updateBaseName")
        result = tool(url, emulator, *run, "--overlap", overlap)
        assert result.returncode == 0, result.stderr
        ids = _ids(out)
        assert len(ids) == len(set(ids)), overlap
    assert sorted(_ids(out)) == sorted(e.id for e in emulator.world.audit)
