"""``audit requests``: the legacy bulk audit-log requests (create, list, get, events)."""

from __future__ import annotations

import sys
from contextlib import aclosing
from pathlib import Path

import click

from ..models.jobs import AuditLogRequest
from ._jobs import DIRECTORY, TIMEOUT_OPTION, JobWatch, finish_job, run_job
from ._options import format_options
from ._output import Column, View, open_writer, stderr_console, to_json
from ._session import Session

__all__ = ["REQUEST_VIEW", "requests"]

REQUEST_VIEW = View(
    columns=(
        Column("id", lambda r: r.id),
        Column("state", lambda r: r.state),
        Column("period", lambda r: r.time_period),
        Column("filter", lambda r: r.filter),
        Column("created", lambda r: r.created_time),
        Column("files", lambda r: len(r.data.log_file_urls) if r.data else None),
        Column("expires", lambda r: r.data.expiration_time if r.data else None),
        Column("error", lambda r: r.error_message),
    ),
    title="Audit-log requests",
)


def _watch() -> JobWatch:
    return JobWatch("audit-log request", "audit requests get {id} --wait --download DIR")


async def _finish(
    session: Session,
    request: AuditLogRequest,
    watch: JobWatch,
    wait: bool,
    download: Path | None,
    timeout: float | None = None,  # noqa: ASYNC109 (the job waits, not a request)
) -> AuditLogRequest:
    enterprise = session.enterprise()
    return await finish_job(
        request,
        request.id,
        watch,
        wait=wait,
        download=download,
        wait_for=lambda job, update: enterprise.wait_for_audit_log_request(
            job, timeout=timeout, on_progress=update
        ),
        save=lambda job, directory, progress: enterprise.download_audit_log_request(
            job, directory, progress=progress
        ),
    )


def _show(request: AuditLogRequest, fmt: str | None, out: Path | None) -> None:
    with open_writer(fmt, REQUEST_VIEW, out, single=True) as writer:
        writer.write(request)


@click.group()
def requests() -> None:
    """Bulk audit-log requests (legacy; prefer `audit export`): a month's or day's
    events as gzipped JSON Lines files."""


@requests.command("create")
@click.option("--period", required=True, help="YYYY-MM or YYYY-MM-DD, within 180 days.")
@click.option(
    "--filter", "filter_", metavar="ID_OR_IP", help="A user/workspace/base/table ID or IPv4."
)
@click.option("--wait", is_flag=True, help="Wait until the request is done (or failed).")
@click.option("--download", type=DIRECTORY, help="Wait, then save the files into DIR.")
@TIMEOUT_OPTION
@format_options()
@click.pass_context
def create(
    ctx: click.Context,
    period: str,
    filter_: str | None,
    wait: bool,
    download: Path | None,
    timeout: float | None,
    fmt: str | None,
    out: Path | None,
) -> None:
    """Request the audit log of a period (POST .../auditLogs). Ctrl-C while waiting
    leaves it running; `audit requests get ID --wait` picks it up."""
    watch = _watch()

    async def job(session: Session) -> AuditLogRequest:
        created = await session.enterprise().create_audit_log_request(period, filter=filter_)
        stderr_console().print(f"audit-log request {created.id} created ({created.state})")
        return await _finish(session, created, watch, wait, download, timeout)

    _show(run_job(ctx, watch, job), fmt, out)


@requests.command("list")
@format_options()
@click.pass_context
def list_requests(ctx: click.Context, fmt: str | None, out: Path | None) -> None:
    """Every audit-log request (GET .../auditLogs)."""

    async def job(session: Session) -> list[AuditLogRequest]:
        return [r async for r in session.enterprise().audit_log_requests(page_size=100)]

    found = run_job(ctx, _watch(), job)
    with open_writer(fmt, REQUEST_VIEW, out) as writer:
        writer.write_all(found)


@requests.command("get")
@click.argument("request_id", metavar="ID")
@click.option("--wait", is_flag=True, help="Wait until the request is done (or failed).")
@click.option("--download", type=DIRECTORY, help="Wait, then save the files into DIR.")
@TIMEOUT_OPTION
@format_options()
@click.pass_context
def get(
    ctx: click.Context,
    request_id: str,
    wait: bool,
    download: Path | None,
    timeout: float | None,
    fmt: str | None,
    out: Path | None,
) -> None:
    """One request's state (GET .../auditLogs/ID); --download saves its files."""
    watch = _watch()

    async def job(session: Session) -> AuditLogRequest:
        request = await session.enterprise().audit_log_request(request_id)
        return await _finish(session, request, watch, wait, download, timeout)

    _show(run_job(ctx, watch, job), fmt, out)


@requests.command("events")
@click.argument("request_id", metavar="ID")
@click.pass_context
def events(ctx: click.Context, request_id: str) -> None:
    """Stream a done request's events to stdout as JSON Lines, file by file, without
    saving the files (each line is the event as Airtable wrote it)."""
    count = 0

    async def job(session: Session) -> None:
        nonlocal count
        stream = session.enterprise().audit_log_request_events(request_id)
        async with aclosing(stream):  # `| head` closes the stream before the loop ends
            async for item in stream:
                sys.stdout.write(to_json(item.raw) + "\n")
                count += 1
        sys.stdout.flush()

    run_job(ctx, _watch(), job)
    stderr_console().print(f"{count} events")
