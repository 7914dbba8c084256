"""What every handler shares: audit events for actions and the ID format check."""

from __future__ import annotations

import re
from typing import Any

from ..._wire import invalid_request
from ...world.audit import AuditEvent
from ...world.state import World
from ..requests import Caller

__all__ = ["check_id_format", "record"]

_ID = re.compile(r"[a-z]{3}[A-Za-z0-9]{14}")


def check_id_format(value: str, prefix: str, name: str) -> str:
    """422 unless ``value`` looks like an ID with ``prefix`` (REFERENCE §1.7)."""
    if not _ID.fullmatch(value) or not value.startswith(prefix):
        raise invalid_request(f"{name} {value!r} is not a valid ID")
    return value


def record(
    world: World,
    caller: Caller,
    action: str,
    category: str,
    model_id: str,
    model_type: str,
    *,
    account_id: str | None = None,
    workspace_id: str | None = None,
    base_id: str | None = None,
    payload: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append the audit-log event of an action the caller just performed."""
    user = world.users.get(caller.user_id)
    event = AuditEvent(
        key=world.audit.new_key(world.now(), world.rng.getrandbits(80)),
        action=action,
        category=category,
        model_id=model_id,
        model_type=model_type,
        actor_type="user",
        actor_id=caller.user_id,
        actor_email=user.email if user is not None else None,
        actor_name=user.name if user is not None else None,
        account_id=account_id or world.root_id,
        workspace_id=workspace_id,
        base_id=base_id,
        payload=payload,
        ip_address=caller.ip_address,
        user_agent=caller.user_agent or "unknown",
        token_id=caller.token_id,
    )
    return world.audit.append(event)
