"""Enterprise account, groups and audit-log endpoints (REFERENCE §3, §5, §8)."""

from __future__ import annotations

from typing import Any

from ..._wire import not_permitted
from ...world.audit import AuditQuery
from ...world.state import Account, World
from ..requests import Call
from ..views import enterprise_view, group_view
from ._common import record

__all__ = ["audit_log_events", "create_descendant", "get_enterprise", "get_group", "move_groups"]

_MAX_MOVE = 100  # moveGroups: at most 100 group IDs (§5.2)


def get_enterprise(world: World, call: Call) -> dict[str, Any]:
    """GET /v0/meta/enterpriseAccounts/{ent} (§3.1)."""
    call.check_query({"include"})
    include = call.include({"aggregated", "descendants"})
    return enterprise_view(world, call.path["ent"], include)


def create_descendant(world: World, call: Call) -> dict[str, Any]:
    """POST .../{ent}/descendants (§3.2): only on a root account with Enterprise Hub."""
    account = world.account(call.path["ent"])
    name = call.body({"name"}).string("name", required=True)
    if account.id != world.root_id or not world.enterprise_hub:
        raise not_permitted()
    child = Account(
        id=world.new_id("ent"), name=name, created_time=world.now(), root_id=world.root_id
    )
    world.accounts[child.id] = child
    record(
        world,
        call.caller,
        "createDescendantEnterpriseAccount",
        "enterprise",
        child.id,
        "enterprise",
        payload={"name": name},
    )
    return {"id": child.id}


def get_group(world: World, call: Call) -> dict[str, Any]:
    """GET /v0/meta/groups/{group} (§5.1)."""
    call.check_query({"include"})
    include = call.include({"collaborations"})
    return group_view(world, world.group(call.path["group"]), include)


def move_groups(world: World, call: Call) -> dict[str, Any]:
    """POST .../{ent}/moveGroups (§5.2): 200 with per-item ``errors``."""
    world.account(call.path["ent"])
    body = call.body({"targetEnterpriseAccountId", "groupIds"})
    target = world.account(body.string("targetEnterpriseAccountId", required=True))
    group_ids = body.strings("groupIds", limit=_MAX_MOVE)
    moved: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for group_id in list[str](dict.fromkeys(group_ids)):  # the docs' own example repeats an ID
        group = world.groups.get(group_id)
        if group is None:
            errors.append({"id": group_id, "type": "NOT_FOUND", "message": "Group not found"})
            continue
        source = group.account_id
        group.account_id = target.id
        group.updated_time = world.now()
        moved.append({"id": group_id})
        record(
            world,
            call.caller,
            "moveGroup",
            "groups",
            group_id,
            "group",
            account_id=target.id,
            payload={"fromEnterpriseAccountId": source, "toEnterpriseAccountId": target.id},
        )
    return {"movedGroups": moved, "errors": errors}


def audit_log_events(world: World, call: Call) -> bytes:
    """GET .../{ent}/auditLogEvents (§8), as JSON bytes (the page's events are cached)."""
    world.account(call.path["ent"])
    now = world.now()
    return world.audit.page_json(AuditQuery.parse(call.query, now), now)
