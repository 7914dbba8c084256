"""What every model shares: the ``raw`` attribute holding the decoded wire mapping."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from .._core.convert import EMPTY_RAW

__all__ = ["raw_field"]


def raw_field() -> Any:
    """The ``raw`` attribute of a model: the mapping it was decoded from.

    Filled by the converter when a model is structured from the wire, empty for a
    model built in code. It keeps fields this version does not know about reachable
    (``user.raw["someNewField"]``). It takes no part in ``==``, ``hash`` or ``repr``.
    """
    return attrs.field(init=False, default=EMPTY_RAW, repr=False, eq=False)


RawMapping = Mapping[str, Any]
