"""Collaborations, collaborators and invite links: the objects shared by users,
groups, workspaces and bases (REFERENCE §1.10)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ._base import raw_field
from ._keyed import find

__all__ = [
    "BaseCollaboration",
    "Collaborations",
    "GroupCollaborator",
    "GroupCollaborators",
    "IndividualCollaborator",
    "IndividualCollaborators",
    "InterfaceCollaboration",
    "InviteLink",
    "InviteLinks",
    "WorkspaceCollaboration",
]


@attrs.frozen(kw_only=True)
class WorkspaceCollaboration:
    """An item of ``collaborations.workspaceCollaborations``: a direct grant on a workspace."""

    workspace_id: str
    permission_level: str
    created_time: datetime
    granted_by_user_id: str
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class BaseCollaboration:
    """An item of ``collaborations.baseCollaborations``: a direct grant on a base."""

    base_id: str
    permission_level: str
    created_time: datetime
    granted_by_user_id: str
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class InterfaceCollaboration:
    """An item of ``collaborations.interfaceCollaborations`` (level ``read|comment|edit``)."""

    base_id: str
    interface_id: str
    permission_level: str
    created_time: datetime
    granted_by_user_id: str
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class Collaborations:
    """The ``collaborations`` object of a user or group (sent with ``include=collaborations``).

    Only direct grants are listed; access through a group is left out. ``workspaces``,
    ``bases`` and ``interfaces`` are short aliases of the three lists;
    :meth:`workspace`, :meth:`base` and :meth:`interface` find the grant on one object.
    The object is falsy when all three lists are empty (``if not user.collaborations:``
    spots a user with no direct access).
    """

    base_collaborations: tuple[BaseCollaboration, ...] = ()
    interface_collaborations: tuple[InterfaceCollaboration, ...] = ()
    workspace_collaborations: tuple[WorkspaceCollaboration, ...] = ()
    raw: Mapping[str, Any] = raw_field()

    @property
    def workspaces(self) -> tuple[WorkspaceCollaboration, ...]:
        """Alias of :attr:`workspace_collaborations`."""
        return self.workspace_collaborations

    @property
    def bases(self) -> tuple[BaseCollaboration, ...]:
        """Alias of :attr:`base_collaborations`."""
        return self.base_collaborations

    @property
    def interfaces(self) -> tuple[InterfaceCollaboration, ...]:
        """Alias of :attr:`interface_collaborations`."""
        return self.interface_collaborations

    def __bool__(self) -> bool:
        return bool(
            self.base_collaborations
            or self.interface_collaborations
            or self.workspace_collaborations
        )

    def workspace(self, workspace_id: str) -> WorkspaceCollaboration | None:
        """The direct grant on workspace ``workspace_id``, or ``None``."""
        return find(self.workspace_collaborations, "workspace_id", workspace_id)

    def base(self, base_id: str) -> BaseCollaboration | None:
        """The direct grant on base ``base_id``, or ``None``."""
        return find(self.base_collaborations, "base_id", base_id)

    def interface(self, interface_id: str) -> InterfaceCollaboration | None:
        """The direct grant on interface ``interface_id``, or ``None``."""
        return find(self.interface_collaborations, "interface_id", interface_id)


@attrs.frozen(kw_only=True)
class IndividualCollaborator:
    """A user collaborating on a workspace, base or interface.

    ``base_id`` is set on the base variant listed inside a workspace payload.
    """

    user_id: str
    email: str
    permission_level: str
    created_time: datetime
    granted_by_user_id: str
    base_id: str | None = None
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class GroupCollaborator:
    """A user group collaborating on a workspace, base or interface.

    ``base_id`` is set on the base variant listed inside a workspace payload.
    """

    group_id: str
    name: str
    permission_level: str
    created_time: datetime
    granted_by_user_id: str
    base_id: str | None = None
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class IndividualCollaborators:
    """``individualCollaborators``: users with access to the workspace, and to its bases."""

    base_collaborators: tuple[IndividualCollaborator, ...] = ()
    workspace_collaborators: tuple[IndividualCollaborator, ...] = ()
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class GroupCollaborators:
    """``groupCollaborators``: groups with access to the workspace, and to its bases."""

    base_collaborators: tuple[GroupCollaborator, ...] = ()
    workspace_collaborators: tuple[GroupCollaborator, ...] = ()
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class InviteLink:
    """An outstanding invite link (``inv...``).

    ``invited_email`` is ``None`` for a ``multiUse`` link; an empty
    ``restricted_to_email_domains`` means unrestricted; ``base_id`` is set on the
    base variant listed inside a workspace payload.
    """

    id: str
    type: str
    created_time: datetime
    invited_email: str | None
    referred_by_user_id: str
    permission_level: str
    restricted_to_email_domains: tuple[str, ...] = ()
    base_id: str | None = None
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class InviteLinks:
    """``inviteLinks``: outstanding invites to the workspace and to its bases."""

    base_invite_links: tuple[InviteLink, ...] = ()
    workspace_invite_links: tuple[InviteLink, ...] = ()
    raw: Mapping[str, Any] = raw_field()
