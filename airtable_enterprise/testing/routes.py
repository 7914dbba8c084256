"""The route table: Airtable's paths mapped to handlers (REFERENCE §2)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from .handlers import enterprise, jobs, users, workspaces
from .requests import Call
from .state import World

__all__ = ["ROUTES", "Handler"]

Handler = Callable[[World, Call], Any]

_ENT = "/v0/meta/enterpriseAccounts/{ent}"
_WSP = "/v0/meta/workspaces/{wsp}"
_APP = "/v0/meta/bases/{app}"


def _ws(operation: str) -> Handler:
    return functools.partial(workspaces.workspace_collaborator, operation=operation)


def _base(operation: str) -> Handler:
    return functools.partial(workspaces.base_collaborator, operation=operation)


#: (method, path template, handler). Literal paths come before parameterised ones.
ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", _ENT, enterprise.get_enterprise),
    ("POST", f"{_ENT}/descendants", enterprise.create_descendant),
    ("GET", f"{_ENT}/auditLogEvents", enterprise.audit_log_events),
    ("POST", f"{_ENT}/moveGroups", enterprise.move_groups),
    ("POST", f"{_ENT}/moveWorkspaces", workspaces.move_workspaces),
    ("GET", f"{_ENT}/users", users.get_users),
    ("PATCH", f"{_ENT}/users", users.manage_users_batched),
    ("DELETE", f"{_ENT}/users", users.delete_users_by_email),
    ("POST", f"{_ENT}/users/claim", users.claim_users),
    # pyairtable posts claims here; answered for compatibility (REFERENCE §18).
    ("POST", f"{_ENT}/claim/users", users.claim_users),
    ("POST", f"{_ENT}/users/grantAdminAccess", users.grant_admin_access),
    ("POST", f"{_ENT}/users/revokeAdminAccess", users.revoke_admin_access),
    ("GET", f"{_ENT}/users/{{user}}", users.get_user),
    ("PATCH", f"{_ENT}/users/{{user}}", users.manage_user),
    ("DELETE", f"{_ENT}/users/{{user}}", users.delete_user),
    ("POST", f"{_ENT}/users/{{user}}/logout", users.logout_user),
    ("POST", f"{_ENT}/users/{{user}}/remove", users.remove_user),
    ("GET", "/v0/meta/groups/{group}", enterprise.get_group),
    # Jobs and change feeds (§9, §10, §11).
    ("GET", f"{_ENT}/exports", jobs.list_exports),
    ("POST", f"{_ENT}/exports", jobs.create_export),
    ("GET", f"{_ENT}/exports/{{task}}", jobs.get_export),
    ("GET", f"{_ENT}/auditLogs", jobs.list_audit_log_requests),
    ("POST", f"{_ENT}/auditLogs", jobs.create_audit_log_request),
    ("GET", f"{_ENT}/auditLogs/{{task}}", jobs.get_audit_log_request),
    ("GET", f"{_ENT}/changeEvents", jobs.change_events),
    ("POST", "/v0/meta/workspaces", workspaces.create_workspace),
    ("GET", _WSP, workspaces.get_workspace),
    ("DELETE", _WSP, workspaces.delete_workspace),
    ("POST", f"{_WSP}/moveBase", workspaces.move_base),
    ("POST", f"{_WSP}/updateRestrictions", workspaces.update_restrictions),
    ("POST", f"{_WSP}/collaborators", _ws("add_collaborator")),
    ("PATCH", f"{_WSP}/collaborators/{{subject}}", _ws("update_collaborator")),
    ("DELETE", f"{_WSP}/collaborators/{{subject}}", _ws("delete_collaborator")),
    ("DELETE", f"{_WSP}/invites/{{invite}}", _ws("delete_invite")),
    ("POST", "/v0/meta/bases", workspaces.create_base),
    ("GET", _APP, workspaces.get_base),
    ("DELETE", _APP, workspaces.delete_base),
    ("POST", f"{_APP}/collaborators", _base("add_collaborator")),
    ("PATCH", f"{_APP}/collaborators/{{subject}}", _base("update_collaborator")),
    ("DELETE", f"{_APP}/collaborators/{{subject}}", _base("delete_collaborator")),
    ("DELETE", f"{_APP}/invites/{{invite}}", _base("delete_invite")),
]
