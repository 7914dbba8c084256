"""Workspace and base endpoints (REFERENCE §6, §7.1-§7.4)."""

from __future__ import annotations

from typing import Any

from ..._wire import invalid_request, model_not_found, not_permitted
from ...world.state import Base, Grant, Workspace, World
from ..requests import Body, Call
from ..views import base_view, workspace_view
from . import collaborators
from ._common import record

__all__ = [
    "base_collaborator",
    "create_base",
    "create_workspace",
    "delete_base",
    "delete_workspace",
    "get_base",
    "get_workspace",
    "move_base",
    "move_workspaces",
    "require_creator",
    "update_restrictions",
    "workspace_collaborator",
]

_RESTRICTIONS = ("unrestricted", "onlyOwners")
_MAX_MOVE = 100  # moveWorkspaces: at most 100 workspace IDs (§6.10)
_CREATOR_LEVELS = ("create", "owner")


def _require_admin(world: World, call: Call) -> None:
    """Admin-only endpoints answer 403 ``INVALID_PERMISSIONS`` to others (§6.4)."""
    caller = world.users.get(call.caller.user_id)
    if caller is None or not caller.is_admin:
        raise not_permitted()


def require_creator(world: World, call: Call, workspace: Workspace) -> None:
    """Creating a base needs the workspace creator role (REFERENCE §7.1, §1.3), admins
    included: 403 ``INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND`` to a caller with no access
    to the workspace, ``INVALID_PERMISSIONS`` to one with less than ``create``. So a new
    base is always visible to its creator, through the same direct workspace grant
    ``GET /v0/meta/bases`` reads."""
    grant = workspace.grants.get(call.caller.user_id)
    if grant is None:
        raise model_not_found()
    if grant.permission_level not in _CREATOR_LEVELS:
        raise not_permitted()


def create_workspace(world: World, call: Call) -> dict[str, Any]:
    """POST /v0/meta/workspaces (§6.1): the caller, an admin, becomes the owner."""
    body = call.body({"enterpriseAccountId", "name"})
    account = world.account(body.string("enterpriseAccountId", required=True))
    name = body.string("name", required=True)
    _require_admin(world, call)
    now = world.now()
    workspace = Workspace(
        id=world.new_id("wsp"), name=name, account_id=account.id, created_time=now
    )
    workspace.grants[call.caller.user_id] = Grant(
        call.caller.user_id, "owner", now, call.caller.user_id
    )
    world.workspaces[workspace.id] = workspace
    record(
        world,
        call.caller,
        "createWorkspace",
        "workspace",
        workspace.id,
        "workspace",
        account_id=account.id,
        workspace_id=workspace.id,
        payload={"name": name},
    )
    return {"id": workspace.id}


def delete_workspace(world: World, call: Call) -> dict[str, Any]:
    """DELETE /v0/meta/workspaces/{wsp} (§6.2): its bases go with it."""
    workspace = world.workspace(call.path["wsp"])
    for base_id in workspace.base_ids:
        del world.bases[base_id]
    del world.workspaces[workspace.id]
    record(
        world,
        call.caller,
        "deleteWorkspace",
        "workspace",
        workspace.id,
        "workspace",
        account_id=workspace.account_id,
        workspace_id=workspace.id,
        payload={"name": workspace.name},
    )
    return {"id": workspace.id, "deleted": True}


def get_workspace(world: World, call: Call) -> dict[str, Any]:
    """GET /v0/meta/workspaces/{wsp} (§6.3)."""
    call.check_query({"include"})
    include = call.include({"collaborators", "inviteLinks"})
    return workspace_view(world, world.workspace(call.path["wsp"]), include)


def move_base(world: World, call: Call) -> None:
    """POST /v0/meta/workspaces/{wsp}/moveBase (§6.4): ``targetIndex`` 0 is first,
    the default is last."""
    source = world.workspace(call.path["wsp"])
    body = call.body({"baseId", "targetWorkspaceId", "targetIndex"})
    base_id = body.string("baseId", required=True)
    target = world.workspace(body.string("targetWorkspaceId", required=True))
    index = body.integer("targetIndex")
    _require_admin(world, call)
    if base_id not in source.base_ids:
        raise model_not_found()
    remaining = [b for b in target.base_ids if b != base_id]
    if index is None:
        index = len(remaining)
    if not 0 <= index <= len(remaining):
        raise invalid_request(f"targetIndex must be 0 to {len(remaining)}")
    source.base_ids.remove(base_id)
    remaining.insert(index, base_id)
    target.base_ids[:] = remaining
    world.bases[base_id].workspace_id = target.id
    record(
        world,
        call.caller,
        "moveBase",
        "base",
        base_id,
        "base",
        account_id=target.account_id,
        workspace_id=target.id,
        base_id=base_id,
        payload={"fromWorkspaceId": source.id, "toWorkspaceId": target.id},
    )


def update_restrictions(world: World, call: Call) -> None:
    """POST /v0/meta/workspaces/{wsp}/updateRestrictions (§6.5; POST, not PATCH)."""
    workspace = world.workspace(call.path["wsp"])
    body = call.body({"inviteCreationRestriction", "shareCreationRestriction"})
    invite = body.string("inviteCreationRestriction", choices=_RESTRICTIONS)
    share = body.string("shareCreationRestriction", choices=_RESTRICTIONS)
    if invite is not None:
        workspace.invite_creation_restriction = invite
    if share is not None:
        workspace.share_creation_restriction = share
    record(
        world,
        call.caller,
        "updateWorkspaceRestrictions",
        "workspace",
        workspace.id,
        "workspace",
        account_id=workspace.account_id,
        workspace_id=workspace.id,
        payload={
            "inviteCreationRestriction": workspace.invite_creation_restriction,
            "shareCreationRestriction": workspace.share_creation_restriction,
        },
    )


def move_workspaces(world: World, call: Call) -> dict[str, Any]:
    """POST .../{ent}/moveWorkspaces (§6.10): 200 with per-item ``errors``."""
    world.account(call.path["ent"])
    body = call.body({"targetEnterpriseAccountId", "workspaceIds", "replacementOwnerId"})
    target = world.account(body.string("targetEnterpriseAccountId", required=True))
    workspace_ids = body.strings("workspaceIds", limit=_MAX_MOVE)
    body.string("replacementOwnerId")
    moved: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for workspace_id in list[str](dict.fromkeys(workspace_ids)):
        workspace = world.workspaces.get(workspace_id)
        if workspace is None:
            errors.append(
                {"id": workspace_id, "type": "NOT_FOUND", "message": "Workspace not found"}
            )
            continue
        source = workspace.account_id
        workspace.account_id = target.id
        moved.append({"id": workspace_id})
        record(
            world,
            call.caller,
            "moveWorkspace",
            "workspace",
            workspace_id,
            "workspace",
            account_id=target.id,
            workspace_id=workspace_id,
            payload={"fromEnterpriseAccountId": source, "toEnterpriseAccountId": target.id},
        )
    return {"movedWorkspaces": moved, "errors": errors}


def workspace_collaborator(world: World, call: Call, operation: str) -> None:
    """The §6.6-§6.9 collaborator and invite endpoints of a workspace."""
    getattr(collaborators, operation)(world, call, world.workspace(call.path["wsp"]))


def base_collaborator(world: World, call: Call, operation: str) -> None:
    """The §7.4 collaborator and invite endpoints of a base."""
    getattr(collaborators, operation)(world, call, world.base(call.path["app"]))


def _tables(world: World, raw_tables: list[Any]) -> list[dict[str, object]]:
    """TableModels for create base: IDs assigned, the first field primary (§7.1)."""
    if not raw_tables:
        raise invalid_request("tables must hold at least one table")
    tables: list[dict[str, object]] = []
    for raw in raw_tables:
        table = Body(raw, {"name", "description", "fields"})
        fields: list[dict[str, object]] = []
        for raw_field in table.list("fields"):
            field = Body(raw_field, {"name", "type", "description", "options"})
            entry: dict[str, object] = {
                "id": world.new_id("fld"),
                "name": field.string("name", required=True),
                "type": field.string("type", required=True),
            }
            if field.data.get("options") is not None:
                entry["options"] = field.data["options"]
            fields.append(entry)
        if not fields:
            raise invalid_request("a table needs at least one field")
        model: dict[str, object] = {
            "id": world.new_id("tbl"),
            "name": table.string("name", required=True),
            "primaryFieldId": fields[0]["id"],
            "fields": fields,
            "views": [{"id": world.new_id("viw"), "name": "Grid view", "type": "grid"}],
        }
        if table.string("description") is not None:
            model["description"] = table.data["description"]
        tables.append(model)
    return tables


def create_base(world: World, call: Call) -> dict[str, Any]:
    """POST /v0/meta/bases (§7.1): ``{id, tables}``."""
    body = call.body({"name", "workspaceId", "tables"})
    name = body.string("name", required=True)
    workspace = world.workspace(body.string("workspaceId", required=True))
    require_creator(world, call, workspace)
    tables = _tables(world, body.list("tables"))
    base = Base(
        id=world.new_id("app"),
        name=name,
        workspace_id=workspace.id,
        created_time=world.now(),
        tables=tables,
    )
    world.bases[base.id] = base
    workspace.base_ids.append(base.id)
    # The new tables are a change event too (REFERENCE §11: createdTablesById).
    world.changes.created_base(world, base.id, tables, call.caller.user_id, call.caller.ip_address)
    record(
        world,
        call.caller,
        "createBase",
        "base",
        base.id,
        "base",
        account_id=workspace.account_id,
        workspace_id=workspace.id,
        base_id=base.id,
        payload={"name": name},
    )
    return {"id": base.id, "tables": tables}


def delete_base(world: World, call: Call) -> dict[str, Any]:
    """DELETE /v0/meta/bases/{app} (§7.2)."""
    base = world.base(call.path["app"])
    workspace = world.workspaces[base.workspace_id]
    workspace.base_ids.remove(base.id)
    del world.bases[base.id]
    record(
        world,
        call.caller,
        "deleteBase",
        "base",
        base.id,
        "base",
        account_id=workspace.account_id,
        workspace_id=workspace.id,
        base_id=base.id,
        payload={"name": base.name},
    )
    return {"id": base.id, "deleted": True}


def get_base(world: World, call: Call) -> dict[str, Any]:
    """GET /v0/meta/bases/{app} (§7.3)."""
    call.check_query({"include"})
    include = call.include({"collaborators", "inviteLinks", "interfaces", "packages"})
    return base_view(world, world.base(call.path["app"]), include, call.caller.user_id)
