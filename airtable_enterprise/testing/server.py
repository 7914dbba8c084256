"""Serving the emulator over loopback sockets with uvicorn, in a background thread or
in the foreground (the command line)."""

from __future__ import annotations

import gc
import logging
import socket
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Self

import uvicorn
from starlette.types import ASGIApp

from .emulator import Emulator
from .http.faults import ConnectionDropped

__all__ = ["BackgroundServer", "serve_forever"]


class _HideInjectedDrops(logging.Filter):
    """Injected connection drops are on purpose; keep them out of uvicorn's error log."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, ConnectionDropped)


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP, not the default 0: asyncio turns Nagle's algorithm off only on
    # sockets that say they are TCP. With it on, a keep-alive response under 64 KiB
    # waited ~40 ms for the client's delayed ACK before its last segment left.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    # Listening now (uvicorn listens again, harmlessly) queues the connections that
    # arrive before uvicorn accepts them, instead of refusing them.
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _server(emulator: Emulator, log_level: str) -> uvicorn.Server:
    return _uvicorn(emulator.app, log_level)


def _uvicorn(app: ASGIApp, log_level: str) -> uvicorn.Server:
    logging.getLogger("uvicorn.error").addFilter(_HideInjectedDrops())
    config = uvicorn.Config(
        app,
        log_level=log_level,
        lifespan="off",
        access_log=False,
        timeout_graceful_shutdown=1,
    )
    return uvicorn.Server(config)


class _FileListener:
    """The file host (export and audit-log request files) on its own port, in a daemon
    thread: signed URLs point at another origin than the API, as on Airtable."""

    def __init__(self, emulator: Emulator, host: str, log_level: str, port: int = 0) -> None:
        self.socket = _bind(host, port)
        port = int(self.socket.getsockname()[1])
        # Bound to every address ("0.0.0.0", "::"), the URLs name loopback: a wildcard
        # is not an address a client can fetch from (nor one it sends plain http to).
        shown = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
        self.url = _url(shown, port)
        # uvicorn's start and stop lines are the API server's to print; the file host
        # speaks up only for warnings, or when debugging.
        quiet = log_level if log_level in ("debug", "trace") else "warning"
        self.server = _uvicorn(emulator.files, quiet)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True
        )
        self._emulator = emulator

    def start(self, timeout: float) -> None:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the emulator's file host did not start")
            time.sleep(0.01)
        self._emulator.files.base_url = self.url

    def stop(self, timeout: float) -> None:
        self.server.should_exit = True
        if self.thread.is_alive():
            self.thread.join(timeout)
        self.socket.close()


class BackgroundServer:
    """A uvicorn server for ``emulator`` in a daemon thread; ``port=0`` picks a free port.

    The file host of export and audit-log request files starts with it, on another
    free port of the same host, or on ``files_port`` (:attr:`files_url`); the signed
    URLs point there.

    ```python
    with BackgroundServer(emulator) as server:
        api = AsyncApi(emulator.token, endpoint_url=server.url)
    ```
    """

    def __init__(
        self,
        emulator: Emulator,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        files_port: int = 0,
        log_level: str = "warning",
    ) -> None:
        self.emulator = emulator
        self._socket = _bind(host, port)
        bound = self._socket.getsockname()
        self.host, self.port = host, int(bound[1])
        self._server = _server(emulator, log_level)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )
        try:
            self._files = _FileListener(emulator, host, log_level, files_port)
        except OSError:
            self._socket.close()
            raise

    @property
    def files_url(self) -> str:
        """``http://host:port`` of the file host (signed URLs of job files)."""
        return self._files.url

    @property
    def url(self) -> str:
        """``http://host:port``: the ``endpoint_url`` for clients."""
        return _url(self.host, self.port)

    def start(self, timeout: float = 10.0) -> Self:
        """Start serving (the API and the file host) and wait until both accept requests."""
        self._files.start(timeout)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the emulator server did not start")
            time.sleep(0.01)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Ask uvicorn to exit, wait for the thread, release the socket."""
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout)
        self._socket.close()
        self._files.stop(timeout)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def serve_forever(
    emulator: Emulator,
    host: str,
    port: int,
    log_level: str = "info",
    *,
    on_ready: Callable[[str], None] | None = None,
    files_port: int = 0,
) -> None:
    """Serve in the foreground until interrupted (Ctrl-C).

    ``on_ready`` gets the server's URL once its socket is bound and listening (with the
    real port when ``port`` is 0); an ``OSError`` from binding (the address is in use)
    is raised before it is called.

    The event loop must not pause for long: requests that arrive meanwhile are
    counted against the rate limit all at once when it resumes. So the world's grant
    index is built now rather than on the first get-users request (~140 ms at 50,000
    users), and, the process being the server's from here on, the objects that exist
    now (the world, most of them) are moved out of the garbage collector's reach
    (:func:`gc.freeze`): a full collection over a 25,000-user world took ~100 ms.
    The file host of job files runs beside it on ``files_port`` (0: a free port); its
    URL is ``emulator.files.base_url`` by the time ``on_ready`` is called.
    """
    emulator.world.holders_of(())
    gc.freeze()
    sock = _bind(host, port)
    try:
        files = _FileListener(emulator, host, log_level, files_port)
    except OSError:
        sock.close()
        raise
    files.start(10.0)
    try:
        if on_ready is not None:
            on_ready(_url(host, int(sock.getsockname()[1])))
        _server(emulator, log_level).run(sockets=[sock])
    finally:
        sock.close()
        files.stop(10.0)
