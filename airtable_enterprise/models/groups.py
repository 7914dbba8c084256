"""User groups: ``GET /v0/meta/groups/{groupId}`` (REFERENCE §5.1)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ._base import raw_field
from .collaborators import Collaborations

__all__ = ["GroupMember", "UserGroup"]


@attrs.frozen(kw_only=True)
class GroupMember:
    """An item of a group's ``members``; ``role`` is ``"manager"`` or ``"member"``."""

    user_id: str
    email: str
    first_name: str | None
    last_name: str | None
    role: str
    created_time: datetime
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class UserGroup:
    """A user group (``ugp...``), from ``GET /v0/meta/groups/{groupId}``.

    ``collaborations`` is set when requested (the default of :meth:`Enterprise.group`);
    :attr:`user_ids` lists the members' user IDs.
    """

    id: str
    name: str
    enterprise_account_id: str
    created_time: datetime
    updated_time: datetime
    members: tuple[GroupMember, ...] = ()
    mapped_user_license_type: str | None = None
    collaborations: Collaborations | None = None
    raw: Mapping[str, Any] = raw_field()

    @property
    def user_ids(self) -> tuple[str, ...]:
        """The user IDs of :attr:`members`, in wire order."""
        return tuple(member.user_id for member in self.members)
