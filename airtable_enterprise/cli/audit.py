"""``audit``: resumable export, tail, and a summary of the audit log."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import click

from .._core.convert import format_datetime
from .._core.text import email_key
from ..enterprise import Enterprise
from ..models.audit import AuditLogEvent
from ._app import run, run_until_interrupted, settings_of
from ._checkpoint import Checkpoint, checkpoint_path
from ._errors import EXIT_INTERRUPTED, EXIT_NOT_FOUND, EXIT_USAGE, CliError
from ._event_types import unknown_event_type_warning
from ._export import export_bar, is_stream, write_events
from ._options import format_options
from ._output import Column, View, format_of_suffix, open_writer, stderr_console
from ._progress import TimeProgress, rate_limit_notices, time_progress_bar
from ._session import Session
from ._since_last import finish_export, start_export
from ._tally import AuditSummary, summarize
from ._times import parse_duration, parse_when

__all__ = ["EVENT_VIEW", "AuditSummary", "audit", "count_rows", "summarize"]

#: The audit commands' names for the library's arguments (see ``run(names=)``).
_NAMES = {"user_id": "--user", "ids_or_emails": "--user"}

#: The largest page Airtable serves (REFERENCE §8.1): fewest requests per event.
PAGE_SIZE = 1000

EVENT_VIEW = View(
    columns=(
        Column("timestamp", lambda e: e.timestamp),
        Column("action", lambda e: e.action),
        Column("actor_type", lambda e: e.actor.type),
        Column("user_id", lambda e: e.originating_user_id, key=True),
        Column("user_email", lambda e: e.actor.user.email if e.actor.user else None, key=True),
        Column("model_type", lambda e: e.model_type),
        Column("model_id", lambda e: e.model_id, key=True),
        Column("workspace_id", lambda e: e.context.workspace_id, key=True),
        Column("base_id", lambda e: e.context.base_id, key=True),
        Column("ip_address", lambda e: e.origin.ip_address),
        Column("id", lambda e: e.id, key=True),
    ),
    title="Audit log events",
    table=("timestamp", "action", "user_email", "model_type", "model_id"),
)


@click.group()
def audit() -> None:
    """The audit log: export (resumable), tail, summary."""


def _filter_options(command: Any) -> Any:
    command = click.option(
        "--event-type",
        "event_types",
        multiple=True,
        metavar="TYPE",
        help="Only this event type (createBase...); repeatable.",
    )(command)
    return click.option(
        "--user",
        "users",
        multiple=True,
        metavar="USER",
        help="Only events started by this user (ID or email); repeatable.",
    )(command)


async def _user_ids(enterprise: Enterprise, users: Sequence[str]) -> list[str] | None:
    """The ``--user`` values as IDs; emails are looked up together in one call."""
    if not users:
        return None
    emails = [user for user in users if "@" in user]
    if not emails:
        return list(users)
    found = await enterprise.users(emails, collaborations=False)
    if found.missing:
        raise CliError(f"no user matches --user {', '.join(found.missing)}", EXIT_NOT_FOUND)
    by_email = {email_key(user.email): user.id for user in found}
    return [by_email[email_key(user)] if "@" in user else user for user in users]


# ---------------------------------------------------------------------- export


@audit.command("export")
@click.option(
    "--since",
    default="180d",
    show_default=True,
    help="Start (inclusive): a duration ago (7d, 12h, 30m, 2w) or an ISO 8601 time.",
)
@click.option("--until", help="End (exclusive): a duration ago or ISO 8601 time. Default: now.")
@_filter_options
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(["jsonl", "csv"]),
    help="Output format. Default: from the file's suffix (.csv, .jsonl), else JSON Lines.",
)
@click.option(
    "--out",
    "-o",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The output file; its checkpoint is FILE.checkpoint. `-` streams JSON Lines "
    "(or CSV) to stdout, not resumable.",
)
@click.option("--resume", is_flag=True, help="Continue an interrupted export of FILE.")
@click.option("--force", is_flag=True, help="Overwrite FILE when it holds a finished export.")
@click.option(
    "--since-last",
    is_flag=True,
    help="For cron: append to FILE the events that are new since the last --since-last run "
    "(remembered in FILE.state; the first run starts at --since).",
)
@click.option(
    "--overlap",
    default="15m",
    show_default=True,
    help="With --since-last: re-read this much before the last run's end, for events "
    "Airtable makes readable late (none is written twice).",
)
@click.option(
    "--page-size",
    type=click.IntRange(1, PAGE_SIZE),
    default=PAGE_SIZE,
    show_default=True,
    help="Events per request (and per checkpoint).",
)
@click.option(
    "--parallel",
    type=click.IntRange(min=1, max=16),
    default=1,
    show_default=True,
    help="Fetch this many sub-windows of the time range concurrently.",
)
@click.pass_context
def export(
    ctx: click.Context,
    since: str,
    until: str | None,
    users: tuple[str, ...],
    event_types: tuple[str, ...],
    fmt: str | None,
    out: Path,
    resume: bool,
    force: bool,
    since_last: bool,
    overlap: str,
    page_size: int,
    parallel: int,
) -> None:
    """Export audit log events, oldest first, to FILE (JSON Lines or CSV).

    Resumable: after each page is written and flushed to disk, FILE.checkpoint records
    the cursor and the file's size. If the export stops (Ctrl-C, network, crash),
    run the same command with --resume: it truncates FILE to the checkpoint and goes
    on, so every event is written exactly once. The checkpoint is removed when done.

    `--out -` (or a pipe such as /dev/stdout) streams to stdout instead: no checkpoint;
    a reader that stops early (`| head`) ends the export quietly.

    A finished FILE is never overwritten silently: --force overwrites it, --since-last
    appends the events that are new since the last --since-last run (a cron job).
    """
    streaming = is_stream(out)
    fmt = fmt or ("jsonl" if str(out) == "-" else format_of_suffix(out))
    if fmt not in ("jsonl", "csv"):
        raise click.BadParameter("audit export writes .jsonl or .csv", param_hint="'--out'")
    if streaming and resume:
        raise CliError(
            "--resume needs --out FILE: a stream to stdout cannot be resumed", EXIT_USAGE
        )
    query: dict[str, Any] = {
        "since": since,
        "until": until,
        "users": list(users),
        "event_types": list(event_types),
        "format": fmt,
        "parallel": parallel,
        "page_size": page_size,
    }
    state_path = checkpoint_path(out)
    started = start_export(
        query,
        out,
        state_path,
        since=since,
        until=until,
        resume=resume,
        force=force,
        since_last=since_last,
        overlap=parse_duration("--overlap", overlap),
        enterprise=settings_of(ctx).enterprise_id,
        streaming=streaming,
    )
    checkpoint = started.checkpoint

    async def job(session: Session) -> Checkpoint:
        enterprise = session.enterprise()
        user_ids = await _user_ids(enterprise, users)
        target = None if streaming else state_path
        with time_progress_bar() as progress:
            bar = export_bar(progress, checkpoint)
            async with rate_limit_notices(session.api, bar):
                return await write_events(
                    enterprise,
                    checkpoint,
                    out,
                    target,
                    EVENT_VIEW,
                    bar,
                    user_ids,
                    event_types,
                    started.skip,
                )

    try:
        done = run(ctx, job, names=_NAMES)
    except CliError as exc:
        if exc.exit_code == EXIT_INTERRUPTED and not streaming:
            again = "the same command" if since_last else "the same command with --resume"
            raise CliError(
                f"interrupted: {out} holds every event up to its last checkpoint; "
                f"rerun {again} to continue",
                EXIT_INTERRUPTED,
            ) from None
        raise
    if streaming:
        stderr_console().print(f"{done.events} events written")
    else:
        finish_export(out, started, done, fmt)
        state_path.unlink(missing_ok=True)
        stderr_console().print(f"{done.events} events written to {out}")
    if done.events == 0:
        _explain_no_match(event_types, users)


def _explain_no_match(
    event_types: Sequence[str], users: Sequence[str], matched: Counter[str] | None = None
) -> None:
    """After a walk: warn about each ``--event-type`` that matched nothing and is not one
    Airtable documents (a likely typo); say so when the filters matched nothing at all.

    ``matched`` counts events per type (``None``: nothing matched). The warning waits for
    the result because Airtable's list is partial: a real but undocumented type that
    matches events is not worth a warning.
    """
    console = stderr_console()
    for event_type in event_types:
        if matched is None or not matched[event_type]:
            warning = unknown_event_type_warning(event_type)
            if warning is not None:
                console.print(warning, markup=False)
    if matched is None and (event_types or users):
        console.print("no event matched the --event-type and --user filters")


# ------------------------------------------------------------------------ tail


@audit.command("tail")
@click.option(
    "--since",
    default="0s",
    show_default=True,
    help="Start this long ago (7d, 12h, 30m) or at an ISO 8601 time; default now.",
)
@_filter_options
@click.option(
    "--poll-interval",
    type=click.FloatRange(min=0.05),
    default=5.0,
    show_default=True,
    help="Seconds between polls (backs off while idle).",
)
@click.option(
    "--max-events",
    type=click.IntRange(min=1),
    help="Stop after this many events (default: run until Ctrl-C).",
)
@format_options(("table", "jsonl", "csv"))
@click.pass_context
def tail(
    ctx: click.Context,
    since: str,
    users: tuple[str, ...],
    event_types: tuple[str, ...],
    poll_interval: float,
    max_events: int | None,
    fmt: str | None,
    out: Path | None,
) -> None:
    """Follow new audit log events as they happen, until Ctrl-C (a clean stop).

    On a terminal each event is one line; piped, one JSON object per line."""
    start = parse_when("--since", since, datetime.now(UTC))
    count = 0
    writer = open_writer(fmt, EVENT_VIEW, out)
    console = stderr_console()

    async def job(session: Session) -> None:
        nonlocal count
        enterprise = session.enterprise()
        user_ids = await _user_ids(enterprise, users)
        events = enterprise.audit_events(
            sort_asc=True,
            follow=True,
            start_time=start,
            page_size=PAGE_SIZE,
            user_id=user_ids,
            event_type=list(event_types) or None,
            poll_interval=poll_interval,
            max_poll_interval=max(poll_interval, 60.0),
        )
        async with events:
            async for event in events:
                if writer.format == "table":
                    _print_event(event)
                else:
                    writer.write(event)
                    writer.flush()
                count += 1
                if max_events is not None and count >= max_events:
                    break

    try:
        run_until_interrupted(ctx, job, names=_NAMES)
    finally:
        if writer.format != "table":
            writer.close()
    console.print(f"stopped after {count} events")
    if count == 0:
        _explain_no_match(event_types, users)


def _print_event(event: AuditLogEvent) -> None:
    who = (event.actor.user.email if event.actor.user else None) or event.actor.type
    click.echo(
        f"{format_datetime(event.timestamp)}  {event.action:<32} {who:<32} "
        f"{event.model_type} {event.model_id}"
    )


# --------------------------------------------------------------------- summary


async def collect_events(
    enterprise: Enterprise, start: datetime, end: datetime, *, parallel: int = 1
) -> list[AuditLogEvent]:
    """Every event of ``[start, end)``, oldest first."""
    found: list[AuditLogEvent] = []
    pages = enterprise.audit_log(
        sort_asc=True, start_time=start, end_time=end, page_size=PAGE_SIZE, parallel=parallel
    )
    async with pages:
        async for page in pages:
            found.extend(page.events)
    return found


_COUNT_VIEW = View(
    columns=(
        Column("key", lambda row: row["key"], key=True),
        Column("kind", lambda row: row["kind"]),
        Column("count", lambda row: row["count"]),
    ),
    json=lambda row: row,
)


def _leader(summary: AuditSummary, by: str) -> str:
    """The running leader, for the progress bar: ``top: viewBase 41%``."""
    counter = summary.by_type if by == "type" else summary.by_user
    leaders = counter.most_common(1)
    if not leaders:
        return "top: -"
    key, n = leaders[0]
    return f"top: {key} {100 * n / max(1, summary.events):.0f}%"


def count_rows(summary: AuditSummary, by: str, top: int) -> list[dict[str, Any]]:
    """The rows of ``audit summary --by``: the ``top`` event types; or the ``top``
    people, then every kind of automation apart (``kind`` says which is which)."""
    if by == "type":
        return [
            {"key": key, "kind": "event type", "count": n}
            for key, n in summary.by_type.most_common(top)
        ]
    people = [
        {"key": key, "kind": "person", "count": n} for key, n in summary.by_user.most_common(top)
    ]
    others = [
        {"key": key, "kind": "not a person", "count": n}
        for key, n in summary.by_automation.most_common()
    ]
    return people + others


@audit.command("summary")
@click.option("--since", default="30d", show_default=True, help="Start: 7d, 12h, ... or ISO.")
@click.option("--until", help="End (exclusive). Default: now.")
@click.option(
    "--by",
    type=click.Choice(["type", "user"]),
    default="type",
    show_default=True,
    help="Count per event type, or per person (automation, system, form submissions, "
    "sync and anonymous users are listed apart, after the people).",
)
@click.option(
    "--top", type=click.IntRange(min=1), default=20, show_default=True, help="Rows to show."
)
@_filter_options
@format_options()
@click.pass_context
def summary(
    ctx: click.Context,
    since: str,
    until: str | None,
    by: str,
    top: int,
    users: tuple[str, ...],
    event_types: tuple[str, ...],
    fmt: str | None,
    out: Path | None,
) -> None:
    """The most frequent event types (or acting people) in a time range.

    Events are counted as they arrive (nothing is kept per event); on a terminal the
    progress bar shows the date reached and the running totals."""
    now = datetime.now(UTC)
    start = parse_when("--since", since, now)
    end = parse_when("--until", until, now) if until else now
    if start >= end:
        raise click.BadParameter("must be before --until (or now)", param_hint="'--since'")

    async def job(session: Session) -> AuditSummary:
        enterprise = session.enterprise()
        user_ids = await _user_ids(enterprise, users)
        found = AuditSummary()
        pages = enterprise.audit_log(
            sort_asc=True,
            start_time=start,
            end_time=end,
            page_size=PAGE_SIZE,
            user_id=user_ids,
            event_type=list(event_types) or None,
            parallel=4,
        )
        with time_progress_bar() as progress:
            bar = TimeProgress(progress, "summary", start, end)
            async with rate_limit_notices(session.api, bar), pages:
                async for page in pages:
                    found.add_all(page.events)
                    if page.events:
                        bar.reached(page.events[-1].timestamp, found.events)
                        bar.note(_leader(found, by))
        return found

    found = run(ctx, job, names=_NAMES)
    view = attrs.evolve(_COUNT_VIEW, title=f"{found.events} events by {by}")
    with open_writer(fmt, view, out) as writer:
        writer.write_all(count_rows(found, by, top))
    _explain_no_match(event_types, users, found.by_type if found.events else None)
