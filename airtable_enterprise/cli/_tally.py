"""Counting audit events as they stream by: per event type, per person, per automation.

Nothing is kept per event, so a summary of millions of events needs the memory of its
counters only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

import attrs

from ..models.audit import AuditLogEvent

__all__ = ["AuditSummary", "actor_key", "summarize"]


def actor_key(event: AuditLogEvent) -> tuple[bool, str]:
    """Who acted: ``(True, email or ID)`` for a person, ``(False, actor type)`` for
    everything else (``automation``, ``system``, ``formSubmission``, ``sync``,
    ``anonymousUser``, ``unknown``: REFERENCE §8.2)."""
    user = event.actor.user
    if user is not None:
        return True, user.email or user.id
    return False, event.actor.type


@attrs.define
class AuditSummary:
    """Counts over a stretch of the audit log, updated by :meth:`add`."""

    events: int = 0
    by_type: Counter[str] = attrs.Factory(Counter)
    #: Events per person (email, or user ID when the event has no email).
    by_user: Counter[str] = attrs.Factory(Counter)
    #: Events by actors that are not people, per actor type.
    by_automation: Counter[str] = attrs.Factory(Counter)
    first: datetime | None = None
    last: datetime | None = None

    def add(self, event: AuditLogEvent) -> None:
        """Count one more event."""
        self.events += 1
        self.by_type[event.action] += 1
        is_person, key = actor_key(event)
        (self.by_user if is_person else self.by_automation)[key] += 1
        when = event.timestamp
        if self.first is None or when < self.first:
            self.first = when
        if self.last is None or when > self.last:
            self.last = when

    def add_all(self, events: Iterable[AuditLogEvent]) -> None:
        """Count each of ``events``."""
        for event in events:
            self.add(event)

    @property
    def by_actor(self) -> Counter[str]:
        """People and other actors together."""
        return self.by_user + self.by_automation


def summarize(events: Iterable[AuditLogEvent]) -> AuditSummary:
    """The counts of ``events``."""
    summary = AuditSummary()
    summary.add_all(events)
    return summary
