"""The generator's HyperDB data tables (REFERENCE §16): a few per generated enterprise,
with records, drawn from their own random source so every other object of a seed's
world stays as it was."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from .._wire import make_id
from ..world.data_tables import CellValue, DataTable
from ..world.state import World

__all__ = ["add_data_tables"]

#: (name, primary-key prefix, fields and how to draw each value).
_TABLES = (
    ("Device inventory", "dev", ("hostname", "os", "ram_gb", "last_seen_days")),
    ("Cost centers", "cc", ("name", "owner_email", "budget", "region")),
    ("Contracts", "ctr", ("vendor", "value", "renewal", "status")),
)
_WORDS = ("alpha", "bravo", "delta", "echo", "kilo", "lima", "oscar", "tango", "zulu")


def _value(rng: random.Random, field: str) -> CellValue:
    if rng.random() < 0.08:
        return None  # an empty cell
    if field in ("ram_gb", "last_seen_days"):
        return rng.choice((4, 8, 16, 32, 64)) if field == "ram_gb" else rng.randint(0, 400)
    if field in ("budget", "value"):
        return round(rng.uniform(1_000, 250_000), 2)
    return f"{rng.choice(_WORDS)}-{rng.randint(1, 999)}"


def add_data_tables(world: World, seed: int, now: datetime, *, records: int = 300) -> None:
    """Add one data table per entry of ``_TABLES`` to the root account, with about
    ``records`` records each (at least half that: more than one getRecords page)."""
    rng = random.Random(f"{seed}:data-tables")
    for name, key_prefix, fields in _TABLES:
        table = DataTable(
            id=make_id("dtb", rng),
            name=name,
            account_id=world.root_id,
            created_time=now - timedelta(days=rng.randint(30, 600)),
        )
        for n in range(rng.randint(max(records // 2, 1), records)):
            table.records[f"{key_prefix}-{n + 1:05d}"] = {f: _value(rng, f) for f in fields}
        world.data_tables[table.id] = table
