"""Optional extras: one line that says what to install when one is missing."""

from __future__ import annotations

import importlib
from collections.abc import Iterable

__all__ = ["install_hint", "missing_extra", "require_extra"]

#: What each extra is for, as the install hint says it.
_PURPOSE = {"cli": "the CLI", "testing": "the emulator", "bench": "the benchmarks"}


def install_hint(extra: str) -> str:
    """``install the CLI with: pip install "airtable-enterprise[cli]"``."""
    return f'install {_PURPOSE.get(extra, extra)} with: pip install "airtable-enterprise[{extra}]"'


def missing_extra(extra: str, modules: Iterable[str]) -> str | None:
    """The install hint of ``extra`` when one of its ``modules`` cannot be imported,
    else ``None``."""
    for name in modules:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            return f"{install_hint(extra)} ({exc.name or name} is missing)"
    return None


def require_extra(extra: str, modules: Iterable[str]) -> None:
    """For a command-line entry point: exit with status 1 and the one-line install hint
    (no traceback) when ``extra`` is missing."""
    problem = missing_extra(extra, modules)
    if problem is not None:
        raise SystemExit(problem)
