"""``users``: look up, export, find inactive users, offboard."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import click

from .. import errors
from .._core.text import email_key
from ..enterprise import Enterprise
from ..models.results import UserRemoved
from ..models.users import UserInfo
from ._app import run
from ._errors import EXIT_FAILURE, EXIT_NOT_FOUND, EXIT_USAGE, CliError
from ._fetch import fetch_all_users
from ._options import confirm, format_options
from ._output import Column, View, open_writer, stderr_console
from ._session import Session
from ._views import days_since, user_view
from .user_state import apply_leaver, leaver_rows, plan_leaver

__all__ = ["users"]


@click.group()
def users() -> None:
    """Enterprise users: look up, export, inactive report, offboarding, update,
    delete, logout, claim."""


@users.command("get")
@click.argument("ids_or_emails", nargs=-1, required=True, metavar="USER...")
@click.option(
    "--collaborations/--no-collaborations",
    default=True,
    show_default=True,
    help="Include the users' direct workspace, base and interface grants.",
)
@format_options()
@click.pass_context
def get_users(
    ctx: click.Context,
    ids_or_emails: tuple[str, ...],
    collaborations: bool,
    fmt: str | None,
    out: Path | None,
) -> None:
    """Show USERs by ID (usr...) or email. Exits 5 if any matched nobody."""

    async def job(session: Session) -> tuple[list[UserInfo], tuple[str, ...]]:
        found = await session.enterprise().users(ids_or_emails, collaborations=collaborations)
        return list(found), found.missing

    found, missing = run(ctx, job)
    with open_writer(fmt, user_view(collaborations=collaborations), out) as writer:
        writer.write_all(found)
    if missing:
        raise CliError(f"no user matches: {', '.join(missing)}", EXIT_NOT_FOUND)


@users.command("export")
@click.option(
    "--collaborations/--no-collaborations",
    default=False,
    show_default=True,
    help="Include each user's direct workspace, base and interface grants.",
)
@format_options(("jsonl", "csv", "json", "table"))
@click.pass_context
def export_users(
    ctx: click.Context, collaborations: bool, fmt: str | None, out: Path | None
) -> None:
    """Every user of the enterprise (its userIds, external collaborators included),
    fetched concurrently in batches of 100."""

    async def job(session: Session) -> list[UserInfo]:
        return await fetch_all_users(session.enterprise(), collaborations=collaborations)

    found = run(ctx, job)
    with open_writer(fmt, user_view(collaborations=collaborations), out) as writer:
        writer.write_all(found)
    if out is not None:
        stderr_console().print(f"{writer.count} users written to {out}")


@users.command("inactive")
@click.option(
    "--days",
    type=click.IntRange(min=0),
    default=90,
    show_default=True,
    help="Idle for at least this many days (never-active users always count).",
)
@click.option(
    "--include-deactivated",
    is_flag=True,
    help="Also list deactivated users (by default only users who can still log in).",
)
@format_options()
@click.pass_context
def inactive_users(
    ctx: click.Context, days: int, include_deactivated: bool, fmt: str | None, out: Path | None
) -> None:
    """The licence clean-up report: users never active, or idle for --days, with
    their direct collaborations (what removing them would unshare)."""
    now = datetime.now(UTC)

    async def job(session: Session) -> list[UserInfo]:
        everyone = await fetch_all_users(session.enterprise(), collaborations=True)
        return inactive(everyone, days=days, now=now, include_deactivated=include_deactivated)

    found = run(ctx, job)
    idle = Column("days_idle", lambda u: _idle_label(u, now))
    view = attrs.evolve(
        user_view(collaborations=True, extra=(idle,)),
        json=lambda u: {**u.raw, "daysInactive": days_since(u.last_activity_time, now)},
        title=f"Users inactive for {days}+ days",
    )
    with open_writer(fmt, view, out) as writer:
        writer.write_all(found)


def _idle_label(user: UserInfo, now: datetime) -> str:
    days = days_since(user.last_activity_time, now)
    return "never" if days is None else str(days)


def inactive(
    everyone: Sequence[UserInfo], *, days: int, now: datetime, include_deactivated: bool = False
) -> list[UserInfo]:
    """Users never active or idle ``days`` or more, never-active first, then longest idle."""
    found = [
        user
        for user in everyone
        if (include_deactivated or not user.is_deactivated)
        and (
            user.last_activity_time is None
            or (days_since(user.last_activity_time, now) or 0) >= days
        )
    ]
    oldest = datetime.min.replace(tzinfo=UTC)
    return sorted(
        found, key=lambda u: (u.last_activity_time is not None, u.last_activity_time or oldest)
    )


# ------------------------------------------------------------------- offboard

_REMOVAL_VIEW = View(
    columns=(
        Column("change", lambda row: row["change"]),
        Column("kind", lambda row: row["kind"]),
        Column("id", lambda row: row["id"], key=True),
        Column("name", lambda row: row["name"]),
        Column("permission", lambda row: row["permission"]),
        Column("account", lambda row: row["account"], key=True),
    ),
    json=lambda row: row,
)

#: The ``change`` of a grant a removal without ``--descendants`` leaves in place.
KEPT = "kept (descendant account)"


def removal_rows(result: UserRemoved, *, change: str | None = None) -> list[dict[str, Any]]:
    """One row per access the removal takes away (``unshare``) or hands over (``share``);
    ``change`` overrides what each row says will happen."""
    rows: list[dict[str, Any]] = []
    unshared = result.unshared
    for workspace in unshared.workspaces:
        rows.append(
            _row(
                change or "unshare",
                "workspace",
                workspace.workspace_id,
                workspace.workspace_name,
                workspace.former_permission_level,
                workspace.enterprise_account_id,
            )
        )
    for base in unshared.bases:
        rows.append(
            _row(
                change or "unshare",
                "base",
                base.base_id,
                base.base_name,
                base.former_permission_level,
                base.enterprise_account_id,
            )
        )
    for interface in unshared.interfaces:
        rows.append(
            _row(
                change or "unshare",
                "interface",
                interface.interface_id,
                interface.interface_name,
                interface.former_permission_level,
                interface.enterprise_account_id,
            )
        )
    if change is None:
        for shared in result.shared.workspaces:
            rows.append(
                _row(
                    "share to replacement",
                    "workspace",
                    shared.workspace_id,
                    shared.workspace_name,
                    shared.permission_level,
                    shared.enterprise_account_id,
                )
            )
        if result.was_user_removed_as_admin:
            rows.append(_row("revoke", "admin access", "", "", "admin", None))
    return rows


def _row(
    change: str, kind: str, id: str, name: str, permission: str, account: str | None
) -> dict[str, Any]:
    return {
        "change": change,
        "kind": kind,
        "id": id,
        "name": name,
        "permission": permission,
        "account": account,
    }


async def _check_replacement(enterprise: Enterprise, user: str, replacement: str) -> None:
    """Refuse a replacement who is the leaver (by ID or email), before any change."""
    if email_key(user) == email_key(replacement):
        raise CliError("--replacement must be someone other than USER", EXIT_USAGE)
    found = await enterprise.users([user, replacement], collaborations=False)
    if found.missing:
        raise CliError(f"no user matches: {', '.join(found.missing)}", EXIT_NOT_FOUND)
    if len({person.id for person in found}) == 1:
        raise CliError("--replacement must be someone other than USER", EXIT_USAGE)


async def _kept_in_descendants(
    enterprise: Enterprise, user: str, replacement: str | None
) -> list[dict[str, Any]]:
    """The grants ``user`` holds in the Hub's descendant accounts, which a removal
    without ``removeFromDescendants`` leaves in place (a second dry run, Hub only)."""
    info = await enterprise.info()
    descendants = set(info.descendant_enterprise_account_ids)
    if not descendants:
        return []
    try:
        wide = await enterprise.remove_user(user, replacement, descendants=True, dry_run=True)
    except errors.APIError as exc:
        stderr_console().print(f"could not preview the descendant accounts: {exc}", markup=False)
        return []
    kept = [row for row in removal_rows(wide, change=KEPT) if row["account"] in descendants]
    # The removal takes USER out of the groups of the accounts it covers only: the
    # descendants' groups are kept too, and the dry run above does not list them.
    person = await enterprise.user(user, collaborations=False, descendants=True)
    for account in person.descendants or ():
        if account.enterprise_account_id in descendants:
            kept.extend(
                _row(KEPT, "group", group.id, "", "member", account.enterprise_account_id)
                for group in account.groups
            )
    return kept


async def _preview(
    enterprise: Enterprise, user: str, replacement: str | None, descendants: bool
) -> UserRemoved:
    """Airtable's dry run; a sole owner without ``--replacement`` is told what to pass."""
    try:
        return await enterprise.remove_user(
            user, replacement, descendants=descendants, dry_run=True
        )
    except errors.PermissionDeniedError as exc:
        if replacement is None and "sole owner" in (exc.error_message or ""):
            raise CliError(
                f"{user} is the sole owner of a workspace that has other collaborators: "
                "pass --replacement USER (ID or email) to make someone else its owner",
                EXIT_USAGE,
            ) from None
        raise


@users.command("offboard")
@click.argument("user", metavar="USER")
@click.option(
    "--replacement",
    metavar="USER",
    help="New owner (ID or email) of the workspaces USER solely owns; required when there are any.",
)
@click.option(
    "--descendants",
    is_flag=True,
    help="Also remove USER from the Enterprise Hub's descendant accounts (the preview "
    "lists what USER keeps there without it).",
)
@click.option(
    "--deactivate", is_flag=True, help="Also deactivate USER (they can no longer log in)."
)
@click.option("--revoke-tokens", is_flag=True, help="Also revoke USER's personal access tokens.")
@click.option("--dry-run", is_flag=True, help="Only show what would be unshared.")
@click.option("--yes", "-y", is_flag=True, help="Do it without asking for confirmation.")
@format_options()
@click.pass_context
def offboard_user(
    ctx: click.Context,
    user: str,
    replacement: str | None,
    descendants: bool,
    deactivate: bool,
    revoke_tokens: bool,
    dry_run: bool,
    yes: bool,
    fmt: str | None,
    out: Path | None,
) -> None:
    """Remove USER (ID or email) from every workspace, base, interface and group of the
    enterprise, and revoke their admin access.

    With --revoke-tokens and --deactivate it does the whole leaver: their groups, their
    personal access tokens and their login go too.

    First shows what would change (Airtable's dry run), including the grants USER would
    keep in descendant accounts, then asks for confirmation (or not, with --yes), then
    does it. Steps already done are skipped, so a second run changes nothing.
    """

    async def job(session: Session) -> tuple[int | None, list[str]]:
        enterprise = session.enterprise()
        steps = await plan_leaver(
            session,
            enterprise,
            user,
            deactivate=deactivate,
            revoke_tokens=revoke_tokens,
            descendants=descendants,
        )
        if replacement is not None:
            await _check_replacement(enterprise, user, replacement)
        preview = await _preview(enterprise, user, replacement, descendants)
        kept = [] if descendants else await _kept_in_descendants(enterprise, user, replacement)
        extra = leaver_rows(steps)
        _show(preview, kept + extra, fmt, out, heading=f"Offboarding {user} would:")
        if kept:
            stderr_console().print(
                f"{user} would keep {len(kept)} grant(s) or group(s) in descendant accounts; "
                "pass --descendants to remove those too"
            )
        # The removal also takes USER out of their groups (REFERENCE §4.11).
        removing = bool(removal_rows(preview)) or bool(steps.groups)
        if dry_run:
            return None, []
        if not removing and not steps.tokens and not steps.deactivate:
            return 0, []
        if not yes and not confirm(f"Offboard {user}?"):
            raise click.Abort
        changes = 0
        if removing:
            done = await enterprise.remove_user(user, replacement, descendants=descendants)
            changes += len(removal_rows(done)) + len(steps.groups)
        applied, problems = await apply_leaver(enterprise, steps)
        return changes + applied, problems

    changes, problems = run(ctx, job, names={"user_id": "USER", "id_or_email": "USER"})
    console = stderr_console()
    if changes is None:
        console.print("Dry run: nothing was changed.")
    elif changes == 0:
        console.print(f"Nothing to do: {user} has nothing left to remove.", markup=False)
    else:
        console.print(f"Offboarded {user}: {changes} change(s) applied.")
    if problems:
        raise CliError(f"could not finish: {'; '.join(problems)}", EXIT_FAILURE)


def _show(
    result: UserRemoved,
    kept: list[dict[str, Any]],
    fmt: str | None,
    out: Path | None,
    *,
    heading: str,
) -> None:
    rows = removal_rows(result) + kept
    with open_writer(fmt, _REMOVAL_VIEW, out) as writer:
        if writer.format == "table":
            stderr_console().print(heading if rows else f"{heading} nothing (no access to remove)")
        writer.write_all(rows)
