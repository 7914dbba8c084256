"""Whether one cursor chain of the audit log advances (issue 12, point 2).

A server that answers with a cursor the chain already followed (the same one again, or
a cycle of recent ones), or with pages holding only events the chain already handed
out, would make a walk spin forever, spending requests and repeating events.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import attrs

__all__ = ["RECENT", "ChainProgress", "fingerprint"]

#: Cursors and event IDs remembered per chain (the most recent ones).
RECENT = 4096


@attrs.define
class ChainProgress:
    """The recent cursors and event IDs of one cursor chain."""

    _cursors: dict[str, None] = attrs.Factory(dict)
    _ids: dict[str, None] = attrs.Factory(dict)

    def stalled(self, requested: str | None, following: str, ids: Iterable[str]) -> bool:
        """Record a page fetched with cursor ``requested`` that points on to ``following``;
        True when it takes the chain nowhere: ``following`` is ``requested`` or one of
        the chain's recent cursors, or the page holds only events of recent pages."""
        page = [fingerprint(i) for i in ids]
        recent = self._ids
        if (
            following == requested
            or fingerprint(following) in self._cursors
            or (page and all(event_id in recent for event_id in page))
        ):
            return True
        _remember(self._cursors, (fingerprint(following),))
        _remember(recent, page)
        return False


def fingerprint(text: str) -> str:
    """What is remembered of a cursor or an ID: itself if short, else a fixed-size digest,
    so that a server sending huge cursors or IDs cannot make the memory of recent ones
    grow without bound."""
    raw = text.encode("utf-8", "surrogatepass")
    if len(raw) <= 32:
        return "=" + text
    return "#" + hashlib.blake2b(raw, digest_size=16).hexdigest()


def _remember(recent: dict[str, None], items: Iterable[str]) -> None:
    for item in items:
        recent[item] = None
    while len(recent) > RECENT:
        del recent[next(iter(recent))]
