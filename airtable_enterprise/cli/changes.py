"""``changes``: the change-events feed (export to a file, resumable; tail)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO

import click

from .._core.convert import format_datetime
from ..models.changes import ChangeEvent
from ..resources.change_events import DEFAULT_LAG, RETENTION
from ._app import run, run_until_interrupted, settings_of
from ._checkpoint import Checkpoint, checkpoint_path
from ._export import durable, open_output
from ._output import Column, View, open_writer, stderr_console, to_json
from ._session import Session
from ._since_last import finish_export, start_export
from ._times import parse_duration, parse_when

__all__ = ["CHANGE_VIEW", "changes"]

#: Events written between two checkpoints (each checkpoint costs an fsync).
_CHECKPOINT_EVERY = 100


def _tables(event: ChangeEvent) -> str:
    data = event.data
    return ";".join(
        sorted({*data.changed_tables_by_id, *data.created_tables_by_id, *data.destroyed_table_ids})
    )


CHANGE_VIEW = View(
    columns=(
        Column("timestamp", lambda e: e.time),
        Column("base_id", lambda e: e.base_id),
        Column("user_email", lambda e: e.actor.user.email if e.actor and e.actor.user else None),
        Column("tables", _tables),
        Column("type", lambda e: e.type),
        Column("id", lambda e: e.id),
    ),
    title="Change events",
)


def _finite(ctx: click.Context, param: click.Parameter, value: float) -> float:
    if value != value:  # NaN passes FloatRange's comparisons
        raise click.BadParameter("must be a number of seconds")
    return value


_LAG_OPTION = click.option(
    "--lag",
    type=click.FloatRange(min=0, max=RETENTION.total_seconds()),
    default=DEFAULT_LAG.total_seconds(),
    show_default=True,
    callback=_finite,
    help="Seconds an event must be old before it is read, so late events are not missed.",
)


@click.group()
def changes() -> None:
    """Change events: record-level changes of bases (Enterprise Scale; must be enabled
    in the admin panel; Airtable keeps them 14 days)."""


@changes.command("export")
@click.option("--since", default="14d", show_default=True, help="Start: 7d, 12h, ... or ISO.")
@click.option("--until", help="End (exclusive): a duration ago or ISO 8601. Default: now.")
@click.option(
    "--out",
    "-o",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="The JSON Lines file to write.",
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
@_LAG_OPTION
@click.pass_context
def export(
    ctx: click.Context,
    since: str,
    until: str | None,
    out: Path,
    resume: bool,
    force: bool,
    since_last: bool,
    overlap: str,
    lag: float,
) -> None:
    """Export change events, oldest first, to FILE as JSON Lines (one event per line).

    Resumable like `audit export`: FILE.checkpoint records the position after events
    that are on disk; --resume cuts FILE back to it and goes on, each event exactly once.
    A finished FILE is never overwritten silently: --force overwrites it, --since-last
    appends the events that are new since the last --since-last run (a cron job).
    With no --until the export ends --lag seconds ago, so events Airtable makes readable
    late are in the file (a --since-last run reads on from there); an --until less than
    --lag seconds ago waits until that end is that old.
    """
    query = {"since": since, "until": until}
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
        retention=RETENTION,
        settle=timedelta(seconds=lag),
    )
    end = datetime.fromisoformat(str(started.checkpoint.query["resolved_end"]))
    if end > datetime.now(UTC) - timedelta(seconds=lag):
        stderr_console().print(
            f"note: the export ends at {format_datetime(end)}; it waits until that is {lag:g} s "
            "old, so that late events are included (--lag)",
            markup=False,
        )

    async def job(session: Session) -> Checkpoint:
        return await _export(session, started.checkpoint, out, state_path, started.skip, lag)

    done = run(ctx, job)
    finish_export(out, started, done, "jsonl")
    state_path.unlink(missing_ok=True)
    stderr_console().print(f"{done.events} change events written to {out}")


async def _export(
    session: Session,
    checkpoint: Checkpoint,
    out: Path,
    state_path: Path,
    skip: frozenset[str] = frozenset(),
    lag: float = DEFAULT_LAG.total_seconds(),
) -> Checkpoint:
    start = datetime.fromisoformat(str(checkpoint.query["resolved_start"]))
    end = datetime.fromisoformat(str(checkpoint.query["resolved_end"]))
    feed = session.enterprise().change_events(
        start_time=start, end_time=end, sort_asc=True, resume=checkpoint.cursor, lag=lag
    )
    pending = 0
    with open_output(out, checkpoint) as stream:
        async for event in feed:
            if event.id in skip:  # written by the last --since-last run
                continue
            stream.write((to_json(event.raw) + "\n").encode())
            pending += 1
            if pending >= _CHECKPOINT_EVERY:
                checkpoint = _saved(checkpoint, feed.checkpoint, stream, pending, state_path)
                pending = 0
        if pending:
            checkpoint = _saved(checkpoint, feed.checkpoint, stream, pending, state_path)
    return checkpoint


def _saved(
    checkpoint: Checkpoint, cursor: str | None, stream: IO[bytes], events: int, path: Path
) -> Checkpoint:
    """The checkpoint after ``events`` more lines, saved once they are on disk."""
    advanced = checkpoint.advanced(cursor=cursor, offset=durable(stream), events=events)
    advanced.save(path)
    return advanced


@changes.command("tail")
@click.option("--since", default="0s", show_default=True, help="Start this long ago, or ISO.")
@click.option(
    "--poll-interval",
    type=click.FloatRange(min=0.05),
    default=5.0,
    show_default=True,
    help="Seconds between polls (backs off while idle).",
)
@click.option("--max-events", type=click.IntRange(min=1), help="Stop after this many events.")
@_LAG_OPTION
@click.pass_context
def tail(
    ctx: click.Context, since: str, poll_interval: float, max_events: int | None, lag: float
) -> None:
    """Follow new change events until Ctrl-C (a clean stop): one line per event on a
    terminal, JSON Lines when piped."""
    start = parse_when("--since", since, datetime.now(UTC))
    count = 0
    writer = open_writer(None, CHANGE_VIEW)

    async def job(session: Session) -> None:
        nonlocal count
        feed = session.enterprise().change_events(
            follow=True,
            start_time=start,
            poll_interval=poll_interval,
            max_poll_interval=max(poll_interval, 60.0),
            lag=lag,
        )
        async for event in feed:
            if writer.format == "table":
                click.echo(
                    f"{format_datetime(event.time) if event.time else '?'}  "
                    f"{event.base_id}  {_tables(event)}"
                )
            else:
                writer.write(event)
                writer.flush()
            count += 1
            if max_events is not None and count >= max_events:
                break

    try:
        run_until_interrupted(ctx, job)
    finally:
        if writer.format != "table":
            writer.close()
    stderr_console().print(f"stopped after {count} change events")
