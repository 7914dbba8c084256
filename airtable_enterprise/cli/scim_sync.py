"""``scim sync --from people.csv``: make the SCIM directory match an HR file.

Reads and checks the file (bad rows are reported with their line numbers and nothing is
sent), plans the changes against the live directory, prints the plan, and applies it
with confirmation (or ``--yes``), concurrently under the shared rate limiter. Applying
with ``-f jsonl`` writes one result line per change as it completes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ..errors import APIError, UnknownOutcomeError
from ..scim.people import COLUMNS, People, PeopleFileError, read_people
from ..scim.sync import (
    Change,
    Directory,
    Outcome,
    apply_sync,
    held_back,
    plan_sync,
    read_directory,
)
from ._app import run
from ._errors import EXIT_FAILURE, EXIT_USAGE, CliError
from ._options import confirm, format_options
from ._output import Column, View, open_writer, resolve_format, stderr_console
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


def _result(outcome: Outcome) -> str:
    """``ok``, ``failed``, or ``unknown``: the request may have been applied (the
    connection dropped after it was sent), so it is not called a failure."""
    if outcome.ok:
        return "ok"
    return "unknown" if isinstance(outcome.error, UnknownOutcomeError) else "failed"


def _result_row(outcome: Outcome) -> dict[str, Any]:
    return {
        **outcome.change.row(),
        "result": _result(outcome),
        "error": None if outcome.error is None else str(outcome.error),
    }


_RESULT_VIEW = View(
    columns=(
        *_PLAN_VIEW.columns,
        Column("result", _result),
        Column("error", lambda o: o.error),
    ),
    json=_result_row,
    title="SCIM sync results",
)


def parse_map(values: tuple[str, ...]) -> dict[str, str]:
    """``--map "Work Email=email,Given Name=first name"`` (repeatable) as
    ``{file header: column}``; a pair without ``=``, or a header mapped to two columns,
    is a usage error."""
    mapping: dict[str, str] = {}
    for value in values:
        for pair in value.split(","):
            if not pair.strip():
                continue
            header, sep, column = pair.partition("=")
            if not sep or not header.strip() or not column.strip():
                raise click.BadParameter(
                    f"{pair.strip()!r} is not HEADER=COLUMN", param_hint="'--map'"
                )
            header, column = header.strip(), column.strip()
            if mapping.get(header, column) != column:
                raise click.BadParameter(
                    f"{header!r} is mapped twice ({mapping[header]!r} and {column!r})",
                    param_hint="'--map'",
                )
            mapping[header] = column
    return mapping


def _read(path: Path, domains: set[str] | None, columns: dict[str, str]) -> People:
    try:
        with path.open(encoding="utf-8-sig", newline="") as stream:
            return read_people(stream, domains=domains, columns=columns)
    except PeopleFileError as exc:
        where = f"{path}:line {exc.line}" if exc.line is not None else str(path)
        raise CliError(f"cannot read {where}: {exc.reason}", EXIT_USAGE) from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise CliError(f"cannot read {path}: {exc}", EXIT_USAGE) from None


def _check(people: People, path: Path) -> None:
    """Report every bad row with its line number, and stop before anything is sent."""
    if not people.problems:
        return
    console = stderr_console()
    for problem in people.problems:
        console.print(f"{path}:{problem}", markup=False)
    raise CliError(f"{len(people.problems)} bad row(s) in {path}; nothing was sent", EXIT_USAGE)


def _say_held(held: list[Change]) -> None:
    """Say which deactivations of the token's own user were not planned, and why."""
    for change in held:
        where = f"line {change.line}: " if change.line is not None else ""
        stderr_console().print(
            f"{where}{change.subject} (the token's own user) is kept active ({change.detail}): "
            "the sync never deactivates the admin running it without --allow-deactivate-self",
            markup=False,
        )


async def _warn_admins(session: Session, changes: list[Change]) -> None:
    """Warn when the plan deactivates admins (one get-users request, only if it
    deactivates anyone)."""
    deactivated = {change.user_id: change for change in changes if change.deactivates}
    ids = [user_id for user_id in deactivated if user_id is not None]
    if not ids:
        return
    console = stderr_console()
    try:
        found = await session.enterprise().users(ids, collaborations=False)
    except APIError as exc:  # a SCIM-only token may not read users: warn, never block
        console.print(
            f"warning: could not tell whether the plan deactivates admins: {exc}", markup=False
        )
        return
    admins = [user for user in found if user.is_admin or user.is_super_admin]
    if not admins:
        return
    console.print(f"warning: the plan deactivates {len(admins)} admin(s):", markup=False)
    for admin in admins:
        change = deactivated[admin.id]
        where = f"line {change.line}" if change.line is not None else change.detail
        console.print(f"  {admin.email} ({where})", markup=False)


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
    "--map",
    "renames",
    multiple=True,
    metavar="HEADER=COLUMN,...",
    help="Read the file's own headers as the sync's columns, e.g. "
    '"Work Email=email,Given Name=first name" (repeatable). '
    f"Columns: {', '.join(COLUMNS)}.",
)
@click.option(
    "--deactivate-missing",
    is_flag=True,
    help="Also deactivate active SCIM users absent from the file.",
)
@click.option(
    "--allow-deactivate-self",
    is_flag=True,
    help="Let the sync deactivate the token's own user (a row saying inactive, or "
    "--deactivate-missing); without it, that user is kept active and the plan says so.",
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
    renames: tuple[str, ...],
    deactivate_missing: bool,
    allow_deactivate_self: bool,
    domains: tuple[str, ...],
    dry_run: bool,
    yes: bool,
    fmt: str | None,
    out: Path | None,
) -> None:
    """Make the SCIM directory match an HR file: create missing users, update changed
    names and attributes, deactivate and reactivate, create groups and fix memberships.

    \b
    active: true, yes, y, 1, active -> active; false, no, n, 0, inactive,
    deactivated -> deactivated (any case); empty or no column -> active;
    anything else is a bad row.

    The enterprise's email domains are read from the account (one GET) unless given
    with --domain. The plan never deactivates the token's own user unless
    --allow-deactivate-self is given, and warns when it deactivates admins. With
    -f jsonl, a dry run writes the plan and applying writes one result line per
    change ({line, action, subject, detail, result: ok|failed|unknown, error}; unknown:
    the request may have been applied, a re-run plans from what is there). Exits 0 when
    everything applied (or nothing had to), 1 when a change failed (each failure is
    reported with its line), 2 when the file has bad rows (nothing is sent).
    """
    columns = parse_map(renames)
    # A file that cannot be read, or (with --domain) any bad row: before any request.
    offline = _read(source, {d.lower() for d in domains} if domains else None, columns)
    if domains:
        _check(offline, source)
    results = not dry_run and resolve_format(fmt, out) == "jsonl"

    async def job(session: Session) -> tuple[list[Change], list[Outcome] | None]:
        known = set(domains)
        if not known:
            info = await session.enterprise().info()
            known = {domain.email_domain for domain in info.email_domains}
        # Every bad row at once, before anything is sent to SCIM.
        people = _read(source, known, columns)
        _check(people, source)
        directory = await read_directory(session.api.scim)
        keep: set[str] = set()
        if not allow_deactivate_self:
            keep.add((await session.api.whoami()).id)
        changes = plan_sync(
            people, directory, deactivate_missing=deactivate_missing, keep_active=keep
        )
        _say_held(
            held_back(people, directory, keep_active=keep, deactivate_missing=deactivate_missing)
        )
        if not results:
            with open_writer(fmt, _PLAN_VIEW, out) as writer:
                writer.write_all(changes)
        elif changes and not yes:
            _show_plan(changes)  # on stderr: stdout is for the results
        await _warn_admins(session, changes)
        if not changes or dry_run:
            return changes, None
        if not yes and not confirm(f"Apply {len(changes)} change(s)?"):
            raise click.Abort
        return changes, await _apply(session, changes, directory, fmt if results else None, out)

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
            f"{_result(outcome).upper()} {where}{change.action} {change.subject}: {outcome.error}",
            markup=False,
        )
    unknown = sum(1 for outcome in failed if _result(outcome) == "unknown")
    console.print(
        f"Applied {len(outcomes) - len(failed)} change(s), {len(failed) - unknown} failed"
        + (f", {unknown} unknown (may have been applied; run the sync again)." if unknown else ".")
    )
    if failed:
        raise CliError(f"{len(failed)} change(s) failed", EXIT_FAILURE)


def _show_plan(changes: list[Change]) -> None:
    """The plan on stderr, for the confirmation, when stdout carries the results."""
    console = stderr_console()
    console.print(f"SCIM sync plan ({len(changes)} change(s)):", markup=False)
    for change in changes:
        where = f"line {change.line}: " if change.line is not None else ""
        console.print(f"  {where}{change.action} {change.subject}: {change.detail}", markup=False)


async def _apply(
    session: Session,
    changes: list[Change],
    directory: Directory,
    fmt: str | None,
    out: Path | None,
) -> list[Outcome]:
    """Apply with a progress bar; with ``fmt`` (jsonl), one result line per change as
    it completes."""
    with progress_bar() as progress:
        task = progress.add_task("Applying", total=len(changes))
        if fmt is None:
            return await apply_sync(
                session.api.scim, changes, directory, on_done=lambda _: progress.advance(task)
            )
        with open_writer(fmt, _RESULT_VIEW, out) as writer:

            def write(outcome: Outcome) -> None:
                writer.write(outcome)
                writer.flush()

            return await apply_sync(
                session.api.scim,
                changes,
                directory,
                on_done=lambda _: progress.advance(task),
                on_outcome=write,
            )
