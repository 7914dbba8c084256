"""Personal access tokens of the enterprise's users (REFERENCE §14, beta; root accounts).

The bodies of :class:`Enterprise`'s token methods; ``enterprise.py`` binds them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from .._core.batch import chunked
from .._core.gather import gather
from .._core.validate import check_bool, check_ids
from ..models._base import raw_field
from ..models.tokens import AccessToken, RevokeTokensResponse
from ._common import merge_answers

if TYPE_CHECKING:
    from ..enterprise import Enterprise

__all__ = ["access_tokens", "revoke_access_tokens"]

#: Token IDs per revoke request: Airtable's documented maximum (REFERENCE §14.2).
REVOKE_PER_REQUEST = 100


@attrs.frozen(kw_only=True)
class _Tokens:
    personal_access_tokens: tuple[AccessToken, ...] = ()
    raw: Mapping[str, Any] = raw_field()


async def access_tokens(self: Enterprise, *, resources: bool = False) -> list[AccessToken]:
    """The personal access tokens of the users this account administers.

    ``GET /v0/meta/enterpriseAccounts/{ent}/personalAccessTokens``; ``resources=True``
    sends ``includeResources=true`` so specific-resource tokens list the IDs they
    reach. Only root accounts may call it (Airtable answers an error on a descendant).
    """
    params = {"includeResources": "true"} if check_bool("resources", resources) else None
    found = await self.api.request_model(
        _Tokens, "GET", f"{self.url}/personalAccessTokens", params=params
    )
    return list(found.personal_access_tokens)


async def revoke_access_tokens(
    self: Enterprise, token_ids: str | Iterable[str]
) -> RevokeTokensResponse:
    """Revoke personal access tokens (``pat...``), any number of them.

    ``POST /v0/meta/enterpriseAccounts/{ent}/personalAccessTokens/revoke`` with
    ``{"tokenIds": [...]}``, in chunks of 100 (Airtable's maximum) sent concurrently;
    the answers are merged in order. Tokens that could not be revoked
    (``TOKEN_NOT_FOUND``, ``ALREADY_REVOKED``) are in the result's ``errors``, each
    with its ``token_id``. If a whole chunk fails, the others still finish and the
    error is raised.
    """
    values = [token_ids] if isinstance(token_ids, str) else token_ids
    ids = list(dict.fromkeys(check_ids("token_ids", values, "pat")))
    path = f"{self.url}/personalAccessTokens/revoke"

    def revoke(chunk: list[str]) -> Any:
        async def call() -> Any:
            return await self.api.request("POST", path, json={"tokenIds": chunk})

        return call

    answers = await gather(
        [revoke(chunk) for chunk in chunked(ids, REVOKE_PER_REQUEST)], cancel_on_error=False
    )
    merged = merge_answers(answers, ("revokedTokens", "errors"), method="POST", path=path)
    return self.api.structure(merged, RevokeTokensResponse, method="POST", path=path)
