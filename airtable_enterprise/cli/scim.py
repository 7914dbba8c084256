"""``scim``: SCIM 2.0 users and groups (REFERENCE §12), and the HR-file ``sync``."""

from __future__ import annotations

from pathlib import Path

import click

from ..models.scim import (
    ScimEnterpriseUser,
    ScimGroup,
    ScimUser,
)
from ._app import run
from ._errors import EXIT_USAGE, CliError
from ._input import read_json
from ._options import confirm, format_options
from ._output import Column, View, open_writer, stderr_console
from ._scim_documents import replacement_group, replacement_user, show_changes, user_fields
from ._session import Session
from .scim_sync import sync

__all__ = ["scim"]

_USER_VIEW = View(
    columns=(
        Column("id", lambda u: u.id),
        Column("userName", lambda u: u.user_name),
        Column("givenName", lambda u: u.given_name),
        Column("familyName", lambda u: u.family_name),
        Column("active", lambda u: u.is_active),
        Column("title", lambda u: u.title),
        Column("department", lambda u: u.enterprise.department if u.enterprise else None),
        Column("groups", lambda u: len(u.groups)),
    ),
    title="SCIM users",
)

_GROUP_VIEW = View(
    columns=(
        Column("id", lambda g: g.id),
        Column("displayName", lambda g: g.display_name),
        Column("members", lambda g: ";".join(g.member_ids)),
    ),
    title="SCIM groups",
)


#: SCIM user commands take an ID or an email (looked up with ``userName eq``), as the
#: REST commands' USER does.
_SCIM_USER = {"user_id": "USER", "user": "USER"}


@click.group()
def scim() -> None:
    """SCIM 2.0 provisioning: users, groups, and `sync` from an HR file."""


@scim.group("users")
def users() -> None:
    """SCIM users (managed enterprise users)."""


@users.command("list")
@click.option("--user-name", metavar="EMAIL", help="Only the user with this userName.")
@format_options()
@click.pass_context
def list_users(
    ctx: click.Context, user_name: str | None, fmt: str | None, out: Path | None
) -> None:
    """Every SCIM user (GET /scim/v2/Users, paged)."""

    async def job(session: Session) -> list[ScimUser]:
        return [user async for user in session.api.scim.users(user_name=user_name)]

    _write(run(ctx, job), _USER_VIEW, fmt, out)


@users.command("get")
@click.argument("user", metavar="USER")
@format_options()
@click.pass_context
def get_user(ctx: click.Context, user: str, fmt: str | None, out: Path | None) -> None:
    """One SCIM user by ID (usr...) or email (GET /scim/v2/Users/{id}, after
    GET /scim/v2/Users?filter=userName eq "..." for an email); exits 5 when unknown."""

    async def job(session: Session) -> ScimUser:
        scim = session.api.scim
        return await scim.get_user(await scim.user_id(user))

    _write([run(ctx, job, names=_SCIM_USER)], _USER_VIEW, fmt, out, single=True)


@users.command("create")
@click.argument("email")
@click.option("--first-name", required=True, help="name.givenName")
@click.option("--last-name", required=True, help="name.familyName")
@click.option("--title", help="title (stored for reporting)")
@click.option("--department", help="the enterprise extension's department")
@click.option("--employee-number", help="the enterprise extension's employeeNumber")
@click.option("--external-id", help="the IdP's ID for the user")
@format_options()
@click.pass_context
def create_user(
    ctx: click.Context,
    email: str,
    first_name: str,
    last_name: str,
    title: str | None,
    department: str | None,
    employee_number: str | None,
    external_id: str | None,
    fmt: str | None,
    out: Path | None,
) -> None:
    """Create a managed user (POST /scim/v2/Users); EMAIL's domain must be the enterprise's."""
    enterprise = ScimEnterpriseUser(department=department, employee_number=employee_number)

    async def job(session: Session) -> ScimUser:
        return await session.api.scim.create_user(
            email,
            given_name=first_name,
            family_name=last_name,
            title=title,
            external_id=external_id,
            enterprise=enterprise if enterprise != ScimEnterpriseUser() else None,
        )

    created = run(ctx, job, names={"user_name": "EMAIL"})
    _write([created], _USER_VIEW, fmt, out, single=True)


def _user_action(name: str, verb: str, method: str) -> None:
    locks_out = name != "reactivate"

    @users.command(name)
    @click.argument("who", nargs=-1, required=True, metavar="USER...")
    @click.option(
        "--allow-self",
        is_flag=True,
        hidden=not locks_out,
        help="Let the command act on the token's own user (which locks the token out).",
    )
    @click.pass_context
    def command(ctx: click.Context, who: tuple[str, ...], allow_self: bool) -> None:
        async def job(session: Session) -> None:
            scim = session.api.scim
            # Every email resolved (and every value checked) before the first write.
            user_ids = [await scim.user_id(user) for user in who]
            if locks_out and not allow_self:
                me = (await session.api.whoami()).id  # fails closed: no answer, no change
                if me in user_ids:
                    raise CliError(
                        f"{who[user_ids.index(me)]} is the token's own user; {name} it "
                        "with --allow-self (the token stops working)",
                        EXIT_USAGE,
                    )
            for user_id in user_ids:
                await getattr(scim, method)(user_id)

        run(ctx, job, names=_SCIM_USER)
        stderr_console().print(f"{verb} {len(who)} user(s).")

    request = "DELETE" if name == "delete" else "PATCH active"
    command.__doc__ = (
        f"{verb} users by ID (usr...) or email ({request} /scim/v2/Users/{{id}}; an email is "
        'looked up first with filter=userName eq "..."); exits 5 if one is unknown, before '
        "any change."
    )
    if locks_out:
        command.__doc__ += (
            " The token's own user is refused (exit 2, nothing changed) without --allow-self."
        )


_user_action("deactivate", "Deactivated", "deactivate_user")
_user_action("reactivate", "Reactivated", "reactivate_user")
_user_action("delete", "Deleted", "delete_user")


@scim.group("groups")
def groups() -> None:
    """SCIM groups (user groups, ugp...)."""


@groups.command("list")
@click.option("--name", metavar="NAME", help="Only the group with this displayName.")
@format_options()
@click.pass_context
def list_groups(ctx: click.Context, name: str | None, fmt: str | None, out: Path | None) -> None:
    """Every SCIM group (GET /scim/v2/Groups; items carry no members)."""

    async def job(session: Session) -> list[ScimGroup]:
        return [group async for group in session.api.scim.groups(display_name=name)]

    _write(run(ctx, job), _GROUP_VIEW, fmt, out)


@groups.command("show")
@click.argument("group_id")
@format_options()
@click.pass_context
def show_group(ctx: click.Context, group_id: str, fmt: str | None, out: Path | None) -> None:
    """One group with its members (GET /scim/v2/Groups/{id}); exits 5 when unknown."""

    async def job(session: Session) -> ScimGroup:
        return await session.api.scim.get_group(group_id)

    _write([run(ctx, job)], _GROUP_VIEW, fmt, out, single=True)


@groups.command("create")
@click.argument("name")
@format_options()
@click.pass_context
def create_group(ctx: click.Context, name: str, fmt: str | None, out: Path | None) -> None:
    """Create an empty group (POST /scim/v2/Groups)."""

    async def job(session: Session) -> ScimGroup:
        return await session.api.scim.create_group(name)

    _write([run(ctx, job)], _GROUP_VIEW, fmt, out, single=True)


def _members_action(name: str, method: str) -> None:
    @groups.command(name)
    @click.argument("group_id")
    @click.argument("user_ids", nargs=-1, required=True, metavar="USER_ID...")
    @format_options()
    @click.pass_context
    def command(
        ctx: click.Context,
        group_id: str,
        user_ids: tuple[str, ...],
        fmt: str | None,
        out: Path | None,
    ) -> None:
        async def job(session: Session) -> ScimGroup:
            found: ScimGroup = await getattr(session.api.scim, method)(group_id, user_ids)
            return found

        _write([run(ctx, job)], _GROUP_VIEW, fmt, out, single=True)

    verb = "Add" if method == "add_members" else "Remove"
    command.__doc__ = f"{verb} users (usr...) to/from a group (PATCH /scim/v2/Groups/{{id}})."


_members_action("add-members", "add_members")
_members_action("remove-members", "remove_members")


@groups.command("delete")
@click.argument("group_ids", nargs=-1, required=True, metavar="GROUP_ID...")
@click.pass_context
def delete_groups(ctx: click.Context, group_ids: tuple[str, ...]) -> None:
    """Delete groups by ID (DELETE /scim/v2/Groups/{id})."""

    async def job(session: Session) -> None:
        for group_id in group_ids:
            await session.api.scim.delete_group(group_id)

    run(ctx, job)
    stderr_console().print(f"Deleted {len(group_ids)} group(s).")


scim.add_command(sync)


def _write(
    records: list[ScimUser] | list[ScimGroup],
    view: View,
    fmt: str | None,
    out: Path | None,
    *,
    single: bool = False,
) -> None:
    with open_writer(fmt, view, out, single=single) as writer:
        writer.write_all(records)


# ------------------------------------------------------- replace from JSON (PUT)

_INPUT = click.option(
    "--input",
    "source",
    required=True,
    metavar="FILE",
    help="The JSON document (- is stdin), e.g. `scim ... get -f json` output, edited.",
)
_DRY_RUN = click.option("--dry-run", is_flag=True, help="Only show what would change.")
_YES = click.option("--yes", "-y", is_flag=True, help="Do it without asking for confirmation.")


@users.command("replace")
@click.argument("user_id", metavar="USER_ID")
@_INPUT
@_DRY_RUN
@_YES
@format_options()
@click.pass_context
def replace_user(
    ctx: click.Context,
    user_id: str,
    source: str,
    dry_run: bool,
    yes: bool,
    fmt: str | None,
    out: Path | None,
) -> None:
    """Replace every attribute of a SCIM user from a JSON document (PUT
    /scim/v2/Users/{id}): attributes left out are cleared; `active` left out keeps the
    current state. Shows what changes, then asks (--yes: do not ask)."""
    document = read_json(source, "--input")

    async def job(session: Session) -> ScimUser | None:
        scim_api = session.api.scim
        current = await scim_api.get_user(user_id)
        arguments, ignored = replacement_user(document, user_id, current)
        if ignored:
            stderr_console().print(f"not sent (Airtable sets them): {', '.join(ignored)}")
        changes = show_changes(user_fields(current), user_fields(arguments), user_id)
        if dry_run or not changes:
            return None
        if not yes and not confirm(f"Replace SCIM user {user_id}?"):
            raise click.Abort
        replaced: ScimUser = await scim_api.replace_user(user_id, **arguments)
        return replaced

    names = {
        **_SCIM_USER,
        "user_name": "--input userName",
        "given_name": "--input name.givenName",
        "family_name": "--input name.familyName",
        "external_id": "--input externalId",
        "sso_email_domain": "--input emailDomain",
        "title": "--input title",
        "externalId": "--input externalId",
    }
    replaced = run(ctx, job, names=names)
    if replaced is None:
        stderr_console().print("Nothing was changed.")
        return
    _write([replaced], _USER_VIEW, fmt, out, single=True)


@groups.command("replace")
@click.argument("group_id", metavar="GROUP_ID")
@_INPUT
@_DRY_RUN
@_YES
@format_options()
@click.pass_context
def replace_group(
    ctx: click.Context,
    group_id: str,
    source: str,
    dry_run: bool,
    yes: bool,
    fmt: str | None,
    out: Path | None,
) -> None:
    """Set a group's name and whole member list from a JSON document (PUT
    /scim/v2/Groups/{id}; {"displayName", "members": [{"value": "usr..."}]}): members
    left out are removed. Shows who joins and leaves, then asks (--yes: do not ask)."""
    document = read_json(source, "--input")
    display_name, member_ids = replacement_group(document, group_id)

    async def job(session: Session) -> ScimGroup | None:
        scim_api = session.api.scim
        current = await scim_api.get_group(group_id)
        before = {"displayName": current.display_name, "members": sorted(current.member_ids)}
        after = {"displayName": display_name, "members": sorted(member_ids)}
        console = stderr_console()
        joining = sorted(set(member_ids) - set(current.member_ids))
        leaving = sorted(set(current.member_ids) - set(member_ids))
        if before == after:
            console.print(f"{group_id}: nothing changes")
            return None
        if display_name != current.display_name:
            console.print(f"{group_id} name: {current.display_name!r} -> {display_name!r}")
        console.print(f"{group_id}: {len(joining)} join, {len(leaving)} leave", markup=False)
        for user_id in joining:
            console.print(f"  + {user_id}")
        for user_id in leaving:
            console.print(f"  - {user_id}")
        if dry_run:
            return None
        if not yes and not confirm(f"Replace SCIM group {group_id}?"):
            raise click.Abort
        replaced: ScimGroup = await scim_api.replace_group(group_id, display_name, member_ids)
        return replaced

    names = {"display_name": "--input displayName", "member_ids": "--input members"}
    replaced = run(ctx, job, names=names)
    if replaced is None:
        stderr_console().print("Nothing was changed.")
        return
    _write([replaced], _GROUP_VIEW, fmt, out, single=True)
