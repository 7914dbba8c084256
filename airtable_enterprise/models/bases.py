"""Bases: ``GET /v0/meta/bases/{app}`` (REFERENCE §7.3) and ``POST /v0/meta/bases`` (§7.1)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ._base import raw_field
from ._keyed import find, register_keyed_tuple
from .collaborators import (
    GroupCollaborator,
    GroupCollaborators,
    IndividualCollaborator,
    IndividualCollaborators,
    InviteLink,
    InviteLinks,
)

__all__ = [
    "BaseCollaborators",
    "CreatedBase",
    "InterfaceCollaborators",
    "PackageInstallation",
    "SensitivityLabel",
]


@attrs.frozen(kw_only=True)
class InterfaceCollaborators:
    """One interface (``pbd...``) of a base and who can reach it.

    On the wire a base's ``interfaces`` is an object keyed by interface ID.
    ``first_publish_time`` is ``None`` for an interface never published.
    """

    id: str
    name: str
    created_time: datetime
    first_publish_time: datetime | None = None
    group_collaborators: tuple[GroupCollaborator, ...] = ()
    individual_collaborators: tuple[IndividualCollaborator, ...] = ()
    invite_links: tuple[InviteLink, ...] = ()
    raw: Mapping[str, Any] = raw_field()


register_keyed_tuple(InterfaceCollaborators, "id", key_in_value=True)


@attrs.frozen(kw_only=True)
class PackageInstallation:
    """An item of ``packageInstallations``; ``installation_type`` is
    ``"application"`` or ``"component"``."""

    id: str
    installation_type: str
    package_id: str
    package_release_id: str | None = None
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class SensitivityLabel:
    """``sensitivityLabel`` of a base."""

    id: str
    name: str
    description: str | None = None
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class BaseCollaborators:
    """A base and who can reach it, from ``GET /v0/meta/bases/{app}``.

    ``permission_level`` is the **caller's** level on the base (``"none"`` for an
    admin who is not a collaborator). The collaborator, invite, interface and package
    fields are set when requested with ``include[]``; :meth:`Base.collaborators` asks
    for all of them. ``interfaces`` is a tuple in wire order.
    """

    id: str
    name: str
    created_time: datetime
    workspace_id: str
    permission_level: str
    group_collaborators: GroupCollaborators | None = None
    individual_collaborators: IndividualCollaborators | None = None
    invite_links: InviteLinks | None = None
    interfaces: tuple[InterfaceCollaborators, ...] | None = None
    package_installations: tuple[PackageInstallation, ...] = ()
    sensitivity_label: SensitivityLabel | None = None
    raw: Mapping[str, Any] = raw_field()

    def interface(self, interface_id: str) -> InterfaceCollaborators | None:
        """The interface ``interface_id`` of :attr:`interfaces`, or ``None``."""
        return find(self.interfaces, "id", interface_id)


@attrs.frozen(kw_only=True)
class CreatedBase:
    """The answer of ``POST /v0/meta/bases``: the new base's ID; its ``tables`` are
    kept as sent (the table schema is outside this library)."""

    id: str
    tables: tuple[Mapping[str, Any], ...] = ()
    raw: Mapping[str, Any] = raw_field()
