"""Long-running jobs: eDiscovery exports (REFERENCE §10) and legacy audit-log requests (§9).

Both are jobs that move ``pending`` -> ``processing`` -> ``done`` (or ``error``) on
Airtable's side; once done they carry signed, expiring URLs of files on another host.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import attrs

from ._base import raw_field

__all__ = [
    "JOB_STATES",
    "AuditLogRequest",
    "AuditLogRequestData",
    "AuditLogRequestList",
    "Export",
    "ExportData",
    "ExportList",
    "ExportRequest",
    "ExportUser",
]

#: The states of a job; ``done`` and ``error`` are final.
JOB_STATES = ("pending", "processing", "error", "done")
_FINAL = frozenset({"done", "error"})


def _signed(url: str | None) -> str:
    """The repr of a signed URL: without its query, which is the credential."""
    if url is None:
        return "None"
    text = str(url)
    return repr(text.split("?", 1)[0] + ("?<signature hidden>" if "?" in text else ""))


def _signed_all(urls: Iterable[str]) -> str:
    return "(" + ", ".join(_signed(u) for u in urls) + ")"


@attrs.frozen(kw_only=True)
class ExportUser:
    """``user`` of an export: who asked for it (``{id, email, name}``)."""

    id: str
    email: str | None = None
    name: str | None = None
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class ExportRequest:
    """``request`` of an export: what was asked (Airtable always sends all three)."""

    base_id: str
    include_csv_format: bool = False
    should_send_email_on_completion: bool = False
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class ExportData:
    """``data`` of a done export: the signed URLs and when they expire (a repr hides
    their signatures: anyone holding one can read the export)."""

    expiration_time: datetime
    json_download_url: str = attrs.field(repr=_signed)
    csv_zip_download_url: str | None = attrs.field(default=None, repr=_signed)
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class Export:
    """An eDiscovery export (``etk...``) of one base.

    ``GET /v0/meta/enterpriseAccounts/{ent}/exports/{enterpriseTaskId}``. ``error``
    is set in state ``error``, ``data`` in state ``done``.
    """

    id: str
    created_time: datetime
    state: str
    request: ExportRequest
    user: ExportUser | None = None
    error: str | None = None
    data: ExportData | None = None
    raw: Mapping[str, Any] = raw_field()

    @property
    def is_finished(self) -> bool:
        """Whether the export reached ``done`` or ``error`` (it will not change again)."""
        return self.state in _FINAL

    @property
    def error_message(self) -> str | None:
        """The server's explanation of a failure (the wire's ``error``)."""
        return self.error


@attrs.frozen(kw_only=True)
class ExportList:
    """One page of ``GET .../exports``: newest first; ``offset`` (a number) for the next."""

    exports: tuple[Export, ...] = ()
    offset: int | None = None
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class AuditLogRequestData:
    """``data`` of a done audit-log request: gzipped NDJSON files and their expiry."""

    expiration_time: datetime
    log_file_urls: tuple[str, ...] = attrs.field(default=(), repr=_signed_all)
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class AuditLogRequest:
    """A legacy audit-log request (``eal...``), REFERENCE §9.

    ``GET /v0/meta/enterpriseAccounts/{ent}/auditLogs/{enterpriseAuditLogTaskId}``.
    ``error_message`` is set in state ``error``, ``data`` in state ``done``.
    """

    id: str
    state: str
    time_period: str
    created_time: datetime | None = None
    created_by_user_id: str | None = None
    filter: str | None = None
    error_message: str | None = None
    data: AuditLogRequestData | None = None
    raw: Mapping[str, Any] = raw_field()

    @property
    def is_finished(self) -> bool:
        """Whether the request reached ``done`` or ``error``."""
        return self.state in _FINAL


@attrs.frozen(kw_only=True)
class AuditLogRequestList:
    """One page of ``GET .../auditLogs``; ``offset`` (a number) for the next."""

    audit_logs: tuple[AuditLogRequest, ...] = ()
    offset: int | None = None
    raw: Mapping[str, Any] = raw_field()
