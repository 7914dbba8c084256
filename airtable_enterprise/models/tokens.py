"""Personal access tokens of the enterprise's users (REFERENCE §14, beta) and the
token's own identity (``GET /v0/meta/whoami``, §17)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ._base import raw_field
from .results import BatchItemError, PartialResult

__all__ = [
    "AccessToken",
    "CurrentUser",
    "ResourceAccess",
    "RevokeTokensResponse",
    "RevokedToken",
]

#: Scopes that reach every user or every piece of data: worth a second look in a review.
BROAD_SCOPES = frozenset(
    {
        "data.records:write",
        "schema.bases:write",
        "enterprise.user:write",
        "enterprise.account:write",
        "enterprise.scim.usersAndGroups:manage",
        "workspacesAndBases:manage",
    }
)


@attrs.frozen(kw_only=True)
class ResourceAccess:
    """What a token reaches: ``mode`` ``"all"`` (every base the user can see),
    ``"enterprise"`` (the whole ``enterprise_account_id``) or ``"specificModelIds"``
    (``resource_model_ids``, listed with ``resources=True``)."""

    mode: str
    enterprise_account_id: str | None = None
    resource_model_ids: tuple[str, ...] | None = None
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class AccessToken:
    """A personal access token (``pat...``) of a user the enterprise administers.

    ``state`` is ``"active"`` or ``"deactivated"`` (revoked). The secret is never part
    of the answer.
    """

    id: str
    name: str
    state: str
    user_id: str
    created_by_user_id: str
    created_time: datetime
    scopes: tuple[str, ...] = ()
    resource_access: ResourceAccess | None = None
    raw: Mapping[str, Any] = raw_field()

    @property
    def is_active(self) -> bool:
        """Whether ``state`` is ``"active"``."""
        return self.state == "active"

    @property
    def broad_reasons(self) -> tuple[str, ...]:
        """Why this token deserves a review: ``"mode: all"`` when it reaches every
        resource its user can, and each write/manage scope of :data:`BROAD_SCOPES`."""
        reasons: list[str] = []
        if self.resource_access is not None and self.resource_access.mode == "all":
            reasons.append("mode: all")
        reasons.extend(scope for scope in self.scopes if scope in BROAD_SCOPES)
        return tuple(reasons)


@attrs.frozen(kw_only=True)
class RevokedToken:
    """An item of ``revokedTokens``."""

    id: str
    user_id: str
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class RevokeTokensResponse(PartialResult):
    """The answer of ``POST .../personalAccessTokens/revoke``; the answers of all chunks
    merged. Per-token failures (``TOKEN_NOT_FOUND``, ``ALREADY_REVOKED``) are in
    ``errors``, each naming its :attr:`~BatchItemError.token_id`."""

    revoked_tokens: tuple[RevokedToken, ...] = ()
    errors: tuple[BatchItemError, ...] = ()
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class CurrentUser:
    """The token's user, from ``GET /v0/meta/whoami``: ``email`` only with the
    ``user.email:read`` scope, ``scopes`` only for OAuth tokens."""

    id: str
    email: str | None = None
    scopes: tuple[str, ...] | None = None
    raw: Mapping[str, Any] = raw_field()
