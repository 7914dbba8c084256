"""``audit export``: every event exactly once, however the export was interrupted."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from airtable_enterprise.cli import _checkpoint
from airtable_enterprise.testing import Emulator

from .conftest import Invoke


def export(invoke: Invoke, out: Path, *extra: str) -> object:
    args = [
        "audit",
        "export",
        "--since",
        "2000-01-01T00:00:00Z",
        "--until",
        "2100-01-01T00:00:00Z",
        "--page-size",
        "50",
        "--out",
        str(out),
        *extra,
    ]
    return invoke(args)


def ids(path: Path) -> list[str]:
    if path.suffix == ".csv":
        return [row["id"] for row in csv.DictReader(io.StringIO(path.read_text()))]
    return [json.loads(line)["id"] for line in path.read_text().splitlines()]


def interrupt_on_save(monkeypatch: pytest.MonkeyPatch, when: int, *, after_write: bool) -> None:
    """Ctrl-C at the ``when``-th checkpoint save: before it is written (the page is in
    the output but not in the checkpoint) or just after."""
    original = _checkpoint.Checkpoint.save
    calls = 0

    def save(self: _checkpoint.Checkpoint, path: Path) -> None:
        nonlocal calls
        calls += 1
        if calls == when and not after_write:
            raise KeyboardInterrupt
        original(self, path)
        if calls == when and after_write:
            raise KeyboardInterrupt

    monkeypatch.setattr(_checkpoint.Checkpoint, "save", save)


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
@pytest.mark.parametrize("after_write", [False, True])
@pytest.mark.parametrize("when", [2, 7])  # save 1 is the header, 2 the first page
def test_interrupted_then_resumed_export_equals_an_uninterrupted_one(
    invoke: Invoke,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    suffix: str,
    after_write: bool,
    when: int,
) -> None:
    whole = tmp_path / f"whole{suffix}"
    result = export(invoke, whole)
    assert result.exit_code == 0, result.output
    assert len(ids(whole)) == 600
    assert not _checkpoint.checkpoint_path(whole).exists()

    part = tmp_path / f"part{suffix}"
    with monkeypatch.context() as patch:
        interrupt_on_save(patch, when, after_write=after_write)
        stopped = export(invoke, part)
    assert stopped.exit_code == 130
    assert "interrupted" in stopped.stderr
    assert "Traceback" not in stopped.output
    assert _checkpoint.checkpoint_path(part).exists()

    refused = export(invoke, part)
    assert refused.exit_code == 2
    assert "--resume" in refused.stderr

    resumed = export(invoke, part, "--resume")
    assert resumed.exit_code == 0, resumed.output
    assert part.read_bytes() == whole.read_bytes()
    assert len(set(ids(part))) == 600
    assert not _checkpoint.checkpoint_path(part).exists()


def test_stopped_before_the_first_checkpoint_starts_over(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "events.jsonl"
    with monkeypatch.context() as patch:
        interrupt_on_save(patch, 1, after_write=False)
        assert export(invoke, out).exit_code == 130
    assert not _checkpoint.checkpoint_path(out).exists()
    assert export(invoke, out, "--resume").exit_code == 2
    again = export(invoke, out)
    assert again.exit_code == 0, again.output
    assert len(set(ids(out))) == len(ids(out)) == 600


def test_resume_refuses_other_options(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "events.jsonl"
    with monkeypatch.context() as patch:
        interrupt_on_save(patch, 3, after_write=True)
        assert export(invoke, out).exit_code == 130
    other = export(invoke, out, "--resume", "--event-type", "createBase")
    assert other.exit_code == 2
    assert "event_types" in other.stderr
    assert len(other.stderr.strip().splitlines()) == 1


def test_resume_without_checkpoint_is_a_usage_error(invoke: Invoke, tmp_path: Path) -> None:
    result = export(invoke, tmp_path / "events.jsonl", "--resume")
    assert result.exit_code == 2
    assert "nothing to resume" in result.stderr


def test_export_filters_by_event_type_and_user_email(
    invoke: Invoke, emulator: Emulator, tmp_path: Path
) -> None:
    out = tmp_path / "events.jsonl"
    everything = tmp_path / "all.jsonl"
    assert export(invoke, everything).exit_code == 0
    events = [json.loads(line) for line in everything.read_text().splitlines()]
    actor = next(e["actor"]["user"] for e in events if e["actor"]["type"] == "user")
    result = export(invoke, out, "--event-type", "viewBase", "--user", actor["email"])
    assert result.exit_code == 0, result.output
    found = [json.loads(line) for line in out.read_text().splitlines()]
    expected = [
        e["id"]
        for e in events
        if e["action"] == "viewBase" and e["actor"].get("user", {}).get("id") == actor["id"]
    ]
    assert [e["id"] for e in found] == expected
