"""``descendants create`` (REFERENCE §3.2) and ``ai allow|disallow`` (§15): the
account-level writes that have no family of their own."""

from __future__ import annotations

import click

from ..enterprise import Enterprise
from ..models.results import AiAllowlistResponse
from ..workspace import Workspace
from ._app import run
from ._output import stderr_console
from ._partial import report_partial
from ._session import Session

__all__ = ["ai", "descendants"]


@click.group()
def descendants() -> None:
    """Descendant accounts (org units) of an Enterprise Hub root account."""


@descendants.command("create")
@click.argument("name")
@click.pass_context
def create_descendant(ctx: click.Context, name: str) -> None:
    """Create descendant account NAME under the --enterprise root account
    (POST .../enterpriseAccounts/{ent}/descendants; Hub only). Prints its ID."""

    async def job(session: Session) -> Enterprise:
        return await session.enterprise().create_descendant(name)

    created = run(ctx, job, names={"name": "NAME"})
    click.echo(created.id)
    stderr_console().print(f"created descendant account {name!r} ({created.id})", markup=False)


@click.group()
def ai() -> None:
    """The workspace AI allowlist (beta; it matters when the enterprise's AI policy
    allows specified workspaces)."""


def _allowlist(name: str, allowed: bool) -> None:
    @ai.command(name)
    @click.argument("workspace_ids", nargs=-1, required=True, metavar="WORKSPACE_ID...")
    @click.option(
        "--descendants",
        is_flag=True,
        help="Also cover the workspaces of descendant accounts (includeDescendantWorkspaces).",
    )
    @click.pass_context
    def command(ctx: click.Context, workspace_ids: tuple[str, ...], descendants: bool) -> None:
        async def job(session: Session) -> AiAllowlistResponse:
            flags: dict[str | Workspace, bool] = dict.fromkeys(workspace_ids, allowed)
            return await session.enterprise().allow_ai(flags, descendants=descendants)

        result = run(ctx, job, names={"workspaces": "WORKSPACE_ID"})
        failed = {error.target for error in result.errors}
        done = [w for w in dict.fromkeys(workspace_ids) if w not in failed]
        report_partial(result, "allowed AI in" if allowed else "stopped AI in", done)

    verb = "Allow" if allowed else "Stop"
    command.help = (
        f"{verb} AI features in WORKSPACE_IDs (POST .../enterpriseAccounts/{{ent}}/"
        "workspaceAiAllowlist, 10 per request). Workspaces Airtable refused are named; exit 1."
    )


_allowlist("allow", True)
_allowlist("disallow", False)
