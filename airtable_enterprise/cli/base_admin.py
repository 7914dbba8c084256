"""``bases``: create, delete, collaborators add/update/remove, invites delete and
block installations (REFERENCE §7.1-§7.4, §7.7). The listing commands and shares are
in :mod:`.bases`; this module adds the changes to the same groups."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .._core.validate import PERMISSION_LEVELS, check_id
from ..models.collaborators import InviteLink
from ..models.shares import BlockInstallation
from ..workspace import Base
from ._app import run
from ._collaborators import Grant, Holder, add_change_commands, add_invite_commands, grants_of
from ._errors import EXIT_NOT_FOUND, CliError
from ._input import read_json
from ._options import confirm, format_options
from ._output import Column, View, open_writer, stderr_console
from ._session import Session
from .bases import bases, collaborators_group

__all__ = ["BASE_HOLDER", "DEFAULT_TABLES"]

#: The table of `bases create` without --tables: Airtable needs one table with a field.
DEFAULT_TABLES = [{"name": "Table 1", "fields": [{"name": "Name", "type": "singleLineText"}]}]


async def _read(handle: Any) -> tuple[list[Grant], list[InviteLink]]:
    found = await handle.collaborators()
    people, teams = found.individual_collaborators, found.group_collaborators
    grants = grants_of(
        people.base_collaborators if people else (), teams.base_collaborators if teams else ()
    )
    links = found.invite_links
    return grants, list(links.base_invite_links) if links else []


BASE_HOLDER = Holder(
    kind="base",
    arguments=[("base_id", "BASE")],
    handle=lambda session, params: session.api.base(params["base_id"]),
    read=_read,
    levels=PERMISSION_LEVELS,
)

add_change_commands(collaborators_group, BASE_HOLDER)


@bases.group("invites")
def invites() -> None:
    """Outstanding invites to a base (the listing: `bases collaborators`)."""


add_invite_commands(invites, BASE_HOLDER)


@bases.command("create")
@click.argument("workspace_id", metavar="WORKSPACE_ID")
@click.argument("name")
@click.option(
    "--tables",
    "tables_file",
    metavar="FILE",
    help="A JSON list of Airtable table configs ({name, fields: [{name, type}]}); - is "
    'stdin. Default: one table "Table 1" with a "Name" text field.',
)
@click.pass_context
def create(ctx: click.Context, workspace_id: str, name: str, tables_file: str | None) -> None:
    """Create base NAME in WORKSPACE_ID (POST /v0/meta/bases). Prints the new base's ID."""
    tables = DEFAULT_TABLES if tables_file is None else read_json(tables_file, "--tables")

    async def job(session: Session) -> Base:
        return await session.api.workspace(workspace_id).create_base(name, tables)

    created = run(ctx, job, names={"name": "NAME", "tables": "--tables"})
    click.echo(created.id)
    stderr_console().print(f"created base {name!r} ({created.id}) in {workspace_id}", markup=False)


@bases.command("delete")
@click.argument("base_id", metavar="BASE")
@click.option("--dry-run", is_flag=True, help="Only show what would be deleted.")
@click.option("--yes", "-y", is_flag=True, help="Do it without asking for confirmation.")
@click.pass_context
def delete(ctx: click.Context, base_id: str, dry_run: bool, yes: bool) -> None:
    """Delete BASE (DELETE /v0/meta/bases/{app}): shows its name, workspace and
    collaborators, then asks (--yes: do not ask). It can be restored from Trash."""

    async def job(session: Session) -> str:
        base = session.api.base(base_id)
        found = await base.collaborators()
        grants, _ = await _read(base)
        stderr_console().print(
            f"Would delete base {found.name!r} ({found.id}) of {found.workspace_id}: "
            f"{len(grants)} direct collaborator(s) lose access",
            markup=False,
        )
        if dry_run:
            return "Dry run: nothing was changed."
        if not yes and not confirm(f"Delete base {found.name!r}?"):
            raise click.Abort
        await base.delete()
        return f"deleted base {found.name!r} ({found.id})"

    stderr_console().print(run(ctx, job), markup=False)


# --------------------------------------------------------- block installations

_INSTALLATIONS = View(
    columns=(
        Column("id", lambda b: b.id),
        Column("block_id", lambda b: b.block_id),
        Column("slug", lambda b: b.block_slug),
        Column("state", lambda b: b.state),
        Column("created_by", lambda b: b.created_by_user_id),
        Column("created", lambda b: b.created_time),
    ),
    title="Block installations (extensions)",
)


@bases.group("block-installations")
def block_installations() -> None:
    """Extensions installed in a base (bli...): list, enable, disable, delete."""


@block_installations.command("list")
@click.argument("base_id", metavar="BASE")
@format_options()
@click.pass_context
def list_installations(ctx: click.Context, base_id: str, fmt: str | None, out: Path | None) -> None:
    """BASE's extensions (GET /v0/meta/bases/{app}/blockInstallations)."""

    async def job(session: Session) -> list[BlockInstallation]:
        return await session.api.base(base_id).block_installations()

    with open_writer(fmt, _INSTALLATIONS, out) as writer:
        writer.write_all(run(ctx, job))


async def _chosen(base: Base, installation_ids: tuple[str, ...]) -> list[BlockInstallation]:
    """The installations named, in order; exit 5 for one the base does not have."""
    for installation_id in installation_ids:
        check_id("installation_ids", installation_id, "bli")
    listed = {item.id: item for item in await base.block_installations()}
    unknown = [i for i in installation_ids if i not in listed]
    if unknown:
        raise CliError(f"no block installation {unknown[0]} in {base.id}", EXIT_NOT_FOUND)
    return [listed[i] for i in dict.fromkeys(installation_ids)]


def _state_command(name: str, state: str) -> None:
    @block_installations.command(name)
    @click.argument("base_id", metavar="BASE")
    @click.argument("installation_ids", nargs=-1, required=True, metavar="INSTALLATION_ID...")
    @click.pass_context
    def command(ctx: click.Context, base_id: str, installation_ids: tuple[str, ...]) -> None:
        async def job(session: Session) -> list[str]:
            base = session.api.base(base_id)
            lines = []
            for item in await _chosen(base, installation_ids):
                if item.state == state:
                    lines.append(f"{item.id} is already {state}: nothing to do")
                    continue
                if state == "enabled":
                    await base.enable_block_installation(item.id)
                else:
                    await base.disable_block_installation(item.id)
                lines.append(f"{state} {item.id}")
            return lines

        for line in run(ctx, job):
            stderr_console().print(line, markup=False)

    method = "PATCH /v0/meta/bases/{app}/blockInstallations/{bli}"
    command.help = (
        f"Set extensions of BASE {state} ({method}); one already {state} gets a note. "
        "An ID the base does not have: exit 5, nothing changed."
    )


_state_command("enable", "enabled")
_state_command("disable", "disabled")


@block_installations.command("delete")
@click.argument("base_id", metavar="BASE")
@click.argument("installation_ids", nargs=-1, required=True, metavar="INSTALLATION_ID...")
@click.option("--dry-run", is_flag=True, help="Only show what would be removed.")
@click.option("--yes", "-y", is_flag=True, help="Do it without asking for confirmation.")
@click.pass_context
def delete_installations(
    ctx: click.Context, base_id: str, installation_ids: tuple[str, ...], dry_run: bool, yes: bool
) -> None:
    """Remove extensions from BASE (DELETE .../blockInstallations/{bli}): shows them,
    then asks (--yes: do not ask). An ID the base does not have: exit 5, nothing changed."""

    async def job(session: Session) -> str:
        base = session.api.base(base_id)
        chosen = await _chosen(base, installation_ids)
        console = stderr_console()
        console.print(f"Would remove {len(chosen)} extension(s) from {base_id}:")
        for item in chosen:
            console.print(f"  {item.id} {item.block_slug or item.block_id} ({item.state})")
        if dry_run:
            return "Dry run: nothing was changed."
        if not yes and not confirm(f"Remove {len(chosen)} extension(s) from {base_id}?"):
            raise click.Abort
        for item in chosen:
            await base.delete_block_installation(item.id)
        return f"removed {len(chosen)} extension(s) from {base_id}"

    stderr_console().print(run(ctx, job), markup=False)
