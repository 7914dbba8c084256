"""``tokens``: the personal access tokens of the enterprise's users (beta, root accounts)."""

from __future__ import annotations

from pathlib import Path

import attrs
import click

from .._core.validate import check_ids
from ..models.tokens import AccessToken, RevokeTokensResponse
from ._app import run
from ._errors import EXIT_NOT_FOUND, CliError
from ._options import confirm, format_options
from ._output import Column, View, open_writer, stderr_console
from ._session import Session

__all__ = ["tokens"]

#: The scopes ``--broad`` flags by default: every ``:write`` and ``:manage`` scope.
BROAD_SUFFIXES = (":write", ":manage")


@attrs.frozen
class BroadPolicy:
    """Which tokens deserve a review: those reaching every base their user can
    (``mode: all``), and those with a scope the policy names (``scopes``; ``None``:
    every scope ending in ``:write`` or ``:manage``)."""

    scopes: frozenset[str] | None = None

    def reasons(self, token: AccessToken) -> tuple[str, ...]:
        """Why ``token`` is flagged (empty: it is not)."""
        found: list[str] = []
        if token.resource_access is not None and token.resource_access.mode == "all":
            found.append("mode: all")
        for scope in token.scopes:
            if scope in self.scopes if self.scopes is not None else scope.endswith(BROAD_SUFFIXES):
                found.append(scope)
        return tuple(found)


def tokens_view(policy: BroadPolicy) -> View:
    """Tokens, one row each, with the ``broad`` reasons of ``policy``."""
    return View(
        columns=(
            # The flag before the lesser columns: a narrow terminal hides from the right.
            Column("id", lambda t: t.id),
            Column("user", lambda t: t.user_id),
            Column("state", lambda t: t.state),
            Column("broad", lambda t: ", ".join(policy.reasons(t))),
            Column("name", lambda t: t.name),
            Column("access", lambda t: t.resource_access.mode if t.resource_access else ""),
            Column("scopes", lambda t: " ".join(t.scopes)),
            Column("created", lambda t: t.created_time),
        ),
        json=lambda t: {**t.raw, "broad": list(policy.reasons(t))},
        title="Personal access tokens",
    )


_TOKENS = tokens_view(BroadPolicy())

_REVOKED = View(
    columns=(
        Column("token", lambda row: row[0]),
        Column("result", lambda row: row[1]),
        Column("detail", lambda row: row[2]),
    ),
    json=lambda row: {"tokenId": row[0], "result": row[1], "detail": row[2]},
)


def select(
    found: list[AccessToken],
    *,
    users: tuple[str, ...] = (),
    scopes: tuple[str, ...] = (),
    state: str | None = None,
    broad: bool = False,
    policy: BroadPolicy = BroadPolicy(),
) -> list[AccessToken]:
    """The tokens matching every filter given (users by ID; a scope matches exactly;
    ``broad``: flagged by ``policy``)."""
    return [
        t
        for t in found
        if (not users or t.user_id in users)
        and (not scopes or set(scopes) <= set(t.scopes))
        and (state is None or t.state == state)
        and (not broad or policy.reasons(t))
    ]


async def _user_ids(session: Session, users: tuple[str, ...]) -> tuple[str, ...]:
    """User IDs for IDs or emails (emails looked up in one request)."""
    if not any("@" in u for u in users):
        return users
    found = await session.enterprise().users(users, collaborations=False)
    if found.missing:
        raise CliError(f"no user {found.missing[0]} (--user)", EXIT_NOT_FOUND)
    return tuple(u.id for u in found)


@click.group()
def tokens() -> None:
    """Personal access tokens of the enterprise's users (pat...)."""


@tokens.command("list")
@click.option(
    "--user",
    "users",
    multiple=True,
    metavar="USER",
    help="Only this user's (ID or email; repeatable).",
)
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    metavar="SCOPE",
    help="Only tokens with this scope (repeatable: all of them).",
)
@click.option(
    "--state", type=click.Choice(["active", "deactivated"]), help="Only tokens in this state."
)
@click.option(
    "--broad",
    is_flag=True,
    help="Only tokens flagged broad: mode: all, or a scope of the policy (default: every "
    ":write and :manage scope).",
)
@click.option(
    "--broad-scope",
    "broad_scopes",
    multiple=True,
    metavar="SCOPE",
    help="The scopes that make a token broad (repeatable), instead of every :write and "
    ":manage scope.",
)
@click.option("--resources", is_flag=True, help="Ask for the IDs specific-resource tokens reach.")
@format_options()
@click.pass_context
def list_tokens(
    ctx: click.Context,
    users: tuple[str, ...],
    scopes: tuple[str, ...],
    state: str | None,
    broad: bool,
    broad_scopes: tuple[str, ...],
    resources: bool,
    fmt: str | None,
    out: Path | None,
) -> None:
    """List tokens; the "broad" column flags tokens that reach every base their user can
    (mode: all) or carry a scope of the policy: every :write and :manage scope, or the
    --broad-scope ones."""
    policy = BroadPolicy(frozenset(broad_scopes) if broad_scopes else None)

    async def job(session: Session) -> list[AccessToken]:
        user_ids = await _user_ids(session, users)
        found = await session.enterprise().access_tokens(resources=resources)
        return select(found, users=user_ids, scopes=scopes, state=state, broad=broad, policy=policy)

    found = run(ctx, job)
    with open_writer(fmt, tokens_view(policy), out) as writer:
        writer.write_all(found)
    flagged = sum(bool(policy.reasons(t)) for t in found)
    stderr_console().print(f"{len(found)} token(s), {flagged} flagged broad")


@tokens.command("revoke")
@click.argument("token_ids", nargs=-1, metavar="TOKEN_ID...")
@click.option(
    "--user",
    "users",
    multiple=True,
    metavar="USER",
    help="Revoke every active token of this user (ID or email; repeatable).",
)
@click.option("--dry-run", is_flag=True, help="Only show what would be revoked.")
@click.option("--yes", "-y", is_flag=True, help="Do it without asking for confirmation.")
@format_options()
@click.pass_context
def revoke(
    ctx: click.Context,
    token_ids: tuple[str, ...],
    users: tuple[str, ...],
    dry_run: bool,
    yes: bool,
    fmt: str | None,
    out: Path | None,
) -> None:
    """Revoke TOKEN_IDs, or all active tokens of a --user (a leaver): first shows the
    tokens, then asks for confirmation (or not, with --yes), then revokes them."""
    if not token_ids and not users:
        raise click.UsageError("name at least one TOKEN_ID or --user")

    async def job(session: Session) -> tuple[list[AccessToken], RevokeTokensResponse | None]:
        if token_ids:  # before any request, dry run too
            check_ids("token_ids", token_ids, "pat")
        enterprise = session.enterprise()
        listed = await enterprise.access_tokens()
        by_id = {t.id: t for t in listed}
        user_ids = await _user_ids(session, users) if users else ()
        named = list(dict.fromkeys(token_ids))
        chosen = [by_id[i] for i in named if i in by_id and by_id[i].is_active]
        chosen += [
            t for t in select(listed, users=user_ids, state="active") if users and t not in chosen
        ]
        unlisted = [i for i in named if i not in by_id]
        console = stderr_console()
        with open_writer(fmt, _TOKENS, out) as writer:
            if writer.format == "table":
                console.print(f"Would revoke {len(chosen) + len(unlisted)} token(s):")
            writer.write_all(chosen)
        already = [i for i in named if i in by_id and not by_id[i].is_active]
        if already:
            console.print(f"Already revoked (nothing to do): {', '.join(already)}")
        if unlisted:
            console.print(
                f"Not among the enterprise's tokens (Airtable will say so): {', '.join(unlisted)}"
            )
        ids = [t.id for t in chosen] + unlisted
        if dry_run or not ids:
            return chosen, None
        if not yes and not confirm(f"Revoke {len(ids)} token(s)?"):
            raise click.Abort
        return chosen, await enterprise.revoke_access_tokens(ids)

    chosen, result = run(ctx, job)
    console = stderr_console()
    if result is None:
        console.print(
            "Dry run: nothing was changed." if dry_run and chosen else "No token to revoke."
        )
        return
    report_revoked(result)


def report_revoked(result: RevokeTokensResponse) -> None:
    """Say what was revoked. A token Airtable reports already revoked is a success (a
    leaver script may run twice); one it does not know exits 5; any other error, 1."""
    console = stderr_console()
    failed = [error for error in result.errors if error.type != "ALREADY_REVOKED"]
    for error in result.errors:
        if error.type == "ALREADY_REVOKED":
            console.print(f"{error.token_id}: already revoked (nothing to do)", markup=False)
        else:
            detail = f"{error.type} {error.message or ''}".rstrip()
            console.print(f"[red]{error.token_id}[/]: {detail}")
    console.print(f"Revoked {len(result.revoked_tokens)} token(s), {len(failed)} error(s).")
    if not failed:
        return
    unknown = [error.token_id or "?" for error in failed if error.type == "TOKEN_NOT_FOUND"]
    if len(unknown) == len(failed):
        raise CliError(f"no such token: {', '.join(unknown)}", EXIT_NOT_FOUND)
    raise CliError(f"{len(failed)} token(s) could not be revoked")
