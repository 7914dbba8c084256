"""Emulator records of a base's share links and block installations (REFERENCE §7.6, §7.7)."""

from __future__ import annotations

from datetime import datetime

import attrs

__all__ = ["BlockInstallation", "Share"]


@attrs.define
class Share:
    """A share link (``shr...``) of a base, a view or an extension."""

    id: str
    type: str  # "base" | "view" | "blockInstallation"
    created_by: str
    created_time: datetime
    state: str = "enabled"
    is_password_protected: bool = False
    restricted_to_email_domains: list[str] = attrs.Factory(list)
    restricted_to_enterprise_members: bool = False
    view_id: str | None = None
    block_installation_id: str | None = None
    can_be_synced: bool | None = None


@attrs.define
class BlockInstallation:
    """An extension (block) installed in a base (``bli...``)."""

    id: str
    block_id: str
    block_slug: str
    created_by: str
    created_time: datetime
    state: str = "enabled"
