"""Base shares and block installations (REFERENCE §7.6, §7.7).

The bodies of :class:`~airtable_enterprise.Base`'s share and extension methods;
``workspace.py`` binds them. Each call counts against the base's 5 requests/s.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs

from .._core.validate import check_id
from ..models._base import raw_field
from ..models.shares import BaseShare, BlockInstallation

if TYPE_CHECKING:
    from ..workspace import Base

__all__ = [
    "block_installations",
    "delete_block_installation",
    "delete_share",
    "disable_block_installation",
    "disable_share",
    "enable_block_installation",
    "enable_share",
    "shares",
]


@attrs.frozen(kw_only=True)
class _Shares:
    shares: tuple[BaseShare, ...] = ()
    raw: Mapping[str, Any] = raw_field()


async def shares(self: Base) -> list[BaseShare]:
    """The base's share links (base, view and extension shares), enabled or not.

    ``GET /v0/meta/bases/{app}/shares``.
    """
    found = await self.api.request_model(_Shares, "GET", f"{self.url}/shares", base_id=self.id)
    return list(found.shares)


async def enable_share(self: Base, share_id: str) -> None:
    """Turn a share link back on (the workspace's sharing restrictions apply).

    ``PATCH /v0/meta/bases/{app}/shares/{shareId}`` with ``{"state": "enabled"}``.
    """
    await _set_state(self, "shares", "share_id", share_id, "shr", "enabled")


async def disable_share(self: Base, share_id: str) -> None:
    """Turn a share link off; it can be enabled again.

    ``PATCH /v0/meta/bases/{app}/shares/{shareId}`` with ``{"state": "disabled"}``.
    """
    await _set_state(self, "shares", "share_id", share_id, "shr", "disabled")


async def delete_share(self: Base, share_id: str) -> None:
    """Delete a share link for good. ``DELETE /v0/meta/bases/{app}/shares/{shareId}``."""
    check_id("share_id", share_id, "shr")
    await self.api.request("DELETE", f"{self.url}/shares/{share_id}", base_id=self.id)


async def block_installations(self: Base) -> list[BlockInstallation]:
    """The extensions (blocks) installed in the base.

    ``GET /v0/meta/bases/{app}/blockInstallations`` (a bare JSON array).
    """
    path = f"{self.url}/blockInstallations"
    data = await self.api.request("GET", path, base_id=self.id)
    if data is None:  # a null container reads as empty
        data = []
    return self.api.structure(data, list[BlockInstallation], method="GET", path=path)


async def enable_block_installation(self: Base, installation_id: str) -> None:
    """Enable an extension. ``PATCH /v0/meta/bases/{app}/blockInstallations/{bli}``
    with ``{"state": "enabled"}``."""
    await _set_state(
        self, "blockInstallations", "installation_id", installation_id, "bli", "enabled"
    )


async def disable_block_installation(self: Base, installation_id: str) -> None:
    """Disable an extension. ``PATCH /v0/meta/bases/{app}/blockInstallations/{bli}``
    with ``{"state": "disabled"}``."""
    await _set_state(
        self, "blockInstallations", "installation_id", installation_id, "bli", "disabled"
    )


async def delete_block_installation(self: Base, installation_id: str) -> None:
    """Remove an extension from the base.
    ``DELETE /v0/meta/bases/{app}/blockInstallations/{bli}``."""
    check_id("installation_id", installation_id, "bli")
    await self.api.request(
        "DELETE", f"{self.url}/blockInstallations/{installation_id}", base_id=self.id
    )


async def _set_state(
    self: Base, collection: str, argument: str, item_id: str, prefix: str, state: str
) -> None:
    check_id(argument, item_id, prefix)
    await self.api.request(
        "PATCH", f"{self.url}/{collection}/{item_id}", json={"state": state}, base_id=self.id
    )
