"""The documents of ``scim users replace`` and ``scim groups replace``: a SCIM user or
group as JSON (what ``scim ... get -f json`` prints, edited), checked and turned into
the arguments of :meth:`Scim.replace_user` / :meth:`Scim.replace_group` (exit 2 for
anything that cannot be sent as given), and the preview of what changes."""

from __future__ import annotations

from typing import Any

from .._core.convert import converter
from ..models.scim import SCHEMA_ENTERPRISE_USER, SCHEMA_SSO_USER, ScimEnterpriseUser, ScimUser
from ._errors import EXIT_USAGE, CliError
from ._output import stderr_console

__all__ = ["replacement_group", "replacement_user", "show_changes", "user_fields"]

#: Keys of a SCIM user document that `scim users replace` reads.
_USER_KEYS = {"userName", "name", "active", "externalId", "title"}
#: Keys Airtable sets itself (or that belong to the answer): accepted and not sent.
_READ_ONLY_KEYS = {"id", "schemas", "meta", "groups", "emails", "displayName"}


def replacement_user(
    document: object, user_id: str, current: ScimUser
) -> tuple[dict[str, Any], list[str]]:
    """The arguments of :meth:`Scim.replace_user` from a SCIM user document (what
    `scim users get -f json` prints, edited), and the keys it ignores. Exit 2 for
    anything that cannot be sent as given; ``active`` left out keeps the current state."""
    if not isinstance(document, dict):
        raise CliError("--input must hold a JSON object (a SCIM user)", EXIT_USAGE)
    if document.get("id", user_id) != user_id:
        raise CliError(f"--input is user {document['id']}, not USER_ID {user_id}", EXIT_USAGE)
    extensions = {SCHEMA_ENTERPRISE_USER, SCHEMA_SSO_USER}
    unknown = sorted(set(document) - _USER_KEYS - _READ_ONLY_KEYS - extensions)
    if unknown:
        raise CliError(
            f"--input: {', '.join(unknown)} cannot be set by `scim users replace` "
            f"(it sends {', '.join(sorted(_USER_KEYS | extensions))})",
            EXIT_USAGE,
        )
    name = document.get("name") or {}
    if not isinstance(name, dict):
        raise CliError("--input: name must be an object", EXIT_USAGE)
    active = document.get("active", current.is_active)
    if not isinstance(active, bool):
        raise CliError(f"--input: active must be true or false, not {active!r}", EXIT_USAGE)
    arguments: dict[str, Any] = {
        "user_name": document.get("userName"),
        "given_name": name.get("givenName"),
        "family_name": name.get("familyName"),
        "active": active,
        "external_id": document.get("externalId"),
        "title": document.get("title"),
    }
    extension = document.get(SCHEMA_ENTERPRISE_USER)
    if extension is not None:
        try:
            arguments["enterprise"] = converter.structure(extension, ScimEnterpriseUser)
        except Exception as exc:  # cattrs raises its own ClassValidationError tree
            raise CliError(f"--input: bad {SCHEMA_ENTERPRISE_USER}: {exc}", EXIT_USAGE) from None
    sso = document.get(SCHEMA_SSO_USER)
    if sso is not None:
        if not isinstance(sso, dict):
            raise CliError(f"--input: {SCHEMA_SSO_USER} must be an object", EXIT_USAGE)
        arguments["sso_email_domain"] = sso.get("emailDomain")
    ignored = sorted(set(document) & (_READ_ONLY_KEYS - {"id"}))
    return arguments, ignored


def user_fields(user: ScimUser | dict[str, Any]) -> dict[str, object]:
    """The fields the replace preview compares."""
    if isinstance(user, ScimUser):
        extension = user.enterprise
        return {
            "userName": user.user_name,
            "givenName": user.given_name,
            "familyName": user.family_name,
            "active": user.is_active,
            "title": user.title,
            "externalId": user.external_id,
            "department": extension.department if extension else None,
            "employeeNumber": extension.employee_number if extension else None,
        }
    extension = user.get("enterprise")
    return {
        "userName": user["user_name"],
        "givenName": user["given_name"],
        "familyName": user["family_name"],
        "active": user["active"],
        "title": user["title"],
        "externalId": user["external_id"],
        "department": extension.department if extension else None,
        "employeeNumber": extension.employee_number if extension else None,
    }


def show_changes(before: dict[str, object], after: dict[str, object], what: str) -> bool:
    """Print the fields that change; whether any does."""
    console = stderr_console()
    changed = [key for key in after if before.get(key) != after[key]]
    if not changed:
        console.print(f"{what}: nothing changes", markup=False)
        return False
    console.print(f"{what} would change:", markup=False)
    for key in changed:
        console.print(f"  {key}: {before.get(key)!r} -> {after[key]!r}", markup=False)
    return True


def replacement_group(document: object, group_id: str) -> tuple[str, list[str]]:
    """``displayName`` and member IDs of a SCIM group document; exit 2 when malformed."""
    if not isinstance(document, dict):
        raise CliError("--input must hold a JSON object (a SCIM group)", EXIT_USAGE)
    if document.get("id", group_id) != group_id:
        raise CliError(f"--input is group {document['id']}, not GROUP_ID {group_id}", EXIT_USAGE)
    unknown = sorted(set(document) - {"id", "schemas", "meta", "displayName", "members"})
    if unknown:
        raise CliError(f"--input: unknown key(s) {', '.join(unknown)}", EXIT_USAGE)
    name = document.get("displayName")
    if not isinstance(name, str):
        raise CliError("--input: displayName must be a string", EXIT_USAGE)
    members = document.get("members") or []
    if not isinstance(members, list) or not all(
        isinstance(m, dict) and isinstance(m.get("value"), str) for m in members
    ):
        raise CliError('--input: members must be a list of {"value": "usr..."}', EXIT_USAGE)
    return name, [m["value"] for m in members]
