"""Emulated long-running jobs: eDiscovery exports (REFERENCE §10) and audit-log
requests (§9).

A job's state follows the world's clock: ``pending`` for the first quarter of its
duration, ``processing`` until the duration has passed, then ``done`` (or ``error``).
Its files are generated from the world the first time it is seen done (a base's
tables and records for an export; the audit events of the period, as gzipped NDJSON
split over several files, for a request) and handed to the :class:`FileHost`.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from ..http.files import FileHost
    from .audit import AuditEvent
    from .state import World

__all__ = ["Job", "JobBoard"]


@attrs.define
class Job:
    """One job: what was asked, by whom, when, and (once done) its files."""

    id: str
    kind: str  # "export" | "auditLog"
    created_time: datetime
    created_by: str
    params: dict[str, Any]
    duration: float
    fail_message: str | None = None
    #: Set when the job is first seen finished.
    finished: bool = False
    file_ids: list[str] = attrs.Factory(list)
    expiration_time: datetime | None = None


@attrs.define
class JobBoard:
    """Every job of the world, in creation order, and how jobs behave.

    - ``duration``: seconds of world time a job takes (``Emulator(job_duration=...)``).
    - ``link_ttl``: seconds a done job's file links stay valid.
    - ``events_per_file``: audit events per file of a request.
    """

    duration: float = 10.0
    link_ttl: float = 3600.0
    events_per_file: int = 1000
    jobs: dict[str, Job] = attrs.Factory(dict)
    files: FileHost | None = None
    #: Messages of the next jobs to fail (``Emulator.fail_jobs``), oldest first.
    failures: list[tuple[str | None, str]] = attrs.Factory(list)

    def add(self, job: Job) -> Job:
        """Store a new job; it fails if a failure was queued for its kind."""
        for index, (kind, message) in enumerate(self.failures):
            if kind in (None, job.kind):
                job.fail_message = message
                del self.failures[index]
                break
        self.jobs[job.id] = job
        return job

    def of_kind(self, kind: str) -> list[Job]:
        """Jobs of ``kind``, newest first."""
        return [j for j in reversed(self.jobs.values()) if j.kind == kind]

    def state(self, world: World, job: Job) -> str:
        """``pending``, ``processing``, ``done`` or ``error`` at the world's now."""
        elapsed = (world.now() - job.created_time).total_seconds()
        if elapsed < job.duration / 4:
            return "pending"
        if elapsed < job.duration:
            return "processing"
        if not job.finished:
            self._finish(world, job)
        return "error" if job.fail_message is not None else "done"

    def urls(self, job: Job) -> list[str]:
        """The signed URLs of a done job's files."""
        assert self.files is not None
        assert job.expiration_time is not None
        return [self.files.signed_url(f, job.expiration_time) for f in job.file_ids]

    # ------------------------------------------------------------- files

    def _finish(self, world: World, job: Job) -> None:
        job.finished = True
        done_at = job.created_time + timedelta(seconds=job.duration)
        job.expiration_time = done_at + timedelta(seconds=self.link_ttl)
        if job.fail_message is not None:
            return
        assert self.files is not None
        if job.kind == "export":
            base = world.bases.get(job.params["baseId"])
            if base is None:
                job.fail_message = "The base was deleted before the export finished"
                return
            tables = world.changes.snapshot(world, base.id)
            document = {"base": {"id": base.id, "name": base.name}, "tables": tables}
            self._put(job, "json", json.dumps(document, indent=1).encode(), "application/json")
            if job.params.get("includeCsvFormat"):
                self._put(job, "csv.zip", _csv_zip(tables), "application/zip")
            return
        lines = (
            json.dumps(world.audit.render(e), separators=(",", ":")) for e in _period(world, job)
        )
        for number, chunk in enumerate(_batches(lines, self.events_per_file)):
            data = gzip.compress(("\n".join(chunk) + "\n").encode(), compresslevel=6)
            self._put(job, f"{number:03d}.json.gz", data, "application/gzip")

    def _put(self, job: Job, suffix: str, data: bytes, content_type: str) -> None:
        assert self.files is not None
        file_id = f"{job.id}-{suffix}"
        self.files.put(file_id, data, content_type)
        job.file_ids.append(file_id)


def period_bounds(period: str) -> tuple[datetime, datetime]:
    """[start, end) in UTC of a ``YYYY-MM`` or ``YYYY-MM-DD`` period."""
    if len(period) == 7:
        first = date.fromisoformat(period + "-01")
        after = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    else:
        first = date.fromisoformat(period)
        after = first + timedelta(days=1)
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    return start, datetime(after.year, after.month, after.day, tzinfo=UTC)


def _period(world: World, job: Job) -> Iterator[AuditEvent]:
    start, end = period_bounds(job.params["timePeriod"])
    low, high = int(start.timestamp() * 1000), int(end.timestamp() * 1000)
    wanted = job.params.get("filter")
    for event in world.audit:
        if not low <= event.timestamp_ms < high:
            continue
        if wanted is not None and wanted not in (
            event.actor_id,
            event.workspace_id,
            event.base_id,
            event.model_id,
            event.ip_address,
        ):
            continue
        yield event


def _batches(lines: Iterator[str], size: int) -> Iterator[list[str]]:
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _csv_zip(tables: list[dict[str, Any]]) -> bytes:
    buffer = io.BytesIO()
    names: set[str] = set()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for table in tables:
            name = f"{table['name']}.csv"
            if name in names:  # two tables of one name: tell them apart by ID
                name = f"{table['name']} {table['id']}.csv"
            names.add(name)
            fields = table.get("fields", [])
            text = io.StringIO()
            writer = csv.writer(text)
            writer.writerow(["Record ID", *(f["name"] for f in fields)])
            for record in table.get("records", []):
                cells = record.get("cellValuesByFieldId", {})
                writer.writerow([record["id"], *(_cell(cells.get(f["id"])) for f in fields)])
            archive.writestr(name, text.getvalue())
    return buffer.getvalue()


def _cell(value: object) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)
