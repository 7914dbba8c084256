"""``users deactivate|reactivate`` and the extra steps of ``users offboard``
(``--deactivate``, ``--revoke-tokens``): blocking a user, the whole leaver in one go.

Deactivation is the manage-user ``state`` field (``PATCH
/v0/meta/enterpriseAccounts/{ent}/users``, REFERENCE §4.3/§4.4): it works for every
user the enterprise manages, provisioned by SCIM or not.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import click

from .. import errors
from ..enterprise import Enterprise
from ..models.tokens import AccessToken
from ..models.users import UserInfo, UserUpdate
from ._app import run
from ._errors import EXIT_FAILURE, EXIT_NOT_FOUND, EXIT_USAGE, CliError
from ._options import confirm, format_options
from ._output import Column, View, open_writer, stderr_console
from ._session import Session

__all__ = ["LeaverSteps", "deactivate_users", "leaver_rows", "plan_leaver", "reactivate_users"]

_STATE_VIEW = View(
    columns=(
        Column("user", lambda row: row["user"], key=True),
        Column("email", lambda row: row["email"], key=True),
        Column("state", lambda row: row["state"]),
        Column("change", lambda row: row["change"]),
    ),
    json=lambda row: row,
)

#: What the state commands set, by command.
_TARGET = {"deactivate": "deactivated", "reactivate": "provisioned"}


def state_plan(
    found: list[UserInfo], target: str, own_id: str | None
) -> tuple[list[dict[str, Any]], list[UserInfo]]:
    """The preview rows and the users to change: those not already in ``target``, never
    the token's own user (Airtable refuses it, and it would lock the caller out), never
    a user the enterprise says it does not manage."""
    rows: list[dict[str, Any]] = []
    changing: list[UserInfo] = []
    for user in found:
        if user.id == own_id:
            change = "skip: the token's own user"
        elif user.state == target:
            change = f"none: already {target}"
        elif user.is_managed is False:
            change = "skip: not managed by the enterprise"
        else:
            change = f"{user.state} -> {target}"
            changing.append(user)
        rows.append({"user": user.id, "email": user.email, "state": user.state, "change": change})
    return rows, changing


def _state_command(name: str) -> click.Command:
    target = _TARGET[name]

    @click.command(name)
    @click.argument("people", nargs=-1, required=True, metavar="USER...")
    @click.option("--dry-run", is_flag=True, help="Only show what would change.")
    @click.option("--yes", "-y", is_flag=True, help="Do it without asking for confirmation.")
    @format_options()
    @click.pass_context
    def command(
        ctx: click.Context,
        people: tuple[str, ...],
        dry_run: bool,
        yes: bool,
        fmt: str | None,
        out: Path | None,
    ) -> None:
        async def job(session: Session) -> tuple[int, list[str]]:
            enterprise = session.enterprise()
            found = await enterprise.users(people, collaborations=False)
            if found.missing:
                raise CliError(f"no user matches: {', '.join(found.missing)}", EXIT_NOT_FOUND)
            me = await session.api.whoami()
            rows, changing = state_plan(list(found), target, me.id)
            with open_writer(fmt, _STATE_VIEW, out) as writer:
                writer.write_all(rows)
            if not changing or dry_run:
                return 0, []
            if not yes and not confirm(f"{name.capitalize()} {len(changing)} user(s)?"):
                raise click.Abort
            result = await enterprise.update_users(
                [UserUpdate(id=user.id, state=target) for user in changing]
            )
            failed = [f"{e.target}: {e.message or e.type}" for e in result.errors]
            return len(result.updated_users), failed

        changed, failed = run(ctx, job, names={"ids_or_emails": "USER"})
        console = stderr_console()
        console.print(f"{changed} user(s) {target}.", markup=False)
        if failed:
            raise CliError(f"could not change: {'; '.join(failed)}", EXIT_FAILURE)

    command.help = (
        f"{name.capitalize()} users (IDs or emails): set their state to {target} "
        "(PATCH .../users, manage user). Shows what would change, then asks (or --yes). "
        "Users already "
        f"{target} are left as they are; the token's own user is never changed."
    )
    return command


deactivate_users = _state_command("deactivate")
reactivate_users = _state_command("reactivate")


# ------------------------------------------------------------- the leaver's extras


@attrs.frozen
class LeaverSteps:
    """What ``users offboard`` does beyond removing access: the user, the groups they
    leave (the removal takes them out), the tokens to revoke, whether to deactivate."""

    user: UserInfo
    groups: tuple[tuple[str, str], ...] = ()
    tokens: tuple[AccessToken, ...] = ()
    deactivate: bool = False


async def plan_leaver(
    session: Session,
    enterprise: Enterprise,
    user: str,
    *,
    deactivate: bool,
    revoke_tokens: bool,
    descendants: bool,
) -> LeaverSteps:
    """Look the leaver up (groups, state) and, when asked, their active tokens; refuse
    the token's own user before anything, since revoking its tokens locks the caller out."""
    found = await enterprise.user(user, collaborations=False, descendants=descendants)
    if deactivate or revoke_tokens:
        me = await session.api.whoami()
        if me.id == found.id:
            raise CliError(
                f"{user} is the token's own user: offboard it with another admin's token",
                EXIT_USAGE,
            )
    if deactivate and not found.is_deactivated:
        # Airtable refuses the state of a user it does not manage, or of another domain
        # (REFERENCE §4.3): say so now, before the removal, not after it.
        info = await enterprise.info()
        domains = {d.email_domain.casefold() for d in info.email_domains}
        if found.is_managed is False or found.email.rsplit("@", 1)[-1].casefold() not in domains:
            raise CliError(
                f"{user} is not a user the enterprise manages: it cannot be deactivated "
                "(offboard without --deactivate)",
                EXIT_USAGE,
            )
    group_ids = list(found.group_ids)
    for descendant in (found.descendants or ()) if descendants else ():
        group_ids.extend(group.id for group in descendant.groups)
    group_ids = list(dict.fromkeys(group_ids))
    names = (
        {g.id: g.name for g in await enterprise.groups(group_ids, collaborations=False)}
        if group_ids
        else {}
    )
    tokens: tuple[AccessToken, ...] = ()
    if revoke_tokens:
        tokens = tuple(
            t for t in await enterprise.access_tokens() if t.user_id == found.id and t.is_active
        )
    return LeaverSteps(
        user=found,
        groups=tuple((g, names.get(g, "")) for g in group_ids),
        tokens=tokens,
        deactivate=deactivate and not found.is_deactivated,
    )


def leaver_rows(steps: LeaverSteps) -> list[dict[str, Any]]:
    """The preview rows of the leaver's extra steps (same columns as the removal's)."""
    rows: list[dict[str, Any]] = []
    for group_id, name in steps.groups:
        rows.append(_row("leave group", "group", group_id, name, "member"))
    for token in steps.tokens:
        rows.append(_row("revoke", "token", token.id, token.name, " ".join(token.scopes)))
    if steps.deactivate:
        user = steps.user
        rows.append(_row("deactivate", "user", user.id, user.email, user.state))
    return rows


def _row(change: str, kind: str, id: str, name: str, permission: str) -> dict[str, Any]:
    return {
        "change": change,
        "kind": kind,
        "id": id,
        "name": name,
        "permission": permission,
        "account": None,
    }


async def apply_leaver(enterprise: Enterprise, steps: LeaverSteps) -> tuple[int, list[str]]:
    """Revoke the tokens, then deactivate: how many changes were applied, and what could
    not be done, as messages. A step that fails does not hide the ones done before it
    (the removal, the tokens): the caller reports both, and a re-run does the rest."""
    problems: list[str] = []
    done = 0
    if steps.tokens:
        try:
            result = await enterprise.revoke_access_tokens([t.id for t in steps.tokens])
        except _STEP_ERRORS as exc:
            problems.append(f"revoke tokens: {exc}")
        else:
            failed = [e for e in result.errors if e.type != "ALREADY_REVOKED"]
            done += len(steps.tokens) - len(failed)
            problems.extend(f"token {e.target}: {e.message or e.type}" for e in failed)
    if steps.deactivate:
        try:
            await enterprise.update_user(steps.user.id, state="deactivated")
        except _STEP_ERRORS as exc:
            problems.append(f"deactivate: {exc}")
        else:
            done += 1
    return done, problems


#: What a leaver step that reached (or may have reached) Airtable can end in.
_STEP_ERRORS = (errors.APIError, errors.UnknownOutcomeError, errors.TransportError)
