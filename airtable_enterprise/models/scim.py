"""SCIM 2.0 resources: ``/scim/v2/Users`` and ``/scim/v2/Groups`` (REFERENCE §12).

RFC 7643 documents as Airtable sends them: a :class:`ScimUser` is a managed enterprise
user, a :class:`ScimGroup` a user group (``ugp...``). Unknown keys stay in ``raw``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ._base import raw_field

__all__ = [
    "SCHEMA_ENTERPRISE_USER",
    "SCHEMA_ERROR",
    "SCHEMA_GROUP",
    "SCHEMA_LIST_RESPONSE",
    "SCHEMA_PATCH_OP",
    "SCHEMA_SSO_USER",
    "SCHEMA_USER",
    "ScimEmail",
    "ScimEnterpriseUser",
    "ScimGroup",
    "ScimGroupList",
    "ScimGroupRef",
    "ScimManager",
    "ScimMember",
    "ScimMeta",
    "ScimName",
    "ScimSsoUser",
    "ScimUser",
    "ScimUserList",
]

SCHEMA_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
SCHEMA_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
SCHEMA_ENTERPRISE_USER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
#: Airtable's own extension: ``emailDomain`` picks the IdP when there are several (§12).
SCHEMA_SSO_USER = "urn:airtable:params:scim:schemas:extension:sso:2.0:User"
SCHEMA_LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
SCHEMA_PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SCHEMA_ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"

_REF = {"wire": "$ref"}


@attrs.frozen(kw_only=True)
class ScimName:
    """A user's ``name``: ``given_name`` is Airtable's firstName, ``family_name`` its lastName."""

    given_name: str | None = None
    family_name: str | None = None
    formatted: str | None = None
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class ScimEmail:
    """An item of a user's ``emails``; Airtable sends one, equal to ``userName``."""

    value: str
    type: str | None = None
    primary: bool | None = None
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class ScimManager:
    """The enterprise extension's ``manager``: ``value`` is an ID or email, as the IdP sent it."""

    value: str | None = None
    display_name: str | None = None
    ref: str | None = attrs.field(default=None, metadata=_REF)
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class ScimEnterpriseUser:
    """The RFC 7643 enterprise extension (:data:`SCHEMA_ENTERPRISE_USER`); Airtable stores
    these fields for reporting only (REFERENCE §12)."""

    employee_number: str | None = None
    cost_center: str | None = None
    organization: str | None = None
    division: str | None = None
    department: str | None = None
    manager: ScimManager | None = None
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class ScimSsoUser:
    """Airtable's SSO extension (:data:`SCHEMA_SSO_USER`): the IdP's email domain."""

    email_domain: str | None = None
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class ScimGroupRef:
    """An item of a user's ``groups``: a group (``ugp...``) the user belongs to."""

    value: str
    display: str | None = None
    ref: str | None = attrs.field(default=None, metadata=_REF)
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class ScimMeta:
    """A resource's ``meta``: ``location`` is a path such as ``/scim/v2/Users/usr...``."""

    resource_type: str | None = None
    created: datetime | None = None
    last_modified: datetime | None = None
    location: str | None = None
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class ScimUser:
    """A SCIM user, from ``GET /scim/v2/Users/{userId}`` and the other user calls.

    ``user_name`` is the email; ``active`` is ``False`` for a deactivated user (``None``
    only if the server left it out: :attr:`is_active` reads that as active).
    """

    id: str
    user_name: str
    active: bool | None = None
    name: ScimName | None = None
    display_name: str | None = None
    emails: tuple[ScimEmail, ...] = ()
    external_id: str | None = None
    title: str | None = None
    locale: str | None = None
    groups: tuple[ScimGroupRef, ...] = ()
    schemas: tuple[str, ...] = ()
    enterprise: ScimEnterpriseUser | None = attrs.field(
        default=None, metadata={"wire": SCHEMA_ENTERPRISE_USER}
    )
    sso: ScimSsoUser | None = attrs.field(default=None, metadata={"wire": SCHEMA_SSO_USER})
    meta: ScimMeta | None = None
    raw: Mapping[str, Any] = raw_field()

    @property
    def is_active(self) -> bool:
        """Whether the user can log in (``active`` absent counts as active)."""
        return self.active is not False

    @property
    def given_name(self) -> str | None:
        """``name.givenName`` (Airtable's firstName)."""
        return self.name.given_name if self.name is not None else None

    @property
    def family_name(self) -> str | None:
        """``name.familyName`` (Airtable's lastName)."""
        return self.name.family_name if self.name is not None else None

    @property
    def group_ids(self) -> tuple[str, ...]:
        """The IDs of :attr:`groups`."""
        return tuple(group.value for group in self.groups)


@attrs.frozen(kw_only=True)
class ScimMember:
    """An item of a group's ``members``: ``value`` is the user ID."""

    value: str
    display: str | None = None
    ref: str | None = attrs.field(default=None, metadata=_REF)
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class ScimGroup:
    """A SCIM group (a user group, ``ugp...``), from ``GET /scim/v2/Groups/{groupId}``.

    Items of ``GET /scim/v2/Groups`` carry no ``members`` (REFERENCE §12): fetch the
    group itself for them.
    """

    id: str
    display_name: str
    members: tuple[ScimMember, ...] = ()
    schemas: tuple[str, ...] = ()
    meta: ScimMeta | None = None
    raw: Mapping[str, Any] = raw_field()

    @property
    def member_ids(self) -> tuple[str, ...]:
        """The user IDs of :attr:`members`, in wire order."""
        return tuple(member.value for member in self.members)


@attrs.frozen(kw_only=True)
class ScimUserList:
    """A page of ``GET /scim/v2/Users``: an RFC 7644 ListResponse of users."""

    total_results: int
    start_index: int | None = None
    items_per_page: int | None = None
    resources: tuple[ScimUser, ...] = attrs.field(default=(), metadata={"wire": "Resources"})
    schemas: tuple[str, ...] = ()
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class ScimGroupList:
    """A page of ``GET /scim/v2/Groups``: an RFC 7644 ListResponse of groups (no members)."""

    total_results: int
    start_index: int | None = None
    items_per_page: int | None = None
    resources: tuple[ScimGroup, ...] = attrs.field(default=(), metadata={"wire": "Resources"})
    schemas: tuple[str, ...] = ()
    raw: Mapping[str, Any] = raw_field()
