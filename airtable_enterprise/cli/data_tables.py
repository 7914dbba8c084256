"""``data-tables``: the records of HyperDB data tables (REFERENCE §16; Enterprise Scale,
personal access tokens only)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import click

from ..errors import AirtableError, InvalidInputError
from ..models.data_tables import DataTableRecord
from ..resources.data_tables import (
    DEFAULT_CHUNK_SIZE,
    ChunkOutcome,
    check_data_table_id,
    check_records,
)
from ._app import run
from ._errors import EXIT_FAILURE, EXIT_USAGE, CliError
from ._options import confirm, format_options
from ._output import Column, View, cell, open_writer, stderr_console
from ._progress import progress_bar, rate_limit_notices
from ._session import Session

__all__ = ["data_tables"]

#: Chunks of one upsert window in flight at once: the file is read window by window,
#: so memory stays bounded whatever its size.
_WINDOW_CHUNKS = 8
#: What a spreadsheet would run as a formula at the start of a cell (HOSTILE: CSV).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: The longest line of an upsert file (a record of a few hundred fields fits many times
#: over): a file with no line breaks is refused, not read into memory whole.
MAX_LINE_BYTES = 16 * 1024 * 1024


def _sheet_safe(value: object) -> object:
    """A text cell that a spreadsheet would read as a formula, quoted with ``'``."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _field_column(name: str) -> Column:
    return Column(name, lambda r: _sheet_safe(r.fields.get(name)), key=False)


def _records_view(fields: Sequence[str]) -> View:
    """primaryKey, then one column per field (CSV cells made spreadsheet-safe)."""
    key = Column("primaryKey", lambda r: _sheet_safe(r.primary_key), key=True)
    return View(
        columns=[key, *(_field_column(name) for name in fields)],
        json=lambda r: {**r.raw, "primaryKey": r.primary_key, "fields": dict(r.fields)},
        title="Records",
    )


@click.group("data-tables")
def data_tables() -> None:
    """HyperDB data tables: read, upsert and delete records by primary key
    (personal access token with hyperDB.records:read / :write)."""


def _table_id(value: str) -> str:
    try:
        return check_data_table_id(value)
    except InvalidInputError as exc:
        raise click.BadParameter(exc.reason, param_hint="'DATA_TABLE_ID'") from None


@data_tables.command("records")
@click.argument("data_table_id", metavar="DATA_TABLE_ID")
@click.option("--field", "fields", multiple=True, metavar="F", help="Only this field (repeatable).")
@click.option(
    "--key", "keys", multiple=True, metavar="K", help="Only this primary key (repeatable)."
)
@click.option("--max", "max_records", type=click.IntRange(min=1), help="Stop after N records.")
@format_options()
@click.pass_context
def records(
    ctx: click.Context,
    data_table_id: str,
    fields: tuple[str, ...],
    keys: tuple[str, ...],
    max_records: int | None,
    fmt: str | None,
    out: Path | None,
) -> None:
    """Print the records of DATA_TABLE_ID (POST /v0/{ent}/{id}/getRecords), streamed as
    they come. CSV and table columns are the --field names, else the first record's
    fields."""
    table_id = _table_id(data_table_id)

    async def job(session: Session) -> int:
        table = session.enterprise().data_table(table_id)
        walk = table.records(
            fields=list(fields) or None, primary_keys=list(keys) or None, max_records=max_records
        )
        writer = None
        columns: set[str] = set(fields)
        try:
            async with rate_limit_notices(session.api):
                async for record in walk:
                    if writer is None:
                        names = list(fields) or list(record.fields)
                        columns = set(names)
                        writer = open_writer(fmt, _records_view(names), out)
                    extra = set(record.fields) - columns
                    if extra and writer.format in ("csv", "table"):
                        raise CliError(
                            f"record {record.primary_key!r} has field {sorted(extra)[0]!r}, "
                            "not among the columns: name them with --field",
                            EXIT_FAILURE,
                        )
                    writer.write(record)
            if writer is None:
                writer = open_writer(fmt, _records_view(list(fields)), out)
            count = writer.count
        finally:
            if writer is not None:
                writer.close()
        return count

    count = run(ctx, job)
    stderr_console().print(f"{count} record(s)")


def _items(source: Path) -> Iterator[tuple[int, object]]:
    """``(number, decoded item)``: each non-blank line of a JSON Lines file, or each
    element of a ``.json`` file's array (read whole: for a large file, use JSON Lines).
    UTF-8, with or without a byte-order mark; a line longer than :data:`MAX_LINE_BYTES`
    or not UTF-8 is a usage error naming it (never read whole, never a traceback)."""
    try:
        handle = source.open("rb")
    except OSError as exc:
        raise CliError(f"cannot read {source}: {exc.strerror}", EXIT_USAGE) from None
    with handle:
        if source.suffix.lower() == ".json":
            try:
                items: Any = json.loads(handle.read().decode("utf-8-sig"))
            except (ValueError, RecursionError) as exc:  # UnicodeDecodeError included
                raise CliError(f"{source}: not JSON ({exc})", EXIT_USAGE) from None
            if not isinstance(items, list):
                raise CliError(f"{source}: a .json file must hold an array", EXIT_USAGE)
            yield from enumerate(items, 1)
            return
        number = 0
        while raw := handle.readline(MAX_LINE_BYTES + 1):
            number += 1
            if len(raw) > MAX_LINE_BYTES:
                raise CliError(f"{source}:{number}: longer than {MAX_LINE_BYTES} bytes", EXIT_USAGE)
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                raise CliError(
                    f"{source}:{number}: not UTF-8 (byte {exc.start + 1} of the line)", EXIT_USAGE
                ) from None
            if not line.strip():
                continue
            try:
                yield number, json.loads(line)
            except (ValueError, RecursionError) as exc:
                raise CliError(f"{source}:{number}: not JSON ({exc})", EXIT_USAGE) from None


def _read_lines(source: Path) -> Iterator[tuple[int, dict[str, object]]]:
    """``(number, record body)`` for each record of the file (:func:`_items`), checked
    as upsert checks it (a usage error names the line, or the array item)."""
    for number, item in _items(source):
        try:
            (body,) = check_records([item])
        except InvalidInputError as exc:
            reason = f"{exc.argument.replace('records[0]', 'record')} {exc.reason}"
            raise CliError(f"{source}:{number}: {reason}", EXIT_USAGE) from None
        yield number, body


def _check_file(source: Path) -> int:
    """Read the whole file once before any request: every line valid, no key twice."""
    seen: dict[object, int] = {}
    count = 0
    for number, body in _read_lines(source):
        first = seen.setdefault(body["primaryKey"], number)
        if first != number:
            raise CliError(
                f"{source}:{number}: primaryKey {body['primaryKey']!r} is also on line {first}",
                EXIT_USAGE,
            )
        count += 1
    return count


def _windows(source: Path, size: int) -> Iterator[tuple[list[int], list[dict[str, object]]]]:
    lines: list[int] = []
    bodies: list[dict[str, object]] = []
    for number, body in _read_lines(source):
        lines.append(number)
        bodies.append(body)
        if len(bodies) == size:
            yield lines, bodies
            lines, bodies = [], []
    if bodies:
        yield lines, bodies


@data_tables.command("upsert")
@click.argument("data_table_id", metavar="DATA_TABLE_ID")
@click.option(
    "--from",
    "--input",
    "source",
    required=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help='A JSON Lines file: one {"primaryKey": ..., "fields": {...}} per line '
    "(or a .json file holding an array of them).",
)
@click.option(
    "--chunk-size",
    type=click.IntRange(min=1),
    default=DEFAULT_CHUNK_SIZE,
    show_default=True,
    help="Records per request (Airtable documents no limit; this is ours).",
)
@click.pass_context
def upsert(ctx: click.Context, data_table_id: str, source: Path, chunk_size: int) -> None:
    """Create or update the records of FILE in DATA_TABLE_ID (PUT .../upsertRecords).

    The file is checked whole before any request; chunks are then sent concurrently, a
    few at a time, with a progress bar. A failed chunk is reported with its lines, the
    chunks in flight finish, and nothing after them is sent."""
    table_id = _table_id(data_table_id)
    total = _check_file(source)

    async def job(session: Session) -> tuple[int, list[str]]:
        table = session.enterprise().data_table(table_id)
        applied = 0
        failures: list[str] = []
        with progress_bar() as progress:
            task = progress.add_task("Upserting", total=total)
            async with rate_limit_notices(session.api):
                for lines, bodies in _windows(source, chunk_size * _WINDOW_CHUNKS):

                    def heard(outcome: ChunkOutcome, lines: list[int] = lines) -> None:
                        nonlocal applied
                        start = outcome.index * chunk_size
                        span = lines[start : start + outcome.size]
                        if outcome.ok:
                            applied += outcome.size
                            progress.advance(task, outcome.size)
                        else:
                            failures.append(
                                f"lines {span[0]}-{span[-1]} ({outcome.size} records): "
                                f"{outcome.error}"
                            )

                    try:
                        await table.upsert(bodies, chunk_size=chunk_size, on_chunk=heard)
                    except AirtableError:
                        break  # reported by heard(); send nothing more
        return applied, failures

    applied, failures = run(ctx, job)
    console = stderr_console()
    for failure in failures:
        console.print(f"FAILED {failure}", markup=False)
    console.print(f"Upserted {applied} of {total} record(s).")
    if failures or applied != total:
        # applied != total with no failure heard: the file changed after it was checked
        # (a window refused whole, or lines added); never a success.
        raise CliError(
            f"{len(failures)} chunk(s) failed; {total - applied} record(s) not upserted"
            if failures
            else f"{source} changed while it was read: {applied} of {total} record(s) upserted",
            EXIT_FAILURE,
        )


@data_tables.command("delete")
@click.argument("data_table_id", metavar="DATA_TABLE_ID")
@click.argument("keys", nargs=-1, required=True, metavar="KEY...")
@click.option("--dry-run", is_flag=True, help="Only show what would be deleted.")
@click.option("--yes", "-y", is_flag=True, help="Do it without asking for confirmation.")
@format_options()
@click.pass_context
def delete(
    ctx: click.Context,
    data_table_id: str,
    keys: tuple[str, ...],
    dry_run: bool,
    yes: bool,
    fmt: str | None,
    out: Path | None,
) -> None:
    """Delete the records with primary keys KEY... from DATA_TABLE_ID (POST
    .../deleteRecords): first shows the records found, then asks for confirmation (or
    not, with --yes)."""
    table_id = _table_id(data_table_id)
    unique = list(dict.fromkeys(keys))

    async def job(session: Session) -> tuple[list[DataTableRecord], int | None]:
        table = session.enterprise().data_table(table_id)
        found = [r async for r in table.records(primary_keys=unique)]
        names = list(dict.fromkeys(name for r in found for name in r.fields))
        with open_writer(fmt, _records_view(names), out) as writer:
            if writer.format == "table":
                stderr_console().print(f"Would delete {len(found)} record(s):")
            writer.write_all(found)
        missing = [k for k in unique if k not in {r.primary_key for r in found}]
        if missing:
            stderr_console().print(
                f"No record has the key(s): {', '.join(cell(k) for k in missing)}", markup=False
            )
        if dry_run or not found:
            return found, None
        if not yes and not confirm(f"Delete {len(found)} record(s)?"):
            raise click.Abort
        result = await table.delete([r.primary_key for r in found])
        return found, result.records

    found, deleted = run(ctx, job)
    console = stderr_console()
    if deleted is None:
        console.print("Dry run: nothing was changed." if found else "No record to delete.")
        return
    console.print(f"Deleted {deleted} record(s).")
