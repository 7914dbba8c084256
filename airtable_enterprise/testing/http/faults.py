"""Fault injection: what a matching request gets instead of (or on top of) its answer.

Faults are queued per rule; each matching request takes the next one, and once a
rule's queue is empty its requests are served normally (or the last fault repeats,
with ``repeat=True``).
"""

from __future__ import annotations

import re
import threading
from collections import deque

import attrs

__all__ = [
    "ConnectionDropped",
    "DropConnection",
    "Fault",
    "FaultPlan",
    "FaultRule",
    "MalformedBody",
    "SlowResponse",
    "StatusFault",
    "TruncatedBody",
]


class ConnectionDropped(Exception):
    """Raised by the app to cut the connection; :class:`EmulatorTransport` turns it into
    ``httpx.RemoteProtocolError`` and uvicorn closes the socket."""


@attrs.frozen
class StatusFault:
    """Answer ``status`` without running the endpoint (nothing changes).

    The body is Airtable's for that status (429 ``RATE_LIMIT_REACHED``, 503
    ``RETRIABLE_ERROR``...); ``retry_after`` adds a ``Retry-After`` header (seconds).
    """

    status: int
    retry_after: float | None = None


@attrs.frozen
class DropConnection:
    """Apply the change, then close the connection before the body arrives: the client
    cannot know whether the action happened."""


@attrs.frozen
class TruncatedBody:
    """Apply the change, send the headers and half the body, then close the connection."""


@attrs.frozen
class MalformedBody:
    """Apply the change and answer with the status but a body that is not valid JSON."""


@attrs.frozen
class SlowResponse:
    """Wait ``seconds`` before serving the request normally."""

    seconds: float


Fault = StatusFault | DropConnection | TruncatedBody | MalformedBody | SlowResponse


@attrs.define
class FaultRule:
    """Faults for requests whose path matches ``pattern`` (``re.search``) and, if set,
    whose method is ``method``."""

    pattern: re.Pattern[str]
    method: str | None
    faults: deque[Fault]
    repeat: bool = False
    hits: int = 0

    def take(self, method: str, path: str) -> Fault | None:
        if self.method is not None and self.method != method:
            return None
        if not self.faults or not self.pattern.search(path):
            return None
        self.hits += 1
        if self.repeat and len(self.faults) == 1:
            return self.faults[0]
        return self.faults.popleft()


class FaultPlan:
    """The rules of one emulator, consulted in the order they were added."""

    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()

    def add(
        self,
        pattern: str | re.Pattern[str],
        *faults: Fault,
        method: str | None = None,
        repeat: bool = False,
    ) -> FaultRule:
        """Queue ``faults`` for requests matching ``pattern`` (a regex searched in the
        path, e.g. ``r"/users/\\w+/remove$"``); returns the rule (its ``hits`` count)."""
        if not faults:
            raise ValueError("give at least one fault")
        compiled = re.compile(pattern) if isinstance(pattern, str) else pattern
        rule = FaultRule(compiled, method.upper() if method else None, deque(faults), repeat)
        with self._lock:
            self._rules.append(rule)
        return rule

    def take(self, method: str, path: str) -> Fault | None:
        """The fault for this request, if a rule has one left."""
        with self._lock:
            for rule in self._rules:
                fault = rule.take(method, path)
                if fault is not None:
                    return fault
        return None

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
