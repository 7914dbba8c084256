"""``groups``: user groups and their members."""

from __future__ import annotations

from pathlib import Path

import click

from .._core.validate import check_id, check_ids
from ..models.groups import UserGroup
from ..models.results import MoveGroupsResponse
from ..resources.groups import MOVE_LIMIT
from ._app import run
from ._options import confirm, format_options
from ._output import Column, View, open_writer, stderr_console
from ._partial import report_partial
from ._session import Session

__all__ = ["groups"]

_GROUP_VIEW = View(
    columns=(
        Column("id", lambda g: g.id),
        Column("name", lambda g: g.name),
        Column("members", lambda g: len(g.members)),
        Column("managers", lambda g: sum(m.role == "manager" for m in g.members)),
        Column("license", lambda g: g.mapped_user_license_type),
        Column("workspaces", lambda g: _count(g, "workspace_collaborations")),
        Column("bases", lambda g: _count(g, "base_collaborations")),
        Column("updated", lambda g: g.updated_time),
    ),
    title="Groups",
)

_MEMBER_VIEW = View(
    columns=(
        Column("group_id", lambda row: row[0].id),
        Column("user_id", lambda row: row[1].user_id),
        Column("email", lambda row: row[1].email),
        Column("role", lambda row: row[1].role),
        Column("added", lambda row: row[1].created_time),
    ),
    json=lambda row: {"groupId": row[0].id, **row[1].raw},
    title="Group members",
)


def _count(group: UserGroup, attribute: str) -> object:
    return "" if group.collaborations is None else len(getattr(group.collaborations, attribute))


@click.group()
def groups() -> None:
    """User groups (ugp...): list, show, move to another account."""


@groups.command("show")
@click.argument("group_ids", nargs=-1, required=True, metavar="GROUP_ID...")
@click.option("--members", is_flag=True, help="One row per member instead of per group.")
@format_options()
@click.pass_context
def show(
    ctx: click.Context,
    group_ids: tuple[str, ...],
    members: bool,
    fmt: str | None,
    out: Path | None,
) -> None:
    """Show one or several groups, fetched concurrently."""

    async def job(session: Session) -> list[UserGroup]:
        return list(await session.enterprise().groups(group_ids))

    found = run(ctx, job)
    if members:
        with open_writer(fmt, _MEMBER_VIEW, out) as writer:
            writer.write_all((group, member) for group in found for member in group.members)
    else:
        with open_writer(fmt, _GROUP_VIEW, out) as writer:
            writer.write_all(found)


_LIST_VIEW = View(
    columns=(
        Column("id", lambda g: g.id),
        Column("name", lambda g: g.name),
        Column("members", lambda g: len(g.members)),
        Column("account", lambda g: g.enterprise_account_id),
        Column("updated", lambda g: g.updated_time),
    ),
    json=lambda g: {
        "id": g.id,
        "name": g.name,
        "memberCount": len(g.members),
        "enterpriseAccountId": g.enterprise_account_id,
    },
    title="Groups",
)


@groups.command("list")
@format_options()
@click.pass_context
def list_groups(ctx: click.Context, fmt: str | None, out: Path | None) -> None:
    """Every group of the account with its name and member count (the group IDs come
    from GET .../enterpriseAccounts/{ent}, each group from GET /v0/meta/groups/{id})."""

    async def job(session: Session) -> list[UserGroup]:
        enterprise = session.enterprise()
        info = await enterprise.info()
        if not info.group_ids:
            return []
        return list(await enterprise.groups(info.group_ids, collaborations=False))

    found = run(ctx, job)
    with open_writer(fmt, _LIST_VIEW, out) as writer:
        writer.write_all(sorted(found, key=lambda g: g.name.casefold()))


@groups.command("move")
@click.argument("target_id", metavar="TARGET_ENT")
@click.argument("group_ids", nargs=-1, required=True, metavar="GROUP_ID...")
@click.option("--dry-run", is_flag=True, help="Only show what would move.")
@click.option("--yes", "-y", is_flag=True, help="Do it without asking for confirmation.")
@click.pass_context
def move(
    ctx: click.Context, target_id: str, group_ids: tuple[str, ...], dry_run: bool, yes: bool
) -> None:
    """Move GROUP_IDs (at most 100) from the --enterprise account to TARGET_ENT of the
    same Hub (POST .../enterpriseAccounts/{ent}/moveGroups). Members outside the target
    may be removed when it keeps invites to its members: shows the groups, then asks."""

    async def job(session: Session) -> MoveGroupsResponse | None:
        enterprise = session.enterprise()
        check_id("target", target_id, "ent")
        check_ids("group_ids", group_ids, "ugp", max_items=MOVE_LIMIT)
        found = await enterprise.groups(group_ids, collaborations=False)
        console = stderr_console()
        console.print(f"Would move {len(found)} group(s) to {target_id}:", markup=False)
        for group in found:
            console.print(f"  {group.id} {group.name} ({len(group.members)} members)", markup=False)
        if dry_run:
            return None
        if not yes and not confirm(f"Move {len(found)} group(s) to {target_id}?"):
            raise click.Abort
        return await enterprise.move_groups(group_ids, target_id)

    result = run(ctx, job)
    moved = [
        group.id
        + (f" ({len(group.removed_user_ids)} member(s) removed)" if group.removed_user_ids else "")
        for group in (result.moved_groups if result else ())
    ]
    report_partial(result, f"moved to {target_id}", moved)
