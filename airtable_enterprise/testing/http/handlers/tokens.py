"""Personal access tokens of the enterprise's users (REFERENCE §14, root accounts only),
and whoami (§17)."""

from __future__ import annotations

from typing import Any

from ..._wire import format_time, not_permitted
from ...world.access_tokens import AccessToken
from ...world.state import World
from ..requests import Call
from ._common import record

__all__ = ["list_tokens", "revoke_tokens", "token_view", "whoami"]

_MAX_REVOKE = 100  # §14.2
_ROOT_ONLY = "This operation is only available for root enterprise accounts"


def _root_only(world: World, call: Call) -> None:
    """The PAT endpoints refuse a descendant account (§14; the status is not documented,
    403 ``INVALID_PERMISSIONS`` here)."""
    account = world.account(call.path["ent"])
    if account.id != world.root_id:
        raise not_permitted(_ROOT_ONLY)


def token_view(world: World, token: AccessToken, resources: bool) -> dict[str, Any]:
    """A token as the list answers it (§14.1)."""
    access: dict[str, Any] = {"mode": token.mode}
    if token.mode == "enterprise" and token.enterprise_account_id in world.accounts:
        # Only shown when the scoped account is this organization's (§14.1).
        access["enterpriseAccountId"] = token.enterprise_account_id
    if token.mode == "specificModelIds" and resources:
        access["resourceModelIds"] = list(token.resource_ids)
    return {
        "id": token.id,
        "name": token.name,
        "state": token.state,
        "scopes": list(token.scopes),
        "resourceAccess": access,
        "createdTime": format_time(token.created_time),
        "userId": token.user_id,
        "createdByUserId": token.created_by,
    }


def list_tokens(world: World, call: Call) -> dict[str, Any]:
    """GET .../{ent}/personalAccessTokens (§14.1): tokens of the organization's users."""
    call.check_query({"includeResources"})
    _root_only(world, call)
    resources = call.flag("includeResources")
    return {
        "personalAccessTokens": [
            token_view(world, t, resources)
            for t in world.access_tokens.values()
            if t.user_id in world.users
        ]
    }


def revoke_tokens(world: World, call: Call) -> dict[str, Any]:
    """POST .../{ent}/personalAccessTokens/revoke (§14.2): 200 with per-token errors."""
    _root_only(world, call)
    token_ids = call.body({"tokenIds"}).strings("tokenIds", limit=_MAX_REVOKE)
    revoked: list[dict[str, str]] = []
    errors: list[dict[str, str]] = []
    for token_id in dict.fromkeys(token_ids):
        token = world.access_tokens.get(token_id)
        if token is None or token.user_id not in world.users:
            errors.append(
                {"type": "TOKEN_NOT_FOUND", "message": "Token not found.", "tokenId": token_id}
            )
            continue
        if token.state != "active":
            errors.append(
                {
                    "type": "ALREADY_REVOKED",
                    "message": "Token has already been revoked.",
                    "tokenId": token_id,
                }
            )
            continue
        token.state = "deactivated"
        revoked.append({"id": token.id, "userId": token.user_id})
        record(
            world,
            call.caller,
            "revokePersonalAccessToken",
            "personalAccessToken",
            token.id,
            "personalAccessToken",
            payload={"tokenName": token.name, "tokenOwnerId": token.user_id},
        )
    return {"revokedTokens": revoked, "errors": errors}


def whoami(world: World, call: Call) -> dict[str, Any]:
    """GET /v0/meta/whoami (§17): the token's user; the emulator's tokens carry every
    scope, ``user.email:read`` included, and are PATs (so no ``scopes``)."""
    call.check_query(set())
    user = world.users.get(call.caller.user_id)
    body: dict[str, Any] = {"id": call.caller.user_id}
    if user is not None:
        body["email"] = user.email
    return body
