"""The Interface handle: ``base.interface("pbd...")`` (REFERENCE §7.5)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._core.validate import INTERFACE_PERMISSION_LEVELS, check_bool, check_choice, check_id
from .models.interfaces import InterfaceInfo

if TYPE_CHECKING:
    from .workspace import Base

__all__ = ["Interface"]

_INCLUDE = [("include[]", "collaborators"), ("include[]", "inviteLinks")]


class Interface:
    """An interface (page bundle, ``pbd...``) of a base; every method is a coroutine
    that calls ``/v0/meta/bases/{app}/interfaces/{pbd}...``, counted against the
    base's 5 requests/s. Made by :meth:`Base.interface` (no request).

    Interface collaborators take ``read``, ``comment`` or ``edit`` (no ``create`` or
    ``owner``). The handle caches the last :meth:`collaborators` answer; writes drop it.
    """

    def __init__(self, base: Base, interface_id: str) -> None:
        self.base = base
        self.api = base.api
        self.id = check_id("interface_id", interface_id, "pbd")
        self._info: InterfaceInfo | None = None

    def __repr__(self) -> str:
        return f"<Interface {self.id} of {self.base.id}>"

    @property
    def url(self) -> str:
        """``/v0/meta/bases/{app}/interfaces/{pbd}``."""
        return f"{self.base.url}/interfaces/{self.id}"

    async def collaborators(self, *, force: bool = False) -> InterfaceInfo:
        """The interface with its collaborators (direct, via the base, via the
        workspace) and invite links.

        ``GET /v0/meta/bases/{app}/interfaces/{pbd}?include[]=collaborators
        &include[]=inviteLinks``. Cached on the handle; ``force=True`` fetches again.
        """
        check_bool("force", force)
        if self._info is None or force:
            self._info = await self.api.request_model(
                InterfaceInfo, "GET", self.url, params=_INCLUDE, base_id=self.base.id
            )
        return self._info

    async def add_collaborator(self, user_or_group_id: str, permission_level: str) -> None:
        """Give a user (``usr...``) or group (``ugp...``) access to the interface.

        ``POST /v0/meta/bases/{app}/interfaces/{pbd}/collaborators`` with one item
        (Airtable accepts one per call); ``permission_level`` read, comment or edit.
        """
        target, level = _collaborator(user_or_group_id, permission_level)
        kind = "group" if target.startswith("ugp") else "user"
        body = {"collaborators": [{kind: {"id": target}, "permissionLevel": level}]}
        await self.api.request("POST", f"{self.url}/collaborators", json=body, base_id=self.base.id)
        self._info = None

    async def update_collaborator(self, user_or_group_id: str, permission_level: str) -> None:
        """Change a collaborator's level on the interface.

        ``PATCH /v0/meta/bases/{app}/interfaces/{pbd}/collaborators/{userOrGroupId}``.
        """
        target, level = _collaborator(user_or_group_id, permission_level)
        await self.api.request(
            "PATCH",
            f"{self.url}/collaborators/{target}",
            json={"permissionLevel": level},
            base_id=self.base.id,
        )
        self._info = None

    async def remove_collaborator(self, user_or_group_id: str) -> None:
        """Remove a user or group from the interface.

        ``DELETE /v0/meta/bases/{app}/interfaces/{pbd}/collaborators/{userOrGroupId}``.
        """
        target = check_id("user_or_group_id", user_or_group_id, ("usr", "ugp"))
        await self.api.request("DELETE", f"{self.url}/collaborators/{target}", base_id=self.base.id)
        self._info = None

    async def delete_invite(self, invite_id: str) -> None:
        """Cancel an outstanding invite (``inv...``) to the interface.

        ``DELETE /v0/meta/bases/{app}/interfaces/{pbd}/invites/{inviteId}``.
        """
        check_id("invite_id", invite_id, "inv")
        await self.api.request("DELETE", f"{self.url}/invites/{invite_id}", base_id=self.base.id)
        self._info = None


def _collaborator(user_or_group_id: object, permission_level: object) -> tuple[str, str]:
    target = check_id("user_or_group_id", user_or_group_id, ("usr", "ugp"))
    level = check_choice("permission_level", permission_level, INTERFACE_PERMISSION_LEVELS)
    return target, level
