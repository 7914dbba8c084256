"""The Enterprise handle: ``api.enterprise("ent...")``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._validate import check_id
from .audit import AuditLog, AuditLogEvents, FilterInput, TimeInput, build_query

if TYPE_CHECKING:
    from .api import AsyncApi

__all__ = ["Enterprise"]


class Enterprise:
    """An enterprise account (``ent...``); every method is a coroutine that calls
    ``/v0/meta/enterpriseAccounts/{id}/...``. Made by :meth:`AsyncApi.enterprise`."""

    def __init__(self, api: AsyncApi, enterprise_account_id: str) -> None:
        self.api = api
        self.id = check_id("enterprise_account_id", enterprise_account_id, "ent")

    def __repr__(self) -> str:
        return f"<Enterprise {self.id}>"

    @property
    def url(self) -> str:
        """``/v0/meta/enterpriseAccounts/{id}``: the path every call below builds on."""
        return f"/v0/meta/enterpriseAccounts/{self.id}"

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
        checked before any request; see :func:`airtable_enterprise.audit.build_query`
        and the README's "Audit log" section for paging, ``follow``, ``parallel`` and
        resuming from ``page.cursor``.
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

    def audit_events(self, **options: Any) -> AuditLogEvents:
        """The events of :meth:`audit_log` one at a time (same arguments)."""
        return self.audit_log(**options).events()
