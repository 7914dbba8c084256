"""``interfaces``: an interface of a base (pbd...), its collaborators and invites
(REFERENCE §7.5)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .._core.validate import INTERFACE_PERMISSION_LEVELS
from ..models.collaborators import GroupCollaborator, IndividualCollaborator, InviteLink
from ..models.interfaces import InterfaceInfo
from ._app import run
from ._collaborators import (
    DefaultListGroup,
    Grant,
    Holder,
    add_change_commands,
    add_invite_commands,
    grants_of,
)
from ._options import format_options
from ._output import Column, View, open_writer, stderr_console
from ._session import Session

__all__ = ["INTERFACE_HOLDER", "interfaces"]


async def _read(handle: Any) -> tuple[list[Grant], list[InviteLink]]:
    found: InterfaceInfo = await handle.collaborators()
    people, teams = found.individual_collaborators, found.group_collaborators
    grants = grants_of(
        people.interface_collaborators if people else (),
        teams.interface_collaborators if teams else (),
    )
    return grants, list(found.invite_links)


INTERFACE_HOLDER = Holder(
    kind="interface",
    arguments=[("base_id", "BASE"), ("interface_id", "INTERFACE")],
    handle=lambda session, params: session.api.base(params["base_id"]).interface(
        params["interface_id"]
    ),
    read=_read,
    levels=INTERFACE_PERMISSION_LEVELS,
)


def interface_rows(found: InterfaceInfo) -> list[dict[str, Any]]:
    """One row per grant: on the interface, through its base, through its workspace."""
    rows: list[dict[str, Any]] = []
    people, teams = found.individual_collaborators, found.group_collaborators
    for on in ("interface", "base", "workspace"):
        grants: list[IndividualCollaborator | GroupCollaborator] = [
            *(getattr(people, f"{on}_collaborators") if people else ()),
            *(getattr(teams, f"{on}_collaborators") if teams else ()),
        ]
        for grant in grants:
            is_user = isinstance(grant, IndividualCollaborator)
            rows.append(
                {
                    "interfaceId": found.id,
                    "on": on,
                    "type": "user" if is_user else "group",
                    "id": grant.user_id if is_user else grant.group_id,  # type: ignore[union-attr]
                    "emailOrName": grant.email if is_user else grant.name,  # type: ignore[union-attr]
                    "permissionLevel": grant.permission_level,
                    "createdTime": grant.created_time,
                }
            )
    return rows


_VIEW = View(
    columns=(
        Column("on", lambda row: row["on"]),
        Column("type", lambda row: row["type"]),
        Column("id", lambda row: row["id"]),
        Column("email_or_name", lambda row: row["emailOrName"]),
        Column("permission", lambda row: row["permissionLevel"]),
        Column("granted", lambda row: row["createdTime"]),
    ),
    json=lambda row: row,
)


@click.group()
def interfaces() -> None:
    """Interfaces of a base (pbd...): who can reach one, and changing it."""


@interfaces.command("show")
@click.argument("base_id", metavar="BASE")
@click.argument("interface_id", metavar="INTERFACE")
@format_options()
@click.pass_context
def show(
    ctx: click.Context, base_id: str, interface_id: str, fmt: str | None, out: Path | None
) -> None:
    """Everyone with access to INTERFACE of BASE: directly, through the base, through
    its workspace (GET /v0/meta/bases/{app}/interfaces/{pbd}); invites counted on stderr."""

    async def job(session: Session) -> InterfaceInfo:
        return await session.api.base(base_id).interface(interface_id).collaborators()

    found = run(ctx, job)
    view = View(columns=_VIEW.columns, json=_VIEW.json, title=f"{found.name} ({found.id})")
    with open_writer(fmt, view, out) as writer:
        writer.write_all(interface_rows(found))
    stderr_console().print(f"{writer.count} grants, {len(found.invite_links)} outstanding invites")


@interfaces.group("collaborators", cls=DefaultListGroup)
def collaborators() -> None:
    """An interface's collaborators: list (the default: `interfaces show`), add, update,
    remove. Levels: read, comment, edit."""


collaborators.add_command(show, "list")
add_change_commands(collaborators, INTERFACE_HOLDER)


@interfaces.group("invites")
def invites() -> None:
    """Outstanding invites to an interface (listed in `interfaces show --format json`)."""


add_invite_commands(invites, INTERFACE_HOLDER)
