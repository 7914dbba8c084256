"""``info``: the enterprise account at a glance."""

from __future__ import annotations

from pathlib import Path

import click

from ..models.enterprise import EnterpriseInfo
from ._app import run
from ._options import format_options
from ._output import Column, View, open_writer
from ._session import Session

__all__ = ["info"]

_VIEW = View(
    columns=(
        Column("id", lambda e: e.id, key=True),
        Column("created", lambda e: e.created_time),
        Column("root", lambda e: e.root_enterprise_account_id, key=True),
        Column("email_domains", lambda e: [d.email_domain for d in e.email_domains]),
        Column("users", lambda e: len(e.user_ids)),
        Column("groups", lambda e: len(e.group_ids)),
        Column("workspaces", lambda e: len(e.workspace_ids)),
        Column("descendants", lambda e: len(e.descendant_enterprise_account_ids)),
    ),
    title="Enterprise account",
)


@click.command()
@click.option("--aggregated", is_flag=True, help="Include IDs across the Enterprise Hub.")
@click.option("--descendants", is_flag=True, help="Include each descendant account's IDs.")
@format_options()
@click.pass_context
def info(
    ctx: click.Context, aggregated: bool, descendants: bool, fmt: str | None, out: Path | None
) -> None:
    """The enterprise account: domains and how many users, groups and workspaces.

    JSON output is Airtable's whole object, every ID included."""

    async def job(session: Session) -> EnterpriseInfo:
        return await session.enterprise().info(aggregated=aggregated, descendants=descendants)

    found = run(ctx, job)
    with open_writer(fmt, _VIEW, out, single=True) as writer:
        writer.write(found)
