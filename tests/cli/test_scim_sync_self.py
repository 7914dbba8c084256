"""`scim sync --deactivate-missing` never deactivates the user the token acts as (a file
that forgets the admin running the sync must not lock them out)."""

from __future__ import annotations

from pathlib import Path

from airtable_enterprise.testing import Emulator

from .conftest import Invoke


def test_deactivate_missing_keeps_the_tokens_own_user(
    invoke: Invoke, emulator: Emulator, tmp_path: Path
) -> None:
    world = emulator.world
    admin = world.users[emulator.admin_id]
    assert admin.is_managed
    assert admin.state != "deactivated"
    other = next(
        u
        for u in world.users.values()
        if u.is_managed
        and u.id != admin.id
        and u.state != "deactivated"
        and u.account_id == world.root_id
    )
    source = tmp_path / "people.csv"
    source.write_text(f"email,first name,last name\n{other.email},Some,One\n")
    args = ["scim", "sync", "--from", str(source), "--deactivate-missing"]
    planned = invoke([*args, "--dry-run", "-f", "jsonl"])
    assert planned.exit_code == 0, planned.output
    assert admin.email not in planned.stdout
    assert f"{admin.email} (the token's own user) is kept active" in planned.stderr
    applied = invoke([*args, "--yes", "-f", "jsonl"])
    assert applied.exit_code == 0, applied.output
    assert world.users[admin.id].state != "deactivated"
    assert any(u.state == "deactivated" for u in world.users.values() if u.id != admin.id)
