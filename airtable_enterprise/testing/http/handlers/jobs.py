"""eDiscovery exports (REFERENCE §10), legacy audit-log requests (§9) and change
events (§11)."""

from __future__ import annotations

import ipaddress
import re
from datetime import timedelta
from typing import Any

from ..._wire import ApiFailure, format_time, invalid_request
from ...world.jobs import Job, period_bounds
from ...world.state import World
from ..requests import Call

__all__ = [
    "change_events",
    "create_audit_log_request",
    "create_export",
    "get_audit_log_request",
    "get_export",
    "list_audit_log_requests",
    "list_exports",
]

_MAX_PAGE_SIZE = 100
_DEFAULT_PAGE_SIZE = 10
_STATES = ("pending", "processing", "error", "done")
_PERIOD = re.compile(r"\d{4}-\d{2}(-\d{2})?")
_FILTER_ID = re.compile(r"(usr|wsp|app|tbl)[A-Za-z0-9]{14}")


def _not_found() -> ApiFailure:
    # The eDiscovery 404s carry no message: {"error":{"type":"NOT_FOUND"}} (§1.4, §10).
    return ApiFailure(404, "NOT_FOUND")


def _paged(call: Call, items: list[Any], key: str) -> dict[str, Any]:
    """Integer ``offset`` paging (§9, §10): ``pageSize`` max 100, default 10."""
    size, offset = _DEFAULT_PAGE_SIZE, 0
    for name, value in call.query:
        try:
            if name == "pageSize":
                size = int(value)
            elif name == "offset":
                offset = int(value)
        except ValueError:
            raise invalid_request(f"{name} must be a number") from None
    if not 1 <= size <= _MAX_PAGE_SIZE:
        raise invalid_request(f"pageSize must be 1 to {_MAX_PAGE_SIZE}")
    if offset < 0:
        raise invalid_request("offset must not be negative")
    body: dict[str, Any] = {key: items[offset : offset + size]}
    if offset + size < len(items):
        body["offset"] = offset + size
    return body


# ---------------------------------------------------------------- exports


def _export_view(world: World, job: Job) -> dict[str, Any]:
    state = world.jobs.state(world, job)
    user = world.users.get(job.created_by)
    view: dict[str, Any] = {
        "id": job.id,
        "createdTime": format_time(job.created_time),
        "state": state,
        "user": {
            "id": job.created_by,
            "email": user.email if user else None,
            "name": user.name if user else None,
        },
        "request": {
            "baseId": job.params["baseId"],
            "includeCsvFormat": job.params["includeCsvFormat"],
            "shouldSendEmailOnCompletion": job.params["shouldSendEmailOnCompletion"],
        },
    }
    if state == "error":
        view["error"] = job.fail_message
    elif state == "done":
        assert job.expiration_time is not None
        urls = world.jobs.urls(job)
        data = {"expirationTime": format_time(job.expiration_time), "jsonDownloadUrl": urls[0]}
        if len(urls) > 1:
            data["csvZipDownloadUrl"] = urls[1]
        view["data"] = data
    return view


def _new_job(world: World, call: Call, prefix: str, kind: str, params: dict[str, Any]) -> Job:
    """A new job of ``kind`` (ID ``prefix...``) made by the caller, queued in the world."""
    return world.jobs.add(
        Job(
            id=world.new_id(prefix),
            kind=kind,
            created_time=world.now(),
            created_by=call.caller.user_id,
            params=params,
            duration=world.jobs.duration,
        )
    )


def create_export(world: World, call: Call) -> dict[str, Any]:
    """POST .../{ent}/exports (§10): 404 ``NOT_FOUND`` for an unknown base."""
    world.account(call.path["ent"])
    body = call.body({"baseId", "includeCsvFormat", "shouldSendEmailOnCompletion"})
    base_id = body.string("baseId", required=True)
    params = {
        "baseId": base_id,
        "includeCsvFormat": body.boolean("includeCsvFormat"),
        "shouldSendEmailOnCompletion": body.boolean("shouldSendEmailOnCompletion"),
    }
    if base_id not in world.bases:
        raise _not_found()
    job = _new_job(world, call, "etk", "export", params)
    return _export_view(world, job)


def list_exports(world: World, call: Call) -> dict[str, Any]:
    """GET .../{ent}/exports (§10): newest first, ``state`` filter, integer offset."""
    world.account(call.path["ent"])
    call.check_query({"state", "pageSize", "offset"})
    wanted = call.values("state")
    if wanted and wanted[-1] not in _STATES:
        raise invalid_request(f"state must be one of {list(_STATES)}")
    views = [_export_view(world, j) for j in world.jobs.of_kind("export")]
    if wanted:
        views = [v for v in views if v["state"] == wanted[-1]]
    return _paged(call, views, "exports")


def get_export(world: World, call: Call) -> dict[str, Any]:
    """GET .../{ent}/exports/{enterpriseTaskId} (§10)."""
    world.account(call.path["ent"])
    job = world.jobs.jobs.get(call.path["task"])
    if job is None or job.kind != "export":
        raise _not_found()
    return _export_view(world, job)


# ----------------------------------------------------- audit-log requests


def _audit_view(world: World, job: Job) -> dict[str, Any]:
    state = world.jobs.state(world, job)
    view: dict[str, Any] = {
        "id": job.id,
        "createdByUserId": job.created_by,
        "createdTime": format_time(job.created_time),
        "state": state,
        "timePeriod": job.params["timePeriod"],
    }
    if job.params.get("filter") is not None:
        view["filter"] = job.params["filter"]
    if state == "error":
        view["errorMessage"] = job.fail_message
    elif state == "done":
        assert job.expiration_time is not None
        view["data"] = {
            "expirationTime": format_time(job.expiration_time),
            "logFileUrls": world.jobs.urls(job),
        }
    return view


def _check_period(world: World, period: str) -> str:
    if not _PERIOD.fullmatch(period):
        raise invalid_request("timePeriod must be YYYY-MM or YYYY-MM-DD")
    try:
        start, end = period_bounds(period)
    except ValueError:
        raise invalid_request("timePeriod is not a valid date") from None
    now = world.now()
    if start > now or end <= now - timedelta(days=180):
        raise invalid_request("timePeriod must be within the last 180 days")
    return period


def _check_filter(value: str | None) -> str | None:
    if value is None or _FILTER_ID.fullmatch(value):
        return value
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        raise invalid_request(
            "filter must be a user, workspace, base or table ID, or an IPv4 address"
        ) from None
    return value


def create_audit_log_request(world: World, call: Call) -> dict[str, Any]:
    """POST .../{ent}/auditLogs (§9)."""
    world.account(call.path["ent"])
    body = call.body({"timePeriod", "filter"})
    params = {
        "timePeriod": _check_period(world, body.string("timePeriod", required=True)),
        "filter": _check_filter(body.string("filter")),
    }
    job = _new_job(world, call, "eal", "auditLog", params)
    return _audit_view(world, job)


def list_audit_log_requests(world: World, call: Call) -> dict[str, Any]:
    """GET .../{ent}/auditLogs (§9): integer offset, newest first."""
    world.account(call.path["ent"])
    call.check_query({"pageSize", "offset"})
    views = [_audit_view(world, j) for j in world.jobs.of_kind("auditLog")]
    return _paged(call, views, "auditLogs")


def get_audit_log_request(world: World, call: Call) -> dict[str, Any]:
    """GET .../{ent}/auditLogs/{enterpriseAuditLogTaskId} (§9)."""
    world.account(call.path["ent"])
    job = world.jobs.jobs.get(call.path["task"])
    if job is None or job.kind != "auditLog":
        raise _not_found()
    return _audit_view(world, job)


# ------------------------------------------------------------ change events


def change_events(world: World, call: Call) -> dict[str, Any]:
    """GET .../{ent}/changeEvents (§11): 403 when the feature is off."""
    world.account(call.path["ent"])
    return world.changes.page(world, call.query)
