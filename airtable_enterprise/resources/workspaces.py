"""Workspaces at the account level: create and ``moveWorkspaces`` (REFERENCE §6).

The bodies of :class:`Enterprise`'s workspace methods; ``enterprise.py`` binds them.
A workspace's own calls are on the :class:`~airtable_enterprise.Workspace` handle.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .._core.validate import check_ids, check_name
from ..models.results import MoveWorkspacesResponse
from ..workspace import Workspace
from ._common import CreatedId, UserRef, enterprise_id
from .groups import MOVE_LIMIT
from .users import user_ids

if TYPE_CHECKING:
    from ..enterprise import Enterprise

__all__ = ["create_workspace", "move_workspaces"]


async def move_workspaces(
    self: Enterprise,
    workspace_ids: Iterable[str],
    target: str | Enterprise,
    *,
    replacement_owner: UserRef | None = None,
) -> MoveWorkspacesResponse:
    """Move workspaces to another account of the same Hub organization.

    ``POST /v0/meta/enterpriseAccounts/{ent}/moveWorkspaces`` with
    ``{"workspaceIds": [...], "targetEnterpriseAccountId": ..., "replacementOwnerId"?}``;
    at most 100 workspaces (Airtable's cap). ``replacement_owner`` is needed when the
    target restricts invites to its members and a workspace has only non-member
    owners; it may be an email (resolved with one lookup). Workspaces that could not
    move are in the result's ``errors``.
    """
    ids = check_ids("workspace_ids", workspace_ids, "wsp", max_items=MOVE_LIMIT)
    body: dict[str, object] = {
        "workspaceIds": ids,
        "targetEnterpriseAccountId": enterprise_id(target),
    }
    if replacement_owner is not None:
        owner = await user_ids(self, replacement_owner=replacement_owner)
        body["replacementOwnerId"] = owner["replacement_owner"]
    return await self.api.request_model(
        MoveWorkspacesResponse, "POST", f"{self.url}/moveWorkspaces", json=body
    )


async def create_workspace(self: Enterprise, name: str) -> Workspace:
    """Create a workspace in this account, owned by the caller; its handle.

    ``POST /v0/meta/workspaces`` with ``{"enterpriseAccountId": ..., "name": ...}``.
    The handle knows its ``name``.
    """
    body = {"enterpriseAccountId": self.id, "name": check_name("name", name)}
    created = await self.api.request_model(CreatedId, "POST", "/v0/meta/workspaces", json=body)
    return Workspace(self.api, created.id, name=name, _answered=True)
