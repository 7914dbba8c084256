"""``workspaces``: create, delete, collaborators add/update/remove, invites delete,
restrictions, move-workspaces (REFERENCE §6). The listing commands are in
:mod:`.workspaces`; this module adds the changes to the same groups."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .._core.validate import PERMISSION_LEVELS, RESTRICTIONS, check_id, check_ids
from ..models.collaborators import InviteLink
from ..models.results import MoveWorkspacesResponse
from ..models.workspaces import WorkspaceCollaborators
from ..resources.groups import MOVE_LIMIT
from ..workspace import Workspace
from ._app import run
from ._collaborators import Grant, Holder, add_change_commands, add_invite_commands, grants_of
from ._options import confirm, format_options
from ._output import Column, View, open_writer, stderr_console
from ._partial import report_partial
from ._session import Session
from .workspaces import collaborators_group, workspaces

__all__ = ["WORKSPACE_HOLDER"]


async def _read(handle: Any) -> tuple[list[Grant], list[InviteLink]]:
    found: WorkspaceCollaborators = await handle.collaborators()
    people, teams = found.individual_collaborators, found.group_collaborators
    grants = grants_of(
        people.workspace_collaborators if people else (),
        teams.workspace_collaborators if teams else (),
    )
    links = found.invite_links
    return grants, list(links.workspace_invite_links) if links else []


WORKSPACE_HOLDER = Holder(
    kind="workspace",
    arguments=[("workspace_id", "WORKSPACE_ID")],
    handle=lambda session, params: session.api.workspace(params["workspace_id"]),
    read=_read,
    levels=PERMISSION_LEVELS,
)

add_change_commands(collaborators_group, WORKSPACE_HOLDER)


@workspaces.group("invites")
def invites() -> None:
    """Outstanding invites to a workspace (the listing: `workspaces collaborators`)."""


add_invite_commands(invites, WORKSPACE_HOLDER)


@workspaces.command("create")
@click.argument("name")
@click.pass_context
def create(ctx: click.Context, name: str) -> None:
    """Create workspace NAME in the --enterprise account, owned by the token's user
    (POST /v0/meta/workspaces). Prints the new workspace's ID."""

    async def job(session: Session) -> Workspace:
        return await session.enterprise().create_workspace(name)

    created = run(ctx, job, names={"name": "NAME"})
    click.echo(created.id)
    stderr_console().print(f"created workspace {name!r} ({created.id})", markup=False)


@workspaces.command("delete")
@click.argument("workspace_id", metavar="WORKSPACE_ID")
@click.option("--dry-run", is_flag=True, help="Only show what would be deleted.")
@click.option("--yes", "-y", is_flag=True, help="Do it without asking for confirmation.")
@click.pass_context
def delete(ctx: click.Context, workspace_id: str, dry_run: bool, yes: bool) -> None:
    """Delete WORKSPACE_ID (DELETE /v0/meta/workspaces/{wsp}): shows its name, bases and
    collaborators, then asks (--yes: do not ask). Its bases become inaccessible; an
    owner can restore it from Trash."""

    async def job(session: Session) -> str:
        workspace = session.api.workspace(workspace_id)
        found = await workspace.collaborators()
        people, teams = found.individual_collaborators, found.group_collaborators
        count = len(people.workspace_collaborators if people else ()) + len(
            teams.workspace_collaborators if teams else ()
        )
        stderr_console().print(
            f"Would delete workspace {found.name!r} ({found.id}): {len(found.base_ids)} "
            f"base(s) become inaccessible, {count} collaborator(s) lose access",
            markup=False,
        )
        if dry_run:
            return "Dry run: nothing was changed."
        if not yes and not confirm(f"Delete workspace {found.name!r}?"):
            raise click.Abort
        await workspace.delete()
        return f"deleted workspace {found.name!r} ({found.id})"

    stderr_console().print(run(ctx, job), markup=False)


_RESTRICTIONS = View(
    columns=(
        Column("id", lambda w: w.id),
        Column("name", lambda w: w.name),
        Column("invites", lambda w: w.workspace_restrictions.invite_creation_restriction),
        Column("shares", lambda w: w.workspace_restrictions.share_creation_restriction),
    ),
    json=lambda w: {"id": w.id, "name": w.name, **w.workspace_restrictions.raw},
    title="Workspace restrictions",
)


@workspaces.command("restrictions")
@click.argument("workspace_id", metavar="WORKSPACE_ID")
@click.option(
    "--invites",
    type=click.Choice(RESTRICTIONS),
    help="Who may create invites: unrestricted, or onlyOwners.",
)
@click.option(
    "--shares",
    type=click.Choice(RESTRICTIONS),
    help="Who may create share links: unrestricted, or onlyOwners.",
)
@format_options()
@click.pass_context
def restrictions(
    ctx: click.Context,
    workspace_id: str,
    invites: str | None,
    shares: str | None,
    fmt: str | None,
    out: Path | None,
) -> None:
    """Show WORKSPACE_ID's invite and share restrictions; with --invites/--shares,
    change them first (POST /v0/meta/workspaces/{wsp}/updateRestrictions)."""

    async def job(session: Session) -> WorkspaceCollaborators:
        workspace = session.api.workspace(workspace_id)
        if invites is not None or shares is not None:
            await workspace.update_restrictions(invite_creation=invites, share_creation=shares)
        return await workspace.collaborators(force=True)

    found = run(ctx, job, names={"invite_creation": "--invites", "share_creation": "--shares"})
    with open_writer(fmt, _RESTRICTIONS, out, single=True) as writer:
        writer.write(found)


@workspaces.command("move-workspaces")
@click.argument("target_id", metavar="TARGET_ENT")
@click.argument("workspace_ids", nargs=-1, required=True, metavar="WORKSPACE_ID...")
@click.option(
    "--replacement",
    metavar="USER",
    help="New owner (ID or email) where the target keeps invites to its members and a "
    "workspace has only non-member owners.",
)
@click.option("--dry-run", is_flag=True, help="Only show what would move.")
@click.option("--yes", "-y", is_flag=True, help="Do it without asking for confirmation.")
@click.pass_context
def move_workspaces(
    ctx: click.Context,
    target_id: str,
    workspace_ids: tuple[str, ...],
    replacement: str | None,
    dry_run: bool,
    yes: bool,
) -> None:
    """Move WORKSPACE_IDs (at most 100) from the --enterprise account to TARGET_ENT of
    the same Hub (POST .../enterpriseAccounts/{ent}/moveWorkspaces). Collaborators who
    are not members of the target may be removed: shows the workspaces, then asks."""

    async def job(session: Session) -> MoveWorkspacesResponse | None:
        enterprise = session.enterprise()
        # Checked before the preview, as the library checks them before its request.
        check_id("target", target_id, "ent")
        check_ids("workspace_ids", workspace_ids, "wsp", max_items=MOVE_LIMIT)
        stderr_console().print(
            f"Would move {len(workspace_ids)} workspace(s) from {enterprise.id} to "
            f"{target_id}: {', '.join(workspace_ids)}",
            markup=False,
        )
        if dry_run:
            return None
        if not yes and not confirm(f"Move {len(workspace_ids)} workspace(s) to {target_id}?"):
            raise click.Abort
        return await enterprise.move_workspaces(
            workspace_ids, target_id, replacement_owner=replacement
        )

    result = run(ctx, job, names={"replacement_owner": "--replacement"})
    moved = [m.id for m in result.moved_workspaces] if result else []
    report_partial(result, f"moved to {target_id}", moved)
