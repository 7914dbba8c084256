"""``whoami``: the token's user."""

from __future__ import annotations

from pathlib import Path

import click

from ..models.tokens import CurrentUser
from ._app import run
from ._options import format_options
from ._output import Column, View, open_writer
from ._session import Session

__all__ = ["whoami"]

_VIEW = View(
    columns=(
        Column("id", lambda me: me.id),
        Column("email", lambda me: me.email),
        Column("scopes", lambda me: " ".join(me.scopes) if me.scopes is not None else ""),
    ),
    title="Token user",
)


@click.command("whoami")
@format_options()
@click.pass_context
def whoami(ctx: click.Context, fmt: str | None, out: Path | None) -> None:
    """The user the token acts as (GET /v0/meta/whoami): ID, email (with the
    user.email:read scope) and scopes (OAuth tokens only)."""

    async def job(session: Session) -> CurrentUser:
        return await session.api.whoami()

    me = run(ctx, job)
    with open_writer(fmt, _VIEW, out, single=True) as writer:
        writer.write(me)
