"""The Enterprise handle: ``api.enterprise("ent...")``.

:class:`Enterprise` is the public face with the spec's flat methods
(``enterprise.users(...)``, ``enterprise.grant_admin(...)``); the bodies live with
their API family in :mod:`airtable_enterprise.resources` and are bound here, so this
file lists the whole surface in one place.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Unpack

from ._core.validate import answered_id, check_id, check_name
from .audit.log import (
    AuditLog,
    AuditLogEvents,
    AuditLogOptions,
    FilterInput,
    TimeInput,
    build_query,
)
from .jobs.audit_requests import AuditLogRequestEvent, AuditLogRequests
from .jobs.exports import ExportRef, Exports, FileProgress
from .jobs.polling import DEFAULT_MAX_POLL, DEFAULT_POLL, ProgressCallback
from .models.enterprise import EnterpriseInfo
from .models.jobs import AuditLogRequest, Export
from .resources import access_review as _access_review
from .resources import access_tokens as _access_tokens
from .resources import ai as _ai
from .resources import data_tables as _data_tables
from .resources import groups as _groups
from .resources import packages as _packages
from .resources import users as _users
from .resources import workspaces as _workspaces
from .resources._common import CreatedId, include
from .resources.change_events import DEFAULT_LAG, ChangeEvents

if TYPE_CHECKING:
    from .api import AsyncApi

__all__ = ["Enterprise"]


class Enterprise:
    """An enterprise account (``ent...``); every method is a coroutine that calls
    ``/v0/meta/enterpriseAccounts/{id}/...``. Made by :meth:`AsyncApi.enterprise`.

    Methods that take a user accept its ID (``usr...``), its email or a
    :class:`UserInfo`. Where the endpoint needs an ID and an email is given, the
    emails of the call are resolved together with one get-users request first.
    """

    def __init__(
        self, api: AsyncApi, enterprise_account_id: str, *, _answered: bool = False
    ) -> None:
        self.api = api
        self.id = (
            answered_id(enterprise_account_id, "ent")
            if _answered  # the ID of an account the server just created: never refused
            else check_id("enterprise_account_id", enterprise_account_id, "ent")
        )

    def __repr__(self) -> str:
        return f"<Enterprise {self.id}>"

    @property
    def url(self) -> str:
        """``/v0/meta/enterpriseAccounts/{id}``: the path every call below builds on."""
        return f"/v0/meta/enterpriseAccounts/{self.id}"

    # ------------------------------------------------------------------ account

    async def info(self, *, aggregated: bool = False, descendants: bool = False) -> EnterpriseInfo:
        """The account's IDs, domains and Hub structure.

        ``GET /v0/meta/enterpriseAccounts/{ent}`` with ``include[]=aggregated`` and/or
        ``include[]=descendants`` (values across the Hub organization; Airtable returns
        them only when the Enterprise Hub feature is on).
        """
        params = include(aggregated=aggregated, descendants=descendants)
        return await self.api.request_model(EnterpriseInfo, "GET", self.url, params=params)

    async def create_descendant(self, name: str) -> Enterprise:
        """Create a descendant account (org unit) under this root account; its handle.

        ``POST /v0/meta/enterpriseAccounts/{ent}/descendants`` with ``{"name": ...}``.
        Only a root account with Enterprise Hub enabled can do this.
        """
        body = {"name": check_name("name", name)}
        created = await self.api.request_model(
            CreatedId, "POST", f"{self.url}/descendants", json=body
        )
        return Enterprise(self.api, created.id, _answered=True)

    # ------------------------------------------------- users and admins (§4)

    user = _users.user
    user_by_id = _users.user_by_id
    users = _users.users
    remove_user = _users.remove_user
    claim_users = _users.claim_users
    delete_users = _users.delete_users
    grant_admin = _users.grant_admin
    revoke_admin = _users.revoke_admin
    update_user = _users.update_user
    update_users = _users.update_users
    delete_user = _users.delete_user
    logout_user = _users.logout_user

    # ------------------------------------------------------------ groups (§5)

    group = _groups.group
    groups = _groups.groups
    move_groups = _groups.move_groups

    # -------------------------------------------------------- workspaces (§6)

    move_workspaces = _workspaces.move_workspaces
    create_workspace = _workspaces.create_workspace
    allow_ai = _ai.allow_ai

    # ------------------------------------------------- packages and bases (§13)

    packages = _packages.packages
    package = _packages.package
    create_base_from_package = _packages.create_base_from_package
    create_base = _packages.create_base

    # -------------------------------------------- personal access tokens (§14)

    access_tokens = _access_tokens.access_tokens
    revoke_access_tokens = _access_tokens.revoke_access_tokens

    # ----------------------------------------------------- HyperDB data tables (§16)

    data_table = _data_tables.data_table
    # ----------------------------------------------------------- access reviews

    access_review = _access_review.access_review

    # --------------------------------------------------------------- audit log

    def audit_log(
        self,
        *,
        page_size: int | None = None,
        page_limit: int | None = None,
        sort_asc: bool | None = False,
        previous: str | None = None,
        next: str | None = None,
        start_time: TimeInput | None = None,
        end_time: TimeInput | None = None,
        user_id: FilterInput | None = None,
        event_type: FilterInput | None = None,
        model_id: FilterInput | None = None,
        category: FilterInput | None = None,
        resume: str | None = None,
        follow: bool = False,
        poll_interval: float = 5.0,
        max_poll_interval: float = 60.0,
        parallel: int = 1,
        read_ahead: int = 1,
    ) -> AuditLog:
        """The pages of ``GET /v0/meta/enterpriseAccounts/{id}/auditLogEvents``.

        Iterate with ``async for`` (inside ``async with`` for read-ahead). Arguments are
        checked before any request; see :func:`airtable_enterprise.audit.log.build_query`
        and the audit-log guide (``docs/guides/audit-log.md``) for paging, ``follow``,
        ``parallel`` and resuming from ``page.cursor``.
        """
        query = build_query(
            page_size=page_size,
            page_limit=page_limit,
            sort_asc=sort_asc,
            previous=previous,
            next=next,
            start_time=start_time,
            end_time=end_time,
            user_id=user_id,
            event_type=event_type,
            model_id=model_id,
            category=category,
            resume=resume,
            follow=follow,
            poll_interval=poll_interval,
            max_poll_interval=max_poll_interval,
            parallel=parallel,
            read_ahead=read_ahead,
        )
        return AuditLog(self.api, f"{self.url}/auditLogEvents", query)

    def audit_events(self, **options: Unpack[AuditLogOptions]) -> AuditLogEvents:
        """The events of :meth:`audit_log` one at a time (same arguments, checked by
        type checkers too), from ``GET /v0/meta/enterpriseAccounts/{id}/auditLogEvents``;
        iterate inside ``async with`` for read-ahead."""
        return self.audit_log(**options).events()

    # ---------------------- long-running jobs and change feeds (§9, §10, §11)
    # Thin delegates: the bodies live in jobs/exports.py, jobs/audit_requests.py and
    # resources/change_events.py.

    @property
    def exports_api(self) -> Exports:
        """The eDiscovery export calls (``/v0/meta/enterpriseAccounts/{ent}/exports``)."""
        return Exports(self.api, self.url)

    @property
    def audit_log_requests_api(self) -> AuditLogRequests:
        """The legacy audit-log request calls (``.../enterpriseAccounts/{ent}/auditLogs``)."""
        return AuditLogRequests(self.api, self.url)

    async def create_export(
        self, base_id: str, *, include_csv: bool = False, send_email: bool = False
    ) -> Export:
        """Start an eDiscovery export of a base:
        ``POST /v0/meta/enterpriseAccounts/{ent}/exports``."""
        return await self.exports_api.create(
            base_id, include_csv=include_csv, send_email=send_email
        )

    def exports(
        self, *, state: str | None = None, page_size: int | None = None
    ) -> AsyncIterator[Export]:
        """Every eDiscovery export, newest first:
        ``GET /v0/meta/enterpriseAccounts/{ent}/exports``."""
        return self.exports_api.all(state=state, page_size=page_size)

    async def export(self, export_id: ExportRef) -> Export:
        """One export: ``GET /v0/meta/enterpriseAccounts/{ent}/exports/{enterpriseTaskId}``."""
        return await self.exports_api.get(export_id)

    async def wait_for_export(
        self,
        export: ExportRef,
        *,
        timeout: float | None = None,  # noqa: ASYNC109 (the job waits, not a request)
        poll: float = DEFAULT_POLL,
        max_poll: float = DEFAULT_MAX_POLL,
        on_progress: ProgressCallback[Export] | None = None,
    ) -> Export:
        """Poll ``GET /v0/meta/enterpriseAccounts/{ent}/exports/{id}`` until done;
        :class:`ExportFailedError` if it fails, :class:`JobTimeoutError` after ``timeout`` s
        (see :meth:`Exports.wait`)."""
        return await self.exports_api.wait(
            export, timeout=timeout, poll=poll, max_poll=max_poll, on_progress=on_progress
        )

    async def download_export(
        self,
        export: ExportRef,
        directory: str | Path,
        *,
        csv: bool = False,
        progress: FileProgress | None = None,
    ) -> list[Path]:
        """Save a done export's files (``csv=True`` for the CSV zip) from the signed URLs of
        ``GET /v0/meta/enterpriseAccounts/{ent}/exports/{id}``, without the token; see
        :meth:`Exports.download`."""
        return await self.exports_api.download(export, directory, csv=csv, progress=progress)

    async def create_audit_log_request(
        self, time_period: str | date, *, filter: str | None = None
    ) -> AuditLogRequest:
        """Request a month's or day's audit log:
        ``POST /v0/meta/enterpriseAccounts/{ent}/auditLogs``."""
        return await self.audit_log_requests_api.create(time_period, filter=filter)

    def audit_log_requests(self, *, page_size: int | None = None) -> AsyncIterator[AuditLogRequest]:
        """Every audit-log request: ``GET /v0/meta/enterpriseAccounts/{ent}/auditLogs``."""
        return self.audit_log_requests_api.all(page_size=page_size)

    async def audit_log_request(self, request_id: str) -> AuditLogRequest:
        """One request: ``GET /v0/meta/enterpriseAccounts/{ent}/auditLogs/{id}``."""
        return await self.audit_log_requests_api.get(request_id)

    async def wait_for_audit_log_request(
        self,
        request: str | AuditLogRequest,
        *,
        timeout: float | None = None,  # noqa: ASYNC109 (the job waits, not a request)
        poll: float = DEFAULT_POLL,
        max_poll: float = DEFAULT_MAX_POLL,
        on_progress: ProgressCallback[AuditLogRequest] | None = None,
    ) -> AuditLogRequest:
        """Poll ``GET /v0/meta/enterpriseAccounts/{ent}/auditLogs/{id}`` until done;
        :class:`AuditLogRequestFailedError` if it fails."""
        return await self.audit_log_requests_api.wait(
            request, timeout=timeout, poll=poll, max_poll=max_poll, on_progress=on_progress
        )

    async def download_audit_log_request(
        self,
        request: str | AuditLogRequest,
        directory: str | Path,
        *,
        progress: FileProgress | None = None,
    ) -> list[Path]:
        """Save a done request's gzipped NDJSON files from the signed URLs of
        ``GET /v0/meta/enterpriseAccounts/{ent}/auditLogs/{id}``, without the token."""
        return await self.audit_log_requests_api.download(request, directory, progress=progress)

    def audit_log_request_events(
        self, request: str | AuditLogRequest
    ) -> AsyncGenerator[AuditLogRequestEvent, None]:
        """Stream the events of a done request's files (from ``GET .../auditLogs/{id}``'s
        signed URLs), decompressed incrementally, in file order."""
        return self.audit_log_requests_api.events(request)

    def change_events(
        self,
        *,
        start_time: TimeInput | None = None,
        end_time: TimeInput | None = None,
        page_size: int = 100,
        sort_asc: bool = False,
        follow: bool = False,
        resume: str | None = None,
        poll_interval: float = 5.0,
        max_poll_interval: float = 60.0,
        max_buffer: int = 10_000,
        lag: float | timedelta = DEFAULT_LAG,
        clock: Callable[[], datetime] | None = None,
    ) -> ChangeEvents:
        """Change events: ``GET .../enterpriseAccounts/{ent}/changeEvents`` (kept 14 days;
        must be enabled first); newest first, or oldest first with checkpoints
        (``sort_asc``, ``follow``, ``resume``), reading only events older than ``lag``
        (default 60 s) so that late events are not skipped. See :class:`ChangeEvents`."""
        return ChangeEvents(
            self.api,
            f"{self.url}/changeEvents",
            start_time=start_time,
            end_time=end_time,
            page_size=page_size,
            sort_asc=sort_asc,
            follow=follow,
            resume=resume,
            poll_interval=poll_interval,
            max_poll_interval=max_poll_interval,
            max_buffer=max_buffer,
            lag=lag,
            clock=clock,
        )
