"""Helpers shared by the test modules."""

from __future__ import annotations

import importlib
import json
import os
from bisect import bisect_left
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).parent / "fixtures"

#: Run an anyio test on trio's virtual clock only (see tests/conftest.py).
virtual_time = pytest.mark.parametrize("anyio_backend", ["trio-virtual-time"], indirect=True)


def load_fixture(name: str) -> Any:
    """A JSON payload from tests/fixtures (copied from the API reference's examples)."""
    return json.loads((FIXTURES / name).read_text())


def most_in_any_window(starts: list[float], window: float = 1.0) -> int:
    """The largest number of starts inside any half-open window [t, t + window)."""
    ordered = sorted(starts)
    return max(
        (bisect_left(ordered, s + window - 1e-9) - i for i, s in enumerate(ordered)), default=0
    )


def bench_module(name: str) -> Any:
    """``name`` (a module of the ``bench`` extra only: matplotlib), imported.

    Without the extra, the calling test is skipped (the README's `pip install -e ".[dev]"`
    does not install it), except in CI (``CI`` set, as ``.ci/run`` does), where a missing
    module fails the test: CI must run every test.
    """
    if os.environ.get("CI"):
        return importlib.import_module(name)
    return pytest.importorskip(name, reason='needs the bench extra: pip install -e ".[dev,bench]"')
