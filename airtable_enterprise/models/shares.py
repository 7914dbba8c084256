"""Base shares and block installations (REFERENCE §7.6, §7.7)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ._base import raw_field

__all__ = ["BaseShare", "BlockInstallation"]


@attrs.frozen(kw_only=True)
class BaseShare:
    """A share link of a base, from ``GET /v0/meta/bases/{app}/shares``.

    ``state`` is ``"enabled"`` or ``"disabled"``; ``type`` is ``"base"``, ``"view"`` or
    ``"blockInstallation"`` (then ``view_id`` or ``block_installation_id`` says which).
    ``effective_email_domain_allow_list`` is ``None`` when absent (no domain
    restriction) and empty when nobody can view (REFERENCE §7.6): keep the two apart.
    """

    share_id: str
    state: str
    type: str
    created_by_user_id: str
    created_time: datetime
    is_password_protected: bool = False
    restricted_to_email_domains: tuple[str, ...] = ()
    restricted_to_enterprise_members: bool = False
    effective_email_domain_allow_list: tuple[str, ...] | None = None
    can_be_synced: bool | None = None
    view_id: str | None = None
    block_installation_id: str | None = None
    share_token_prefix: str | None = None
    raw: Mapping[str, Any] = raw_field()

    @property
    def id(self) -> str:
        """Alias of :attr:`share_id` (``shr...``)."""
        return self.share_id

    @property
    def is_enabled(self) -> bool:
        """Whether ``state`` is ``"enabled"``."""
        return self.state == "enabled"


@attrs.frozen(kw_only=True)
class BlockInstallation:
    """An extension (block) installed in a base, from
    ``GET /v0/meta/bases/{app}/blockInstallations``; ``state`` is enabled/disabled."""

    id: str
    block_id: str
    state: str
    created_by_user_id: str
    created_time: datetime
    block_slug: str | None = None
    raw: Mapping[str, Any] = raw_field()
