"""A confirmation with no terminal and no answer on stdin (cron, `< /dev/null`) says to
pass --yes, exits 2, and changes nothing; an answer piped in still works."""

from __future__ import annotations

import pytest

from airtable_enterprise.testing import Emulator

from .conftest import Invoke


def _share(emulator: Emulator) -> tuple[str, str]:
    base = next(
        b
        for b in emulator.world.bases.values()
        if any(s.state == "enabled" for s in b.shares.values())
    )
    share = next(s for s in base.shares.values() if s.state == "enabled")
    return base.id, share.id


@pytest.mark.parametrize("tty", [False, True], ids=["piped", "terminal"])
def test_no_answer_without_a_terminal_asks_for_yes(
    invoke: Invoke, invoke_tty: Invoke, emulator: Emulator, tty: bool
) -> None:
    base, share = _share(emulator)
    run = invoke_tty if tty else invoke
    result = run(["bases", "shares", base, "--disable", share])  # stdin: empty, not a tty
    assert result.exit_code == 2, result.output
    assert "pass --yes" in result.stderr
    assert emulator.world.bases[base].shares[share].state == "enabled"


def test_an_answer_on_stdin_still_counts(invoke: Invoke, emulator: Emulator) -> None:
    base, share = _share(emulator)
    result = invoke(["bases", "shares", base, "--disable", share], input="y\n")
    assert result.exit_code == 0, result.output
    assert emulator.world.bases[base].shares[share].state == "disabled"
