"""``scim sync --from people.csv``: make the SCIM directory match an HR file.

Reads and checks the file (bad rows are reported with their line numbers and nothing is
sent), plans the changes against the live directory, prints the plan, and applies it
with confirmation (or ``--yes``), concurrently under the shared rate limiter.
"""

from __future__ import annotations

from pathlib import Path

import click

from ..scim.people import People, read_people
from ..scim.sync import Change, Directory, Outcome, apply_sync, plan_sync, read_directory
from ._app import run
from ._errors import EXIT_FAILURE, EXIT_USAGE, CliError
from ._options import confirm, format_options
from ._output import Column, View, open_writer, stderr_console
from ._progress import progress_bar
from ._session import Session

__all__ = ["sync"]

_PLAN_VIEW = View(
    columns=(
        Column("line", lambda c: c.line),
        Column("action", lambda c: c.action),
        Column("subject", lambda c: c.subject),
        Column("detail", lambda c: c.detail),
    ),
    json=lambda c: c.row(),
    title="SCIM sync plan",
)


def _read(path: Path, domains: set[str] | None) -> People:
    try:
        with path.open(encoding="utf-8-sig", newline="") as stream:
            return read_people(stream, domains=domains)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise CliError(f"cannot read {path}: {exc}", EXIT_USAGE) from None


def _warn_kept(people: People, directory: Directory, my_id: str) -> None:
    """Say so when --deactivate-missing spares the token's own user."""
    in_file = {person.key for person in people.people}
    for user in directory.users:
        if user.id == my_id and user.is_active and user.user_name.lower() not in in_file:
            stderr_console().print(
                f"{user.user_name} (the token's own user) is kept active: "
                "--deactivate-missing never deactivates the admin running the sync",
                markup=False,
            )


def _check(people: People, path: Path) -> None:
    """Report every bad row with its line number, and stop before anything is sent."""
    if not people.problems:
        return
    console = stderr_console()
    for problem in people.problems:
        console.print(f"{path}:{problem}", markup=False)
    raise CliError(f"{len(people.problems)} bad row(s) in {path}; nothing was sent", EXIT_USAGE)


@click.command("sync")
@click.option(
    "--from",
    "source",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The HR file (CSV): email, first name, last name, active, groups, "
    "and optionally title, department, employee number.",
)
@click.option(
    "--deactivate-missing",
    is_flag=True,
    help="Also deactivate active SCIM users absent from the file.",
)
@click.option(
    "--domain",
    "domains",
    multiple=True,
    metavar="DOMAIN",
    help="The enterprise's email domains (default: read from the enterprise account).",
)
@click.option("--dry-run", is_flag=True, help="Only show the plan; never write.")
@click.option("--yes", "-y", is_flag=True, help="Apply without asking for confirmation.")
@format_options(("table", "jsonl"))
@click.pass_context
def sync(
    ctx: click.Context,
    source: Path,
    deactivate_missing: bool,
    domains: tuple[str, ...],
    dry_run: bool,
    yes: bool,
    fmt: str | None,
    out: Path | None,
) -> None:
    """Make the SCIM directory match an HR file: create missing users, update changed
    names and attributes, deactivate and reactivate, create groups and fix memberships.

    The enterprise's email domains are read from the account (one GET) unless given
    with --domain. Exits 0 when everything applied (or nothing had to), 1 when a change failed (each
    failure is reported with its line), 2 when the file has bad rows (nothing is sent).
    """
    # A file that cannot be read, or (with --domain) any bad row: before any request.
    offline = _read(source, {d.lower() for d in domains} if domains else None)
    if domains:
        _check(offline, source)

    async def job(session: Session) -> tuple[list[Change], list[Outcome] | None]:
        known = set(domains)
        if not known:
            info = await session.enterprise().info()
            known = {domain.email_domain for domain in info.email_domains}
        # Every bad row at once, before anything is sent to SCIM.
        people = _read(source, {d.lower() for d in known})
        _check(people, source)
        directory = await read_directory(session.api.scim)
        keep: set[str] = set()
        if deactivate_missing:
            me = await session.api.whoami()
            keep.add(me.id)
            _warn_kept(people, directory, me.id)
        changes = plan_sync(
            people, directory, deactivate_missing=deactivate_missing, keep_active=keep
        )
        with open_writer(fmt, _PLAN_VIEW, out) as writer:
            writer.write_all(changes)
        if not changes or dry_run:
            return changes, None
        if not yes and not confirm(f"Apply {len(changes)} change(s)?"):
            raise click.Abort
        with progress_bar() as progress:
            task = progress.add_task("Applying", total=len(changes))

            def done(_: Outcome) -> None:
                progress.advance(task)

            outcomes = await apply_sync(session.api.scim, changes, directory, on_done=done)
        return changes, outcomes

    changes, outcomes = run(ctx, job)
    console = stderr_console()
    if not changes:
        console.print("Nothing to change: the directory matches the file.")
        return
    if outcomes is None:
        console.print(f"Dry run: {len(changes)} change(s) planned, nothing was changed.")
        return
    failed = [outcome for outcome in outcomes if not outcome.ok]
    for outcome in failed:
        change = outcome.change
        where = f"line {change.line}: " if change.line is not None else ""
        console.print(
            f"FAILED {where}{change.action} {change.subject}: {outcome.error}", markup=False
        )
    console.print(f"Applied {len(outcomes) - len(failed)} change(s), {len(failed)} failed.")
    if failed:
        raise CliError(f"{len(failed)} change(s) failed", EXIT_FAILURE)
