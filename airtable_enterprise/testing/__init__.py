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

from .._core.extras import install_hint

if TYPE_CHECKING:
    from .cli import main
    from .emulator import DEFAULT_TOKEN, Emulator
    from .generate.enterprise import generate_enterprise
    from .http.app import EmulatorStats
    from .http.faults import (
        DropConnection,
        Fault,
        FaultPlan,
        MalformedBody,
        SlowResponse,
        StatusFault,
        TruncatedBody,
    )
    from .server import BackgroundServer, serve_forever
    from .transport import EmulatorTransport
    from .world.state import World

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
    "DropConnection": "http.faults",
    "Emulator": "emulator",
    "EmulatorStats": "http.app",
    "EmulatorTransport": "transport",
    "Fault": "http.faults",
    "FaultPlan": "http.faults",
    "MalformedBody": "http.faults",
    "SlowResponse": "http.faults",
    "StatusFault": "http.faults",
    "TruncatedBody": "http.faults",
    "World": "world.state",
    "generate_enterprise": "generate.enterprise",
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
