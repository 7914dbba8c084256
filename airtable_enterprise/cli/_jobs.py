"""What the job commands share: a spinner while a job runs, download progress bars,
waiting then downloading a job's files, and the message that Ctrl-C during a wait
leaves the job running server-side."""

from __future__ import annotations

import shlex
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import click
from rich.progress import TaskID
from rich.status import Status

from ..jobs.exports import FileProgress
from ._app import run
from ._errors import EXIT_INTERRUPTED, CliError
from ._output import stderr_console
from ._progress import progress_bar
from ._session import Session

__all__ = ["DIRECTORY", "TIMEOUT_OPTION", "JobWatch", "download_progress", "finish_job", "run_job"]

T = TypeVar("T")

#: ``--download DIR``: a directory, made if missing.
DIRECTORY = click.Path(file_okay=False, path_type=Path)
#: ``--timeout SECONDS`` of the commands that wait for a job.
TIMEOUT_OPTION = click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    metavar="SECONDS",
    help="With --wait or --download: stop waiting after SECONDS (the job goes on).",
)


class JobWatch:
    """Remembers which job a command is waiting for, so an interruption can say how to
    pick it up again; ``update`` is an ``on_progress`` callback that shows the state."""

    def __init__(self, kind: str, resume_command: str) -> None:
        self.kind = kind
        self.resume_command = resume_command
        self.job_id: str | None = None
        self._status: Status | None = None

    @contextmanager
    def waiting(self, job_id: str) -> Iterator[None]:
        """Show a spinner (on a terminal) while waiting for ``job_id``."""
        self.job_id = job_id
        console = stderr_console()
        with console.status(f"{self.kind} {job_id}: waiting") as status:
            self._status = status
            yield
        self._status = None
        self.job_id = None

    def update(self, job: object) -> None:
        """Show the job's new state (an ``on_progress`` callback)."""
        state = getattr(job, "state", "?")
        if self._status is not None:
            self._status.update(f"{self.kind} {self.job_id}: {state}")
        stderr_console().print(f"{self.kind} {getattr(job, 'id', '')}: {state}")


def run_job(ctx: click.Context, watch: JobWatch, job: Callable[[Session], Awaitable[T]]) -> T:
    """:func:`run` the command; Ctrl-C during a wait explains that the job goes on."""
    try:
        return run(ctx, job)
    except CliError as exc:
        if exc.exit_code == EXIT_INTERRUPTED and watch.job_id is not None:
            command = _resume_command(ctx, watch)
            stderr_console().print(
                f"Interrupted while waiting. {watch.kind} {watch.job_id} keeps running on "
                f"Airtable; pick it up later with: airtable-enterprise {command}"
            )
        raise


def _resume_command(ctx: click.Context, watch: JobWatch) -> str:
    """The command that picks the job up again, with the --download directory the
    interrupted command was given (or without --download when it had none)."""
    command = watch.resume_command.format(id=watch.job_id)
    download = ctx.params.get("download")
    if download is None:
        return command.replace(" --download DIR", "")
    return command.replace("DIR", shlex.quote(str(download)))


@contextmanager
def download_progress() -> Iterator[FileProgress]:
    """A ``progress(name, done, total)`` callback drawing one bar per file (terminal only)."""
    with progress_bar() as bars:
        tasks: dict[str, TaskID] = {}

        def update(name: str, done: int, total: int | None) -> None:
            if name not in tasks:
                tasks[name] = bars.add_task(name, total=total)
            bars.update(tasks[name], completed=done, total=total)

        yield update


async def finish_job(
    job: T,
    job_id: str,
    watch: JobWatch,
    *,
    wait: bool,
    download: Path | None,
    wait_for: Callable[[T, Callable[[T], None]], Awaitable[T]],
    save: Callable[[T, Path, FileProgress], Awaitable[list[Path]]],
) -> T:
    """``--wait`` / ``--download DIR`` of a job command: wait for ``job`` (spinner and
    state lines), then save its files into DIR with a bar per file."""
    if wait or download is not None:
        with watch.waiting(job_id):
            job = await wait_for(job, watch.update)
    if download is not None:
        with download_progress() as progress:
            paths = await save(job, download, progress)
        for path in paths:
            stderr_console().print(f"saved {path}")
    return job
