"""``packages``: the enterprise's packages (managed apps), and installing one as a base."""

from __future__ import annotations

from pathlib import Path

import click

from ..models.packages import Package
from ..workspace import Base
from ._app import run
from ._options import format_options
from ._output import Column, View, open_writer, stderr_console
from ._session import Session

__all__ = ["packages"]

_PACKAGES = View(
    columns=(
        Column("id", lambda p: p.id),
        Column("name", lambda p: p.name),
        Column("latest_release", lambda p: p.latest_release_id or "(none)"),
        Column("installs", lambda p: p.install_count),
        Column("account", lambda p: p.enterprise_account_id),
        Column("source_base", lambda p: p.source_application_id),
        Column("updated", lambda p: p.last_updated_time),
    ),
    title="Packages",
)


@click.group()
def packages() -> None:
    """Enterprise packages (pkg...): list, install as a new base."""


@packages.command("list")
@click.option(
    "--all", "all_enterprises", is_flag=True, help="The whole Hub organization's (root account)."
)
@format_options()
@click.pass_context
def list_packages(
    ctx: click.Context, all_enterprises: bool, fmt: str | None, out: Path | None
) -> None:
    """List the packages and their latest releases."""

    async def job(session: Session) -> list[Package]:
        return await session.enterprise().packages(all_enterprises=all_enterprises)

    found = run(ctx, job)
    with open_writer(fmt, _PACKAGES, out) as writer:
        writer.write_all(found)


@packages.command("install")
@click.argument("package", metavar="PACKAGE")
@click.argument("workspace_id", metavar="WORKSPACE")
@click.argument("name")
@click.option("--description", help="The new base's description.")
@click.pass_context
def install(
    ctx: click.Context, package: str, workspace_id: str, name: str, description: str | None
) -> None:
    """Create base NAME in WORKSPACE from PACKAGE (a pkg... ID, installing its latest
    release, or a pkr... release ID). Prints the new base's ID."""

    async def job(session: Session) -> Base:
        return await session.enterprise().create_base_from_package(
            workspace_id, name, package, description=description
        )

    base = run(ctx, job)
    click.echo(base.id)
    stderr_console().print(f"created {name!r} ({base.id}) in {workspace_id} from {package}")
