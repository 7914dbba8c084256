"""User groups: ``/v0/meta/groups/{ugp}`` and ``moveGroups`` (REFERENCE §5).

The bodies of :class:`Enterprise`'s group methods; ``enterprise.py`` binds them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .._core.gather import gather
from .._core.validate import check_bool, check_id, check_ids
from ..models.groups import UserGroup
from ..models.results import MoveGroupsResponse
from ._common import enterprise_id, include

if TYPE_CHECKING:
    from ..enterprise import Enterprise

__all__ = ["MOVE_LIMIT", "group", "groups", "move_groups"]

#: The most IDs move-groups and move-workspaces accept (REFERENCE §5.2, §6.10).
MOVE_LIMIT = 100


async def group(self: Enterprise, group_id: str, collaborations: bool = True) -> UserGroup:
    """A user group (``ugp...``) with its members.

    ``GET /v0/meta/groups/{groupId}`` (not under ``enterpriseAccounts``), with
    ``include[]=collaborations`` unless ``collaborations=False``.
    """
    check_id("group_id", group_id, "ugp")
    flags = include(collaborations=collaborations)
    return await self.api.request_model(
        UserGroup, "GET", f"/v0/meta/groups/{group_id}", params=flags
    )


async def groups(
    self: Enterprise, group_ids: Iterable[str], *, collaborations: bool = True
) -> list[UserGroup]:
    """Several user groups, fetched concurrently; in input order, each once.

    ``GET /v0/meta/groups/{groupId}`` per group, as in :meth:`group`.
    """
    ids = list(dict.fromkeys(check_ids("group_ids", group_ids, "ugp")))
    check_bool("collaborations", collaborations)

    def fetch(group_id: str) -> Any:
        async def call() -> UserGroup:
            return await group(self, group_id, collaborations)

        return call

    return await gather([fetch(group_id) for group_id in ids])


async def move_groups(
    self: Enterprise, group_ids: Iterable[str], target: str | Enterprise
) -> MoveGroupsResponse:
    """Move user groups to another account of the same Hub organization.

    ``POST /v0/meta/enterpriseAccounts/{ent}/moveGroups`` with
    ``{"groupIds": [...], "targetEnterpriseAccountId": ...}``; at most 100 groups
    (Airtable's cap). ``target`` is an account ID or an :class:`Enterprise`.
    Groups that could not move are in the result's ``errors``.
    """
    ids = check_ids("group_ids", group_ids, "ugp", max_items=MOVE_LIMIT)
    body = {"groupIds": ids, "targetEnterpriseAccountId": enterprise_id(target)}
    return await self.api.request_model(
        MoveGroupsResponse, "POST", f"{self.url}/moveGroups", json=body
    )
