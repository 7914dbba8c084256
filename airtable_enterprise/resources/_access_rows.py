"""Access-review rows from what the review fetched: pure functions, no requests.

The grants come from ``collaborations`` objects (REFERENCE §1.10: users' and groups'
direct grants), the bases a workspace grant reaches from the workspace's ``baseIds``
(§6.3), the tokens from the token list (§14.1). :mod:`.access_review` does the fetching.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from ..models.access_review import AccessRow
from ..models.collaborators import Collaborations
from ..models.users import UserInfo

__all__ = [
    "BaseInfo",
    "Grant",
    "TokenGrant",
    "WorkspaceInfo",
    "direct_grants",
    "grants_of",
    "group_ids",
    "own_account",
    "user_rows",
]

#: A grant as the review keeps it: kind, resource ID, level, and the base of an interface.
#: Plain tuples: the groups' grants are kept for the whole review, so they stay small.
Grant = tuple[str, str, str, str | None]


@attrs.frozen
class TokenGrant:
    """What the review keeps of an active token until its user's batch comes."""

    id: str
    name: str
    scopes: tuple[str, ...]
    mode: str | None


@attrs.frozen
class WorkspaceInfo:
    """What the review keeps of a workspace: its name and bases."""

    name: str | None
    base_ids: tuple[str, ...]


@attrs.frozen
class BaseInfo:
    """What a review with ``names=True`` keeps of a base: its name and its interfaces'
    names (``GET /v0/meta/bases/{app}?include[]=interfaces``, REFERENCE §7.3)."""

    name: str | None
    interface_names: Mapping[str, str]


def user_rows(
    user: UserInfo,
    *,
    enterprise_id: str,
    domains: frozenset[str],
    direct: tuple[Grant, ...],
    groups: Mapping[str, tuple[Grant, ...]],
    workspaces: Mapping[str, WorkspaceInfo],
    tokens: Iterable[TokenGrant],
    bases: Mapping[str, BaseInfo] | None = None,
) -> list[AccessRow]:
    """The rows of one user: their ``enterprise`` row (the account they are a member
    of, see :func:`own_account`; ``enterprise_id`` is the reviewed one), their grants held
    directly and through each of their groups, the bases each workspace grant reaches,
    their tokens. Pure: the caller fetched the groups' grants and the workspaces, and
    ``bases`` (``names=True``) for the bases' and interfaces' names."""
    known = bases or {}

    def name_of(kind: str, resource_id: str, base_id: str | None) -> str | None:
        if kind == "base" and resource_id in known:
            return known[resource_id].name
        if kind == "interface" and base_id is not None and base_id in known:
            return known[base_id].interface_names.get(resource_id)
        return None

    # A fully qualified domain may end in a dot: "corp.example." is "corp.example".
    domain = user.email.rsplit("@", 1)[-1].casefold().rstrip(".")
    external = domain not in domains and domain + "." not in domains
    account_id, admin_there = own_account(user, enterprise_id)
    is_admin = bool(user.is_admin) or admin_there

    def row(kind: str, resource_id: str, **fields: Any) -> AccessRow:
        return AccessRow(
            user_id=user.id,
            email=user.email,
            state=user.state,
            is_admin=is_admin,
            external=external,
            last_activity_time=user.last_activity_time,
            resource_kind=kind,
            resource_id=resource_id,
            **fields,
        )

    rows = [row("enterprise", account_id, permission_level="admin" if admin_there else "member")]
    sources = [(None, direct), *((g, groups[g]) for g in group_ids(user))]
    for via_group, grants in sources:
        for kind, resource_id, level, base_id in grants:
            if kind != "workspace":
                rows.append(
                    row(
                        kind,
                        resource_id,
                        resource_name=name_of(kind, resource_id, base_id),
                        base_id=base_id,
                        permission_level=level,
                        via_group=via_group,
                    )
                )
                continue
            info = workspaces[resource_id]
            rows.append(
                row(
                    "workspace",
                    resource_id,
                    resource_name=info.name,
                    permission_level=level,
                    via_group=via_group,
                )
            )
            # A workspace grant reaches every base in it (REFERENCE §1.10).
            rows.extend(
                row(
                    "base",
                    inherited,
                    resource_name=name_of("base", inherited, None),
                    permission_level=level,
                    via_group=via_group,
                    via_workspace=resource_id,
                )
                for inherited in info.base_ids
            )
    for token in tokens:
        rows.append(
            row(
                "token",
                token.id,
                resource_name=token.name,
                scopes=token.scopes,
                token_access=token.mode,
            )
        )
    unique: dict[tuple[Any, ...], AccessRow] = {}
    for found in rows:
        unique.setdefault(found.key, found)
    return list(unique.values())


def own_account(user: UserInfo, enterprise_id: str) -> tuple[str, bool]:
    """The account ``user`` is a member of, and whether they are its admin, from ``GET
    /v0/meta/enterpriseAccounts/{ent}/users`` (REFERENCE §4.1) of ``enterprise_id``.

    With ``include[]=descendants`` (a Hub review) each internal user has an entry per
    descendant account: the one whose ``isManaged`` is true manages the user (§1.9), so
    it is theirs, with that entry's ``isAdmin``; failing that, the one account whose
    ``isAdmin`` is true when the user is no admin of ``enterprise_id``. Otherwise (no
    such entry, or no ``descendants`` on the wire: external users, unmanaged members,
    a review without descendants) the wire does not tell: ``enterprise_id`` and the
    top-level ``isAdmin``.
    """
    entries = user.descendants or ()
    managed = [entry for entry in entries if entry.is_managed]
    if len(managed) == 1:
        return managed[0].enterprise_account_id, bool(managed[0].is_admin)
    admin_of = [entry for entry in entries if entry.is_admin]
    if not managed and not user.is_admin and len(admin_of) == 1:
        return admin_of[0].enterprise_account_id, True
    return enterprise_id, bool(user.is_admin)


def grants_of(grants: Collaborations) -> tuple[Grant, ...]:
    """The grants of a ``collaborations`` object as compact tuples, in wire order."""
    return (
        *(("workspace", g.workspace_id, g.permission_level, None) for g in grants.workspaces),
        *(("base", g.base_id, g.permission_level, None) for g in grants.bases),
        *(("interface", g.interface_id, g.permission_level, g.base_id) for g in grants.interfaces),
    )


def direct_grants(user: UserInfo) -> tuple[Grant, ...]:
    return tuple(grant for grants in _collaborations(user) for grant in grants_of(grants))


def _collaborations(user: UserInfo) -> list[Collaborations]:
    """The user's direct grants: this account's, and each descendant's when asked for."""
    found = [user.collaborations] if user.collaborations is not None else []
    for descendant in user.descendants or ():
        if descendant.collaborations is not None:
            found.append(descendant.collaborations)
    return found


def group_ids(user: UserInfo) -> list[str]:
    found = list(user.group_ids)
    for descendant in user.descendants or ():
        found.extend(group.id for group in descendant.groups)
    return list(dict.fromkeys(found))
