"""Answers of the enterprise write calls, including the partial successes.

The batch endpoints (claim users, grant/revoke admin, manage users batched, delete
users by email, move groups/workspaces) answer HTTP 200 even when some items failed,
listing those in ``errors`` (REFERENCE §1.4). Each result here has ``errors`` as a
tuple of :class:`BatchItemError` and an :attr:`~PartialResult.ok` that is ``True``
only when nothing failed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ._base import raw_field

__all__ = [
    "AiAllowlistResponse",
    "BatchItemError",
    "DeleteUsersResponse",
    "DeletedUser",
    "ManageUsersResponse",
    "MoveGroupsResponse",
    "MoveWorkspacesResponse",
    "MovedGroup",
    "MovedWorkspace",
    "PartialResult",
    "SharedResources",
    "SharedWorkspace",
    "UnsharedBase",
    "UnsharedInterface",
    "UnsharedResources",
    "UnsharedWorkspace",
    "UpdateUsersResponse",
    "UpdatedUser",
    "UserRemoved",
]


@attrs.frozen(kw_only=True)
class BatchItemError:
    """One failed item of a batch call (an element of ``errors`` in a 200 body).

    ``type`` is Airtable's code (``USER_ALREADY_ADMIN``, ``NOT_FOUND``,
    ``ALREADY_REVOKED``...); ``id``, ``email``, ``token_id`` (revoke tokens) or
    ``workspace_id`` (AI allowlist) names the item, as the caller sent it.
    """

    type: str
    message: str | None = None
    id: str | None = None
    email: str | None = None
    token_id: str | None = None
    workspace_id: str | None = None
    raw: Mapping[str, Any] = raw_field()

    @property
    def target(self) -> str | None:
        """The failed item: its ``id``, else its ``email``, ``token_id`` or ``workspace_id``."""
        for value in (self.id, self.email, self.token_id, self.workspace_id):
            if value is not None:
                return value
        return None


class PartialResult:
    """Mixin of the results with an ``errors`` list."""

    __slots__ = ()
    errors: tuple[BatchItemError, ...]

    @property
    def ok(self) -> bool:
        """``True`` when no item failed (``errors`` is empty)."""
        return not self.errors


@attrs.frozen(kw_only=True)
class ManageUsersResponse(PartialResult):
    """The answer of claim users and grant/revoke admin access
    (``POST .../users/claim``, ``.../users/grantAdminAccess``, ``.../users/revokeAdminAccess``).

    Items that succeeded are simply absent from ``errors``.
    """

    errors: tuple[BatchItemError, ...] = ()
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class DeletedUser:
    """An item of ``deletedUsers``."""

    id: str
    email: str
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class DeleteUsersResponse(PartialResult):
    """The answer of ``DELETE /v0/meta/enterpriseAccounts/{ent}/users?email[]=...``."""

    deleted_users: tuple[DeletedUser, ...] = ()
    errors: tuple[BatchItemError, ...] = ()
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class UpdatedUser:
    """An item of ``updatedUsers``; ``state`` and ``email`` are echoed only when sent."""

    id: str
    state: str | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class UpdateUsersResponse(PartialResult):
    """The answer of ``PATCH /v0/meta/enterpriseAccounts/{ent}/users`` (manage users
    batched); :meth:`Enterprise.update_users` merges the answers of its chunks."""

    updated_users: tuple[UpdatedUser, ...] = ()
    errors: tuple[BatchItemError, ...] = ()
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class MovedGroup:
    """An item of ``movedGroups``; ``removed_user_ids`` are members dropped because
    they are outside the target org unit."""

    id: str
    removed_user_ids: tuple[str, ...] = ()
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class MoveGroupsResponse(PartialResult):
    """The answer of ``POST /v0/meta/enterpriseAccounts/{ent}/moveGroups``."""

    moved_groups: tuple[MovedGroup, ...] = ()
    errors: tuple[BatchItemError, ...] = ()
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class MovedWorkspace:
    """An item of ``movedWorkspaces``."""

    id: str
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class MoveWorkspacesResponse(PartialResult):
    """The answer of ``POST /v0/meta/enterpriseAccounts/{ent}/moveWorkspaces``."""

    moved_workspaces: tuple[MovedWorkspace, ...] = ()
    errors: tuple[BatchItemError, ...] = ()
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class SharedWorkspace:
    """A workspace shared **to the replacement owner** when a user was removed."""

    workspace_id: str
    workspace_name: str
    permission_level: str
    deleted_time: datetime | None
    user_id: str | None = None
    enterprise_account_id: str | None = None
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class UnsharedBase:
    """A base the removed user lost access to."""

    user_id: str
    base_id: str
    base_name: str
    former_permission_level: str
    deleted_time: datetime | None
    enterprise_account_id: str | None = None
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class UnsharedInterface:
    """An interface the removed user lost access to."""

    user_id: str
    base_id: str
    interface_id: str
    interface_name: str
    former_permission_level: str
    deleted_time: datetime | None
    enterprise_account_id: str | None = None
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class UnsharedWorkspace:
    """A workspace the removed user lost access to."""

    user_id: str
    workspace_id: str
    workspace_name: str
    former_permission_level: str
    deleted_time: datetime | None
    enterprise_account_id: str | None = None
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class SharedResources:
    """``shared``: what was handed to the replacement owner."""

    workspaces: tuple[SharedWorkspace, ...] = ()
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class UnsharedResources:
    """``unshared``: what the removed user lost."""

    bases: tuple[UnsharedBase, ...] = ()
    interfaces: tuple[UnsharedInterface, ...] = ()
    workspaces: tuple[UnsharedWorkspace, ...] = ()
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class UserRemoved:
    """The answer of ``POST /v0/meta/enterpriseAccounts/{ent}/users/{userId}/remove``.

    With ``dry_run=True`` it describes what *would* happen. ``enterprise_account_id``
    on the items is set only when removing from descendants too.
    """

    was_user_removed_as_admin: bool
    shared: SharedResources = SharedResources()
    unshared: UnsharedResources = UnsharedResources()
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class AiAllowlistResponse(PartialResult):
    """The answer of ``POST .../workspaceAiAllowlist`` (REFERENCE §15), the answers of
    all chunks merged: workspaces that could not be changed are in ``errors``, each
    naming its :attr:`~BatchItemError.workspace_id`."""

    errors: tuple[BatchItemError, ...] = ()
    raw: Mapping[str, Any] = raw_field()
