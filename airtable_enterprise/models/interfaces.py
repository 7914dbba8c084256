"""Interfaces (page bundles, ``pbd...``): ``GET /v0/meta/bases/{app}/interfaces/{pbd}``
(REFERENCE §7.5)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ._base import raw_field
from .collaborators import GroupCollaborator, IndividualCollaborator, InviteLink

__all__ = ["InterfaceGroupCollaborators", "InterfaceIndividualCollaborators", "InterfaceInfo"]


@attrs.frozen(kw_only=True)
class InterfaceIndividualCollaborators:
    """Users who reach the interface: directly, through its base, through its workspace."""

    interface_collaborators: tuple[IndividualCollaborator, ...] = ()
    base_collaborators: tuple[IndividualCollaborator, ...] = ()
    workspace_collaborators: tuple[IndividualCollaborator, ...] = ()
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class InterfaceGroupCollaborators:
    """Groups who reach the interface: directly, through its base, through its workspace."""

    interface_collaborators: tuple[GroupCollaborator, ...] = ()
    base_collaborators: tuple[GroupCollaborator, ...] = ()
    workspace_collaborators: tuple[GroupCollaborator, ...] = ()
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class InterfaceInfo:
    """An interface and who can reach it. ``permission_level`` is the caller's;
    the collaborator and invite fields are set when requested (the default of
    :meth:`Interface.collaborators`)."""

    id: str
    base_id: str
    name: str
    created_time: datetime
    permission_level: str | None = None
    first_publish_time: datetime | None = None
    group_collaborators: InterfaceGroupCollaborators | None = None
    individual_collaborators: InterfaceIndividualCollaborators | None = None
    invite_links: tuple[InviteLink, ...] = ()
    raw: Mapping[str, Any] = raw_field()
