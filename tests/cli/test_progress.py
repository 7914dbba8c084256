"""Progress an admin can read: the date reached and a percentage, rate-limit pauses
said out loud, "rerun with --resume" on Ctrl-C; `audit summary` people apart from
automation, a warning for an unknown event type."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from airtable_enterprise.cli import _checkpoint
from airtable_enterprise.cli._session import EmulatorSpec
from airtable_enterprise.testing import Emulator, generate_enterprise

from .conftest import Invoke
from .test_safety import ENV

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def test_export_progress_shows_the_date_reached_and_a_percentage(
    invoke_tty: Invoke, tmp_path: Path
) -> None:
    out = tmp_path / "events.jsonl"
    result = invoke_tty(
        ["audit", "export", "--since", "200d", "--out", str(out), "--page-size", "50"]
    )
    assert result.exit_code == 0, result.output
    progress = ANSI.sub("", result.stderr)
    assert re.search(r"\b\d{1,3}%", progress)
    assert re.search(r"reached 20\d\d-\d\d-\d\d \d\d:\d\d", progress)
    assert "100%" in progress
    assert not re.search(r"\d+/\d{5,}", progress)  # no unlabelled seconds


def test_export_progress_is_silent_when_stderr_is_not_a_terminal(
    invoke: Invoke, tmp_path: Path
) -> None:
    result = invoke(["audit", "export", "--since", "200d", "--out", str(tmp_path / "e.jsonl")])
    assert result.exit_code == 0, result.output
    assert "reached" not in result.stderr
    assert "%" not in result.stderr


@pytest.mark.parametrize("tty", [False, True], ids=["piped", "terminal"])
def test_a_rate_limit_pause_is_announced(tmp_path: Path, tty: bool) -> None:
    from click.testing import CliRunner

    from airtable_enterprise.cli import cli

    from .conftest import TtyRunner

    emulator = Emulator(
        generate_enterprise(seed=5, users=20, events=60),
        rate_limit=2,
        rate_limit_penalty=2 if tty else 1,  # on a terminal: several redraws of the bar
        retry_after_header=True,
    )
    out = tmp_path / "events.jsonl"
    runner = TtyRunner(env={**ENV, "COLUMNS": "120"}) if tty else CliRunner(env=ENV)
    result = runner.invoke(
        cli,
        ["audit", "export", "--since", "200d", "--out", str(out), "--page-size", "10"],
        obj=EmulatorSpec(emulator=emulator),
    )
    assert result.exit_code == 0, result.output
    assert emulator.stats.rate_limited > 0
    if tty:  # in the progress bar, with the time left
        assert re.search(r"rate limited: resuming in \d+ s", ANSI.sub("", result.stderr))
    else:  # one line per pause
        assert "rate limited by Airtable (HTTP 429): pausing" in result.stderr
    assert len(out.read_text().splitlines()) == 60


@pytest.mark.parametrize("tty", [False, True], ids=["piped", "terminal"])
def test_ctrl_c_during_an_export_says_rerun_with_resume(
    invoke: Invoke,
    invoke_tty: Invoke,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    tty: bool,
) -> None:
    saves = 0
    save = _checkpoint.Checkpoint.save

    def save_then_interrupt(self: _checkpoint.Checkpoint, path: Path) -> None:
        nonlocal saves
        save(self, path)
        saves += 1
        if saves == 3:
            raise KeyboardInterrupt

    monkeypatch.setattr(_checkpoint.Checkpoint, "save", save_then_interrupt)
    out = tmp_path / "events.jsonl"
    args = ["audit", "export", "--since", "200d", "--out", str(out), "--page-size", "50"]
    result = (invoke_tty if tty else invoke)(args)
    assert result.exit_code == 130, result.output
    assert "Traceback" not in result.output
    assert "rerun the same command with --resume" in result.stderr
    monkeypatch.setattr(_checkpoint.Checkpoint, "save", save)
    resumed = invoke([*args, "--resume"])
    assert resumed.exit_code == 0, resumed.output
    ids = [json.loads(line)["id"] for line in out.read_text().splitlines()]
    assert len(ids) == len(set(ids)) == 600


@pytest.mark.parametrize("tty", [False, True], ids=["piped", "terminal"])
def test_summary_by_user_puts_people_apart_from_automation(
    invoke: Invoke, invoke_tty: Invoke, emulator: Emulator, tty: bool
) -> None:
    args = ["audit", "summary", "--by", "user", "--since", "200d", "--top", "5"]
    result = (invoke_tty if tty else invoke)([*args, "--format", "csv"])
    assert result.exit_code == 0, result.output
    reader = csv.reader(io.StringIO(result.stdout))
    header = next(reader)
    assert header[0] == "key"
    rows = list(reader)
    kinds = [kind for _, kind, _ in rows]
    people = [row for row in rows if row[1] == "person"]
    assert len(people) == 5
    assert kinds == sorted(kinds, key=lambda kind: kind != "person")  # people first
    others = {key for key, kind, _ in rows if kind != "person"}
    assert "automation" in others
    assert not any("@" in key for key in others)
    expected = Counter(
        e.actor_email or e.actor_id for e in emulator.world.audit if e.actor_type == "user"
    )
    assert [int(count) for _, _, count in people] == [n for _, n in expected.most_common(5)]


def test_summary_streams_with_progress_on_a_terminal(invoke_tty: Invoke) -> None:
    result = invoke_tty(["audit", "summary", "--since", "200d"])
    assert result.exit_code == 0, result.output
    progress = ANSI.sub("", result.stderr)
    assert re.search(r"reached 20\d\d-\d\d-\d\d", progress)
    assert re.search(r"summary · top: \w+ \d+%", progress)  # a running aggregate
    assert "600 events by type" in ANSI.sub("", result.stdout)


@pytest.mark.parametrize("command", ["summary", "export"])
def test_an_unknown_event_type_warns(invoke: Invoke, command: str, tmp_path: Path) -> None:
    args = ["audit", command, "--since", "200d", "--event-type", "createBaes"]
    if command == "export":
        args += ["--out", str(tmp_path / "e.jsonl")]
    result = invoke(args)
    assert result.exit_code == 0, result.output
    assert "createBaes is not an event type Airtable documents" in result.stderr
    assert "did you mean createBase?" in result.stderr
    assert "no event matched" in result.stderr


@pytest.mark.parametrize(
    "event_type",
    [
        "viewBase",  # documented
        "viewInterface",  # not in Airtable's (partial) list, but it matches events
    ],
)
def test_an_event_type_that_matches_does_not_warn(invoke: Invoke, event_type: str) -> None:
    result = invoke(["audit", "summary", "--since", "200d", "--event-type", event_type])
    assert result.exit_code == 0, result.output
    assert "warning" not in result.stderr
    assert "no event matched" not in result.stderr


def test_a_typo_among_matching_types_still_warns(invoke: Invoke) -> None:
    args = ["audit", "summary", "--since", "200d", "--event-type", "viewBase"]
    result = invoke([*args, "--event-type", "loginUsr"])
    assert result.exit_code == 0, result.output
    assert "loginUsr is not an event type Airtable documents" in result.stderr
    assert "did you mean loginUser?" in result.stderr
    assert "no event matched" not in result.stderr
