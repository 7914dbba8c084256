"""Enterprise packages: list and install (REFERENCE §13)."""

from __future__ import annotations

import copy
from typing import Any

from ..._wire import format_time, invalid_request, model_not_found
from ...world.packages import Package
from ...world.state import Base, World
from ..requests import Call
from ._common import record
from .workspaces import require_creator

__all__ = ["install_package", "list_packages", "package_view"]


def package_view(package: Package) -> dict[str, Any]:
    """A package as the list answers it (§13.1)."""
    return {
        "id": package.id,
        "name": package.name,
        "type": package.type,
        "createdByUserId": package.created_by,
        "createdTime": format_time(package.created_time),
        "lastUpdatedByUserId": package.last_updated_by,
        "lastUpdatedTime": format_time(package.last_updated_time),
        "description": package.description,
        "tagline": package.tagline,
        "enterpriseAccountId": package.account_id,
        "installCount": package.install_count,
        "latestReleaseId": package.latest_release_id,
        "sourceApplicationId": package.source_base_id,
    }


def list_packages(world: World, call: Call) -> dict[str, Any]:
    """GET .../{ent}/packages (§13.1): the account's packages; with
    ``shouldGetAllPackagesInGrid`` on the root account, the whole organization's."""
    call.check_query({"shouldGetAllPackagesInGrid"})
    account = world.account(call.path["ent"])
    grid = call.flag("shouldGetAllPackagesInGrid") and account.id == world.root_id
    return {
        "packages": [
            package_view(p) for p in world.packages.values() if grid or p.account_id == account.id
        ]
    }


def install_package(world: World, call: Call) -> dict[str, Any]:
    """POST .../{ent}/packages/{pkg}/install (§13.2): a new base from a release.

    The path names the package; pyairtable sends the release ID there too when given
    one (REFERENCE §18), which is answered for compatibility.
    """
    account = world.account(call.path["ent"])
    body = call.body({"name", "packageReleaseId", "workspaceId", "description"})
    name = body.string("name", required=True)
    release_id = body.string("packageReleaseId", required=True)
    workspace = world.workspace(body.string("workspaceId", required=True))
    # The new base lands in a workspace like any other: creator role needed (§7.1).
    require_creator(world, call, workspace)
    description = body.data.get("description")
    if description is not None and not isinstance(description, str):
        raise invalid_request("description must be a string or null")
    key = call.path["pkg"]
    package = world.packages.get(key) or next(
        (p for p in world.packages.values() if key in p.releases), None
    )
    if package is None:
        raise model_not_found()
    if release_id not in package.releases:
        raise invalid_request(f"packageReleaseId {release_id!r} is not a release of {package.id}")
    base = Base(
        id=world.new_id("app"),
        name=name,
        workspace_id=workspace.id,
        created_time=world.now(),
        tables=_fresh_tables(world, package.tables),
    )
    base.package_installations.append(
        {
            "id": world.new_id("pki"),
            "installationType": "application",
            "packageId": package.id,
            "packageReleaseId": release_id,
        }
    )
    world.bases[base.id] = base
    workspace.base_ids.append(base.id)
    package.install_count += 1
    record(
        world,
        call.caller,
        "createBaseFromPackage",
        "managedApps",
        base.id,
        "base",
        account_id=account.id,
        workspace_id=workspace.id,
        base_id=base.id,
        payload={"name": name, "packageId": package.id, "packageReleaseId": release_id},
    )
    return {"id": base.id, "tables": base.tables}


def _fresh_tables(world: World, tables: list[dict[str, object]]) -> list[dict[str, object]]:
    """The package's table models with new table, field and view IDs."""
    fresh = copy.deepcopy(tables)
    for table in fresh:
        table["id"] = world.new_id("tbl")
        fields = table.get("fields")
        if isinstance(fields, list):
            for field in fields:
                field["id"] = world.new_id("fld")
            if fields:
                table["primaryFieldId"] = fields[0]["id"]
        views = table.get("views")
        if isinstance(views, list):
            for view in views:
                view["id"] = world.new_id("viw")
    return fresh
