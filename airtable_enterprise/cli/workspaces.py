"""``workspaces``: who can reach a workspace; moving a base."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from .._core.gather import gather
from ..models.collaborators import GroupCollaborator, IndividualCollaborator
from ..models.workspaces import WorkspaceCollaborators
from ._app import run
from ._collaborators import DefaultListGroup
from ._options import format_options
from ._output import Column, View, open_writer, stderr_console
from ._session import Session

__all__ = ["collaborators_group", "workspaces"]


def collaborator_rows(
    found: WorkspaceCollaborators, base_names: Mapping[str, str | None] | None = None
) -> list[dict[str, Any]]:
    """One row per grant: users and groups, on the workspace and on each of its bases
    (with the base's name when ``base_names`` knows it)."""
    names = base_names or {}
    rows: list[dict[str, Any]] = []
    people = found.individual_collaborators
    teams = found.group_collaborators
    grants: list[IndividualCollaborator | GroupCollaborator] = [
        *(people.workspace_collaborators if people else ()),
        *(teams.workspace_collaborators if teams else ()),
        *(people.base_collaborators if people else ()),
        *(teams.base_collaborators if teams else ()),
    ]
    for grant in grants:
        is_user = isinstance(grant, IndividualCollaborator)
        rows.append(
            {
                "workspaceId": found.id,
                "baseId": grant.base_id,
                "baseName": names.get(grant.base_id) if grant.base_id else None,
                "type": "user" if is_user else "group",
                "id": grant.user_id if is_user else grant.group_id,  # type: ignore[union-attr]
                "emailOrName": grant.email if is_user else grant.name,  # type: ignore[union-attr]
                "permissionLevel": grant.permission_level,
                "createdTime": grant.created_time,
                "grantedByUserId": grant.granted_by_user_id,
            }
        )
    return rows


_VIEW = View(
    columns=(
        Column("on", lambda row: row["baseId"] or "workspace", key=True),
        Column("base_name", lambda row: row["baseName"]),
        Column("type", lambda row: row["type"]),
        Column("id", lambda row: row["id"], key=True),
        Column("email_or_name", lambda row: row["emailOrName"], key=True),
        Column("permission", lambda row: row["permissionLevel"]),
        Column("granted", lambda row: row["createdTime"]),
    ),
    json=lambda row: row,
)


@click.group()
def workspaces() -> None:
    """Workspaces (wsp...): list, create, delete, collaborators, invites,
    restrictions, moving bases and workspaces."""


@workspaces.group("collaborators", cls=DefaultListGroup)
def collaborators_group() -> None:
    """Who can reach a workspace: list (the default: `workspaces collaborators
    WORKSPACE_ID`), add, update, remove."""


@collaborators_group.command("list")
@click.argument("workspace_id", metavar="WORKSPACE_ID")
@format_options()
@click.pass_context
def collaborators(ctx: click.Context, workspace_id: str, fmt: str | None, out: Path | None) -> None:
    """Everyone with access to WORKSPACE_ID or one of its bases (with the base's name),
    and outstanding invites (counted on stderr)."""

    async def job(session: Session) -> tuple[WorkspaceCollaborators, dict[str, str | None]]:
        workspace = session.api.workspace(workspace_id)
        found = await workspace.collaborators()
        bases = await workspace.bases(names=True)
        return found, {base.id: base.name for base in bases}

    found, base_names = run(ctx, job)
    rows = collaborator_rows(found, base_names)
    view = View(columns=_VIEW.columns, json=_VIEW.json, title=f"{found.name} ({found.id})")
    with open_writer(fmt, view, out) as writer:
        writer.write_all(rows)
    invites = found.invite_links
    if invites is not None:
        count = len(invites.workspace_invite_links) + len(invites.base_invite_links)
        stderr_console().print(f"{len(rows)} grants, {count} outstanding invite links")


@workspaces.command("move-base")
@click.argument("workspace_id", metavar="WORKSPACE_ID")
@click.argument("base_id", metavar="BASE_ID")
@click.argument("target_id", metavar="TARGET_WORKSPACE_ID")
@click.option("--index", type=click.IntRange(min=0), help="Position in the target (0 = first).")
@click.pass_context
def move_base(
    ctx: click.Context, workspace_id: str, base_id: str, target_id: str, index: int | None
) -> None:
    """Move BASE_ID from WORKSPACE_ID to TARGET_WORKSPACE_ID (same enterprise)."""

    async def job(session: Session) -> None:
        await session.api.workspace(workspace_id).move_base(base_id, target_id, index)

    run(ctx, job)
    stderr_console().print(f"moved {base_id} from {workspace_id} to {target_id}")


_LIST_VIEW = View(
    columns=(
        Column("id", lambda w: w.id),
        Column("name", lambda w: w.name),
        Column("bases", lambda w: len(w.base_ids)),
        Column("created", lambda w: w.created_time),
    ),
    json=lambda w: {"id": w.id, "name": w.name, "baseIds": list(w.base_ids)},
    title="Workspaces",
)


@workspaces.command("list")
@format_options()
@click.pass_context
def list_workspaces(ctx: click.Context, fmt: str | None, out: Path | None) -> None:
    """Every workspace of the account with its name and base count (IDs from
    GET .../enterpriseAccounts/{ent}, each from GET /v0/meta/workspaces/{wsp})."""

    async def job(session: Session) -> list[WorkspaceCollaborators]:
        info = await session.enterprise().info()

        def fetch(workspace_id: str) -> Any:
            async def call() -> WorkspaceCollaborators:
                return await session.api.workspace(workspace_id).collaborators()

            return call

        return list(await gather([fetch(w) for w in info.workspace_ids]))

    found = run(ctx, job)
    with open_writer(fmt, _LIST_VIEW, out) as writer:
        writer.write_all(sorted(found, key=lambda w: w.name.casefold()))
