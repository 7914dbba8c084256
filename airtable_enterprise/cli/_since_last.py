"""``--since-last``: an export that a cron job runs again and again, each run appending
exactly the events that are new since the last one.

A state file next to the output (``FILE.state``) records where the last run ended, the
output's size then, and the IDs of the events it wrote in the last ``--overlap`` before
that end. The next run reads ``[end - overlap, now)``: an event that Airtable made
readable late (its timestamp before the last end) is still picked up, and the events
already written in the overlap are skipped by ID, so nothing is lost or written twice.
An event that becomes readable more than ``--overlap`` after its timestamp is missed.

A run is made safe by the export's checkpoint: an interrupted run is continued by the
next one, and the state moves only after the run's last event is on disk.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import click

from .._core.convert import format_datetime, parse_datetime
from ._checkpoint import Checkpoint, CheckpointError
from ._errors import EXIT_USAGE, CliError
from ._export import start_checkpoint
from ._output import FORMULA_STARTS
from ._times import parse_when

__all__ = [
    "STATE_SUFFIX",
    "ExportStart",
    "RunState",
    "begin_run",
    "finish_export",
    "finish_run",
    "refuse_overwrite",
    "start_export",
    "state_path",
]

#: ``events.jsonl`` -> ``events.jsonl.state``
STATE_SUFFIX = ".state"
_VERSION = 1
#: The checkpoint key holding the output's size when the run began (``resolved_``:
#: computed, so a resume does not compare it with the options given).
_FROM = "resolved_append_from"


def state_path(out: Path) -> Path:
    """Where the ``--since-last`` state of output ``out`` lives: next to it."""
    return out.with_name(out.name + STATE_SUFFIX)


@attrs.frozen(kw_only=True)
class RunState:
    """Where the last run ended: its ``end`` time (exclusive), the output's ``size``
    after it, ``seen``: event ID -> timestamp of the events it wrote in its last
    overlap (from ``cover``), and the ``query`` (options, enterprise) every run of the
    file must share."""

    end: datetime
    size: int
    #: ``seen`` holds every event written with a timestamp in ``[cover, end)``: the
    #: next run reads from ``cover``.
    cover: datetime
    seen: Mapping[str, str] = attrs.Factory(dict)
    query: Mapping[str, Any] = attrs.Factory(dict)

    def save(self, path: Path) -> None:
        """Write atomically (a temporary file renamed over the old one, fsynced)."""
        data = {
            "version": _VERSION,
            "end": format_datetime(self.end),
            "cover": format_datetime(self.cover),
            "size": self.size,
            "seen": dict(self.seen),
            "query": dict(self.query),
        }
        temporary = path.with_name(path.name + ".tmp")
        with temporary.open("w", encoding="utf-8") as stream:
            json.dump(data, stream, indent=2, sort_keys=True)
            stream.write("\n")
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)

    @classmethod
    def load(cls, path: Path) -> RunState:
        """Read a state written by :meth:`save`; exit 2 when it is damaged."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or data.get("version") != _VERSION:
                raise ValueError("not a state file of this version")
            end = datetime.fromisoformat(str(data["end"]))
            cover = datetime.fromisoformat(str(data["cover"]))
            size, seen, query = data["size"], data["seen"], data["query"]
            if end.tzinfo is None or cover.tzinfo is None or cover > end:
                raise ValueError("bad end or cover")
            if not isinstance(size, int) or size < 0:
                raise ValueError("bad end or size")
            if not isinstance(query, dict):
                raise ValueError("bad query")
            if not isinstance(seen, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in seen.items()
            ):
                raise ValueError("bad seen")
            for stamp in seen.values():
                parse_datetime(stamp)  # finish_run reads them after the run's appends
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise CliError(
                f"cannot use {path} ({exc}); delete it to start over", EXIT_USAGE
            ) from None
        return cls(end=end, size=size, cover=cover, seen=seen, query=query)


def refuse_overwrite(out: Path, *, force: bool) -> None:
    """Exit 2 when ``out`` is a finished export (a non-empty file with no checkpoint)
    and ``--force`` does not say to overwrite it."""
    if force or not out.is_file() or out.stat().st_size == 0:
        return
    raise CliError(
        f"{out} exists and holds a finished export: pass --force to overwrite it, "
        "or --since-last to append the events that are new since it was written",
        EXIT_USAGE,
    )


def begin_run(
    query: dict[str, Any],
    out: Path,
    checkpoint_file: Path,
    *,
    start: datetime,
    end: datetime,
    overlap: timedelta,
    force: bool,
) -> tuple[Checkpoint, RunState | None]:
    """The checkpoint a ``--since-last`` run starts from, and the last run's state.

    An interrupted run's checkpoint is continued (made with other options: refused).
    Otherwise the run covers ``[last end - overlap, end)`` (the first run: ``[start,
    end)``), appending to ``out`` from its current size."""
    path = state_path(out)
    previous = RunState.load(path) if path.exists() else None
    size = out.stat().st_size if out.is_file() else 0
    if checkpoint_file.exists():
        try:
            checkpoint = Checkpoint.load(checkpoint_file)
        except CheckpointError as exc:
            raise CliError(str(exc), EXIT_USAGE) from None
        try:
            checkpoint.check_query(query, checkpoint_file)
            return checkpoint, previous
        except CheckpointError as exc:
            # A run that stopped before writing anything (a --user that matched
            # nobody, a bad token) leaves nothing to continue: a new run replaces it.
            if checkpoint.pages or size != checkpoint.offset:
                raise CliError(str(exc), EXIT_USAGE) from None
    if previous is None:
        if size and not force:
            raise CliError(
                f"{out} exists but has no {path.name}: it was not written with --since-last; "
                "pass --force to start it over, or use another --out",
                EXIT_USAGE,
            )
        size = 0
    elif not out.is_file():
        raise CliError(f"{out} is gone; delete {path} to start over", EXIT_USAGE)
    elif _options(previous.query) != _options(query):
        changed = sorted(
            key
            for key in _options(query).keys() | _options(previous.query).keys()
            if _options(query).get(key) != _options(previous.query).get(key)
        )
        raise CliError(
            f"{out} was written with other options ({', '.join(changed)} differ): use the "
            f"same ones, another --out, or delete {path} to start over",
            EXIT_USAGE,
        )
    elif size != previous.size:
        raise CliError(
            f"{out} changed since the last run ({size} bytes, {previous.size} expected); "
            f"delete {path} to start over",
            EXIT_USAGE,
        )
    elif previous.cover > end:
        # Read from now, this run would save a cover of now and skip for good every
        # event between the last run's real end and now.
        raise CliError(
            f"{path} says the last run read up to {format_datetime(previous.end)}, after "
            f"now ({format_datetime(end)}): the clock or the state is wrong; delete {path} "
            "to start over",
            EXIT_USAGE,
        )
    else:
        # From where the last run's seen IDs are complete: a changed --overlap neither
        # repeats nor skips an event.
        start = previous.cover
    if start >= end:
        start = end - timedelta(microseconds=1000)
    resolved = {
        **query,
        "resolved_start": format_datetime(start),
        "resolved_end": format_datetime(end),
        _FROM: size,
    }
    checkpoint = Checkpoint(query=resolved, offset=size)
    # Saved before the first append: a run that dies after writing a page but before
    # that page's checkpoint is continued (cut back to ``size``) by the next run.
    checkpoint.save(checkpoint_file)
    return checkpoint, previous


#: Options a run may change: they decide how events are fetched, not which.
_FREE = frozenset({"page_size", "parallel", "overlap_seconds"})


def _options(query: Mapping[str, Any]) -> dict[str, Any]:
    """The options of a query that every run of a file must share (which events, in
    which format, of which enterprise), without what each run resolves."""
    return {
        key: value
        for key, value in query.items()
        if not key.startswith("resolved_") and key not in _FREE
    }


def finish_run(
    out: Path, checkpoint: Checkpoint, previous: RunState | None, overlap: timedelta, fmt: str
) -> RunState:
    """Save the state after a completed run: its end, the output's size, and the IDs of
    the events written (by the last run or this one) from ``cover`` on: the last
    ``overlap`` before the end, or less when this run's window was shorter."""
    end = datetime.fromisoformat(str(checkpoint.query["resolved_end"]))
    start = datetime.fromisoformat(str(checkpoint.query["resolved_start"]))
    # Every event of [start, end) is in the file now; the last run's seen IDs are
    # complete from ``start`` (its cover), so the union is complete from ``cover``.
    cover = min(max(end - overlap, start), end)
    kept = {
        event_id: stamp
        for event_id, stamp in (previous.seen.items() if previous else ())
        if parse_datetime(stamp) >= cover
    }
    for event_id, stamp in _written(out, int(checkpoint.query.get(_FROM, 0)), fmt):
        if stamp is None:
            kept[event_id] = format_datetime(end)
        # parse_datetime: a timestamp without a zone is UTC, as the models read it.
        elif parse_datetime(stamp) >= cover:
            kept[event_id] = stamp
    recorded = {k: v for k, v in checkpoint.query.items() if not k.startswith("resolved_")}
    state = RunState(end=end, size=out.stat().st_size, cover=cover, seen=kept, query=recorded)
    state.save(state_path(out))
    return state


@attrs.frozen
class ExportStart:
    """Where an export starts: its checkpoint; with ``--since-last``, the last run's
    state (``previous``) and the ``overlap`` re-read before its end."""

    checkpoint: Checkpoint
    since_last: bool = False
    previous: RunState | None = None
    overlap: timedelta = timedelta(0)

    @property
    def skip(self) -> frozenset[str]:
        """The event IDs this run leaves out: those the last run wrote in the overlap."""
        return frozenset(self.previous.seen) if self.previous is not None else frozenset()


#: ``events.jsonl`` -> ``events.jsonl.lock``, held while an export writes the file.
LOCK_SUFFIX = ".lock"


def _hold_lock(out: Path) -> None:
    """Lock ``FILE.lock`` until the command ends (exit 1 when another run holds it): two
    runs of one export (a cron run that overlaps the last) would append the same events
    and share the checkpoint's temporary file. The lock file is left in place: deleting
    it would let a third run lock a new file while the second still holds the old one."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks here
        return
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return
    try:
        lock = ctx.with_resource(out.with_name(out.name + LOCK_SUFFIX).open("a"))
    except OSError as exc:  # no such folder, no permission: before any request
        raise CliError(f"cannot write {out}: {exc.strerror}", EXIT_USAGE) from None
    try:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        raise CliError(f"another run is writing {out}: try again when it ends") from None


def start_export(
    query: dict[str, Any],
    out: Path,
    checkpoint_file: Path,
    *,
    since: str,
    until: str | None,
    resume: bool,
    force: bool,
    since_last: bool,
    overlap: timedelta,
    streaming: bool = False,
    retention: timedelta | None = None,
    enterprise: str | None = None,
    settle: timedelta = timedelta(0),
) -> ExportStart:
    """How an ``audit export`` / ``changes export`` starts: a ``--since-last`` run
    (:func:`begin_run`, bound to ``enterprise`` and the options), a ``--resume``, or a
    new export, which refuses to overwrite a finished ``out`` without ``--force``
    (:func:`refuse_overwrite`). With no ``--until``, the export ends ``settle`` before
    now (change events: their settle lag), so it never waits for late events."""
    if not streaming:
        # Bad times exit 2 before FILE.lock is made (next to a FILE never written).
        for option, text in (("--since", since), ("--until", until)):
            if text is not None:
                parse_when(option, text, datetime.now(UTC))
        _hold_lock(out)
    if since_last:
        if streaming:
            raise CliError("--since-last needs --out FILE: a stream has no state", EXIT_USAGE)
        if resume:
            raise CliError(
                "--since-last continues an interrupted run by itself: drop --resume", EXIT_USAGE
            )
        if until is not None:
            raise CliError("--since-last reads up to now: drop --until", EXIT_USAGE)
        now = datetime.now(UTC)
        start = parse_when("--since", since, now)
        # --since and --until say where a first run starts; later runs start at the state.
        kept = {key: value for key, value in query.items() if key not in ("since", "until")}
        marked = {
            **kept,
            "since_last": True,
            "overlap_seconds": overlap.total_seconds(),
            "enterprise": enterprise,
        }
        checkpoint, previous = begin_run(
            marked,
            out,
            checkpoint_file,
            start=start,
            end=now - settle,
            overlap=overlap,
            force=force,
        )
        return ExportStart(checkpoint, since_last=True, previous=previous, overlap=overlap)
    if not resume and not streaming and not checkpoint_file.exists():
        refuse_overwrite(out, force=force)
    checkpoint = start_checkpoint(
        query,
        checkpoint_file,
        out,
        since=since,
        until=until,
        resume=resume and not streaming,
        guard=not streaming,
        retention=retention,
        settle=settle,
    )
    return ExportStart(checkpoint)


def finish_export(out: Path, start: ExportStart, done: Checkpoint, fmt: str) -> None:
    """After a completed export to a file: a ``--since-last`` run saves its state; any
    other export replaced ``out``, so a ``--since-last`` state of it no longer applies."""
    if start.since_last:
        finish_run(out, done, start.previous, start.overlap, fmt)
    else:
        state_path(out).unlink(missing_ok=True)


def _written(out: Path, offset: int, fmt: str) -> Iterator[tuple[str, str | None]]:
    """(ID, timestamp) of each event written to ``out`` after ``offset``."""
    with out.open("rb") as stream:
        stream.seek(offset)
        text = stream.read().decode("utf-8")
    if fmt == "jsonl":
        for line in text.splitlines():
            if line.strip():
                event = json.loads(line)
                # Change events may carry only eventTimestamp (REFERENCE §11); an event
                # with neither is kept as if at the end, so it is never written twice.
                stamp = event.get("timestamp") or event.get("eventTimestamp")
                yield str(event["id"]), str(stamp) if stamp else None
        return
    rows = csv.reader(io.StringIO(text))
    header = _csv_header(out) if offset else next(rows, None)
    if header is None:
        return
    id_at, time_at = header.index("id"), header.index("timestamp")
    for row in rows:
        if row:
            yield _uncell(row[id_at]), row[time_at]


def _uncell(text: str) -> str:
    """The value :func:`csv_cell` wrote as ``text``: without the ``'`` it puts before
    ``= + - @``, tab or CR (the seen IDs are compared with the events' own IDs)."""
    return text[1:] if text[:1] == "'" and text[1:].startswith(FORMULA_STARTS) else text


def _csv_header(out: Path) -> list[str]:
    with out.open(encoding="utf-8", newline="") as stream:
        return next(csv.reader(stream))
