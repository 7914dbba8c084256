"""SCIM on the wire, for the emulator: error bodies, the filter, paging, and the RFC 7643
documents of users and groups (REFERENCE §12)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from ...models.scim import (
    SCHEMA_ENTERPRISE_USER,
    SCHEMA_ERROR,
    SCHEMA_GROUP,
    SCHEMA_LIST_RESPONSE,
    SCHEMA_SSO_USER,
    SCHEMA_USER,
)
from .._wire import ApiFailure, format_time
from ..world.state import Group, User, World
from .requests import Call

__all__ = [
    "SCIM_ROOT",
    "ScimFailure",
    "group_doc",
    "list_response",
    "parse_eq_filter",
    "scim_users",
    "user_doc",
]

SCIM_ROOT = "/scim/v2"

# The one filter form Airtable supports: `attribute eq "string"` (RFC 7644 §3.4.2.2;
# attribute names and operators are case-insensitive, the literal is a JSON string).
_EQ_FILTER = re.compile(r'\s*([A-Za-z][\w.:-]*)\s+(eq)\s+("(?:[^"\\]|\\.)*")\s*', re.IGNORECASE)


class ScimFailure(ApiFailure):
    """A SCIM error response: ``{schemas, status, detail, scimType?}``.

    ``status`` is a JSON number, as in Airtable's examples (the RFC says string, §18).
    """

    def __init__(self, status: int, detail: str, scim_type: str | None = None) -> None:
        super().__init__(status, scim_type, detail)
        self.scim_type = scim_type
        self.detail = detail

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"schemas": [SCHEMA_ERROR], "status": self.status}
        if self.scim_type is not None:
            body["scimType"] = self.scim_type
        body["detail"] = self.detail
        return body


def parse_eq_filter(text: str, attribute: str) -> str:
    """The value of ``<attribute> eq "value"``; any other filter is 400 ``invalidFilter``.

    Written by hand rather than with a full RFC 7644 filter grammar (scim2-filter-parser):
    Airtable accepts this single form, so a complete parser would only add a dependency
    whose every other construct we would then reject.
    """
    match = _EQ_FILTER.fullmatch(text)
    if match is None or match.group(1).lower() != attribute.lower():
        raise ScimFailure(
            400,
            f'unsupported filter {text!r}: only {attribute} eq "value" is supported',
            "invalidFilter",
        )
    value = json.loads(match.group(3))
    assert isinstance(value, str)
    return value


def _paging(call: Call) -> tuple[int, int | None]:
    """``startIndex`` (1-based; below 1 reads as 1) and ``count`` (absent: all; negative: 0),
    as RFC 7644 §3.4.2.4 says."""
    values: dict[str, int | None] = {"startIndex": 1, "count": None}
    for name in values:
        found = [v for k, v in call.query if k == name]
        if found:
            try:
                values[name] = int(found[-1])
            except ValueError:
                raise ScimFailure(400, f"{name} must be an integer", "invalidValue") from None
    start = max(1, values["startIndex"] or 1)
    count = values["count"]
    return start, None if count is None else max(0, count)


def list_response(call: Call, resources: Sequence[Any], render: Any) -> dict[str, Any]:
    """A ListResponse of the page ``call`` asks for; ``render`` makes each document."""
    start, count = _paging(call)
    page = resources[start - 1 :] if count is None else resources[start - 1 : start - 1 + count]
    return {
        "schemas": [SCHEMA_LIST_RESPONSE],
        "totalResults": len(resources),
        "startIndex": start,
        "itemsPerPage": len(page),
        "Resources": [render(item) for item in page],
    }


def scim_users(world: World) -> list[User]:
    """The users SCIM sees: managed users of the organization's domains (REFERENCE §12)."""
    domains = world.org_domains()
    return [u for u in world.users.values() if u.is_managed and u.domain in domains]


def is_scim_user(world: World, user: User) -> bool:
    """Whether SCIM sees ``user`` (see :func:`scim_users`)."""
    return user.is_managed and world.is_internal(user)


def groups_of_user(world: World, user_id: str) -> list[Group]:
    """The groups ``user_id`` belongs to, in the world's order."""
    return [group for group in world.groups.values() if user_id in group.members]


def user_doc(world: World, user: User, groups: Sequence[Group] | None = None) -> dict[str, Any]:
    """The RFC 7643 User document of ``user`` (``groups``: computed when not given)."""
    extra = world.scim.of(user.id)
    schemas = [SCHEMA_USER]
    if extra.enterprise:
        schemas.append(SCHEMA_ENTERPRISE_USER)
    if extra.sso:
        schemas.append(SCHEMA_SSO_USER)
    doc: dict[str, Any] = {
        "schemas": schemas,
        "id": user.id,
        "userName": user.email,
        "active": user.state != "deactivated",
        "name": {"givenName": user.first_name, "familyName": user.last_name},
        "displayName": extra.display_name or user.name,
        "emails": [{"value": user.email, "type": "work", "primary": True}],
    }
    for key, value in (
        ("externalId", extra.external_id),
        ("title", extra.title),
        ("locale", extra.locale),
    ):
        if value is not None:
            doc[key] = value
    members_of = groups if groups is not None else groups_of_user(world, user.id)
    doc["groups"] = [
        {"value": g.id, "display": g.name, "$ref": f"{SCIM_ROOT}/Groups/{g.id}"} for g in members_of
    ]
    if extra.enterprise:
        doc[SCHEMA_ENTERPRISE_USER] = dict(extra.enterprise)
    if extra.sso:
        doc[SCHEMA_SSO_USER] = dict(extra.sso)
    doc["meta"] = {
        "resourceType": "User",
        "created": format_time(user.created_time),
        "lastModified": format_time(extra.last_modified or user.created_time),
        # Airtable's examples end every location in usr00000000000000: the docs'
        # redaction, not behaviour a client could use; the emulator names the user.
        "location": f"{SCIM_ROOT}/Users/{user.id}",
    }
    return doc


def group_doc(group: Group, *, members: bool = True) -> dict[str, Any]:
    """The RFC 7643 Group document; list items leave out ``members`` (REFERENCE §12)."""
    doc: dict[str, Any] = {"schemas": [SCHEMA_GROUP], "id": group.id, "displayName": group.name}
    if members:
        doc["members"] = [{"value": user_id} for user_id in group.members]
    doc["meta"] = {
        "resourceType": "Group",
        "created": format_time(group.created_time),
        "lastModified": format_time(group.updated_time),
        "location": f"{SCIM_ROOT}/Groups/{group.id}",
    }
    return doc
