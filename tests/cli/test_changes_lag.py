"""`changes export --lag` / `changes tail --lag`: the settle lag of change events
(issue 23, point 2) reaches the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from airtable_enterprise.resources.change_events import ChangeEvents

from .conftest import Invoke


@pytest.fixture
def lags(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The ``lag`` of every feed the commands open."""
    seen: list[float] = []
    real_init = ChangeEvents.__init__

    def spy(self: ChangeEvents, *args: object, **kwargs: object) -> None:
        real_init(self, *args, **kwargs)  # type: ignore[arg-type]
        seen.append(self._lag.total_seconds())

    monkeypatch.setattr(ChangeEvents, "__init__", spy)
    return seen


def test_export_passes_lag_and_says_when_it_waits_for_its_end(
    invoke: Invoke, tmp_path: Path, lags: list[float]
) -> None:
    settled = invoke(["changes", "export", "--until", "2m", "--out", str(tmp_path / "a.jsonl")])
    assert settled.exit_code == 0, settled.output
    assert "waits" not in settled.stderr  # two minutes ago is older than the 60 s default
    recent = invoke(
        ["changes", "export", "--lag", "1.5", "--until", "1s", "--out", str(tmp_path / "b.jsonl")]
    )
    assert recent.exit_code == 0, recent.output
    assert "waits until that is 1.5 s old" in recent.stderr
    assert lags == [60.0, 1.5]


def test_an_export_up_to_now_ends_a_lag_ago_instead_of_waiting(
    invoke: Invoke, tmp_path: Path
) -> None:
    # With no --until, the export ends --lag before now (the settled part of the feed):
    # it never sits out the 60 s default, and a --since-last run reads on from there.
    out = tmp_path / "c.jsonl"
    result = invoke(["changes", "export", "--since", "14d", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "waits" not in result.stderr
    assert out.read_text().count("\n") > 0


def test_tail_passes_lag(invoke: Invoke, lags: list[float]) -> None:
    args = ["--since", "14d", "--max-events", "2", "--lag", "5", "--poll-interval", "0.05"]
    result = invoke(["changes", "tail", *args])
    assert result.exit_code == 0, result.output
    assert len([json.loads(line) for line in result.stdout.splitlines()]) == 2
    assert lags == [5.0]


@pytest.mark.parametrize("value", ["-1", "nan", "2000000"])
def test_a_bad_lag_is_a_usage_error(invoke: Invoke, tmp_path: Path, value: str) -> None:
    result = invoke(["changes", "export", "--lag", value, "--out", str(tmp_path / "c.jsonl")])
    assert result.exit_code == 2, result.output
    assert "--lag" in result.stderr
