"""Reading a JSON document a command is given (``--input FILE``, ``-`` for stdin)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from ._errors import EXIT_USAGE, CliError

__all__ = ["read_json"]


def read_json(source: str, option: str) -> Any:
    """The JSON document in file ``source`` (``-``: stdin); exit 2 naming ``option``
    when it cannot be read or parsed."""
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"cannot read {option} {source}: {exc}", EXIT_USAGE) from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise CliError(f"{option} {source} is not JSON: {exc}", EXIT_USAGE) from None
