"""The access review's requests besides the user batches: the token list, kept compact
as it is decoded, and one group, workspace, base or account at a time.

:mod:`.access_review` calls these (each group, workspace and base once, through its
workers); :mod:`._access_rows` turns what they return into rows.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs

from ..errors import NotFoundError, ResponseValidationError
from ..models._base import raw_field
from ..models.bases import BaseCollaborators
from ..models.tokens import AccessToken
from ..models.workspaces import WorkspaceCollaborators
from . import groups as _groups
from ._access_rows import BaseInfo, Grant, TokenGrant, WorkspaceInfo, grants_of

if TYPE_CHECKING:
    from ..enterprise import Enterprise

__all__ = ["account_domains", "fetch_base", "fetch_group", "fetch_workspace", "read_tokens"]

#: The key of the token list in its answer (§14.1).
_TOKENS_KEY = "personalAccessTokens"


@attrs.frozen(kw_only=True)
class _TokensPage:
    personal_access_tokens: tuple[AccessToken, ...] = ()
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen
class _KeptToken:
    """A token of the list as the review keeps it: its user, and what its rows need
    (``None`` for a token that is not active)."""

    user_id: str
    token: TokenGrant | None


async def read_tokens(enterprise: Enterprise) -> dict[str, list[TokenGrant]]:
    """The active tokens by user, from ``GET .../personalAccessTokens`` (§14.1).

    The list is the one answer that grows with the enterprise (no pages): each token is
    kept in compact form as soon as it is decoded (:meth:`AsyncApi.request`'s
    ``object_hook``), so the whole list is never held as dicts; tokens share a few sets
    of scopes, each kept once. A token of the wrong shape is a typed error.
    """
    api, path = enterprise.api, f"{enterprise.url}/personalAccessTokens"
    scope_sets: dict[tuple[str, ...], tuple[str, ...]] = {}

    def kept(token: AccessToken) -> _KeptToken:
        if not token.is_active:
            return _KeptToken(token.user_id, None)
        access = token.resource_access
        mode = None if access is None else sys.intern(access.mode)
        scopes = scope_sets.setdefault(token.scopes, token.scopes)
        return _KeptToken(token.user_id, TokenGrant(token.id, token.name, scopes, mode))

    def as_decoded(item: dict[str, Any]) -> Any:
        if "userId" not in item or "scopes" not in item or _TOKENS_KEY in item:
            return item  # not a token (its resourceAccess, the whole answer)
        try:
            return kept(api.structure(item, AccessToken, method="GET", path=path))
        except ResponseValidationError:
            return item  # reported below, as the list is read

    tokens: dict[str, list[TokenGrant]] = {}
    body = await api.request("GET", path, object_hook=as_decoded)
    items = body.get(_TOKENS_KEY) if isinstance(body, dict) else None
    if not isinstance(items, list):
        api.structure(body, _TokensPage, method="GET", path=path)  # null, or an error
        return tokens
    for item in items:
        if not isinstance(item, _KeptToken):  # raises the typed error
            item = kept(api.structure(item, AccessToken, method="GET", path=path))
        if item.token is not None:
            tokens.setdefault(item.user_id, []).append(item.token)
    return tokens


async def account_domains(enterprise: Enterprise, account_id: str) -> set[str]:
    """Another account's email domains, casefolded (``GET .../enterpriseAccounts/{ent}``)."""
    info = await enterprise.api.enterprise(account_id).info()
    return {d.email_domain.casefold() for d in info.email_domains}


async def fetch_group(enterprise: Enterprise, group_id: str) -> tuple[Grant, ...]:
    """A group's grants (``GET /v0/meta/groups/{ugp}?include[]=collaborations``, §5.1);
    none for a group deleted since its member was read."""
    try:
        found = await _groups.group(enterprise, group_id, collaborations=True)
    except NotFoundError:
        return ()
    return () if found.collaborations is None else grants_of(found.collaborations)


async def fetch_workspace(enterprise: Enterprise, workspace_id: str) -> WorkspaceInfo:
    """A workspace's name and bases (``GET /v0/meta/workspaces/{wsp}``, §6.3); unnamed
    and empty for one deleted since (its grant row stays)."""
    try:
        found = await enterprise.api.request_model(
            WorkspaceCollaborators, "GET", f"/v0/meta/workspaces/{workspace_id}"
        )
    except NotFoundError:
        return WorkspaceInfo(None, ())
    return WorkspaceInfo(found.name, found.base_ids)


async def fetch_base(enterprise: Enterprise, base_id: str) -> BaseInfo:
    """A base's name and its interfaces' names (``GET /v0/meta/bases/{app}
    ?include[]=interfaces``, §7.3); unnamed for one deleted since (its rows stay)."""
    try:
        found = await enterprise.api.request_model(
            BaseCollaborators,
            "GET",
            f"/v0/meta/bases/{base_id}",
            params=[("include[]", "interfaces")],
            base_id=base_id,
        )
    except NotFoundError:
        return BaseInfo(None, {})
    interfaces = {interface.id: interface.name for interface in found.interfaces or ()}
    return BaseInfo(found.name, interfaces)
