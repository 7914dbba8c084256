"""``admins``: who is an admin; grant and revoke admin access."""

from __future__ import annotations

from pathlib import Path

import click

from ..models.results import ManageUsersResponse
from ..models.users import UserInfo
from ._app import run
from ._errors import CliError
from ._fetch import fetch_all_users
from ._options import format_options
from ._output import open_writer, stderr_console
from ._session import Session
from ._views import user_view

__all__ = ["admins"]


@click.group()
def admins() -> None:
    """Enterprise admins: list, grant, revoke."""


@admins.command("list")
@format_options()
@click.pass_context
def list_admins(ctx: click.Context, fmt: str | None, out: Path | None) -> None:
    """Users directly assigned admin access on this account (isAdmin)."""

    async def job(session: Session) -> list[UserInfo]:
        everyone = await fetch_all_users(session.enterprise(), collaborations=False)
        return [user for user in everyone if user.is_admin]

    found = run(ctx, job)
    with open_writer(fmt, user_view(collaborations=False, title="Admins"), out) as writer:
        writer.write_all(found)


@admins.command("grant")
@click.argument("users", nargs=-1, required=True, metavar="USER...")
@click.pass_context
def grant(ctx: click.Context, users: tuple[str, ...]) -> None:
    """Grant admin access to USERs (IDs or emails)."""

    async def job(session: Session) -> ManageUsersResponse:
        return await session.enterprise().grant_admin(*users)

    _report(run(ctx, job), users, "granted admin access")


@admins.command("revoke")
@click.argument("users", nargs=-1, required=True, metavar="USER...")
@click.pass_context
def revoke(ctx: click.Context, users: tuple[str, ...]) -> None:
    """Revoke directly assigned admin access from USERs (IDs or emails)."""

    async def job(session: Session) -> ManageUsersResponse:
        return await session.enterprise().revoke_admin(*users)

    _report(run(ctx, job), users, "revoked admin access")


def _report(result: ManageUsersResponse, users: tuple[str, ...], done: str) -> None:
    """Airtable answers 200 with per-user ``errors``: name each failure, exit 1 if any."""
    console = stderr_console()
    failed = {error.target for error in result.errors}
    succeeded = [user for user in users if user not in failed]
    if succeeded:
        console.print(f"{done}: {', '.join(succeeded)}")
    for error in result.errors:
        detail = f": {error.message}" if error.message else ""
        console.print(f"failed for {error.target}: {error.type}{detail}")
    if result.errors:
        raise CliError(f"{len(result.errors)} of {len(users)} failed")
