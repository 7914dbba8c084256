"""Reading a JSON document a command is given (``--input FILE``, ``-`` for stdin)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from ._errors import EXIT_USAGE, CliError

__all__ = ["loads_strict", "read_json"]


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON (the request body could not be sent)")


def loads_strict(text: str) -> Any:
    """``json.loads`` that refuses what cannot be sent as JSON: ``NaN``/``Infinity``
    (Python reads them, then cannot encode the request) and nesting too deep to read
    (:class:`RecursionError`), both as :class:`ValueError`."""
    try:
        return json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise ValueError("nested too deeply") from None


def read_json(source: str, option: str) -> Any:
    """The JSON document in file ``source`` (``-``: stdin); exit 2 naming ``option``
    when it cannot be read or parsed."""
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"cannot read {option} {source}: {exc}", EXIT_USAGE) from None
    try:
        return loads_strict(text)
    except ValueError as exc:
        raise CliError(f"{option} {source} is not JSON: {exc}", EXIT_USAGE) from None
