"""``bases``: who can reach a base, and its share links."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ..models.bases import BaseCollaborators
from ..models.collaborators import GroupCollaborator, IndividualCollaborator
from ..models.shares import BaseShare
from ._app import run
from ._collaborators import DefaultListGroup
from ._errors import EXIT_NOT_FOUND, CliError
from ._options import confirm, format_options
from ._output import Column, View, open_writer, stderr_console
from ._session import Session

__all__ = ["bases", "collaborators_group"]


def collaborator_rows(found: BaseCollaborators) -> list[dict[str, Any]]:
    """One row per grant: on the base, through its workspace, and on each interface."""
    rows: list[dict[str, Any]] = []

    def add(on: str, grant: IndividualCollaborator | GroupCollaborator) -> None:
        is_user = isinstance(grant, IndividualCollaborator)
        rows.append(
            {
                "baseId": found.id,
                "on": on,
                "type": "user" if is_user else "group",
                "id": grant.user_id if is_user else grant.group_id,  # type: ignore[union-attr]
                "emailOrName": grant.email if is_user else grant.name,  # type: ignore[union-attr]
                "permissionLevel": grant.permission_level,
                "createdTime": grant.created_time,
            }
        )

    people, teams = found.individual_collaborators, found.group_collaborators
    placed: list[tuple[str, IndividualCollaborator | GroupCollaborator]] = []
    for on, attribute in (("base", "base_collaborators"), ("workspace", "workspace_collaborators")):
        for holder in (people, teams):
            if holder is not None:
                placed.extend((on, grant) for grant in getattr(holder, attribute))
    for interface in found.interfaces or ():
        placed.extend((interface.id, g) for g in interface.individual_collaborators)
        placed.extend((interface.id, g) for g in interface.group_collaborators)
    for on, grant in placed:
        add(on, grant)
    return rows


_COLLABORATORS = View(
    columns=(
        Column("on", lambda row: row["on"]),
        Column("type", lambda row: row["type"]),
        Column("id", lambda row: row["id"]),
        Column("email_or_name", lambda row: row["emailOrName"]),
        Column("permission", lambda row: row["permissionLevel"]),
        Column("granted", lambda row: row["createdTime"]),
    ),
    json=lambda row: row,
)

_SHARES = View(
    columns=(
        Column("id", lambda s: s.share_id),
        Column("type", lambda s: s.type),
        Column("state", lambda s: s.state),
        Column("target", lambda s: s.view_id or s.block_installation_id or ""),
        Column("password", lambda s: s.is_password_protected),
        Column("domains", lambda s: " ".join(s.restricted_to_email_domains)),
        Column("members_only", lambda s: s.restricted_to_enterprise_members),
        Column("created_by", lambda s: s.created_by_user_id),
        Column("created", lambda s: s.created_time),
    ),
)


def _on_share(column: Column) -> Column:
    """``column`` of a share, read from a (share, action) preview row."""
    return Column(column.header, lambda row: column.value(row[0]), column.key)


#: The preview of --disable/--delete: (share, action) rows, the action first.
_SHARE_CHANGES = View(
    columns=(Column("action", lambda row: row[1]), *map(_on_share, _SHARES.columns)),
    json=lambda row: {"action": row[1], **row[0].raw},
)


@click.group()
def bases() -> None:
    """Bases (app...): create, delete, collaborators, invites, share links and
    extensions (block installations)."""


@bases.group("collaborators", cls=DefaultListGroup)
def collaborators_group() -> None:
    """Who can reach a base: list (the default: `bases collaborators BASE`), add,
    update, remove."""


@collaborators_group.command("list")
@click.argument("base_id", metavar="BASE")
@format_options()
@click.pass_context
def collaborators(ctx: click.Context, base_id: str, fmt: str | None, out: Path | None) -> None:
    """Everyone with access to BASE: on the base, through its workspace, and on each of
    its interfaces (GET /v0/meta/bases/{app} with every include[])."""

    async def job(session: Session) -> BaseCollaborators:
        return await session.api.base(base_id).collaborators()

    found = run(ctx, job)
    rows = collaborator_rows(found)
    view = View(
        columns=_COLLABORATORS.columns, json=_COLLABORATORS.json, title=f"{found.name} ({found.id})"
    )
    with open_writer(fmt, view, out) as writer:
        writer.write_all(rows)


@bases.command("shares")
@click.argument("base_id", metavar="BASE")
@click.option(
    "--enable",
    "enable_ids",
    multiple=True,
    metavar="SHARE_ID",
    help="Turn a share back on (repeatable; the workspace's sharing restrictions apply).",
)
@click.option(
    "--disable",
    "disable_ids",
    multiple=True,
    metavar="SHARE_ID",
    help="Turn a share off (repeatable).",
)
@click.option(
    "--delete",
    "delete_ids",
    multiple=True,
    metavar="SHARE_ID",
    help="Delete a share for good (repeatable).",
)
@click.option("--dry-run", is_flag=True, help="Only show what would change.")
@click.option("--yes", "-y", is_flag=True, help="Do it without asking for confirmation.")
@format_options()
@click.pass_context
def shares(
    ctx: click.Context,
    base_id: str,
    enable_ids: tuple[str, ...],
    disable_ids: tuple[str, ...],
    delete_ids: tuple[str, ...],
    dry_run: bool,
    yes: bool,
    fmt: str | None,
    out: Path | None,
) -> None:
    """List BASE's share links; with --enable/--disable/--delete, first show the shares
    that would change, then ask (or not, with --yes), then change them (PATCH or DELETE
    /v0/meta/bases/{app}/shares/{shareId})."""
    given = [*enable_ids, *disable_ids, *delete_ids]
    twice = sorted({share for share in given if given.count(share) > 1})
    if twice:
        raise click.BadParameter(
            f"{twice[0]} is given to more than one of --enable, --disable, --delete",
            param_hint="SHARE_ID",
        )
    changes = {
        **dict.fromkeys(enable_ids, "enable"),
        **dict.fromkeys(disable_ids, "disable"),
        **dict.fromkeys(delete_ids, "delete"),
    }

    async def job(session: Session) -> tuple[list[BaseShare], list[str]]:
        base = session.api.base(base_id)
        listed = await base.shares()
        if not changes:
            return listed, []
        known = {s.share_id for s in listed}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise CliError(f"no share {unknown[0]} on {base_id}", EXIT_NOT_FOUND)
        preview = [(s, changes[s.share_id]) for s in listed if s.share_id in changes]
        with open_writer(fmt, _SHARE_CHANGES, out) as writer:
            if writer.format == "table":
                stderr_console().print(f"Would change {len(preview)} share(s):")
            writer.write_all(preview)
        if dry_run:
            return listed, []
        if not yes and not confirm(f"Change {len(changes)} share(s) of {base_id}?"):
            raise click.Abort
        done: list[str] = []
        for share_id, action in changes.items():
            if action == "delete":
                await base.delete_share(share_id)
            elif action == "enable":
                await base.enable_share(share_id)
            else:
                await base.disable_share(share_id)
            done.append(f"{action}d {share_id}")
        return listed, done

    listed, done = run(ctx, job)
    console = stderr_console()
    if not changes:
        with open_writer(fmt, _SHARES, out) as writer:
            writer.write_all(listed)
        enabled = sum(s.is_enabled for s in listed)
        console.print(f"{len(listed)} share(s), {enabled} enabled")
    elif not done:
        console.print("Dry run: nothing was changed.")
    else:
        console.print("; ".join(done))
