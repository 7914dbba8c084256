"""Base endpoints beyond collaborators: interfaces, shares, block installations
(REFERENCE §7.5-§7.7), and the list of bases the token can see."""

from __future__ import annotations

from typing import Any

from ..._wire import format_time, model_not_found, not_permitted
from ...world.state import Base, Interface, World
from ..requests import Call
from ..views import grant_entry, invite_entry
from . import collaborators
from ._common import record

__all__ = [
    "block_installation",
    "get_interface",
    "interface_collaborator",
    "list_bases",
    "list_block_installations",
    "list_shares",
    "share",
]

_STATES = ("enabled", "disabled")
_ORDER = ("none", "read", "comment", "edit", "create", "owner")


def _interface(world: World, call: Call) -> tuple[Base, Interface]:
    base = world.base(call.path["app"])
    interface = base.interfaces.get(call.path["pbd"])
    if interface is None:
        raise model_not_found()
    return base, interface


def _level(world: World, base: Base, interface: Interface | None, user_id: str) -> str:
    """The caller's best level over the workspace, the base (and the interface)."""
    holders = [world.workspaces[base.workspace_id].grants, base.grants]
    if interface is not None:
        holders.append(interface.grants)
    levels = [g.permission_level for g in (h.get(user_id) for h in holders) if g is not None]
    return max(levels, key=_ORDER.index, default="none")


def get_interface(world: World, call: Call) -> dict[str, Any]:
    """GET /v0/meta/bases/{app}/interfaces/{pbd} (§7.5): collaborators in three lists
    (interface, base, workspace), invite links a plain list."""
    call.check_query({"include"})
    include = call.include({"collaborators", "inviteLinks"})
    base, interface = _interface(world, call)
    workspace = world.workspaces[base.workspace_id]
    body: dict[str, Any] = {
        "id": interface.id,
        "baseId": base.id,
        "name": interface.name,
        "createdTime": format_time(interface.created_time),
        "permissionLevel": _level(world, base, interface, call.caller.user_id),
    }
    if "collaborators" in include:
        lists = {
            "interfaceCollaborators": interface.grants,
            "baseCollaborators": base.grants,
            "workspaceCollaborators": workspace.grants,
        }
        individual: dict[str, list[dict[str, Any]]] = {}
        group: dict[str, list[dict[str, Any]]] = {}
        for key, grants in lists.items():
            individual[key] = [
                grant_entry(world, g) for g in grants.values() if g.subject_id.startswith("usr")
            ]
            group[key] = [
                grant_entry(world, g) for g in grants.values() if g.subject_id.startswith("ugp")
            ]
        body["individualCollaborators"] = individual
        body["groupCollaborators"] = group
    if "inviteLinks" in include:
        body["inviteLinks"] = [invite_entry(i) for i in interface.invites.values()]
    return body


def interface_collaborator(world: World, call: Call, operation: str) -> None:
    """The §7.5 collaborator and invite endpoints of an interface."""
    getattr(collaborators, operation)(world, call, _interface(world, call)[1])


def list_bases(world: World, call: Call) -> dict[str, Any]:
    """GET /v0/meta/bases (list bases, outside the enterprise API): the bases the
    token's user reaches directly or through their workspace, one page."""
    call.check_query({"offset"})
    user_id = call.caller.user_id
    bases = []
    for base in world.bases.values():
        level = _level(world, base, None, user_id)
        if level != "none":
            bases.append({"id": base.id, "name": base.name, "permissionLevel": level})
    return {"bases": bases}


def _share_view(share: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "shareId": share.id,
        "shareTokenPrefix": share.id[:8],
        "state": share.state,
        "type": share.type,
        "createdByUserId": share.created_by,
        "createdTime": format_time(share.created_time),
        "isPasswordProtected": share.is_password_protected,
        "restrictedToEmailDomains": list(share.restricted_to_email_domains),
        "restrictedToEnterpriseMembers": share.restricted_to_enterprise_members,
    }
    if share.restricted_to_email_domains:
        # Absent means no domain restriction (REFERENCE §7.6).
        body["effectiveEmailDomainAllowList"] = list(share.restricted_to_email_domains)
    for key, value in (
        ("canBeSynced", share.can_be_synced),
        ("viewId", share.view_id),
        ("blockInstallationId", share.block_installation_id),
    ):
        if value is not None:
            body[key] = value
    return body


def list_shares(world: World, call: Call) -> dict[str, Any]:
    """GET /v0/meta/bases/{app}/shares (§7.6)."""
    call.check_query(set())
    base = world.base(call.path["app"])
    return {"shares": [_share_view(s) for s in base.shares.values()]}


def share(world: World, call: Call, operation: str) -> None:
    """PATCH (``{state}``) or DELETE /v0/meta/bases/{app}/shares/{share} (§7.6).

    Enabling honours the workspace's share-creation restriction; disabling does not.
    """
    base = world.base(call.path["app"])
    found = base.shares.get(call.path["share"])
    if found is None:
        raise model_not_found()
    workspace = world.workspaces[base.workspace_id]
    if operation == "delete":
        del base.shares[found.id]
        action = "deleteShare"
    else:
        state = call.body({"state"}).string("state", required=True, choices=_STATES)
        if (
            state == "enabled"
            and workspace.share_creation_restriction == "onlyOwners"
            and call.caller.user_id not in world.owners(workspace)
        ):
            # Sharing restrictions apply when enabling, not when disabling (§7.6).
            raise not_permitted()
        found.state = state
        action = "enableShare" if state == "enabled" else "disableShare"
    record(
        world,
        call.caller,
        action,
        "share",
        found.id,
        "share",
        account_id=workspace.account_id,
        workspace_id=workspace.id,
        base_id=base.id,
        payload={"shareType": found.type, "state": found.state},
    )


def list_block_installations(world: World, call: Call) -> list[dict[str, Any]]:
    """GET /v0/meta/bases/{app}/blockInstallations (§7.7): a bare array."""
    call.check_query(set())
    base = world.base(call.path["app"])
    return [
        {
            "id": b.id,
            "blockId": b.block_id,
            "blockSlug": b.block_slug,
            "createdByUserId": b.created_by,
            "createdTime": format_time(b.created_time),
            "state": b.state,
        }
        for b in base.block_installations.values()
    ]


def block_installation(world: World, call: Call, operation: str) -> None:
    """PATCH (``{state}``) or DELETE /v0/meta/bases/{app}/blockInstallations/{bli} (§7.7)."""
    base = world.base(call.path["app"])
    found = base.block_installations.get(call.path["bli"])
    if found is None:
        raise model_not_found()
    if operation == "delete":
        del base.block_installations[found.id]
        action = "deleteBlockInstallation"
    else:
        found.state = call.body({"state"}).string("state", required=True, choices=_STATES)
        action = (
            "enableBlockInstallation" if found.state == "enabled" else "disableBlockInstallation"
        )
    workspace = world.workspaces[base.workspace_id]
    record(
        world,
        call.caller,
        action,
        "base",
        found.id,
        "blockInstallation",
        account_id=workspace.account_id,
        workspace_id=workspace.id,
        base_id=base.id,
        payload={"blockId": found.block_id, "state": found.state},
    )
