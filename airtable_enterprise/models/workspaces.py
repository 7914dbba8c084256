"""Workspaces: ``GET /v0/meta/workspaces/{wsp}`` (REFERENCE §6.3)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ._base import raw_field
from .collaborators import (
    GroupCollaborator,
    GroupCollaborators,
    IndividualCollaborator,
    IndividualCollaborators,
    InviteLinks,
)

__all__ = ["WorkspaceCollaborators", "WorkspaceRestrictions"]


@attrs.frozen(kw_only=True)
class WorkspaceRestrictions:
    """``workspaceRestrictions``: each ``"unrestricted"`` or ``"onlyOwners"``."""

    invite_creation_restriction: str
    share_creation_restriction: str
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class WorkspaceCollaborators:
    """A workspace and who can reach it, from ``GET /v0/meta/workspaces/{wsp}``.

    :meth:`Workspace.collaborators` asks for ``include[]=collaborators`` and
    ``include[]=inviteLinks``. Deleted collaborators are left out; only outstanding
    invites are listed. The deprecated wire ``collaborators`` object (a copy of
    ``individualCollaborators``) is not modelled; :attr:`collaborators` is instead the
    flat list of workspace-level collaborators, users then groups.
    """

    id: str
    name: str
    created_time: datetime
    base_ids: tuple[str, ...] = ()
    workspace_restrictions: WorkspaceRestrictions
    group_collaborators: GroupCollaborators | None = None
    individual_collaborators: IndividualCollaborators | None = None
    invite_links: InviteLinks | None = None
    raw: Mapping[str, Any] = raw_field()

    @property
    def collaborators(self) -> tuple[IndividualCollaborator | GroupCollaborator, ...]:
        """Everyone granted access to the workspace itself: users, then groups.

        Collaborators of single bases are in ``individual_collaborators.base_collaborators``
        and ``group_collaborators.base_collaborators``.
        """
        users = self.individual_collaborators
        groups = self.group_collaborators
        return (
            *(users.workspace_collaborators if users is not None else ()),
            *(groups.workspace_collaborators if groups is not None else ()),
        )

    @property
    def restrictions(self) -> WorkspaceRestrictions:
        """Alias of :attr:`workspace_restrictions`."""
        return self.workspace_restrictions
