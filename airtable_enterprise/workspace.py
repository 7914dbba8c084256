"""The Workspace and Base handles: ``api.workspace("wsp...")``, ``workspace.bases()``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ._core.gather import gather
from ._core.validate import (
    PERMISSION_LEVELS,
    RESTRICTIONS,
    answered_id,
    check_bool,
    check_choice,
    check_id,
    check_index,
    check_list,
    check_name,
)
from .errors import InvalidInputError
from .interface import Interface
from .models.bases import BaseCollaborators, CreatedBase
from .models.workspaces import WorkspaceCollaborators
from .resources import shares as _shares

if TYPE_CHECKING:
    from .api import AsyncApi

__all__ = ["Base", "Workspace"]

_WORKSPACE_INCLUDE = [("include[]", "collaborators"), ("include[]", "inviteLinks")]
_BASE_INCLUDE = [
    ("include[]", "collaborators"),
    ("include[]", "inviteLinks"),
    ("include[]", "interfaces"),
    ("include[]", "packages"),
]


class Workspace:
    """A workspace (``wsp...``); every method is a coroutine that calls
    ``/v0/meta/workspaces/{id}...``. Made by :meth:`AsyncApi.workspace` or
    :meth:`Enterprise.create_workspace`.

    The handle caches the last :meth:`collaborators` answer; the write methods below
    drop that cache, so the next read fetches fresh data.
    """

    def __init__(
        self, api: AsyncApi, workspace_id: str, *, name: str | None = None, _answered: bool = False
    ) -> None:
        self.api = api
        self.id = (
            answered_id(workspace_id, "wsp")
            if _answered  # the ID of a workspace the server just created: never refused
            else check_id("workspace_id", workspace_id, "wsp")
        )
        self._name = name
        self._collaborators: WorkspaceCollaborators | None = None

    def __repr__(self) -> str:
        return f"<Workspace {self.id}>"

    @property
    def url(self) -> str:
        """``/v0/meta/workspaces/{id}``."""
        return f"/v0/meta/workspaces/{self.id}"

    @property
    def name(self) -> str | None:
        """The workspace's name if this handle knows it, else ``None``; sends no request.

        Known after :meth:`collaborators` (which fetches it) or when the handle came
        from :meth:`Enterprise.create_workspace`. ``(await ws.collaborators()).name``
        always gives it.
        """
        if self._collaborators is not None:
            return self._collaborators.name
        return self._name

    async def collaborators(self, *, force: bool = False) -> WorkspaceCollaborators:
        """The workspace's name, bases, restrictions, collaborators and invite links.

        ``GET /v0/meta/workspaces/{wsp}?include[]=collaborators&include[]=inviteLinks``.
        The answer is cached on the handle; ``force=True`` fetches it again.
        """
        check_bool("force", force)
        if self._collaborators is None or force:
            self._collaborators = await self.api.request_model(
                WorkspaceCollaborators, "GET", self.url, params=_WORKSPACE_INCLUDE
            )
        return self._collaborators

    async def bases(self, *, names: bool = True, force: bool = False) -> list[Base]:
        """Handles on the workspace's bases, in the workspace's order.

        The IDs come from :meth:`collaborators` (cached; ``force=True`` refreshes).
        Airtable's workspace answer has no base names, so with ``names=True`` each
        base's ``GET /v0/meta/bases/{app}`` is fetched too, concurrently and within
        each base's 5 requests/s limit, to fill :attr:`Base.name`; ``names=False``
        sends just the one workspace request.
        """
        check_bool("names", names)
        info = await self.collaborators(force=force)
        handles = [Base(self.api, base_id, workspace_id=self.id) for base_id in info.base_ids]
        if names and handles:

            def fetch(base: Base) -> Any:
                async def call() -> BaseCollaborators:
                    return await base.info()

                return call

            await gather([fetch(base) for base in handles])
        return handles

    async def create_base(self, name: str, tables: Sequence[Mapping[str, Any]]) -> Base:
        """Create a base in this workspace; a handle knowing its ``name``.

        ``POST /v0/meta/bases`` with ``{"name", "workspaceId", "tables"}``. ``tables``
        are Airtable table configs (``{"name": ..., "fields": [...]}``): at least one,
        each with at least one field (the first becomes the primary field).
        """
        check_name("name", name)
        checked = check_list("tables", tables)
        for i, table in enumerate(checked):
            if not isinstance(table, Mapping):
                raise InvalidInputError(f"tables[{i}]", table, "must be a mapping")
            fields = table.get("fields")
            if not isinstance(fields, Sequence) or isinstance(fields, str) or not fields:
                raise InvalidInputError(f"tables[{i}]", table, "needs a non-empty 'fields' list")
        body = {"name": name, "workspaceId": self.id, "tables": checked}
        created = await self.api.request_model(CreatedBase, "POST", "/v0/meta/bases", json=body)
        self._collaborators = None
        return Base(
            self.api,
            created.id,
            name=name,
            workspace_id=self.id,
            tables=created.tables,
            _answered=True,
        )

    async def delete(self) -> None:
        """Delete the workspace (owners can restore it from Trash).

        ``DELETE /v0/meta/workspaces/{wsp}``. Its bases become inaccessible.
        """
        await self.api.request("DELETE", self.url)
        self._collaborators = None

    async def move_base(
        self, base: str | Base, target: str | Workspace, index: int | None = None
    ) -> None:
        """Move a base of this workspace to another workspace of the same enterprise.

        ``POST /v0/meta/workspaces/{wsp}/moveBase`` with ``{"baseId",
        "targetWorkspaceId", "targetIndex"?}``. ``index`` 0 puts it first; by default
        it goes last. ``base`` and ``target`` are IDs or handles.
        """
        base_id = base.id if isinstance(base, Base) else check_id("base", base, "app")
        if isinstance(target, Workspace):
            target_id = target.id
        else:
            target_id = check_id("target", target, "wsp")
        body: dict[str, object] = {"baseId": base_id, "targetWorkspaceId": target_id}
        if index is not None:
            body["targetIndex"] = check_index("index", index)
        await self.api.request("POST", f"{self.url}/moveBase", json=body)
        self._collaborators = None
        if isinstance(target, Workspace):
            target._collaborators = None
        if isinstance(base, Base):
            base.workspace_id = target_id

    async def add_collaborator(self, user_or_group_id: str, permission_level: str) -> None:
        """Give a user (``usr...``) or a group (``ugp...``) access to the workspace.

        ``POST /v0/meta/workspaces/{wsp}/collaborators`` with one collaborator (Airtable
        accepts only one per call). ``permission_level``: read, comment, edit, create
        or owner; a group cannot be the owner of a workspace.
        """
        body = _collaborator_body(user_or_group_id, permission_level, workspace=True)
        await self.api.request("POST", f"{self.url}/collaborators", json=body)
        self._collaborators = None

    async def update_collaborator(self, user_or_group_id: str, permission_level: str) -> None:
        """Change a collaborator's permission level on the workspace.

        ``PATCH /v0/meta/workspaces/{wsp}/collaborators/{userOrGroupId}`` with
        ``{"permissionLevel": ...}``.
        """
        target, level = _collaborator(user_or_group_id, permission_level, workspace=True)
        await self.api.request(
            "PATCH", f"{self.url}/collaborators/{target}", json={"permissionLevel": level}
        )
        self._collaborators = None

    async def remove_collaborator(self, user_or_group_id: str) -> None:
        """Remove a user or group from the workspace (the sole owner cannot be removed).

        ``DELETE /v0/meta/workspaces/{wsp}/collaborators/{userOrGroupId}``.
        """
        target = check_id("user_or_group_id", user_or_group_id, ("usr", "ugp"))
        await self.api.request("DELETE", f"{self.url}/collaborators/{target}")
        self._collaborators = None

    async def update_restrictions(
        self, *, invite_creation: str | None = None, share_creation: str | None = None
    ) -> None:
        """Restrict who may create invites and shares: ``"unrestricted"`` or ``"onlyOwners"``.

        ``POST /v0/meta/workspaces/{wsp}/updateRestrictions`` with
        ``inviteCreationRestriction`` and/or ``shareCreationRestriction`` (only those given).
        """
        body: dict[str, str] = {}
        if invite_creation is not None:
            body["inviteCreationRestriction"] = check_choice(
                "invite_creation", invite_creation, RESTRICTIONS
            )
        if share_creation is not None:
            body["shareCreationRestriction"] = check_choice(
                "share_creation", share_creation, RESTRICTIONS
            )
        if not body:
            raise InvalidInputError(
                "update_restrictions", body, "give invite_creation and/or share_creation"
            )
        await self.api.request("POST", f"{self.url}/updateRestrictions", json=body)
        self._collaborators = None

    async def delete_invite(self, invite_id: str) -> None:
        """Cancel an outstanding invite (``inv...``) to the workspace.

        ``DELETE /v0/meta/workspaces/{wsp}/invites/{inviteId}``.
        """
        check_id("invite_id", invite_id, "inv")
        await self.api.request("DELETE", f"{self.url}/invites/{invite_id}")
        self._collaborators = None


class Base:
    """A base (``app...``); made by :meth:`Workspace.bases` and
    :meth:`Workspace.create_base`, or directly as ``Base(api, "app...")``.

    Every call passes the base's ID to :meth:`AsyncApi.request`, so it counts against
    that base's 5 requests/s limit as well as the token's.
    """

    def __init__(
        self,
        api: AsyncApi,
        base_id: str,
        *,
        name: str | None = None,
        workspace_id: str | None = None,
        tables: Sequence[Mapping[str, Any]] = (),
        _answered: bool = False,
    ) -> None:
        self.api = api
        self.id = (
            answered_id(base_id, "app")
            if _answered  # the ID of a base the server just created: never refused
            else check_id("base_id", base_id, "app")
        )
        self.workspace_id = workspace_id
        #: The tables Airtable returned when this handle's base was created, else empty.
        self.tables = tuple(tables)
        self._name = name
        self._info: BaseCollaborators | None = None

    def __repr__(self) -> str:
        return f"<Base {self.id}>" if self.name is None else f"<Base {self.id} {self.name!r}>"

    @property
    def url(self) -> str:
        """``/v0/meta/bases/{id}``."""
        return f"/v0/meta/bases/{self.id}"

    @property
    def name(self) -> str | None:
        """The base's name if this handle knows it (after :meth:`collaborators`, from
        :meth:`Workspace.bases` or :meth:`Workspace.create_base`), else ``None``."""
        if self._info is not None:
            return self._info.name
        return self._name

    async def info(self) -> BaseCollaborators:
        """The base's name, workspace and the caller's permission level, without
        collaborators. ``GET /v0/meta/bases/{app}`` with no ``include[]``."""
        found = await self.api.request_model(BaseCollaborators, "GET", self.url, base_id=self.id)
        self._name = found.name
        self.workspace_id = found.workspace_id
        return found

    async def collaborators(self, *, force: bool = False) -> BaseCollaborators:
        """The base with its collaborators, invite links, interfaces and packages.

        ``GET /v0/meta/bases/{app}?include[]=collaborators&include[]=inviteLinks
        &include[]=interfaces&include[]=packages``. Cached on the handle;
        ``force=True`` fetches it again.
        """
        check_bool("force", force)
        if self._info is None or force:
            self._info = await self.api.request_model(
                BaseCollaborators, "GET", self.url, params=_BASE_INCLUDE, base_id=self.id
            )
            self.workspace_id = self._info.workspace_id
        return self._info

    async def delete(self) -> None:
        """Delete the base (it can be restored from Trash). ``DELETE /v0/meta/bases/{app}``."""
        await self.api.request("DELETE", self.url, base_id=self.id)
        self._info = None

    async def add_collaborator(self, user_or_group_id: str, permission_level: str) -> None:
        """Give a user or group access to the base (one per call).

        ``POST /v0/meta/bases/{app}/collaborators``.
        """
        body = _collaborator_body(user_or_group_id, permission_level, workspace=False)
        await self.api.request("POST", f"{self.url}/collaborators", json=body, base_id=self.id)
        self._info = None

    async def update_collaborator(self, user_or_group_id: str, permission_level: str) -> None:
        """Change a collaborator's permission level on the base.

        ``PATCH /v0/meta/bases/{app}/collaborators/{userOrGroupId}``.
        """
        target, level = _collaborator(user_or_group_id, permission_level, workspace=False)
        await self.api.request(
            "PATCH",
            f"{self.url}/collaborators/{target}",
            json={"permissionLevel": level},
            base_id=self.id,
        )
        self._info = None

    async def remove_collaborator(self, user_or_group_id: str) -> None:
        """Remove a user or group from the base.

        ``DELETE /v0/meta/bases/{app}/collaborators/{userOrGroupId}``.
        """
        target = check_id("user_or_group_id", user_or_group_id, ("usr", "ugp"))
        await self.api.request("DELETE", f"{self.url}/collaborators/{target}", base_id=self.id)
        self._info = None

    async def delete_invite(self, invite_id: str) -> None:
        """Cancel an outstanding invite to the base.

        ``DELETE /v0/meta/bases/{app}/invites/{inviteId}``.
        """
        check_id("invite_id", invite_id, "inv")
        await self.api.request("DELETE", f"{self.url}/invites/{invite_id}", base_id=self.id)
        self._info = None

    def interface(self, interface_id: str) -> Interface:
        """A handle on the base's interface ``pbd...`` (no request):
        ``/v0/meta/bases/{app}/interfaces/{pbd}``."""
        return Interface(self, interface_id)

    # Shares and extensions (REFERENCE §7.6, §7.7): bodies in resources/shares.py.
    shares = _shares.shares
    enable_share = _shares.enable_share
    disable_share = _shares.disable_share
    delete_share = _shares.delete_share
    block_installations = _shares.block_installations
    enable_block_installation = _shares.enable_block_installation
    disable_block_installation = _shares.disable_block_installation
    delete_block_installation = _shares.delete_block_installation


def _collaborator(
    user_or_group_id: object, permission_level: object, *, workspace: bool
) -> tuple[str, str]:
    target = check_id("user_or_group_id", user_or_group_id, ("usr", "ugp"))
    level = check_choice("permission_level", permission_level, PERMISSION_LEVELS)
    if workspace and target.startswith("ugp") and level == "owner":
        # "Groups cannot be the owners of a workspace" (REFERENCE §6.6, §1.10).
        raise InvalidInputError(
            "permission_level", level, "a group cannot be the owner of a workspace"
        )
    return target, level


def _collaborator_body(
    user_or_group_id: object, permission_level: object, *, workspace: bool
) -> dict[str, object]:
    """``{"collaborators": [{"user"|"group": {"id"}, "permissionLevel"}]}`` (one item)."""
    target, level = _collaborator(user_or_group_id, permission_level, workspace=workspace)
    kind = "group" if target.startswith("ugp") else "user"
    return {"collaborators": [{kind: {"id": target}, "permissionLevel": level}]}
