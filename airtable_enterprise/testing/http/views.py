"""Wire rendering: the JSON objects of REFERENCE §1.10, §3-§7 built from the world."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from .._wire import format_time
from ..world.state import Base, Grant, Group, Interface, InviteLink, User, Workspace, World

__all__ = [
    "base_view",
    "collaborations_of",
    "enterprise_view",
    "group_view",
    "groups_of",
    "user_view",
    "workspace_view",
]


def _ids(world: World, account_ids: Collection[str]) -> dict[str, list[str]]:
    user_ids: set[str] = set()
    for account_id in account_ids:
        user_ids.update(world.account_user_ids(account_id))
    return {
        "groupIds": [g.id for g in world.groups.values() if g.account_id in account_ids],
        "userIds": sorted(user_ids),
        "workspaceIds": [w.id for w in world.workspaces.values() if w.account_id in account_ids],
    }


def enterprise_view(world: World, account_id: str, include: Collection[str]) -> dict[str, Any]:
    """Get enterprise (REFERENCE §3.1)."""
    account = world.account(account_id)
    own = _ids(world, {account_id})
    descendants = world.descendant_ids() if account_id == world.root_id else []
    body: dict[str, Any] = {
        "id": account.id,
        "createdTime": format_time(account.created_time),
        "rootEnterpriseAccountId": account.root_id,
        "descendantEnterpriseAccountIds": descendants,
        "emailDomains": [
            {"emailDomain": domain, "isSsoRequired": sso}
            for domain, sso in account.email_domains.items()
        ],
        **own,
    }
    # Only returned when Enterprise Hub is on (§3.1).
    if world.enterprise_hub and "aggregated" in include:
        body["aggregated"] = _ids(world, {account_id, *descendants})
    if world.enterprise_hub and "descendants" in include:
        body["descendants"] = {d: _ids(world, {d}) for d in descendants}
    return body


def _grant_entry(world: World, grant: Grant, **extra: str) -> dict[str, Any]:
    """An individual or group collaborator object (REFERENCE §1.10)."""
    kind, value = world.subject_name(grant.subject_id)
    entry: dict[str, Any] = dict(extra)
    entry["groupId" if kind == "name" else "userId"] = grant.subject_id
    entry[kind] = value
    entry["permissionLevel"] = grant.permission_level
    entry["createdTime"] = format_time(grant.created_time)
    entry["grantedByUserId"] = grant.granted_by
    return entry


def _invite_entry(invite: InviteLink, **extra: str) -> dict[str, Any]:
    return {
        **extra,
        "id": invite.id,
        "type": invite.type,
        "createdTime": format_time(invite.created_time),
        "invitedEmail": invite.invited_email,
        "referredByUserId": invite.referred_by,
        "permissionLevel": invite.permission_level,
        "restrictedToEmailDomains": list(invite.restricted_to_email_domains),
    }


def _split(
    world: World, grants: Collection[Grant], **extra: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    users = [_grant_entry(world, g, **extra) for g in grants if g.subject_id.startswith("usr")]
    groups = [_grant_entry(world, g, **extra) for g in grants if g.subject_id.startswith("ugp")]
    return users, groups


def workspace_view(world: World, workspace: Workspace, include: Collection[str]) -> dict[str, Any]:
    """Get workspace collaborators (REFERENCE §6.3)."""
    body: dict[str, Any] = {
        "id": workspace.id,
        "name": workspace.name,
        "createdTime": format_time(workspace.created_time),
        "baseIds": list(workspace.base_ids),
        "workspaceRestrictions": {
            "inviteCreationRestriction": workspace.invite_creation_restriction,
            "shareCreationRestriction": workspace.share_creation_restriction,
        },
    }
    bases = [world.bases[b] for b in workspace.base_ids]
    if "collaborators" in include:
        ws_users, ws_groups = _split(world, workspace.grants.values())
        base_users: list[dict[str, Any]] = []
        base_groups: list[dict[str, Any]] = []
        for base in bases:
            users, groups = _split(world, base.grants.values(), baseId=base.id)
            base_users.extend(users)
            base_groups.extend(groups)
        individual = {"baseCollaborators": base_users, "workspaceCollaborators": ws_users}
        body["individualCollaborators"] = individual
        body["groupCollaborators"] = {
            "baseCollaborators": base_groups,
            "workspaceCollaborators": ws_groups,
        }
        body["collaborators"] = individual  # deprecated mirror (§6.3)
    if "inviteLinks" in include:
        body["inviteLinks"] = {
            "baseInviteLinks": [
                _invite_entry(i, baseId=base.id) for base in bases for i in base.invites.values()
            ],
            "workspaceInviteLinks": [_invite_entry(i) for i in workspace.invites.values()],
        }
    return body


def _caller_level(world: World, base: Base, workspace: Workspace, caller_id: str) -> str:
    """The caller's permission level on a base: ``none`` for an admin who is not a
    collaborator (REFERENCE §7.3)."""
    order = ["none", "read", "comment", "edit", "create", "owner"]
    levels = [
        g.permission_level
        for g in (base.grants.get(caller_id), workspace.grants.get(caller_id))
        if g is not None
    ]
    return max(
        levels, key=lambda level: order.index(level) if level in order else 0, default="none"
    )


def _interface_view(world: World, interface: Interface, include: Collection[str]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": interface.id,
        "name": interface.name,
        "createdTime": format_time(interface.created_time),
        "firstPublishTime": (
            format_time(interface.first_publish_time) if interface.first_publish_time else None
        ),
    }
    if "collaborators" in include:
        users, groups = _split(world, interface.grants.values())
        body["groupCollaborators"] = groups
        body["individualCollaborators"] = users
    if "inviteLinks" in include:
        body["inviteLinks"] = [_invite_entry(i) for i in interface.invites.values()]
    return body


def base_view(world: World, base: Base, include: Collection[str], caller_id: str) -> dict[str, Any]:
    """Get base collaborators (REFERENCE §7.3)."""
    workspace = world.workspaces[base.workspace_id]
    body: dict[str, Any] = {
        "id": base.id,
        "name": base.name,
        "createdTime": format_time(base.created_time),
        "workspaceId": base.workspace_id,
        "permissionLevel": _caller_level(world, base, workspace, caller_id),
    }
    if "collaborators" in include:
        base_users, base_groups = _split(world, base.grants.values())
        ws_users, ws_groups = _split(world, workspace.grants.values())
        individual = {"baseCollaborators": base_users, "workspaceCollaborators": ws_users}
        body["individualCollaborators"] = individual
        body["groupCollaborators"] = {
            "baseCollaborators": base_groups,
            "workspaceCollaborators": ws_groups,
        }
        body["collaborators"] = individual  # deprecated mirror
    if "inviteLinks" in include:
        body["inviteLinks"] = {
            "baseInviteLinks": [_invite_entry(i) for i in base.invites.values()],
            "workspaceInviteLinks": [_invite_entry(i) for i in workspace.invites.values()],
        }
    if "interfaces" in include:
        body["interfaces"] = {
            i.id: _interface_view(world, i, include) for i in base.interfaces.values()
        }
    if "packages" in include:
        body["packageInstallations"] = [dict(p) for p in base.package_installations]
    return body


def collaborations_of(
    world: World, subject_ids: Collection[str], account_ids: Collection[str] | None = None
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Direct grants of each subject (REFERENCE §1.10).

    ``account_ids`` limits them to workspaces of those accounts. Each list is in the
    world's order (workspaces as created, then each one's bases, then their interfaces).
    Only the holders the world's index names are visited, not every grant table: a
    get-users request in a 50,000-user world would otherwise walk ~35,000 tables.
    """
    wanted = set(subject_ids)
    result: dict[str, dict[str, list[dict[str, Any]]]] = {
        s: {"baseCollaborations": [], "interfaceCollaborations": [], "workspaceCollaborations": []}
        for s in wanted
    }
    order = {workspace_id: index for index, workspace_id in enumerate(world.workspaces)}
    placed: list[tuple[tuple[int, int, int], Workspace | Base | Interface, Base | None]] = []
    for holder in world.holders_of(wanted):
        found = _place(world, holder, order, account_ids)
        if found is not None:
            position, base = found
            placed.append((position, holder, base))
    placed.sort(key=lambda item: item[0])
    for _, holder, base in placed:
        grants = holder.grants
        for subject in wanted.intersection(grants):
            grant = grants[subject]
            created, granted_by = format_time(grant.created_time), grant.granted_by
            level = grant.permission_level
            if isinstance(holder, Workspace):
                result[subject]["workspaceCollaborations"].append(
                    {
                        "createdTime": created,
                        "grantedByUserId": granted_by,
                        "permissionLevel": level,
                        "workspaceId": holder.id,
                    }
                )
            elif isinstance(holder, Base):
                result[subject]["baseCollaborations"].append(
                    {
                        "baseId": holder.id,
                        "createdTime": created,
                        "grantedByUserId": granted_by,
                        "permissionLevel": level,
                    }
                )
            else:
                assert base is not None
                result[subject]["interfaceCollaborations"].append(
                    {
                        "baseId": base.id,
                        "createdTime": created,
                        "grantedByUserId": granted_by,
                        "interfaceId": holder.id,
                        "permissionLevel": level,
                    }
                )
    return result


def _place(
    world: World,
    holder: Workspace | Base | Interface,
    order: dict[str, int],
    account_ids: Collection[str] | None,
) -> tuple[tuple[int, int, int], Base | None] | None:
    """Where ``holder`` comes in the world's order, with the base of an interface;
    ``None`` if it is no longer part of the world or is outside ``account_ids``."""
    base: Base | None = None
    interface_index = -1
    if isinstance(holder, Workspace):
        if world.workspaces.get(holder.id) is not holder:
            return None
        workspace, base_index = holder, -1
    else:
        if isinstance(holder, Interface):
            base = world.bases.get(holder.base_id)
            if base is None or base.interfaces.get(holder.id) is not holder:
                return None
            interface_index = list(base.interfaces).index(holder.id)
            container = base
        else:
            container = holder
        if world.bases.get(container.id) is not container:
            return None
        found = world.workspaces.get(container.workspace_id)
        if found is None or container.id not in found.base_ids:
            return None
        workspace, base_index = found, found.base_ids.index(container.id)
    if account_ids is not None and workspace.account_id not in account_ids:
        return None
    return (order[workspace.id], base_index, interface_index), base


def groups_of(world: World, users: Collection[User]) -> dict[str, list[str]]:
    """The groups each of ``users`` belongs to in its own account, in the world's order."""
    wanted = {user.id: user.account_id for user in users}
    result: dict[str, list[str]] = {user_id: [] for user_id in wanted}
    for group in world.groups.values():
        members = group.members
        if wanted.keys().isdisjoint(members.keys()):
            continue
        for user_id in wanted.keys() & members.keys():
            if wanted[user_id] == group.account_id:
                result[user_id].append(group.id)
    return result


def user_view(
    world: World,
    user: User,
    include: Collection[str],
    collaborations: dict[str, dict[str, list[dict[str, Any]]]] | None = None,
    groups: dict[str, list[str]] | None = None,
    account_id: str | None = None,
) -> dict[str, Any]:
    """A UserObject (REFERENCE §4.1) as the account ``account_id`` answers it.

    ``collaborations`` and ``groups``, from :func:`collaborations_of` and
    :func:`groups_of`, let a many-user answer work them out in one pass each.
    ``isAdmin`` is "directly assigned admin on **this** account": a descendant's admin
    asked for through another account (the Hub's root) says false there, and true in
    their ``descendants`` entry.
    """
    internal = world.is_internal(user)
    body: dict[str, Any] = {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "state": user.state,
        "isServiceAccount": user.is_service_account,
        "isSsoRequired": user.is_sso_required if internal else False,
        "isTwoFactorAuthEnabled": user.is_two_factor_auth_enabled,
        "lastActivityTime": (
            format_time(user.last_activity_time) if user.last_activity_time else None
        ),
    }
    inviter = world.users.get(user.invited_by) if user.invited_by else None
    if internal:
        body["createdTime"] = format_time(user.created_time)
    # invitedToAirtableByUserId: only when the inviter or the user is internal; an
    # internal user invited by an external one sees the redacted placeholder (§4.1).
    inviter_internal = inviter is not None and world.is_internal(inviter)
    if internal or inviter_internal:
        if user.invited_by is None:
            body["invitedToAirtableByUserId"] = None
        elif internal and inviter is not None and not inviter_internal:
            body["invitedToAirtableByUserId"] = "usrEXTERNREDACTED"
        else:
            body["invitedToAirtableByUserId"] = user.invited_by
    if internal:
        body["isAdmin"] = user.is_admin and (account_id is None or user.account_id == account_id)
        body["isManaged"] = user.is_managed
        if world.enterprise_hub:
            body["isSuperAdmin"] = user.is_super_admin
        if user.license_type is not None:
            body["licenseType"] = user.license_type
        group_ids = (groups if groups is not None else groups_of(world, [user])).get(user.id, [])
        body["groups"] = [{"id": group_id} for group_id in group_ids]
    if "collaborations" in include:
        table = collaborations or collaborations_of(world, [user.id])
        body["collaborations"] = table[user.id]
    if internal and world.enterprise_hub and "aggregated" in include:
        aggregated: dict[str, Any] = {
            "lastActivityTime": body["lastActivityTime"],
            "isAdmin": user.is_admin,
            "groups": [{"id": g.id} for g in world.groups.values() if user.id in g.members],
        }
        if "collaborations" in include:
            aggregated["collaborations"] = body["collaborations"]
        body["aggregated"] = aggregated
    if internal and world.enterprise_hub and "descendants" in include:
        descendants: dict[str, Any] = {}
        for account_id in world.descendant_ids():
            descendants[account_id] = {
                "lastActivityTime": body["lastActivityTime"],
                # Directly assigned admin on that account (§4.1): its own admins.
                "isAdmin": user.is_admin and user.account_id == account_id,
                "isManaged": user.is_managed and user.account_id == account_id,
                "groups": [
                    {"id": g.id}
                    for g in world.groups.values()
                    if user.id in g.members and g.account_id == account_id
                ],
            }
            if "collaborations" in include:
                descendants[account_id]["collaborations"] = collaborations_of(
                    world, [user.id], {account_id}
                )[user.id]
        body["descendants"] = descendants
    return body


def group_view(world: World, group: Group, include: Collection[str]) -> dict[str, Any]:
    """Get user group (REFERENCE §5.1)."""
    members = []
    for member in group.members.values():
        user = world.users.get(member.user_id)
        if user is None:
            continue
        members.append(
            {
                "userId": user.id,
                "email": user.email,
                "firstName": user.first_name or None,
                "lastName": user.last_name or None,
                "role": member.role,
                "createdTime": format_time(member.created_time),
            }
        )
    body: dict[str, Any] = {
        "id": group.id,
        "name": group.name,
        "enterpriseAccountId": group.account_id,
        "createdTime": format_time(group.created_time),
        "updatedTime": format_time(group.updated_time),
        "members": members,
    }
    if group.mapped_user_license_type is not None:
        body["mappedUserLicenseType"] = group.mapped_user_license_type
    if "collaborations" in include:
        body["collaborations"] = collaborations_of(world, [group.id])[group.id]
    return body


#: The collaborator and invite objects, for the handlers of other families.
grant_entry = _grant_entry
invite_entry = _invite_entry
