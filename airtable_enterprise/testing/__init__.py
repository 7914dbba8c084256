"""airtable_enterprise.testing: an in-memory, stateful Airtable Enterprise API.

Needs the ``testing`` extra (``pip install "airtable-enterprise[testing]"``). Names are
imported lazily, so that the pytest plugin in this package loads without the extra.

```python
from airtable_enterprise.testing import Emulator, generate_enterprise

emulator = Emulator(generate_enterprise(seed=1, users=500, events=10_000))
api = emulator.api()                      # in-process AsyncApi
with BackgroundServer(emulator) as srv:   # or over loopback: srv.url
    ...
```
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .._extras import install_hint

if TYPE_CHECKING:
    from .app import EmulatorStats
    from .cli import main
    from .emulator import DEFAULT_TOKEN, Emulator
    from .faults import (
        DropConnection,
        Fault,
        FaultPlan,
        MalformedBody,
        SlowResponse,
        StatusFault,
        TruncatedBody,
    )
    from .generator import generate_enterprise
    from .server import BackgroundServer, serve_forever
    from .state import World
    from .transport import EmulatorTransport

__all__ = [
    "DEFAULT_TOKEN",
    "BackgroundServer",
    "DropConnection",
    "Emulator",
    "EmulatorStats",
    "EmulatorTransport",
    "Fault",
    "FaultPlan",
    "MalformedBody",
    "SlowResponse",
    "StatusFault",
    "TruncatedBody",
    "World",
    "generate_enterprise",
    "main",
    "serve_forever",
]

#: The modules the ``testing`` extra installs.
_EXTRA_MODULES = frozenset({"starlette", "uvicorn", "click"})

_HOMES = {
    "DEFAULT_TOKEN": "emulator",
    "BackgroundServer": "server",
    "DropConnection": "faults",
    "Emulator": "emulator",
    "EmulatorStats": "app",
    "EmulatorTransport": "transport",
    "Fault": "faults",
    "FaultPlan": "faults",
    "MalformedBody": "faults",
    "SlowResponse": "faults",
    "StatusFault": "faults",
    "TruncatedBody": "faults",
    "World": "state",
    "generate_enterprise": "generator",
    "main": "cli",
    "serve_forever": "server",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        module = importlib.import_module(f"{__name__}.{home}")
    except ModuleNotFoundError as exc:
        if exc.name is None or exc.name.partition(".")[0] not in _EXTRA_MODULES:
            raise
        # One line that says what to do, instead of a bare "No module named 'starlette'".
        missing = exc.name.partition(".")[0]
        raise ModuleNotFoundError(
            f"{install_hint('testing')} ({missing} is missing)", name=missing
        ) from None
    return getattr(module, name)
