"""The route table: Airtable's paths mapped to handlers (REFERENCE §2)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from ..world.state import World
from .handlers import (
    ai,
    bases,
    data_tables,
    enterprise,
    jobs,
    packages,
    scim,
    tokens,
    users,
    workspaces,
)
from .requests import Call

__all__ = ["ROUTES", "Handler"]

Handler = Callable[[World, Call], Any]

_ENT = "/v0/meta/enterpriseAccounts/{ent}"
_WSP = "/v0/meta/workspaces/{wsp}"
_APP = "/v0/meta/bases/{app}"
_SCIM = "/scim/v2"


def _ws(operation: str) -> Handler:
    return functools.partial(workspaces.workspace_collaborator, operation=operation)


def _base(operation: str) -> Handler:
    return functools.partial(workspaces.base_collaborator, operation=operation)


def _pbd(operation: str) -> Handler:
    return functools.partial(bases.interface_collaborator, operation=operation)


_PBD = f"{_APP}/interfaces/{{pbd}}"


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
    # The rest of the admin surface (REFERENCE §7.5-§7.7, §13-§15, §17).
    ("GET", "/v0/meta/whoami", tokens.whoami),
    ("GET", "/v0/meta/bases", bases.list_bases),
    ("GET", _PBD, bases.get_interface),
    ("POST", f"{_PBD}/collaborators", _pbd("add_collaborator")),
    ("PATCH", f"{_PBD}/collaborators/{{subject}}", _pbd("update_collaborator")),
    ("DELETE", f"{_PBD}/collaborators/{{subject}}", _pbd("delete_collaborator")),
    ("DELETE", f"{_PBD}/invites/{{invite}}", _pbd("delete_invite")),
    ("GET", f"{_APP}/shares", bases.list_shares),
    ("PATCH", f"{_APP}/shares/{{share}}", functools.partial(bases.share, operation="update")),
    ("DELETE", f"{_APP}/shares/{{share}}", functools.partial(bases.share, operation="delete")),
    ("GET", f"{_APP}/blockInstallations", bases.list_block_installations),
    (
        "PATCH",
        f"{_APP}/blockInstallations/{{bli}}",
        functools.partial(bases.block_installation, operation="update"),
    ),
    (
        "DELETE",
        f"{_APP}/blockInstallations/{{bli}}",
        functools.partial(bases.block_installation, operation="delete"),
    ),
    ("GET", f"{_ENT}/packages", packages.list_packages),
    ("POST", f"{_ENT}/packages/{{pkg}}/install", packages.install_package),
    ("GET", f"{_ENT}/personalAccessTokens", tokens.list_tokens),
    ("POST", f"{_ENT}/personalAccessTokens/revoke", tokens.revoke_tokens),
    ("POST", f"{_ENT}/workspaceAiAllowlist", ai.update_ai_allowlist),
    # HyperDB (REFERENCE §16): under /v0/{ent}, not /v0/meta.
    ("POST", "/v0/{ent}/{table}/getRecords", data_tables.get_records),
    ("PUT", "/v0/{ent}/{table}/upsertRecords", data_tables.upsert_records),
    ("POST", "/v0/{ent}/{table}/deleteRecords", data_tables.delete_records),
    # SCIM 2.0 (REFERENCE §12): not under /v0.
    ("GET", f"{_SCIM}/Users", scim.list_users),
    ("POST", f"{_SCIM}/Users", scim.create_user),
    ("GET", f"{_SCIM}/Users/{{user}}", scim.get_user),
    ("PUT", f"{_SCIM}/Users/{{user}}", scim.replace_user),
    ("PATCH", f"{_SCIM}/Users/{{user}}", scim.patch_user),
    ("DELETE", f"{_SCIM}/Users/{{user}}", scim.delete_user),
    ("GET", f"{_SCIM}/Groups", scim.list_groups),
    ("POST", f"{_SCIM}/Groups", scim.create_group),
    ("GET", f"{_SCIM}/Groups/{{group}}", scim.get_group),
    ("PUT", f"{_SCIM}/Groups/{{group}}", scim.replace_group),
    ("PATCH", f"{_SCIM}/Groups/{{group}}", scim.patch_group),
    ("DELETE", f"{_SCIM}/Groups/{{group}}", scim.delete_group),
]
