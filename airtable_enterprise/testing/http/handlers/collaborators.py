"""Collaborator and invite endpoints shared by workspaces, bases and interfaces
(REFERENCE §6.6-§6.9, §7.4, §7.5): one item at a time, groups never owners, the sole
owner kept."""

from __future__ import annotations

from typing import Any

from ..._wire import invalid_request, model_not_found, not_permitted
from ...world.state import Base, Grant, Interface, Workspace, World
from ..requests import Body, Call
from ._common import record

__all__ = ["add_collaborator", "delete_collaborator", "delete_invite", "update_collaborator"]

_LEVELS = {
    "workspace": ("read", "comment", "edit", "create", "owner"),
    "base": ("read", "comment", "edit", "create"),
    "interface": ("read", "comment", "edit"),
}
Holder = Workspace | Base | Interface
_GROUP_OWNER = "Groups cannot be the owners of a workspace"
_NOT_COLLABORATOR = "Invalid permissions"


def _names(holder: Holder, world: World | None = None) -> tuple[str, str, str | None, str | None]:
    """(kind, audit category, workspaceId, baseId) of a grant holder (the workspace of an
    interface needs the ``world``)."""
    if isinstance(holder, Workspace):
        return "workspace", "workspaceCollaboration", holder.id, None
    if isinstance(holder, Interface):
        base = world.bases.get(holder.base_id) if world is not None else None
        workspace_id = base.workspace_id if base is not None else None
        return "interface", "interfaceCollaboration", workspace_id, holder.base_id
    return "base", "baseCollaboration", holder.workspace_id, holder.id


def _is_sole_owner(holder: Holder, subject_id: str) -> bool:
    owners = [g.subject_id for g in holder.grants.values() if g.permission_level == "owner"]
    return isinstance(holder, Workspace) and owners == [subject_id]


def _record(
    world: World,
    call: Call,
    holder: Holder,
    action: str,
    model: tuple[str, str],
    payload: dict[str, Any] | None = None,
) -> None:
    """Append the audit event of a change to ``holder``'s collaborators or invites;
    ``action`` names it with ``{Kind}`` for Workspace or Base, ``model`` is (id, type)."""
    kind, category, workspace_id, base_id = _names(holder, world)
    workspace = world.workspaces.get(workspace_id) if workspace_id is not None else None
    record(
        world,
        call.caller,
        action.format(Kind=kind.capitalize()),
        category,
        model[0],
        model[1],
        account_id=workspace.account_id if workspace is not None else None,
        workspace_id=workspace_id,
        base_id=base_id,
        payload=payload,
    )


def add_collaborator(world: World, call: Call, holder: Holder) -> None:
    """POST .../collaborators: ``{collaborators: [one item]}``; empty response."""
    kind = _names(holder)[0]
    items = call.body({"collaborators"}).list("collaborators")
    if not items:
        raise invalid_request("collaborators must hold one item")
    if len(items) > 1:
        raise not_permitted("You are only permitted to add one collaborator at a time")
    item = Body(items[0], {"user", "group", "permissionLevel"})
    level = item.string("permissionLevel", required=True, choices=_LEVELS[kind])
    if ("user" in item) == ("group" in item):
        raise invalid_request("give either user or group")
    target = Body(item.data["user"] if "user" in item else item.data["group"], {"id"})
    subject_id = target.string("id", required=True)
    if "user" in item:
        user = world.users.get(subject_id)
        if user is None:
            raise model_not_found()
        if user.state != "provisioned":
            raise not_permitted("User must be active and email verified")
    else:
        if subject_id not in world.groups:
            raise model_not_found()
        if kind == "workspace" and level == "owner":
            raise not_permitted(_GROUP_OWNER)
    holder.grants[subject_id] = Grant(subject_id, level, world.now(), call.caller.user_id)
    _record(
        world,
        call,
        holder,
        "add{Kind}Collaborator",
        (holder.id, kind),
        {"collaboratorId": subject_id, "permissionLevel": level},
    )


def update_collaborator(world: World, call: Call, holder: Holder) -> None:
    """PATCH .../collaborators/{id}: ``{permissionLevel}``; empty response."""
    kind = _names(holder)[0]
    level = call.body({"permissionLevel"}).string(
        "permissionLevel", required=True, choices=_LEVELS[kind]
    )
    subject_id = call.path["subject"]
    grant = holder.grants.get(subject_id)
    if grant is None:
        raise not_permitted(_NOT_COLLABORATOR)
    if subject_id.startswith("ugp") and kind == "workspace" and level == "owner":
        raise not_permitted(_GROUP_OWNER)
    if level != "owner" and _is_sole_owner(holder, subject_id):
        raise not_permitted(
            "You can not change the permissions of the sole owner of the workspace."
        )
    previous = grant.permission_level
    grant.permission_level = level
    _record(
        world,
        call,
        holder,
        "change{Kind}CollaboratorPermission",
        (holder.id, kind),
        {
            "collaboratorId": subject_id,
            "previousPermissionLevel": previous,
            "permissionLevel": level,
        },
    )


def delete_collaborator(world: World, call: Call, holder: Holder) -> None:
    """DELETE .../collaborators/{id}; empty response."""
    kind = _names(holder)[0]
    subject_id = call.path["subject"]
    if subject_id not in holder.grants:
        raise not_permitted(_NOT_COLLABORATOR)
    if _is_sole_owner(holder, subject_id):
        raise not_permitted("Sole owner of a workspace cannot be removed")
    del holder.grants[subject_id]
    _record(
        world,
        call,
        holder,
        "remove{Kind}Collaborator",
        (holder.id, kind),
        {"collaboratorId": subject_id},
    )


def delete_invite(world: World, call: Call, holder: Holder) -> None:
    """DELETE .../invites/{invite}: 403 ``INVALID_PERMISSIONS`` unless outstanding."""
    invite_id = call.path["invite"]
    if holder.invites.pop(invite_id, None) is None:
        raise not_permitted()
    _record(world, call, holder, "remove{Kind}InviteLink", (invite_id, "invite"))
