"""The workspace AI allowlist (REFERENCE §15, beta)."""

from __future__ import annotations

from typing import Any

from ..._wire import invalid_request
from ...world.state import World
from ..requests import Body, Call
from ._common import record

__all__ = ["update_ai_allowlist"]

_MAX_WORKSPACES = 10  # §15


def update_ai_allowlist(world: World, call: Call) -> dict[str, Any]:
    """POST .../{ent}/workspaceAiAllowlist (§15): 200 with per-workspace errors.

    A workspace of a descendant account is reachable only with
    ``includeDescendantWorkspaces``; the list is stored whatever the policy, and
    :meth:`World.ai_allowed` reads it only under ``SPECIFIED_WORKSPACES``.
    """
    account = world.account(call.path["ent"])
    body = call.body({"workspaces", "includeDescendantWorkspaces"})
    items = body.list("workspaces", limit=_MAX_WORKSPACES)
    if not items:
        raise invalid_request("workspaces must hold at least one item")
    descendants = body.boolean("includeDescendantWorkspaces")
    reachable = {account.id}
    if descendants and account.id == world.root_id:
        reachable.update(world.descendant_ids())
    changes: list[tuple[str, bool]] = []
    for raw in items:  # the whole body is checked before anything changes
        item = Body(raw, {"workspaceId", "isAllowed"})
        workspace_id = item.string("workspaceId", required=True)
        if "isAllowed" not in item:
            raise invalid_request("isAllowed is required")
        changes.append((workspace_id, item.boolean("isAllowed")))
    errors: list[dict[str, str]] = []
    for workspace_id, allowed in changes:
        workspace = world.workspaces.get(workspace_id)
        if workspace is None or workspace.account_id not in reachable:
            errors.append(
                {
                    "type": "WORKSPACE_NOT_FOUND",
                    "message": "Workspace not found",
                    "workspaceId": workspace_id,
                }
            )
            continue
        world.ai_allowlist[workspace_id] = allowed
        record(
            world,
            call.caller,
            "updateWorkspaceAiAllowlist",
            "ai",
            workspace_id,
            "workspace",
            account_id=workspace.account_id,
            workspace_id=workspace_id,
            payload={"isAllowed": allowed, "policy": world.ai_policy},
        )
    return {"errors": errors}
