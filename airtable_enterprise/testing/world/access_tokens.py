"""Emulator records of the personal access tokens of the enterprise's users
(REFERENCE §14) and the enterprise's AI workspace policy (§15)."""

from __future__ import annotations

from datetime import datetime

import attrs

__all__ = ["AI_POLICIES", "AccessToken"]

#: The enterprise's AI workspace policy; the allowlist counts only for the last one.
AI_POLICIES = ("ALL_WORKSPACES", "NO_WORKSPACES", "SPECIFIED_WORKSPACES")


@attrs.define
class AccessToken:
    """A personal access token (``pat...``); ``mode`` is ``all``, ``enterprise`` or
    ``specificModelIds`` (then ``resource_ids`` lists the workspaces and bases)."""

    id: str
    name: str
    user_id: str
    created_by: str
    created_time: datetime
    scopes: list[str]
    mode: str = "all"
    enterprise_account_id: str | None = None
    resource_ids: list[str] = attrs.Factory(list)
    state: str = "active"  # "active" | "deactivated"
