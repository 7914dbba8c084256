"""The job and change-feed commands: exports, audit requests, changes."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from airtable_enterprise.testing import Emulator, generate_enterprise

from ..helpers import last_full_month
from .conftest import Invoke


@pytest.fixture
def emulator() -> Emulator:
    """Jobs finish in a tenth of a second of (real) world time."""
    world = generate_enterprise(seed=3, users=40, events=400)
    return Emulator(world, job_duration=0.1, audit_events_per_file=30)


def a_base(emulator: Emulator) -> str:
    return next(iter(emulator.world.bases))


def lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_exports_create_wait_download_then_list_and_get(
    invoke: Invoke, emulator: Emulator, tmp_path: Path
) -> None:
    base_id = a_base(emulator)
    result = invoke(
        [
            "exports",
            "create",
            "--base",
            base_id,
            "--csv",
            "--download",
            str(tmp_path),
            "-f",
            "jsonl",
        ]
    )
    assert result.exit_code == 0, result.output
    [export] = lines(result.stdout)
    assert export["state"] == "done"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        f"{export['id']}.csv.zip",
        f"{export['id']}.json",
    ]
    assert json.loads((tmp_path / f"{export['id']}.json").read_text())["base"]["id"] == base_id
    assert emulator.files.stats.authorization_rejected == 0

    listed = invoke(["exports", "list", "-f", "jsonl"])
    assert [e["id"] for e in lines(listed.stdout)] == [export["id"]]
    got = invoke(["exports", "get", str(export["id"]), "-f", "jsonl"])
    assert lines(got.stdout)[0]["state"] == "done"


def test_ctrl_c_while_waiting_leaves_the_export_running_and_says_how_to_resume(
    invoke: Invoke, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airtable_enterprise.jobs.exports import Exports

    async def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Exports, "wait", interrupted)
    result = invoke(["exports", "create", "--base", a_base(emulator), "--wait"])
    assert result.exit_code == 130
    [job] = emulator.world.jobs.of_kind("export")
    assert f"exports get {job.id} --wait" in result.stderr
    assert "keeps running" in result.stderr


def test_audit_requests_create_list_get_and_stream_events(
    invoke: Invoke, emulator: Emulator, tmp_path: Path
) -> None:
    period = last_full_month(emulator.world.now())
    result = invoke(
        [
            "audit",
            "requests",
            "create",
            "--period",
            period,
            "--download",
            str(tmp_path),
            "-f",
            "jsonl",
        ]
    )
    assert result.exit_code == 0, result.output
    [request] = lines(result.stdout)
    assert request["state"] == "done"
    downloaded = [
        json.loads(line)
        for path in sorted(tmp_path.iterdir())
        for line in gzip.decompress(path.read_bytes()).splitlines()
    ]
    streamed = invoke(["audit", "requests", "events", str(request["id"])])
    assert streamed.exit_code == 0, streamed.output
    assert lines(streamed.stdout) == downloaded
    assert len(downloaded) > 30  # several files
    listed = invoke(["audit", "requests", "list", "-f", "jsonl"])
    assert [r["id"] for r in lines(listed.stdout)] == [request["id"]]
    got = invoke(["audit", "requests", "get", str(request["id"]), "-f", "jsonl"])
    assert lines(got.stdout)[0]["timePeriod"] == period
    assert emulator.files.stats.authorization_rejected == 0


def test_audit_requests_refuse_a_bad_period(invoke: Invoke) -> None:
    result = invoke(["audit", "requests", "create", "--period", "2019-01"])
    assert result.exit_code == 2
    assert "180 days" in result.stderr


def test_changes_export_and_resume_write_each_event_once(
    invoke: Invoke, emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "changes.jsonl"
    first = invoke(["changes", "export", "--lag", "0", "--since", "14d", "--out", str(out)])
    assert first.exit_code == 0, first.output
    everything = [e["id"] for e in lines(out.read_text())]
    assert len(everything) == len(emulator.world.changes)
    assert everything == sorted(everything)  # oldest first (ULID-like ids sort by time)

    # An interrupted export: stop after 150 events (one checkpoint at 100 written).
    import importlib

    module = importlib.import_module("airtable_enterprise.cli.changes")

    out.unlink()
    real_saved = module._saved
    calls = 0

    def crash_after_first_checkpoint(*args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        if calls == 2:
            raise KeyboardInterrupt
        return real_saved(*args, **kwargs)

    monkeypatch.setattr(module, "_saved", crash_after_first_checkpoint)
    stopped = invoke(["changes", "export", "--lag", "0", "--since", "14d", "--out", str(out)])
    assert stopped.exit_code == 130
    assert (tmp_path / "changes.jsonl.checkpoint").exists()
    monkeypatch.setattr(module, "_saved", real_saved)
    resumed = invoke(
        ["changes", "export", "--lag", "0", "--since", "14d", "--out", str(out), "--resume"]
    )
    assert resumed.exit_code == 0, resumed.output
    assert [e["id"] for e in lines(out.read_text())] == everything
    assert not (tmp_path / "changes.jsonl.checkpoint").exists()


def test_changes_tail_prints_new_events(invoke: Invoke, emulator: Emulator) -> None:
    result = invoke(
        ["changes", "tail", "--since", "14d", "--max-events", "3", "--poll-interval", "0.05"]
    )
    assert result.exit_code == 0, result.output
    assert len(lines(result.stdout)) == 3


def test_changes_that_are_not_enabled_fail_with_a_clear_message(
    invoke: Invoke, emulator: Emulator, tmp_path: Path
) -> None:
    emulator.world.changes.enabled = False
    result = invoke(["changes", "export", "--lag", "0", "--out", str(tmp_path / "x.jsonl")])
    assert result.exit_code == 4
    assert "admin panel" in result.stderr


@pytest.mark.parametrize("download", [True, False])
def test_ctrl_c_names_the_download_directory_given(
    invoke: Invoke,
    emulator: Emulator,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    download: bool,
) -> None:
    from airtable_enterprise.jobs.exports import Exports

    async def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Exports, "wait", interrupted)
    target = tmp_path / "my exports"
    extra = ["--download", str(target)] if download else []
    result = invoke(["exports", "create", "--base", a_base(emulator), "--wait", *extra])
    assert result.exit_code == 130
    [job] = emulator.world.jobs.of_kind("export")
    hint = " ".join(result.stderr.split())  # the console may wrap the line
    if download:
        assert f"exports get {job.id} --wait --download '{target}'" in hint
    else:
        assert f"exports get {job.id} --wait" in hint
        assert "DIR" not in hint
