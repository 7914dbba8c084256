"""Collaborators and invites of a workspace, a base or an interface: the commands the
three share (``... collaborators list|add|update|remove``, ``... invites delete``).

Each command first reads who has access (the same GET the listing uses), so it can say
what would change, refuse what cannot (a user who is not a collaborator: exit 5) and
call a change that is already made a success with a note, so a script can run twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

import attrs
import click

from ..models.collaborators import GroupCollaborator, IndividualCollaborator, InviteLink
from ._app import run
from ._errors import EXIT_NOT_FOUND, CliError
from ._options import confirm
from ._output import stderr_console
from ._session import Session

__all__ = ["DefaultListGroup", "Grant", "Holder", "add_change_commands", "add_invite_commands"]


class DefaultListGroup(click.Group):
    """A group whose first argument, when it names none of its commands, goes to its
    ``list`` command: ``workspaces collaborators wsp...`` stays the listing it was,
    beside ``workspaces collaborators add ...``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = ["list", *args]
        return super().parse_args(ctx, args)


@attrs.frozen
class Grant:
    """One direct grant: who (``subject_id``, ``label``: an email or a group name) and
    at which ``level``."""

    subject_id: str
    label: str
    level: str


class Handle(Protocol):
    """What a workspace, base or interface handle offers these commands."""

    async def add_collaborator(self, user_or_group_id: str, permission_level: str) -> None: ...
    async def update_collaborator(self, user_or_group_id: str, permission_level: str) -> None: ...
    async def remove_collaborator(self, user_or_group_id: str) -> None: ...
    async def delete_invite(self, invite_id: str) -> None: ...


@attrs.frozen
class Holder:
    """A kind of object holding grants: its name (``workspace``), the arguments that
    name one (``WORKSPACE_ID``), its handle, and a read of its direct grants and
    outstanding invites."""

    kind: str
    arguments: Sequence[tuple[str, str]]
    handle: Callable[[Session, dict[str, Any]], Handle]
    read: Callable[[Handle], Awaitable[tuple[list[Grant], list[InviteLink]]]]
    levels: Sequence[str]

    def describe(self, params: dict[str, Any]) -> str:
        """``workspace wsp...`` / ``interface pbd... of app...``."""
        ids = [str(params[name]) for name, _ in self.arguments]
        return f"{self.kind} {' of '.join(reversed(ids))}"


def grants_of(
    people: Sequence[IndividualCollaborator], teams: Sequence[GroupCollaborator]
) -> list[Grant]:
    """The grants of these users and groups."""
    return [Grant(p.user_id, p.email, p.permission_level) for p in people] + [
        Grant(g.group_id, g.name, g.permission_level) for g in teams
    ]


async def subject_id(session: Session, subject: str) -> str:
    """A user or group ID as given, or the ID of the user with this email (one lookup;
    exit 5 when nobody has it)."""
    if "@" not in subject:
        return subject
    found = await session.enterprise().users([subject], collaborations=False)
    if found.missing:
        raise CliError(f"no user matches USER_OR_GROUP {subject}", EXIT_NOT_FOUND)
    return found[0].id


def _find(grants: list[Grant], target: str) -> Grant | None:
    return next((grant for grant in grants if grant.subject_id == target), None)


def _build(
    group: click.Group,
    name: str,
    holder: Holder,
    decorators: Sequence[Callable[[Any], Any]],
    function: Callable[..., None],
    help: str,
) -> None:
    """Register ``function`` as ``group``'s command ``name``: the holder's arguments
    first (``BASE INTERFACE``), then ``decorators``' parameters in order."""
    wrapped: Any = click.pass_context(function)
    for decorate in reversed(decorators):
        wrapped = decorate(wrapped)
    for argument, metavar in reversed(holder.arguments):
        wrapped = click.argument(argument, metavar=metavar)(wrapped)
    group.command(name, help=help)(wrapped)


_SUBJECT = click.argument("subject", metavar="USER_OR_GROUP")
_DRY_RUN = click.option("--dry-run", is_flag=True, help="Only show what would change.")
_YES = click.option("--yes", "-y", is_flag=True, help="Do it without asking for confirmation.")
_NAMES = {"user_or_group_id": "USER_OR_GROUP", "permission_level": "LEVEL"}


def add_change_commands(group: click.Group, holder: Holder) -> None:
    """``add``, ``update`` and ``remove`` on ``group`` (a :class:`DefaultListGroup`)."""
    level = click.argument("level", metavar="LEVEL", type=click.Choice(list(holder.levels)))

    def add(ctx: click.Context, subject: str, level: str, **params: Any) -> None:
        async def job(session: Session) -> str:
            handle = holder.handle(session, params)
            target = await subject_id(session, subject)
            grants, _ = await holder.read(handle)
            found = _find(grants, target)
            where = holder.describe(params)
            if found is not None and found.level == level:
                return f"{subject} already has {level} on {where}: nothing to do"
            if found is not None:
                raise CliError(
                    f"{subject} already has {found.level} on {where}; "
                    f"use `collaborators update` to change it to {level}"
                )
            await handle.add_collaborator(target, level)
            return f"gave {subject} {level} on {where}"

        stderr_console().print(run(ctx, job, names=_NAMES), markup=False)

    def update(ctx: click.Context, subject: str, level: str, **params: Any) -> None:
        async def job(session: Session) -> str:
            handle = holder.handle(session, params)
            target = await subject_id(session, subject)
            grants, _ = await holder.read(handle)
            found = _find(grants, target)
            where = holder.describe(params)
            if found is None:
                raise CliError(f"{subject} is not a collaborator of {where}", EXIT_NOT_FOUND)
            if found.level == level:
                return f"{subject} already has {level} on {where}: nothing to do"
            await handle.update_collaborator(target, level)
            return f"changed {subject} from {found.level} to {level} on {where}"

        stderr_console().print(run(ctx, job, names=_NAMES), markup=False)

    def remove(ctx: click.Context, subject: str, dry_run: bool, yes: bool, **params: Any) -> None:
        async def job(session: Session) -> str:
            handle = holder.handle(session, params)
            target = await subject_id(session, subject)
            grants, _ = await holder.read(handle)
            found = _find(grants, target)
            where = holder.describe(params)
            if found is None:
                raise CliError(f"{subject} is not a collaborator of {where}", EXIT_NOT_FOUND)
            stderr_console().print(
                f"Would remove {found.label} ({found.subject_id}, {found.level}) from {where}",
                markup=False,
            )
            if dry_run:
                return "Dry run: nothing was changed."
            if not yes and not confirm(f"Remove {found.label} from {where}?"):
                raise click.Abort
            await handle.remove_collaborator(target)
            return f"removed {found.label} from {where}"

        stderr_console().print(run(ctx, job, names=_NAMES), markup=False)

    kind = holder.kind
    _build(
        group,
        "add",
        holder,
        [_SUBJECT, level],
        add,
        f"Give a user (usr... or email) or a group (ugp...) LEVEL on the {kind} "
        "(POST .../collaborators, one per call). Already at LEVEL: a note, exit 0.",
    )
    _build(
        group,
        "update",
        holder,
        [_SUBJECT, level],
        update,
        f"Change a collaborator's LEVEL on the {kind} (PATCH .../collaborators/{{id}}); "
        "not a collaborator: exit 5. Already at LEVEL: a note, exit 0.",
    )
    _build(
        group,
        "remove",
        holder,
        [_SUBJECT, _DRY_RUN, _YES],
        remove,
        f"Remove a user (usr... or email) or group (ugp...) from the {kind} "
        "(DELETE .../collaborators/{id}): shows the grant, then asks (--yes: do not ask); "
        "not a collaborator: exit 5.",
    )


def add_invite_commands(group: click.Group, holder: Holder) -> None:
    """``delete`` on ``group`` (the ``invites`` group of ``holder``'s kind)."""

    def delete(ctx: click.Context, invite_id: str, dry_run: bool, yes: bool, **params: Any) -> None:
        async def job(session: Session) -> str:
            handle = holder.handle(session, params)
            _, invites = await holder.read(handle)
            where = holder.describe(params)
            found = next((invite for invite in invites if invite.id == invite_id), None)
            if found is None:
                raise CliError(f"no outstanding invite {invite_id} on {where}", EXIT_NOT_FOUND)
            who = found.invited_email or f"anyone with the link ({found.type})"
            stderr_console().print(
                f"Would delete invite {found.id} for {who} ({found.permission_level}) on {where}",
                markup=False,
            )
            if dry_run:
                return "Dry run: nothing was changed."
            if not yes and not confirm(f"Delete invite {found.id}?"):
                raise click.Abort
            await handle.delete_invite(invite_id)
            return f"deleted invite {invite_id} on {where}"

        stderr_console().print(run(ctx, job), markup=False)

    _build(
        group,
        "delete",
        holder,
        [click.argument("invite_id", metavar="INVITE_ID"), _DRY_RUN, _YES],
        delete,
        f"Delete an outstanding invite (inv...) to the {holder.kind} "
        "(DELETE .../invites/{id}): shows it, then asks (--yes: do not ask); "
        "not outstanding: exit 5.",
    )
