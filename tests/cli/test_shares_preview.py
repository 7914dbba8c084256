"""`bases shares --disable/--delete`: the preview says what happens to each share, piped
too, and one share cannot be both disabled and deleted."""

from __future__ import annotations

import json

from airtable_enterprise.testing import Emulator

from .conftest import Invoke


def two_shares(emulator: Emulator) -> tuple[str, str, str]:
    base = next(b for b in emulator.world.bases.values() if len(b.shares) >= 2)
    first, second = list(base.shares)[:2]
    return base.id, first, second


def test_a_piped_preview_names_the_action_of_each_share(invoke: Invoke, emulator: Emulator) -> None:
    base, first, second = two_shares(emulator)
    args = ["bases", "shares", base, "--disable", first, "--delete", second, "--dry-run"]
    result = invoke(args)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert {(r["shareId"], r["action"]) for r in rows} == {(first, "disable"), (second, "delete")}
    assert set(emulator.world.bases[base].shares) >= {first, second}


def test_a_share_both_disabled_and_deleted_is_refused(invoke: Invoke, emulator: Emulator) -> None:
    base, first, _ = two_shares(emulator)
    result = invoke(["bases", "shares", base, "--disable", first, "--delete", first, "--yes"])
    assert result.exit_code == 2
    assert "more than one of --enable, --disable, --delete" in result.stderr
    assert first in emulator.world.bases[base].shares
