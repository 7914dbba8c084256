"""eDiscovery exports (REFERENCE §10): create, list, get, wait for, download.

``/v0/meta/enterpriseAccounts/{ent}/exports``: Enterprise Scale, scope
``enterprise.exports:manage``. An export is a job (``etk...``); once ``done`` it carries
signed, expiring URLs of a JSON file and, when asked, a zip of CSVs, on another host:
they are fetched with :class:`~airtable_enterprise.jobs.downloads.SignedFiles`, never with
the token.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING

import anyio

from .._core.validate import check_bool, check_choice, check_id
from ..errors import ExportFailedError, InvalidInputError
from ..models.jobs import JOB_STATES, Export, ExportList
from .polling import (
    DEFAULT_MAX_POLL,
    DEFAULT_POLL,
    ProgressCallback,
    check_page_size,
    offset_pages,
    poll_until_done,
)
from .redaction import redact_url
from .transfer import check_answered_id, confined

if TYPE_CHECKING:
    from ..api import AsyncApi

__all__ = ["ExportRef", "Exports", "FileProgress"]

#: An export argument: its ID (``etk...``) or the :class:`Export` itself.
ExportRef = str | Export
#: ``progress(file_name, done_bytes, total_bytes_or_None)`` while files download.
FileProgress = Callable[[str, int, int | None], object]


def export_id(value: object) -> str:
    """The ``etk...`` ID of an export argument."""
    if isinstance(value, Export):
        return value.id
    return check_id("export", value, "etk")


class Exports:
    """The eDiscovery export calls of one enterprise account (``enterprise.exports``)."""

    def __init__(self, api: AsyncApi, enterprise_url: str) -> None:
        self.api = api
        self.url = f"{enterprise_url}/exports"

    async def create(
        self, base_id: str, *, include_csv: bool = False, send_email: bool = False
    ) -> Export:
        """Start an export of a base. ``POST /v0/meta/enterpriseAccounts/{ent}/exports``
        with ``{baseId, includeCsvFormat, shouldSendEmailOnCompletion}``."""
        body = {
            "baseId": check_id("base_id", base_id, "app"),
            "includeCsvFormat": check_bool("include_csv", include_csv),
            "shouldSendEmailOnCompletion": check_bool("send_email", send_email),
        }
        return await self.api.request_model(Export, "POST", self.url, json=body)

    async def get(self, export: ExportRef) -> Export:
        """One export's current state. ``GET /v0/meta/enterpriseAccounts/{ent}/exports/{id}``."""
        return await self.api.request_model(Export, "GET", f"{self.url}/{export_id(export)}")

    def all(
        self, *, state: str | None = None, page_size: int | None = None
    ) -> AsyncIterator[Export]:
        """Every export, newest first (integer ``offset`` paging), optionally only those
        in ``state``. ``GET /v0/meta/enterpriseAccounts/{ent}/exports``."""
        params: dict[str, str | int] = {}
        if state is not None:
            params["state"] = check_choice("state", state, JOB_STATES)
        size = check_page_size(page_size)
        if size is not None:
            params["pageSize"] = size

        async def fetch(offset: int | str | None) -> tuple[tuple[Export, ...], int | None]:
            query = dict(params) if offset is None else {**params, "offset": offset}
            page = await self.api.request_model(ExportList, "GET", self.url, params=query)
            return page.exports, page.offset

        return offset_pages(fetch, path=self.url)

    async def wait(
        self,
        export: ExportRef,
        *,
        timeout: float | None = None,  # noqa: ASYNC109 (the job waits, not a request)
        poll: float = DEFAULT_POLL,
        max_poll: float = DEFAULT_MAX_POLL,
        on_progress: ProgressCallback[Export] | None = None,
    ) -> Export:
        """Poll ``GET .../exports/{id}`` until the export is ``done``; that export.

        Raises :class:`ExportFailedError` (with the server's message) if it ends in
        ``error``, :class:`JobTimeoutError` after ``timeout`` seconds. Cancelling the
        wait leaves the export running.
        """
        ident = export_id(export)
        first = export if isinstance(export, Export) and export.is_finished else None
        final = await poll_until_done(
            lambda: self.get(ident),
            first=first,
            timeout=timeout,
            poll=poll,
            max_poll=max_poll,
            on_progress=on_progress,
            path=f"{self.url}/{ident}",
        )
        if final.state == "error":
            raise ExportFailedError(final.id, final.error, final)
        return final

    async def download(
        self,
        export: ExportRef,
        directory: str | Path,
        *,
        csv: bool = False,
        progress: FileProgress | None = None,
    ) -> list[Path]:
        """Save a done export's JSON file (and with ``csv=True`` its CSV zip) into
        ``directory`` as ``{id}.json`` / ``{id}.csv.zip``; their paths.

        The files come from the signed URLs in ``data`` (fetched again with
        ``GET .../exports/{id}`` when given an ID), without the token, atomically and
        resuming a partial file. An expired link raises :class:`DownloadExpiredError`.
        """
        found = export if isinstance(export, Export) and export.data else await self.get(export)
        data = found.data
        if found.state != "done" or data is None:
            raise InvalidInputError(
                "export", found.id, f"is {found.state}, not done: wait for it first"
            )
        # File names are built from the ID the server answered: checked, and confined
        # to the folder, before anything is written (the folder included).
        ident = check_answered_id(found.id, "etk", path=self.url)
        folder = Path(directory)
        wanted = [(f"{ident}.json", data.json_download_url)]
        if csv:
            if data.csv_zip_download_url is None:
                raise InvalidInputError(
                    "csv", csv, "this export was created without include_csv=True"
                )
            wanted.append((f"{ident}.csv.zip", data.csv_zip_download_url))
        targets = [(confined(folder, name, url=redact_url(url)), url) for name, url in wanted]
        await anyio.Path(folder).mkdir(parents=True, exist_ok=True)
        saved = []
        for target, url in targets:
            name = target.name

            def report(done: int, total: int | None, name: str = name) -> None:
                if progress is not None:
                    progress(name, done, total)

            saved.append(
                await self.api.files.download(
                    url, target, expiration_time=data.expiration_time, progress=report
                )
            )
        return saved
