"""Who the token belongs to: ``GET /v0/meta/whoami`` (REFERENCE §17).

The body of :meth:`AsyncApi.whoami`; ``api.py`` binds it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..models.tokens import CurrentUser

if TYPE_CHECKING:
    from ..api import AsyncApi

__all__ = ["whoami"]


async def whoami(self: AsyncApi) -> CurrentUser:
    """The token's user: ``id``, ``email`` (with the ``user.email:read`` scope) and
    ``scopes`` (OAuth tokens only). ``GET /v0/meta/whoami``."""
    return await self.request_model(CurrentUser, "GET", "/v0/meta/whoami")
