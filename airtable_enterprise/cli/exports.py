"""``exports``: eDiscovery exports of bases (create, list, get; wait and download)."""

from __future__ import annotations

from pathlib import Path

import click

from ..models.jobs import JOB_STATES, Export
from ._jobs import DIRECTORY, TIMEOUT_OPTION, JobWatch, finish_job, run_job
from ._options import format_options
from ._output import Column, View, open_writer, stderr_console
from ._session import Session

__all__ = ["EXPORT_VIEW", "exports"]

EXPORT_VIEW = View(
    columns=(
        Column("id", lambda e: e.id),
        Column("state", lambda e: e.state),
        Column("base_id", lambda e: e.request.base_id),
        Column("csv", lambda e: e.request.include_csv_format),
        Column("created", lambda e: e.created_time),
        Column("user_email", lambda e: e.user.email if e.user else None),
        Column("expires", lambda e: e.data.expiration_time if e.data else None),
        Column("error", lambda e: e.error),
    ),
    title="eDiscovery exports",
    table=("id", "state", "base_id", "created", "user_email", "error"),
)


def _watch() -> JobWatch:
    return JobWatch("export", "exports get {id} --wait --download DIR")


async def _finish(
    session: Session,
    export: Export,
    watch: JobWatch,
    wait: bool,
    download: Path | None,
    timeout: float | None = None,  # noqa: ASYNC109 (the job waits, not a request)
) -> Export:
    enterprise = session.enterprise()
    return await finish_job(
        export,
        export.id,
        watch,
        wait=wait,
        download=download,
        wait_for=lambda job, update: enterprise.wait_for_export(
            job, timeout=timeout, on_progress=update
        ),
        save=lambda job, directory, progress: enterprise.download_export(
            job, directory, csv=job.request.include_csv_format, progress=progress
        ),
    )


def _show(export: Export, fmt: str | None, out: Path | None) -> None:
    with open_writer(fmt, EXPORT_VIEW, out, single=True) as writer:
        writer.write(export)


@click.group()
def exports() -> None:
    """eDiscovery exports of bases (Enterprise Scale): create, list, get, download."""


@exports.command("create")
@click.option("--base", "base_id", required=True, metavar="BASE_ID", help="The base (app...).")
@click.option("--csv", "include_csv", is_flag=True, help="Also export the tables as CSV (zip).")
@click.option("--email", "send_email", is_flag=True, help="Email the creator when it is done.")
@click.option("--wait", is_flag=True, help="Wait until the export is done (or failed).")
@click.option("--download", type=DIRECTORY, help="Wait, then save the files into DIR.")
@TIMEOUT_OPTION
@format_options()
@click.pass_context
def create(
    ctx: click.Context,
    base_id: str,
    include_csv: bool,
    send_email: bool,
    wait: bool,
    download: Path | None,
    timeout: float | None,
    fmt: str | None,
    out: Path | None,
) -> None:
    """Start an export of a base (POST .../exports). Ctrl-C while waiting leaves the
    export running; `exports get ID --wait --download DIR` picks it up."""
    watch = _watch()

    async def job(session: Session) -> Export:
        created = await session.enterprise().create_export(
            base_id, include_csv=include_csv, send_email=send_email
        )
        stderr_console().print(f"export {created.id} created ({created.state})")
        return await _finish(session, created, watch, wait, download, timeout)

    _show(run_job(ctx, watch, job), fmt, out)


@exports.command("list")
@click.option("--state", type=click.Choice(JOB_STATES), help="Only exports in this state.")
@format_options()
@click.pass_context
def list_exports(ctx: click.Context, state: str | None, fmt: str | None, out: Path | None) -> None:
    """Every export, newest first (GET .../exports)."""

    async def job(session: Session) -> list[Export]:
        return [e async for e in session.enterprise().exports(state=state, page_size=100)]

    found = run_job(ctx, _watch(), job)
    with open_writer(fmt, EXPORT_VIEW, out) as writer:
        writer.write_all(found)


@exports.command("get")
@click.argument("export_id", metavar="ID")
@click.option("--wait", is_flag=True, help="Wait until the export is done (or failed).")
@click.option("--download", type=DIRECTORY, help="Wait, then save the files into DIR.")
@TIMEOUT_OPTION
@format_options()
@click.pass_context
def get(
    ctx: click.Context,
    export_id: str,
    wait: bool,
    download: Path | None,
    timeout: float | None,
    fmt: str | None,
    out: Path | None,
) -> None:
    """One export's state (GET .../exports/ID); --download saves its files."""
    watch = _watch()

    async def job(session: Session) -> Export:
        export = await session.enterprise().export(export_id)
        return await _finish(session, export, watch, wait, download, timeout)

    _show(run_job(ctx, watch, job), fmt, out)
