"""Reporting a batch call that Airtable answers 200 with per-item ``errors``
(moves, claims, the AI allowlist, deletes by email): what was done, each failure
named, and exit 1 when anything failed."""

from __future__ import annotations

from collections.abc import Sequence

from ..models.results import PartialResult
from ._errors import CliError
from ._output import stderr_console

__all__ = ["report_partial"]


def report_partial(result: PartialResult | None, done: str, items: Sequence[str]) -> None:
    """Say ``done: items`` and name each failed item; ``None`` is a dry run. Raises exit 1
    when the answer holds any error (the items that succeeded are still reported)."""
    console = stderr_console()
    if result is None:
        console.print("Dry run: nothing was changed.")
        return
    if items:
        console.print(f"{done}: {', '.join(items)}", markup=False)
    for error in result.errors:
        detail = f": {error.message}" if error.message else ""
        console.print(f"failed for {error.target}: {error.type}{detail}", markup=False)
    if result.errors:
        raise CliError(f"{len(result.errors)} item(s) failed")
