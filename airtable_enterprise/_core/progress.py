"""Whether one cursor chain of the audit log advances (issue 12, point 2).

A server that answers with a cursor the chain already followed (the same one again, or
a cycle of recent ones), or with pages holding only events the chain already handed
out, would make a walk spin forever, spending requests and repeating events.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

__all__ = ["ChainProgress"]

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
        page = list(ids)
        recent = self._ids
        if (
            following == requested
            or following in self._cursors
            or (page and all(event_id in recent for event_id in page))
        ):
            return True
        _remember(self._cursors, (following,))
        _remember(recent, page)
        return False


def _remember(recent: dict[str, None], items: Iterable[str]) -> None:
    for item in items:
        recent[item] = None
    while len(recent) > RECENT:
        del recent[next(iter(recent))]
