"""SCIM PATCH for the emulator (RFC 7644 §3.5.2): operations applied in order to a copy
of the resource, so that a failing operation leaves nothing half-done.

A user is edited as a flat "draft" (``userName``, ``active``, ``name.givenName``,
``ent.department``...), a group as ``{"displayName", "members"}``.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

from ...models.scim import SCHEMA_ENTERPRISE_USER, SCHEMA_PATCH_OP, SCHEMA_SSO_USER
from ..world.scim import ENTERPRISE_FIELDS
from .scim_views import ScimFailure, parse_eq_filter

__all__ = ["USER_KEYS", "apply_group_patch", "apply_user_patch", "operations_of"]

#: The draft keys of a user, by the lower-case SCIM path that names them.
USER_KEYS: dict[str, str] = {
    "username": "userName",
    "active": "active",
    "externalid": "externalId",
    "title": "title",
    "displayname": "displayName",
    "locale": "locale",
    "name.givenname": "name.givenName",
    "name.familyname": "name.familyName",
    **{f"{SCHEMA_ENTERPRISE_USER}:{f}".lower(): f"ent.{f}" for f in ENTERPRISE_FIELDS},
    f"{SCHEMA_ENTERPRISE_USER}:manager".lower(): "ent.manager",
    f"{SCHEMA_SSO_USER}:emailDomain".lower(): "sso.emailDomain",
}
#: Objects whose members a path-less value (or a path naming the object) may set.
_OBJECTS = {
    "name": "name.",
    SCHEMA_ENTERPRISE_USER.lower(): "ent.",
    SCHEMA_SSO_USER.lower(): "sso.",
}
_REQUIRED = {"userName", "active"}
_MEMBER_FILTER = re.compile(r"\s*members\s*\[(.*)\]\s*", re.IGNORECASE)


def operations_of(body: object) -> list[dict[str, Any]]:
    """The ``Operations`` of a PatchOp body (400 ``invalidSyntax`` when malformed)."""
    if not isinstance(body, dict) or SCHEMA_PATCH_OP not in (body.get("schemas") or []):
        raise ScimFailure(400, f"the body must be a PatchOp ({SCHEMA_PATCH_OP})", "invalidSyntax")
    operations = body.get("Operations")
    if not isinstance(operations, list) or not operations:
        raise ScimFailure(400, "Operations must be a non-empty array", "invalidSyntax")
    for operation in operations:
        op = operation.get("op") if isinstance(operation, dict) else None
        if not isinstance(op, str) or op.lower() not in ("add", "replace", "remove"):
            raise ScimFailure(400, f"unknown operation {operation!r}", "invalidSyntax")
        path = operation.get("path")
        if path is not None and not isinstance(path, str):
            raise ScimFailure(400, "path must be a string", "invalidPath")
    return operations


def _user_targets(path: str | None, value: Any) -> list[tuple[str, Any]]:
    """(draft key, value) pairs an operation on ``path`` sets."""
    if path is None:
        if not isinstance(value, dict):
            raise ScimFailure(400, "without a path the value must be an object", "invalidValue")
        pairs: list[tuple[str, Any]] = []
        for key, item in value.items():
            pairs.extend(_user_targets(key, item))
        return pairs
    lowered = path.strip().lower()
    if lowered in USER_KEYS:
        return [(USER_KEYS[lowered], value)]
    prefix = _OBJECTS.get(lowered)
    if prefix is not None:
        if not isinstance(value, dict):
            raise ScimFailure(400, f"{path} must be an object", "invalidValue")
        object_path = "name" if prefix == "name." else path.strip()
        sep = "." if prefix == "name." else ":"
        return [
            pair
            for key, item in value.items()
            for pair in _user_targets(f"{object_path}{sep}{key}", item)
        ]
    raise ScimFailure(400, f"unsupported attribute path {path!r}", "invalidPath")


def _check_value(key: str, value: Any) -> Any:
    if key == "active":
        if not isinstance(value, bool):
            raise ScimFailure(400, "active must be a boolean", "invalidValue")
        return value
    if key == "ent.manager":
        if isinstance(value, str):
            return {"value": value}
        if not isinstance(value, dict):
            raise ScimFailure(400, "manager must be an object", "invalidValue")
        return dict(value)
    if not isinstance(value, str):
        raise ScimFailure(400, f"{key.split('.')[-1]} must be a string", "invalidValue")
    return value


def apply_user_patch(draft: dict[str, Any], operations: list[dict[str, Any]]) -> dict[str, Any]:
    """A copy of ``draft`` with ``operations`` applied in order."""
    result = copy.deepcopy(draft)
    for operation in operations:
        op = operation["op"].lower()
        path = operation.get("path")
        if op == "remove":
            if path is None:
                raise ScimFailure(400, "remove needs a path", "noTarget")
            lowered = path.strip().lower()
            keys = (
                [k for k in result if k.startswith(_OBJECTS[lowered])]
                if lowered in _OBJECTS
                else [key for key, _ in _user_targets(path, None)]
            )
            for key in keys:
                if key in _REQUIRED:
                    raise ScimFailure(400, f"{key} is required and cannot be removed", "mutability")
                result[key] = None
            continue
        if "value" not in operation:
            raise ScimFailure(400, f"{op} needs a value", "invalidValue")
        for key, value in _user_targets(path, operation["value"]):
            result[key] = _check_value(key, value)
    return result


def _member_ids(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    ids: list[str] = []
    for item in items:
        member = item.get("value") if isinstance(item, dict) else None
        if not isinstance(member, str):
            raise ScimFailure(400, "members must be objects with a value", "invalidValue")
        ids.append(member)
    return ids


def apply_group_patch(draft: dict[str, Any], operations: list[dict[str, Any]]) -> dict[str, Any]:
    """A copy of ``{"displayName", "members": [ids]}`` with ``operations`` applied in order."""
    result = copy.deepcopy(draft)
    members: list[str] = result["members"]
    handlers: dict[str, Callable[[str, Any], None]] = {}

    def set_name(op: str, value: Any) -> None:
        if op == "remove":
            raise ScimFailure(400, "displayName is required and cannot be removed", "mutability")
        if not isinstance(value, str) or not value.strip():
            raise ScimFailure(400, "displayName must be a non-empty string", "invalidValue")
        result["displayName"] = value

    def set_members(op: str, value: Any) -> None:
        if op == "remove" and value is None:
            members.clear()
            return
        ids = _member_ids(value)
        if op == "replace":
            members.clear()
        for member in ids:
            if op == "remove":
                if member in members:
                    members.remove(member)
            elif member not in members:
                members.append(member)

    handlers.update({"displayname": set_name, "members": set_members})
    for operation in operations:
        op = operation["op"].lower()
        path, value = operation.get("path"), operation.get("value")
        if op != "remove" and "value" not in operation:
            raise ScimFailure(400, f"{op} needs a value", "invalidValue")
        if path is None:
            if op == "remove" or not isinstance(value, dict):
                raise ScimFailure(400, "without a path the value must be an object", "noTarget")
            for key, item in value.items():
                handler = handlers.get(key.lower())
                if handler is None:
                    raise ScimFailure(400, f"unsupported attribute {key!r}", "invalidPath")
                handler(op, item)
            continue
        selected = _MEMBER_FILTER.fullmatch(path)
        if selected is not None:
            if op != "remove":
                raise ScimFailure(400, "a member filter path only supports remove", "invalidPath")
            member = parse_eq_filter(selected.group(1), "value")
            if member in members:
                members.remove(member)
            continue
        handler = handlers.get(path.strip().lower())
        if handler is None:
            raise ScimFailure(400, f"unsupported attribute path {path!r}", "invalidPath")
        handler(op, value)
    return result
