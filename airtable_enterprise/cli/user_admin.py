"""``users update|delete|logout|claim``: the user endpoints an admin runs by hand
(REFERENCE §4.3-§4.8), added to the ``users`` group of :mod:`.users`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import attrs
import click

from .._core.batch import unique_users
from .._core.text import email_key
from .._core.validate import MEMBERSHIP_STATES, USER_STATES
from ..enterprise import Enterprise
from ..models.results import (
    DeletedUser,
    DeleteUsersResponse,
    ManageUsersResponse,
    UpdateUsersResponse,
)
from ..models.users import UserInfo
from ._app import run
from ._errors import EXIT_NOT_FOUND, EXIT_USAGE, CliError
from ._options import confirm, format_options
from ._output import open_writer, stderr_console
from ._partial import report_partial
from ._session import Session
from ._views import user_view
from .users import users

__all__ = ["claim_users_command", "delete_users_command", "update_users_command"]


async def _resolve(enterprise: Enterprise, users_given: Sequence[str]) -> list[UserInfo]:
    """The users named (IDs or emails), in order, each once; exit 5 naming the first
    that matched nobody, before anything changes."""
    found = await enterprise.users(users_given, collaborations=False)
    if found.missing:
        raise CliError(f"no user matches: {', '.join(found.missing)}", EXIT_NOT_FOUND)
    return list(found)


_ALLOW_SELF = click.option(
    "--allow-self",
    is_flag=True,
    help="Allow it on the token's own user (it would lock the admin running this out).",
)


async def _refuse_self(session: Session, chosen: Sequence[UserInfo], doing: str) -> None:
    """Exit 2 before any change when ``chosen`` holds the token's own user (whoami)."""
    me = await session.api.whoami()
    if any(user.id == me.id for user in chosen):
        raise CliError(
            f"{me.email or me.id} is the token's own user: {doing} it would lock you out; "
            "pass --allow-self to do it anyway",
            EXIT_USAGE,
        )


@users.command("update")
@click.argument("targets", nargs=-1, required=True, metavar="USER...")
@click.option("--state", type=click.Choice(USER_STATES), help="provisioned or deactivated.")
@click.option("--email", "new_email", metavar="EMAIL", help="A new email (one USER only).")
@click.option("--first-name", metavar="NAME", help="A new first name.")
@click.option("--last-name", metavar="NAME", help="A new last name.")
@_ALLOW_SELF
@format_options()
@click.pass_context
def update_users_command(
    ctx: click.Context,
    targets: tuple[str, ...],
    state: str | None,
    new_email: str | None,
    first_name: str | None,
    last_name: str | None,
    allow_self: bool,
    fmt: str | None,
    out: Path | None,
) -> None:
    """Change USERs' state, email or name. One USER: PATCH .../users/{id}, then the user
    as Airtable now has it (GET .../users/{id}); several: PATCH .../users in batches of
    10, failures named (exit 1). A new email logs the user out."""
    if state is None and new_email is None and first_name is None and last_name is None:
        raise click.UsageError("give at least one of --state, --email, --first-name, --last-name")
    if new_email is not None and len(targets) > 1:
        raise click.UsageError("--email changes one USER at a time")
    fields = {"state": state, "email": new_email, "first_name": first_name, "last_name": last_name}
    given = {key: value for key, value in fields.items() if value is not None}

    async def job(session: Session) -> tuple[UserInfo | None, UpdateUsersResponse | None]:
        enterprise = session.enterprise()
        chosen = await _resolve(enterprise, targets)
        if state == "deactivated" and not allow_self:
            await _refuse_self(session, chosen, "deactivating")
        if len(chosen) == 1:
            await enterprise.update_user(chosen[0].id, **given)
            return await enterprise.user_by_id(chosen[0].id, collaborations=False), None
        items = [{"id": user.id, **given} for user in chosen]
        return None, await enterprise.update_users(items)

    names = {"email": "--email", "first_name": "--first-name", "last_name": "--last-name"}
    single, batch = run(ctx, job, names={**names, "user_id": "USER", "updates": "USER"})
    if single is not None:
        with open_writer(fmt, user_view(collaborations=False), out, single=True) as writer:
            writer.write(single)
        stderr_console().print(f"updated {single.email}", markup=False)
        return
    assert batch is not None
    report_partial(batch, "updated", [user.id for user in batch.updated_users])


@users.command("delete")
@click.argument("targets", nargs=-1, required=True, metavar="USER...")
@click.option("--dry-run", is_flag=True, help="Only show who would be deleted.")
@click.option("--yes", "-y", is_flag=True, help="Do it without asking for confirmation.")
@_ALLOW_SELF
@format_options()
@click.pass_context
def delete_users_command(
    ctx: click.Context,
    targets: tuple[str, ...],
    dry_run: bool,
    yes: bool,
    allow_self: bool,
    fmt: str | None,
    out: Path | None,
) -> None:
    """Delete USERs: shows them, then asks (--yes: do not ask). IDs go to DELETE
    .../users/{id}, emails together to DELETE .../users?email[]=... A USER that matches
    nobody: exit 5 before anything is deleted."""

    async def job(session: Session) -> DeleteUsersResponse | None:
        enterprise = session.enterprise()
        chosen = await _resolve(enterprise, targets)
        with open_writer(fmt, user_view(collaborations=False), out) as writer:
            if writer.format == "table":
                stderr_console().print(f"Would delete {len(chosen)} user(s):")
            writer.write_all(chosen)
        if dry_run:
            return None
        if not allow_self:
            await _refuse_self(session, chosen, "deleting")
        if not yes and not confirm(f"Delete {len(chosen)} user(s)?"):
            raise click.Abort
        ids = list(dict.fromkeys(t for t in targets if "@" not in t))
        # A user named by ID and by email is deleted once (by ID).
        id_of = {email_key(user.email): user.id for user in chosen}
        emails = [
            t for t in unique_users(targets) if "@" in t and id_of.get(email_key(t)) not in ids
        ]
        deleted: list[DeletedUser] = []
        for target in ids:
            await enterprise.delete_user(target)
            deleted.append(DeletedUser(id=target, email=""))
        if not emails:
            return DeleteUsersResponse(deleted_users=tuple(deleted))
        by_email = await enterprise.delete_users(emails)
        return attrs.evolve(by_email, deleted_users=(*deleted, *by_email.deleted_users))

    result = run(ctx, job)
    report_partial(
        result,
        "deleted",
        [user.email or user.id for user in result.deleted_users] if result else [],
    )


@users.command("logout")
@click.argument("targets", nargs=-1, required=True, metavar="USER...")
@click.pass_context
def logout_users_command(ctx: click.Context, targets: tuple[str, ...]) -> None:
    """End every session of USERs (IDs or emails; POST .../users/{id}/logout)."""

    async def job(session: Session) -> list[str]:
        enterprise = session.enterprise()
        chosen = await _resolve(enterprise, targets)
        for user in chosen:
            await enterprise.logout_user(user.id)
        return [user.email for user in chosen]

    stderr_console().print(f"logged out: {', '.join(run(ctx, job))}", markup=False)


@users.command("claim")
@click.argument("targets", nargs=-1, required=True, metavar="USER...")
@click.option(
    "--state",
    type=click.Choice(MEMBERSHIP_STATES),
    default="managed",
    show_default=True,
    help="managed: the enterprise administers them; unmanaged: release them.",
)
@click.pass_context
def claim_users_command(ctx: click.Context, targets: tuple[str, ...], state: str) -> None:
    """Claim USERs (IDs or emails) as managed, or release them (POST .../users/claim;
    enterprises that do not capture their domains). Users Airtable refused are named (exit 1)."""

    async def job(session: Session) -> ManageUsersResponse:
        return await session.enterprise().claim_users(dict.fromkeys(targets, state))

    result = run(ctx, job, names={"users": "USER"})
    failed = {error.target for error in result.errors}
    report_partial(result, state, [t for t in dict.fromkeys(targets) if t not in failed])
