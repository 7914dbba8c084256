"""SCIM 2.0 endpoints (REFERENCE §12) over the same world as the REST API.

A SCIM user *is* a managed enterprise user of the organization's domains (deactivating
one sets ``state: deactivated``; creating one makes it visible to get-users), and a SCIM
group *is* a user group (``ugp...``, visible to ``GET /v0/meta/groups/{id}``). Every
change is written to the audit log. Airtable's quirks are kept: an unknown group ID is
**400** ``invalid group ID`` (an unknown user 404), create answers 200, new users are
always active with one email equal to ``userName``, a new group is always empty, and
group list items carry no members.
"""

from __future__ import annotations

from typing import Any

from ....models.scim import SCHEMA_ENTERPRISE_USER, SCHEMA_GROUP, SCHEMA_SSO_USER, SCHEMA_USER
from ...world.scim import ENTERPRISE_FIELDS, ScimAttributes
from ...world.state import Group, GroupMember, User, World, email_key
from ..requests import Call, Caller
from ..scim_patch import USER_KEYS, apply_group_patch, apply_user_patch, operations_of
from ..scim_views import (
    ScimFailure,
    group_doc,
    is_scim_user,
    list_response,
    parse_eq_filter,
    scim_users,
    user_doc,
)
from ._common import record

__all__ = [
    "create_group",
    "create_user",
    "delete_group",
    "delete_user",
    "get_group",
    "get_user",
    "list_groups",
    "list_users",
    "patch_group",
    "patch_user",
    "replace_group",
    "replace_user",
]

_EXTENSIONS = ("ent.", "sso.")
_OBJECT_KEYS = ("name", SCHEMA_ENTERPRISE_USER.lower(), SCHEMA_SSO_USER.lower())


# ---------------------------------------------------------------------- users


def _user(world: World, user_id: str) -> User:
    found = world.users.get(user_id)
    if found is None or not is_scim_user(world, found):
        raise ScimFailure(404, "not a valid userId")
    return found


def _draft(world: World, user: User) -> dict[str, Any]:
    """The user as the flat draft :func:`apply_user_patch` edits."""
    extra = world.scim.of(user.id)
    draft: dict[str, Any] = {
        "userName": user.email,
        "active": user.state != "deactivated",
        "name.givenName": user.first_name,
        "name.familyName": user.last_name,
        "externalId": extra.external_id,
        "title": extra.title,
        "displayName": extra.display_name,
        "locale": extra.locale,
        "sso.emailDomain": extra.sso.get("emailDomain"),
    }
    for name in (*ENTERPRISE_FIELDS, "manager"):
        draft[f"ent.{name}"] = extra.enterprise.get(name)
    return draft


def _body_draft(world: World, body: object, base: dict[str, Any]) -> dict[str, Any]:
    """A POST/PUT body as a full draft (attributes left out are cleared, §12 "replaces
    everything"); attributes Airtable does not keep are ignored."""
    if not isinstance(body, dict):
        raise ScimFailure(400, "the body must be a JSON object", "invalidSyntax")
    if SCHEMA_USER not in (body.get("schemas") or []):
        raise ScimFailure(400, f"schemas must include {SCHEMA_USER}", "invalidSyntax")
    user_name = body.get("userName")
    if not isinstance(user_name, str) or "@" not in user_name:
        raise ScimFailure(400, "userName must be an email address", "invalidValue")
    kept = {
        key: value
        for key, value in body.items()
        if key.lower() in USER_KEYS or key.lower() in _OBJECT_KEYS
    }
    cleared = {key: None for key in base if key not in ("userName", "active")}
    draft = apply_user_patch(
        {**base, **cleared},
        [{"op": "replace", "value": kept}],
    )
    draft.setdefault("active", True)
    return draft


def _check_user_name(world: World, user_name: str, user: User | None) -> None:
    """The email-domain rule and uniqueness of ``userName`` (REFERENCE §12)."""
    domain = user_name.rsplit("@", 1)[-1].lower()
    if domain not in world.org_domains():
        raise ScimFailure(
            400, f"userName domain {domain!r} does not belong to the enterprise", "invalidValue"
        )
    other = world.user_by_email(user_name)
    if other is not None and (user is None or other.id != user.id):
        raise ScimFailure(409, f"userName {user_name!r} is already in use", "uniqueness")


def _commit_user(world: World, caller: Caller, user: User, draft: dict[str, Any]) -> None:
    """Write ``draft`` into the world, recording an audit event per kind of change."""
    before = _draft(world, user)
    if draft == before:
        return

    def event(action: str, payload: dict[str, Any] | None = None) -> None:
        record(
            world,
            caller,
            action,
            "user",
            user.id,
            "user",
            account_id=user.account_id,
            payload=payload,
        )

    if draft["userName"] != user.email:
        _check_user_name(world, draft["userName"], user)
        previous = user.email
        world.change_email(user, draft["userName"])
        event("updateUserEmail", {"previousEmail": previous, "newEmail": user.email})
    first, last = draft["name.givenName"] or "", draft["name.familyName"] or ""
    if (first, last) != (user.first_name, user.last_name):
        user.first_name, user.last_name = first, last
        event("updateUserName", {"name": user.name})
    active = user.state != "deactivated"
    if draft["active"] != active:
        user.state = "provisioned" if draft["active"] else "deactivated"
        event("provisionUser" if draft["active"] else "deactivateUser")
    extra = ScimAttributes(
        external_id=draft["externalId"],
        title=draft["title"],
        display_name=draft["displayName"],
        locale=draft["locale"],
        enterprise={k[4:]: v for k, v in draft.items() if k.startswith("ent.") and v is not None},
        sso={k[4:]: v for k, v in draft.items() if k.startswith("sso.") and v is not None},
        last_modified=world.now(),
    )
    changed = sorted(
        key
        for key in draft
        if key.startswith(("externalId", "title", "displayName", "locale", *_EXTENSIONS))
        and draft[key] != before[key]
    )
    if changed:
        # Not a documented event type: the emulator's name for reporting-only attributes.
        event("updateUserScimAttributes", {"attributes": changed})
    world.scim[user.id] = extra


def list_users(world: World, call: Call) -> dict[str, Any]:
    """GET /scim/v2/Users?filter=&startIndex=&count= (§12)."""
    users = scim_users(world)
    filters = [v for k, v in call.query if k == "filter"]
    if filters:
        wanted = email_key(parse_eq_filter(filters[-1], "userName"))
        users = [u for u in users if email_key(u.email) == wanted]
    return list_response(call, users, lambda user: user_doc(world, user))


def get_user(world: World, call: Call) -> dict[str, Any]:
    """GET /scim/v2/Users/{user} (§12): unknown ID -> 404 "not a valid userId"."""
    return user_doc(world, _user(world, call.path["user"]))


def create_user(world: World, call: Call) -> dict[str, Any]:
    """POST /scim/v2/Users (§12): a managed, active user; answers 200 as the docs show."""
    draft = _body_draft(world, call.json, dict.fromkeys(USER_KEYS.values()))
    draft["active"] = True  # new users are always active (§12)
    _check_user_name(world, draft["userName"], None)
    user = world.add_user(
        User(
            id=world.new_id("usr"),
            email=draft["userName"],
            first_name=draft.get("name.givenName") or "",
            last_name=draft.get("name.familyName") or "",
            account_id=world.root_id,
            created_time=world.now(),
        )
    )
    world.scim.pop(user.id, None)
    record(world, call.caller, "createUser", "user", user.id, "user", payload={"email": user.email})
    _commit_user(world, call.caller, user, draft)
    return user_doc(world, user, [])


def replace_user(world: World, call: Call) -> dict[str, Any]:
    """PUT /scim/v2/Users/{user} (§12): replaces every attribute; ``active`` may be set."""
    user = _user(world, call.path["user"])
    _commit_user(world, call.caller, user, _body_draft(world, call.json, _draft(world, user)))
    return user_doc(world, user)


def patch_user(world: World, call: Call) -> dict[str, Any]:
    """PATCH /scim/v2/Users/{user} (§12): operations applied in order, all or nothing."""
    user = _user(world, call.path["user"])
    draft = apply_user_patch(_draft(world, user), operations_of(call.json))
    if not isinstance(draft["userName"], str) or "@" not in draft["userName"]:
        raise ScimFailure(400, "userName must be an email address", "invalidValue")
    _commit_user(world, call.caller, user, draft)
    return user_doc(world, user)


def delete_user(world: World, call: Call) -> None:
    """DELETE /scim/v2/Users/{user} (§12): empty response."""
    user = _user(world, call.path["user"])
    world.forget_user(user)
    world.scim.pop(user.id, None)
    record(
        world,
        call.caller,
        "deleteUser",
        "user",
        user.id,
        "user",
        account_id=user.account_id,
        payload={"email": user.email},
    )


# ---------------------------------------------------------------------- groups


def _group(world: World, group_id: str) -> Group:
    found = world.groups.get(group_id)
    if found is None:
        raise ScimFailure(400, "invalid group ID")  # 400, not 404 (§12)
    return found


def _check_name_free(world: World, name: str, group: Group | None) -> None:
    for other in world.groups.values():
        if other.name.lower() == name.lower() and other is not group:
            raise ScimFailure(409, f"displayName {name!r} is already in use", "uniqueness")


def _commit_group(world: World, caller: Caller, group: Group, draft: dict[str, Any]) -> None:
    """Write ``{"displayName", "members"}`` into ``group``, with audit events."""

    def event(action: str, payload: dict[str, Any]) -> None:
        record(
            world,
            caller,
            action,
            "groups",
            group.id,
            "group",
            account_id=group.account_id,
            payload=payload,
        )

    wanted: list[str] = list(dict.fromkeys(draft["members"]))
    for user_id in wanted:
        found = world.users.get(user_id)
        if user_id not in group.members and (found is None or not is_scim_user(world, found)):
            raise ScimFailure(400, f"member {user_id!r} is not a valid userId", "invalidValue")
    name = draft["displayName"]
    if name != group.name:
        _check_name_free(world, name, group)
    now = world.now()
    if name != group.name:
        previous, group.name = group.name, name
        # Not a documented event type: the emulator's name for a rename.
        event("updateGroupName", {"previousName": previous, "name": name})
    for user_id in [m for m in group.members if m not in wanted]:
        del group.members[user_id]
        event("removeGroupMember", {"userId": user_id})
    for user_id in wanted:
        if user_id not in group.members:
            group.members[user_id] = GroupMember(user_id, "member", now)
            event("addGroupMember", {"userId": user_id, "role": "member"})
    group.updated_time = now


def list_groups(world: World, call: Call) -> dict[str, Any]:
    """GET /scim/v2/Groups?filter= (§12): items without ``members``."""
    groups = list(world.groups.values())
    filters = [v for k, v in call.query if k == "filter"]
    if filters:
        wanted = parse_eq_filter(filters[-1], "displayName").lower()
        groups = [g for g in groups if g.name.lower() == wanted]
    return list_response(call, groups, lambda group: group_doc(group, members=False))


def get_group(world: World, call: Call) -> dict[str, Any]:
    """GET /scim/v2/Groups/{group} (§12): unknown ID -> **400** "invalid group ID"."""
    return group_doc(_group(world, call.path["group"]))


def _group_body(body: object) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ScimFailure(400, "the body must be a JSON object", "invalidSyntax")
    if SCHEMA_GROUP not in (body.get("schemas") or []):
        raise ScimFailure(400, f"schemas must include {SCHEMA_GROUP}", "invalidSyntax")
    return body


def create_group(world: World, call: Call) -> dict[str, Any]:
    """POST /scim/v2/Groups (§12): a new, **empty** group (``members`` are ignored)."""
    name = _group_body(call.json).get("displayName")
    if not isinstance(name, str) or not name.strip():
        raise ScimFailure(400, "displayName must be a non-empty string", "invalidValue")
    _check_name_free(world, name, None)
    now = world.now()
    group = Group(
        id=world.new_id("ugp"),
        name=name,
        account_id=world.root_id,
        created_time=now,
        updated_time=now,
    )
    world.groups[group.id] = group
    record(world, call.caller, "createGroup", "groups", group.id, "group", payload={"name": name})
    return {
        "schemas": [SCHEMA_GROUP],
        "id": group.id,
        "displayName": name,
        "meta": group_doc(group)["meta"],
    }


#: What a group PUT may set; anything else (``id``, ``meta``, ``externalId``...) is
#: ignored, as RFC 7644 §3.5.1 asks for read-only attributes and as PUT /Users does.
_GROUP_PUT_KEYS = ("displayname", "members")


def replace_group(world: World, call: Call) -> dict[str, Any]:
    """PUT /scim/v2/Groups/{group} (§12): ``displayName?`` and ``members?``; read-only
    attributes such as ``id`` and ``meta`` are ignored (RFC 7644 §3.5.1)."""
    group = _group(world, call.path["group"])
    body = _group_body(call.json)
    kept = {k: v for k, v in body.items() if k.lower() in _GROUP_PUT_KEYS}
    draft = apply_group_patch(
        {"displayName": group.name, "members": list(group.members)},
        [{"op": "replace", "value": kept}] if kept else [],
    )
    _commit_group(world, call.caller, group, draft)
    return group_doc(group)


def patch_group(world: World, call: Call) -> dict[str, Any]:
    """PATCH /scim/v2/Groups/{group} (§12): operations applied in order, all or nothing."""
    group = _group(world, call.path["group"])
    operations = operations_of(call.json)
    draft = apply_group_patch(
        {"displayName": group.name, "members": list(group.members)}, operations
    )
    _commit_group(world, call.caller, group, draft)
    return group_doc(group)


def delete_group(world: World, call: Call) -> None:
    """DELETE /scim/v2/Groups/{group} (§12): the group and its grants go; empty response."""
    group = _group(world, call.path["group"])
    for _, grants in world.grant_holders():
        grants.pop(group.id, None)
    del world.groups[group.id]
    record(
        world,
        call.caller,
        "deleteGroup",
        "groups",
        group.id,
        "group",
        account_id=group.account_id,
        payload={"name": group.name},
    )
