"""Writing an export: events to a file page by page, each page made durable before
its checkpoint moves; or to stdout or a pipe, with no checkpoint. And where an export
starts: a new checkpoint over the resolved window, or the saved one with ``--resume``."""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import attrs
import click
from rich.progress import Progress

from .._core.convert import format_datetime
from ..enterprise import Enterprise
from ._checkpoint import Checkpoint, CheckpointError
from ._errors import EXIT_USAGE, CliError
from ._output import View, encoder_for, stderr_console
from ._progress import TimeProgress
from ._times import parse_when

__all__ = [
    "durable",
    "export_bar",
    "is_stream",
    "open_output",
    "start_checkpoint",
    "write_events",
]


def is_stream(out: Path) -> bool:
    """Whether ``out`` is stdout (``-``) or an existing non-file (a pipe, a device)."""
    return str(out) == "-" or (out.exists() and not out.is_file())


def export_bar(progress: Progress, checkpoint: Checkpoint) -> TimeProgress:
    """The progress of an export through its window, from where it stands."""
    query = checkpoint.query
    start = datetime.fromisoformat(str(query["resolved_start"]))
    end = datetime.fromisoformat(str(query["resolved_end"]))
    bar = TimeProgress(progress, "export", start, end)
    bar.counted(checkpoint.events)
    return bar


async def write_events(
    enterprise: Enterprise,
    checkpoint: Checkpoint,
    out: Path,
    state_path: Path | None,
    view: View,
    bar: TimeProgress,
    user_ids: list[str] | None,
    event_types: Sequence[str],
    skip: frozenset[str] = frozenset(),
) -> Checkpoint:
    """Write the events of the checkpoint's query, oldest first, to ``out`` in the
    query's format, from where the checkpoint stands, leaving out the IDs in ``skip``
    (written by the last ``--since-last`` run); save the checkpoint to ``state_path``
    after each page (``None``: a stream, never checkpointed)."""
    query = checkpoint.query
    encoder = encoder_for(str(query["format"]), view)
    start = datetime.fromisoformat(str(query["resolved_start"]))
    end = datetime.fromisoformat(str(query["resolved_end"]))
    if checkpoint.complete:
        return checkpoint  # stopped after the last page, before removing the checkpoint
    with _output(out, checkpoint) as stream:
        if checkpoint.offset == 0:
            stream.write(encoder.header().encode())
            checkpoint = attrs.evolve(checkpoint, offset=durable(stream))
            if state_path is not None:
                checkpoint.save(state_path)
        pages = enterprise.audit_log(
            sort_asc=True,
            start_time=start,
            end_time=end,
            page_size=int(query["page_size"]),
            user_id=user_ids,
            event_type=list(event_types) or None,
            parallel=int(query["parallel"]),
            resume=checkpoint.cursor,
        )
        async with pages:
            async for page in pages:
                events = [event for event in page.events if event.id not in skip]
                text = "".join(encoder.record(event, first=False) for event in events)
                stream.write(text.encode())
                # The checkpoint moves only once these events are on disk.
                checkpoint = checkpoint.advanced(
                    cursor=page.cursor, offset=durable(stream), events=len(events)
                )
                if state_path is not None:
                    checkpoint.save(state_path)
                if page.events:
                    bar.reached(page.events[-1].timestamp, checkpoint.events)
    return checkpoint


@contextlib.contextmanager
def _output(out: Path, checkpoint: Checkpoint) -> Iterator[IO[bytes]]:
    """``out`` as :func:`open_output` opens it, closed on exit; stdout (left open)
    for ``-``."""
    if str(out) == "-":
        yield sys.stdout.buffer
        return
    with open_output(out, checkpoint) as stream:
        yield stream


def open_output(out: Path, checkpoint: Checkpoint) -> IO[bytes]:
    """A fresh ``out``, or ``out`` cut back to what the checkpoint vouches for."""
    if checkpoint.offset == 0:
        return out.open("wb")
    try:
        stream = out.open("r+b")
    except FileNotFoundError:
        raise CheckpointError(f"{out} is gone; delete its checkpoint to start over") from None
    size = stream.seek(0, os.SEEK_END)
    if size < checkpoint.offset:
        stream.close()
        raise CheckpointError(f"{out} is shorter than its checkpoint says; it was changed")
    stream.truncate(checkpoint.offset)  # drop a page written after the last checkpoint
    stream.seek(checkpoint.offset)
    return stream


def durable(stream: IO[bytes]) -> int:
    """Flush ``stream`` (to disk, for a regular file); its size, or bytes written so far
    for a pipe."""
    stream.flush()
    try:
        regular = stat.S_ISREG(os.fstat(stream.fileno()).st_mode)
    except (OSError, ValueError):  # no file descriptor (a test's captured stdout)
        regular = False
    if not regular:
        return 0  # a pipe or a terminal: nothing to sync, never resumed
    os.fsync(stream.fileno())
    return stream.tell()


def start_checkpoint(
    query: dict[str, Any],
    state_path: Path,
    out: Path,
    *,
    since: str,
    until: str | None,
    resume: bool,
    guard: bool = True,
    retention: timedelta | None = None,
    settle: timedelta = timedelta(0),
) -> Checkpoint:
    """The checkpoint an export starts from: with ``resume``, the one saved at
    ``state_path`` (refused if made for another query); else a new one over
    ``[--since, --until or now)``, refused (when ``guard``) while the checkpoint of an
    interrupted export of ``out`` is still there. A ``--since`` further back than the
    server's ``retention`` gets a note on stderr (the export starts at the oldest kept).
    With no ``--until`` the export ends ``settle`` before now: the part of the feed that
    late events can no longer reach, so that it need not wait for it."""
    if resume:
        try:
            checkpoint = Checkpoint.load(state_path)
            checkpoint.check_query(query, state_path)
        except CheckpointError as exc:
            raise CliError(str(exc), EXIT_USAGE) from None
        return checkpoint
    if guard and state_path.exists():
        raise CliError(
            f"{state_path} exists: an export of {out} was interrupted; "
            "pass --resume to continue it, or delete the checkpoint to start over",
            EXIT_USAGE,
        )
    now = datetime.now(UTC)
    start = parse_when("--since", since, now)
    end = parse_when("--until", until, now) if until else now - settle
    if start >= end:
        raise click.BadParameter("must be before --until (or now)", param_hint="'--since'")
    if retention is not None and start < now - retention:
        stderr_console().print(
            f"note: Airtable keeps these events {retention.days} days; --since {since} "
            "reaches further back, so the export starts at the oldest event kept",
            markup=False,
        )
    return Checkpoint(
        query={
            **query,
            "resolved_start": format_datetime(start),
            "resolved_end": format_datetime(end),
        }
    )
