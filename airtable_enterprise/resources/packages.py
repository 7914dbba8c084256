"""Enterprise packages and creating bases (REFERENCE §13, §7.1).

The bodies of :class:`Enterprise`'s package methods; ``enterprise.py`` binds them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from .._core.validate import check_bool, check_id, check_name
from ..errors import InvalidInputError, PackageNotFoundError
from ..models._base import raw_field
from ..models.bases import CreatedBase
from ..models.packages import Package
from ..workspace import Base, Workspace

if TYPE_CHECKING:
    from ..enterprise import Enterprise

__all__ = ["create_base", "create_base_from_package", "package", "packages"]


@attrs.frozen(kw_only=True)
class _Packages:
    packages: tuple[Package, ...] = ()
    raw: Mapping[str, Any] = raw_field()


async def packages(self: Enterprise, *, all_enterprises: bool = False) -> list[Package]:
    """The enterprise's packages (managed app templates).

    ``GET /v0/meta/enterpriseAccounts/{ent}/packages``; ``all_enterprises=True`` sends
    ``shouldGetAllPackagesInGrid=true``: on a root account, the packages of the whole
    Hub organization.
    """
    params = (
        {"shouldGetAllPackagesInGrid": "true"}
        if check_bool("all_enterprises", all_enterprises)
        else None
    )
    found = await self.api.request_model(_Packages, "GET", f"{self.url}/packages", params=params)
    return list(found.packages)


async def package(self: Enterprise, package_id: str, *, all_enterprises: bool = False) -> Package:
    """One package by ID, from :meth:`packages` (Airtable has no get-package call).

    ``GET /v0/meta/enterpriseAccounts/{ent}/packages``. Raises
    :class:`PackageNotFoundError` when the list does not hold it.
    """
    check_id("package_id", package_id, "pkg")
    for found in await packages(self, all_enterprises=all_enterprises):
        if found.id == package_id:
            return found
    raise PackageNotFoundError(package_id, self.id)


async def create_base_from_package(
    self: Enterprise,
    workspace: str | Workspace,
    name: str,
    package_or_release: str | Package,
    *,
    description: str | None = None,
) -> Base:
    """Install a package as a new base in ``workspace``; a handle on the base.

    ``POST /v0/meta/enterpriseAccounts/{ent}/packages/{packageId}/install`` with
    ``{name, packageReleaseId, workspaceId, description?}``. ``package_or_release`` is
    a :class:`Package` or a ``pkg...`` ID (its latest release is installed; the ID is
    looked up with :meth:`packages` across the Hub organization) or a release ID (the
    package whose latest release it is is looked up the same way). A package without
    a release raises :class:`InvalidInputError` before any write.
    """
    workspace_id = (
        workspace.id
        if isinstance(workspace, Workspace)
        else check_id("workspace", workspace, "wsp")
    )
    check_name("name", name)
    if description is not None and not isinstance(description, str):
        raise InvalidInputError("description", description, "must be a string or None")
    if isinstance(package_or_release, Package):
        chosen = package_or_release
    elif isinstance(package_or_release, str) and package_or_release.startswith("pkg"):
        chosen = await package(self, package_or_release, all_enterprises=True)
    elif isinstance(package_or_release, str) and package_or_release.startswith("pkr"):
        release_id = check_id("package_or_release", package_or_release, "pkr")
        listed = await packages(self, all_enterprises=True)
        matches = [p for p in listed if p.latest_release_id == release_id]
        if not matches:
            raise PackageNotFoundError(release_id, self.id)
        chosen = matches[0]
    else:
        raise InvalidInputError(
            "package_or_release",
            package_or_release,
            "must be a Package, a package ID ('pkg...') or a release ID ('pkr...')",
        )
    if chosen.latest_release_id is None:
        raise InvalidInputError(
            "package_or_release", chosen.id, "the package has no release to install"
        )
    body: dict[str, object] = {
        "name": name,
        "packageReleaseId": chosen.latest_release_id,
        "workspaceId": workspace_id,
    }
    if description is not None:
        body["description"] = description
    created = await self.api.request_model(
        CreatedBase, "POST", f"{self.url}/packages/{chosen.id}/install", json=body
    )
    return Base(
        self.api,
        created.id,
        name=name,
        workspace_id=workspace_id,
        tables=created.tables,
        _answered=True,
    )


async def create_base(
    self: Enterprise,
    workspace: str | Workspace,
    name: str,
    tables: Sequence[Mapping[str, Any]],
) -> Base:
    """Create a base in ``workspace`` (an ID or a handle): :meth:`Workspace.create_base`.

    ``POST /v0/meta/bases`` with ``{"name", "workspaceId", "tables"}``.
    """
    if not isinstance(workspace, Workspace):
        workspace = Workspace(self.api, check_id("workspace", workspace, "wsp"))
    return await workspace.create_base(name, tables)
