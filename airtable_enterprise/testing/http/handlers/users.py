"""User endpoints (REFERENCE §4)."""

from __future__ import annotations

from typing import Any

from ..._wire import ApiFailure, invalid_request, model_not_found, not_permitted
from ...world.state import Grant, User, Workspace, World, email_key
from ..requests import Body, Call, Caller
from ..views import collaborations_of, groups_of, user_view
from ._common import check_id_format, record

__all__ = [
    "claim_users",
    "delete_user",
    "delete_users_by_email",
    "get_user",
    "get_users",
    "grant_admin_access",
    "logout_user",
    "manage_user",
    "manage_users_batched",
    "remove_user",
    "revoke_admin_access",
]

_INCLUDES = {"collaborations", "aggregated", "descendants"}
_STATES = {"provisioned", "deactivated"}

# The 403 messages of the user-admin pages (fixtures UserAdmin.error.*).
_SELF = "Cannot perform action on self"
_EXTERNAL = "User does not belong to the enterprise email domain"
_FLA = "State modification is not enabled for FLA enterprise accounts"
_NOT_MANAGED = "User is not managed by the enterprise account"
_SOLE_OWNER = "Cannot delete sole owner of a workspace with other collaborators"


def _refusal(
    world: World, caller: Caller, user: User, *, state_change: bool, deleting: bool = False
) -> str | None:
    """Why an admin may not manage, delete or log out ``user`` (§4.3, §4.5, §4.7)."""
    if user.id == caller.user_id:
        return _SELF
    if not world.is_internal(user):
        return _EXTERNAL
    if not user.is_managed:
        return _NOT_MANAGED
    if (state_change or deleting) and world.license_agreement == "FLA":
        return _FLA
    if deleting:
        for workspace in world.workspaces.values():
            if world.owners(workspace) == [user.id] and len(workspace.grants) > 1:
                return _SOLE_OWNER
    return None


def _find(
    world: World, user_id: str | None, email: str | None
) -> tuple[User | None, dict[str, Any]]:
    """The user an item names (the ID wins over the email), and the per-item error."""
    if user_id is not None:
        found = world.users.get(user_id)
        return found, {"id": user_id, "type": "USER_ID_NOT_FOUND", "message": "User not found"}
    found = world.user_by_email(email) if email is not None else None
    return found, {"email": email, "type": "NOT_FOUND", "message": "User not found"}


def get_users(world: World, call: Call) -> dict[str, Any]:
    """GET .../{ent}/users?id[]=&email[]= (§4.1)."""
    world.account(call.path["ent"])
    call.check_query({"id", "email", "include"})
    include = call.include(_INCLUDES)
    ids, emails = call.values("id"), call.values("email")
    if not ids and not emails:
        raise invalid_request("either id or email must be specified")
    found: dict[str, User] = {}
    for user_id in ids:
        user = world.users.get(check_id_format(user_id, "usr", "id"))
        if user is not None:
            found.setdefault(user.id, user)
    for email in emails:
        user = world.user_by_email(email)
        if user is not None:
            found.setdefault(user.id, user)
    table = collaborations_of(world, found) if "collaborations" in include else None
    groups = groups_of(world, found.values())
    account_id = call.path["ent"]
    return {
        "users": [
            user_view(world, u, include, table, groups, account_id=account_id)
            for u in found.values()
        ]
    }


def get_user(world: World, call: Call) -> dict[str, Any]:
    """GET .../{ent}/users/{user} (§4.2)."""
    world.account(call.path["ent"])
    call.check_query({"include"})
    include = call.include(_INCLUDES)
    return user_view(world, world.user(call.path["user"]), include, account_id=call.path["ent"])


def _update_fields(body: Body) -> dict[str, str]:
    changes = {}
    state = body.string("state", choices=_STATES)
    if state is not None:
        changes["state"] = state
    for name in ("email", "firstName", "lastName"):
        value = body.string(name)
        if value is not None:
            changes[name] = value
    if "email" in changes and "@" not in changes["email"]:
        raise invalid_request("email must be an email address")
    return changes


def _apply_update(world: World, caller: Caller, user: User, changes: dict[str, str]) -> None:
    """Check and apply a manage-user change; raises the documented 403/422 (§4.3)."""
    refusal = _refusal(world, caller, user, state_change="state" in changes)
    if refusal is not None:
        raise not_permitted(refusal)
    email = changes.get("email")
    if email is not None and email_key(email) != email_key(user.email):
        other = world.user_by_email(email)
        if other is not None:
            raise ApiFailure(422, "EMAIL_ALREADY_IN_USE", "Email already in use")
        if email.rsplit("@", 1)[-1].lower() not in world.org_domains():
            # The enterprise must own the target domain; the type string of this 422
            # was not recovered from the docs (§4.3).
            raise ApiFailure(422, "INVALID_REQUEST_UNKNOWN", "Must own target domain")
    state = changes.get("state")
    if state is not None and state != user.state:
        user.state = state
        action = "deactivateUser" if state == "deactivated" else "provisionUser"
        record(world, caller, action, "user", user.id, "user", account_id=user.account_id)
    if email is not None and email != user.email:
        previous = user.email
        world.change_email(user, email)
        user.logged_out_time = world.now()  # an email change logs the user out (§4.3)
        record(
            world,
            caller,
            "updateUserEmail",
            "user",
            user.id,
            "user",
            account_id=user.account_id,
            payload={"previousEmail": previous, "newEmail": email},
        )
    first, last = changes.get("firstName"), changes.get("lastName")
    if first is not None or last is not None:
        user.first_name = first if first is not None else user.first_name
        user.last_name = last if last is not None else user.last_name
        record(
            world,
            caller,
            "updateUserName",
            "user",
            user.id,
            "user",
            account_id=user.account_id,
            payload={"name": user.name},
        )


def manage_user(world: World, call: Call) -> None:
    """PATCH .../{ent}/users/{user} (§4.3): empty response."""
    world.account(call.path["ent"])
    changes = _update_fields(call.body({"state", "email", "firstName", "lastName"}))
    _apply_update(world, call.caller, world.user(call.path["user"]), changes)


def manage_users_batched(world: World, call: Call) -> dict[str, Any]:
    """PATCH .../{ent}/users (§4.4): the ID picks the user, the email is then the new one."""
    world.account(call.path["ent"])
    items = call.body({"users"}).list("users")
    errors: list[dict[str, Any]] = []
    updated: list[dict[str, Any]] = []
    for raw in items:
        item = Body(raw, {"id", "email", "state", "firstName", "lastName"})
        user_id, email = item.string("id"), item.string("email")
        if user_id is None and email is None:
            raise invalid_request("either ID or email must be specified. Check your request data.")
        changes = _update_fields(item)
        user, not_found = _find(world, user_id, email)
        if user is None:
            errors.append(not_found)
            continue
        if user_id is None:
            changes.pop("email", None)  # the email only named the user
        try:
            _apply_update(world, call.caller, user, changes)
        except ApiFailure as failure:
            error = {"id": user_id} if user_id is not None else {"email": email}
            errors.append({**error, "type": failure.error_type, "message": failure.message})
            continue
        updated.append({"id": user.id, **changes})
    return {"errors": errors, "updatedUsers": updated}


def _delete(world: World, caller: Caller, user: User) -> None:
    world.forget_user(user)
    record(
        world,
        caller,
        "deleteUser",
        "user",
        user.id,
        "user",
        account_id=user.account_id,
        payload={"email": user.email},
    )


def delete_user(world: World, call: Call) -> None:
    """DELETE .../{ent}/users/{user} (§4.5): empty response."""
    world.account(call.path["ent"])
    user = world.user(call.path["user"])
    refusal = _refusal(world, call.caller, user, state_change=False, deleting=True)
    if refusal is not None:
        raise not_permitted(refusal)
    _delete(world, call.caller, user)


def delete_users_by_email(world: World, call: Call) -> dict[str, Any]:
    """DELETE .../{ent}/users?email[]= (§4.6): 200 with ``deletedUsers`` and ``errors``."""
    world.account(call.path["ent"])
    call.check_query({"email"})
    emails = call.values("email")
    if not emails:
        raise invalid_request("email must be specified")
    deleted: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for email in dict.fromkeys(emails):
        user = world.user_by_email(email)
        if user is None:
            errors.append({"type": "NOT_FOUND", "email": email, "message": "User not found"})
            continue
        refusal = _refusal(world, call.caller, user, state_change=False, deleting=True)
        if refusal is not None:
            errors.append({"type": "INVALID_PERMISSIONS", "email": email, "message": refusal})
            continue
        _delete(world, call.caller, user)
        deleted.append({"id": user.id, "email": user.email})
    return {"deletedUsers": deleted, "errors": errors}


def logout_user(world: World, call: Call) -> None:
    """POST .../{ent}/users/{user}/logout (§4.7): no body (``{}`` accepted)."""
    world.account(call.path["ent"])
    if call.json is not None:
        call.body(())
    user = world.user(call.path["user"])
    refusal = _refusal(world, call.caller, user, state_change=False)
    if refusal is not None:
        raise not_permitted(refusal)
    user.logged_out_time = world.now()
    record(world, call.caller, "logoutUser", "user", user.id, "user", account_id=user.account_id)


def claim_users(world: World, call: Call) -> dict[str, Any]:
    """POST .../{ent}/users/claim (§4.8); pyairtable's ``claim/users`` path lands here too."""
    world.account(call.path["ent"])
    items = [Body(raw, {"id", "email", "state"}) for raw in call.body({"users"}).list("users")]
    if not any(i.string("id") or i.string("email") for i in items):
        raise invalid_request("either ID or email must be specified. Check your request data.")
    errors: list[dict[str, Any]] = []
    for item in items:
        state = item.string("state", required=True, choices={"managed", "unmanaged"})
        user, not_found = _find(world, item.string("id"), item.string("email"))
        if user is None:
            errors.append(not_found)
            continue
        if not world.is_internal(user):
            error = {"id": user.id} if item.string("id") else {"email": item.string("email")}
            errors.append({**error, "type": "INVALID_PERMISSIONS", "message": _EXTERNAL})
            continue
        user.is_managed = state == "managed"
        action = "claimUser" if user.is_managed else "unclaimUser"
        record(world, call.caller, action, "user", user.id, "user", account_id=user.account_id)
    return {"errors": errors}


def _admin_access(world: World, call: Call, *, grant: bool) -> dict[str, Any]:
    world.account(call.path["ent"])
    errors: list[dict[str, Any]] = []
    for raw in call.body({"users"}).list("users"):
        item = Body(raw, {"id", "email"})
        user_id, email = item.string("id"), item.string("email")
        if user_id is None and email is None:
            raise invalid_request("either ID or email must be specified. Check your request data.")
        user, not_found = _find(world, user_id, email)
        named = {"id": user_id} if user_id is not None else {"email": email}
        if user is None:
            errors.append(not_found)
        elif not world.is_internal(user):
            errors.append(
                {
                    **named,
                    "type": "USER_NOT_MEMBER_OF_ENTERPRISE_ACCOUNT",
                    "message": "User is not a member of the enterprise account",
                }
            )
        elif grant and user.is_admin:
            errors.append(
                {**named, "type": "USER_ALREADY_ADMIN", "message": "User is already an admin"}
            )
        elif not grant and not user.is_admin:
            errors.append(
                {
                    **named,
                    "type": "USER_NOT_ASSIGNED_ADMIN",
                    "message": "User is not an assigned admin",
                }
            )
        else:
            user.is_admin = grant
            action = "grantAdminAccess" if grant else "revokeAdminAccess"
            record(world, call.caller, action, "user", user.id, "user", account_id=user.account_id)
    return {"errors": errors}


def grant_admin_access(world: World, call: Call) -> dict[str, Any]:
    """POST .../{ent}/users/grantAdminAccess (§4.9)."""
    return _admin_access(world, call, grant=True)


def revoke_admin_access(world: World, call: Call) -> dict[str, Any]:
    """POST .../{ent}/users/revokeAdminAccess (§4.10)."""
    return _admin_access(world, call, grant=False)


def remove_user(world: World, call: Call) -> dict[str, Any]:
    """POST .../{ent}/users/{user}/remove (§4.11).

    Unshares the user from every workspace, base and interface of the account (and of
    its descendants with ``removeFromDescendants``), leaves their groups, revokes their
    admin access and hands solely owned workspaces to ``replacementOwnerId``. With
    ``isDryRun`` it reports the same without changing anything.
    """
    ent = world.account(call.path["ent"]).id
    body = call.body({"removeFromDescendants", "replacementOwnerId", "isDryRun"})
    user = world.user(call.path["user"])
    if user.id == call.caller.user_id:
        raise not_permitted("You are not permitted to perform this operation on yourself")
    descendants, dry_run = body.boolean("removeFromDescendants"), body.boolean("isDryRun")
    if descendants and (ent != world.root_id or not world.enterprise_hub):
        raise not_permitted()
    accounts = {ent, *world.descendant_ids()} if descendants else {ent}
    workspaces = [w for w in world.workspaces.values() if w.account_id in accounts]
    sole_owned = [w for w in workspaces if world.owners(w) == [user.id]]
    replacement_id = body.string("replacementOwnerId")
    if sole_owned and replacement_id is None:
        raise not_permitted(
            "You cannot use this operation to remove the sole owner of a workspace "
            "without a replacementOwnerId"
        )
    if replacement_id is not None and sole_owned:
        if replacement_id == user.id:
            raise invalid_request("replacementOwnerId must be another user")
        replacement = world.users.get(replacement_id)
        if replacement is None:
            raise model_not_found()
        if replacement.state != "provisioned":
            raise not_permitted("Replacement owner must have verified email")

    def extra(account_id: str) -> dict[str, str]:
        return {"enterpriseAccountId": account_id} if descendants else {}

    shared = [
        {
            "workspaceId": w.id,
            "workspaceName": w.name,
            "permissionLevel": "owner",
            "deletedTime": None,
            "userId": replacement_id,
            **extra(w.account_id),
        }
        for w in sole_owned
    ]
    unshared: dict[str, list[dict[str, Any]]] = {"bases": [], "interfaces": [], "workspaces": []}
    for workspace in workspaces:
        grant = workspace.grants.get(user.id)
        if grant is not None:
            unshared["workspaces"].append(
                {
                    "userId": user.id,
                    "workspaceId": workspace.id,
                    "workspaceName": workspace.name,
                    "formerPermissionLevel": grant.permission_level,
                    "deletedTime": None,
                    **extra(workspace.account_id),
                }
            )
        for base in (world.bases[b] for b in workspace.base_ids):
            grant = base.grants.get(user.id)
            if grant is not None:
                unshared["bases"].append(
                    {
                        "userId": user.id,
                        "baseId": base.id,
                        "baseName": base.name,
                        "formerPermissionLevel": grant.permission_level,
                        "deletedTime": None,
                        **extra(workspace.account_id),
                    }
                )
            for interface in base.interfaces.values():
                grant = interface.grants.get(user.id)
                if grant is not None:
                    unshared["interfaces"].append(
                        {
                            "userId": user.id,
                            "baseId": base.id,
                            "interfaceId": interface.id,
                            "interfaceName": interface.name,
                            "formerPermissionLevel": grant.permission_level,
                            "deletedTime": None,
                            **extra(workspace.account_id),
                        }
                    )
    was_admin = user.is_admin
    if not dry_run:
        _unshare(world, call.caller, user, workspaces, sole_owned, replacement_id, accounts)
        record(
            world,
            call.caller,
            "removeUserFromEnterprise",
            "user",
            user.id,
            "user",
            account_id=ent,
            payload={
                "unsharedWorkspaceCount": len(unshared["workspaces"]),
                "unsharedBaseCount": len(unshared["bases"]),
                "unsharedInterfaceCount": len(unshared["interfaces"]),
            },
        )
    return {
        "wasUserRemovedAsAdmin": was_admin,
        "shared": {"workspaces": shared},
        "unshared": unshared,
    }


def _unshare(
    world: World,
    caller: Caller,
    user: User,
    workspaces: list[Workspace],
    sole_owned: list[Workspace],
    replacement_id: str | None,
    accounts: set[str],
) -> None:
    now = world.now()
    for workspace in sole_owned:
        assert replacement_id is not None
        workspace.grants[replacement_id] = Grant(replacement_id, "owner", now, caller.user_id)
    for workspace in workspaces:
        workspace.grants.pop(user.id, None)
        for base in (world.bases[b] for b in workspace.base_ids):
            base.grants.pop(user.id, None)
            for interface in base.interfaces.values():
                interface.grants.pop(user.id, None)
    for group in world.groups.values():
        if group.account_id in accounts:
            group.members.pop(user.id, None)
    user.is_admin = False
