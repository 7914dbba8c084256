"""The exception tree.

Every error this library raises derives from :class:`AirtableError`. Errors from
httpx or the JSON decoder never reach the caller; they are mapped here and kept
as ``__cause__``.

```
AirtableError
├── InvalidInputError (also ValueError)     bad arguments, raised before any request
├── APIError                                Airtable answered with an error status
│   ├── BadRequestError            400
│   ├── AuthenticationError        401
│   ├── PermissionDeniedError      403
│   ├── NotFoundError              404
│   │   └── GroupNotFoundError     400  SCIM's unknown group (also a BadRequestError)
│   ├── ConflictError              409
│   ├── PayloadTooLargeError       413
│   ├── UnprocessableEntityError   422
│   ├── RateLimitError             429  (.retry_after)
│   └── ServerError                5xx
├── UserNotFoundError (also LookupError)    a user lookup matched nobody
├── UnknownOutcomeError                     a POST/PATCH whose result is unknown
├── TransportError                          the request did not complete
│   ├── ConnectError                        nothing was sent
│   └── RequestTimeoutError                 no answer within the timeout or deadline
└── ResponseValidationError                 the body is not valid JSON or not the documented shape
```
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = [
    "APIError",
    "AirtableError",
    "AuditLogRequestFailedError",
    "AuthenticationError",
    "BadRequestError",
    "ChangeEventsNotEnabledError",
    "ConflictError",
    "ConnectError",
    "DownloadError",
    "DownloadExpiredError",
    "ExportFailedError",
    "GroupNotFoundError",
    "InvalidInputError",
    "JobFailedError",
    "JobTimeoutError",
    "NotFoundError",
    "PackageNotFoundError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestTimeoutError",
    "ResponseValidationError",
    "ServerError",
    "TransportError",
    "UnknownOutcomeError",
    "UnprocessableEntityError",
    "UserNotFoundError",
    "api_error_for",
    "decode_error_body",
]


class AirtableError(Exception):
    """Base class of every error raised by airtable-enterprise."""


class InvalidInputError(AirtableError, ValueError):
    """An argument is not valid; raised before any request is sent.

    ``value`` is the offending value and ``argument`` the parameter it was given for.
    """

    def __init__(self, argument: str, value: object, reason: str) -> None:
        self.argument = argument
        self.value = value
        self.reason = reason
        super().__init__(f"{argument}={value!r}: {reason}")


class _RequestError(AirtableError):
    """An error tied to one request: carries its method and path (never headers)."""

    def __init__(self, message: str, *, method: str, path: str) -> None:
        self.method = method
        self.path = path
        super().__init__(f"{method} {path}: {message}")


class APIError(_RequestError):
    """Airtable answered with an error status.

    ``status_code``, Airtable's error ``error_type`` (e.g. ``INVALID_PERMISSIONS``) and
    ``error_message`` come from the response; ``body`` is the decoded body (or the raw
    text when it was not JSON).
    """

    def __init__(
        self,
        *,
        status_code: int,
        error_type: str | None,
        error_message: str | None,
        method: str,
        path: str,
        body: object = None,
    ) -> None:
        self.status_code = status_code
        self.error_type = error_type
        self.error_message = error_message
        self.body = body
        detail = " ".join(part for part in (error_type, error_message) if part) or "no detail"
        super().__init__(f"HTTP {status_code} {detail}", method=method, path=path)


class BadRequestError(APIError):
    """HTTP 400: the request could not be parsed (also SCIM's unknown group)."""


class AuthenticationError(APIError):
    """HTTP 401: the token is missing, invalid or expired."""


class PermissionDeniedError(APIError):
    """HTTP 403: not permitted, or the object does not exist for this token.

    Airtable uses 403 ``INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND`` for objects the
    caller cannot see, so a missing object often surfaces here rather than as 404.
    """


class NotFoundError(APIError):
    """HTTP 404: the route is undefined or the object was deleted."""


class GroupNotFoundError(NotFoundError, BadRequestError):
    """SCIM's unknown group ID: Airtable answers **400** ``invalid group ID``, not 404
    (REFERENCE §12). Caught as a not-found error; ``status_code`` stays 400."""


class ConflictError(APIError):
    """HTTP 409: the request conflicts with the current state."""


class PayloadTooLargeError(APIError):
    """HTTP 413: the request body is too large."""


class UnprocessableEntityError(APIError):
    """HTTP 422: the body was understood but not allowed (``INVALID_REQUEST_UNKNOWN``...)."""


class RateLimitError(APIError):
    """HTTP 429 that could not be waited out within the retry policy.

    ``retry_after`` is the wait in seconds the server asked for (or Airtable's
    documented 30 s penalty when it did not say).
    """

    def __init__(self, *, retry_after: float, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(**kwargs)

    def __str__(self) -> str:
        return f"{super().__str__()} (retry after {self.retry_after:g} s)"


class ServerError(APIError):
    """HTTP 5xx that persisted through the retries allowed for this request."""


class UserNotFoundError(AirtableError, LookupError):
    """A user looked up by ID or email is not in the enterprise.

    ``GET /v0/meta/enterpriseAccounts/{ent}/users`` answers 200 and simply leaves out
    the IDs and emails it does not know, so this is raised by the client, not mapped
    from a status. ``id_or_email`` is the value that matched nobody;
    ``enterprise_account_id`` is ``None`` for a SCIM lookup (``GET /scim/v2/Users?filter=``).
    """

    def __init__(self, id_or_email: str, enterprise_account_id: str | None) -> None:
        self.id_or_email = id_or_email
        self.enterprise_account_id = enterprise_account_id
        where = f"enterprise {enterprise_account_id}" if enterprise_account_id else "SCIM"
        super().__init__(f"no user {id_or_email!r} in {where}")


class PackageNotFoundError(AirtableError, LookupError):
    """A package named by ID is not in the enterprise's package list
    (``GET /v0/meta/enterpriseAccounts/{ent}/packages``), or a release ID is not the
    latest release of any listed package."""

    def __init__(self, package_or_release_id: str, enterprise_account_id: str) -> None:
        self.package_or_release_id = package_or_release_id
        self.enterprise_account_id = enterprise_account_id
        super().__init__(
            f"no package or latest release {package_or_release_id!r} "
            f"in enterprise {enterprise_account_id}"
        )


class UnknownOutcomeError(_RequestError):
    """A non-idempotent request (POST, PATCH) failed after it may have been applied.

    The server may or may not have carried out the action (the connection dropped,
    the read timed out, or it answered 5xx). The request was **not** retried, so the
    action happened at most once; check the server's state before trying again.
    ``status_code`` is set when the server answered 5xx.
    """

    def __init__(self, reason: str, *, method: str, path: str, status_code: int | None = None):
        self.reason = reason
        self.status_code = status_code
        super().__init__(
            f"outcome unknown ({reason}); not retried because {method} is not idempotent",
            method=method,
            path=path,
        )


class TransportError(_RequestError):
    """The request did not complete (network failure) after the retries allowed."""


class ConnectError(TransportError):
    """The connection could not be made; nothing was sent."""


class RequestTimeoutError(TransportError):
    """No answer within the configured timeout or the retry policy's deadline."""


class ResponseValidationError(_RequestError):
    """The response body is not valid JSON or does not have the documented shape."""


_STATUS_CLASSES: Mapping[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: PayloadTooLargeError,
    422: UnprocessableEntityError,
}


def decode_error_body(content: bytes) -> tuple[str | None, str | None, object]:
    """Return ``(error_type, message, body)`` from an Airtable error body.

    Understands the shapes Airtable sends (REFERENCE §1.4): ``{"error": "NOT_FOUND"}``,
    ``{"error": {"type": ..., "message"?: ...}}`` and SCIM's ``{"detail": ..., "status": ...,
    "scimType"?: ...}`` (``scimType``, e.g. ``uniqueness``, is the type).
    Anything else yields ``(None, None, <decoded body or text>)``.
    """
    if not content:
        return None, None, None
    try:
        body: object = json.loads(content)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None, None, content.decode("utf-8", "replace")[:1000]
    if not isinstance(body, dict):
        return None, None, body
    error = body.get("error")
    if isinstance(error, str):
        return error, None, body
    if isinstance(error, dict):
        error_type = error.get("type")
        message = error.get("message")
        return (
            error_type if isinstance(error_type, str) else None,
            message if isinstance(message, str) else None,
            body,
        )
    detail, scim_type = body.get("detail"), body.get("scimType")
    return (
        scim_type if isinstance(scim_type, str) else None,
        detail if isinstance(detail, str) else None,
        body,
    )


def api_error_for(
    status_code: int,
    content: bytes,
    *,
    method: str,
    path: str,
    retry_after: float | None = None,
) -> APIError:
    """Build the :class:`APIError` subclass for an error response (pure, no I/O)."""
    error_type, message, body = decode_error_body(content)
    common: dict[str, Any] = {
        "status_code": status_code,
        "error_type": error_type,
        "error_message": message,
        "method": method,
        "path": path,
        "body": body,
    }
    if status_code == 429:
        return RateLimitError(retry_after=30.0 if retry_after is None else retry_after, **common)
    if status_code >= 500:
        return ServerError(**common)
    if status_code == 400 and _is_unknown_scim_group(path, message):
        return GroupNotFoundError(**common)
    return _STATUS_CLASSES.get(status_code, APIError)(**common)


def _is_unknown_scim_group(path: str, message: str | None) -> bool:
    """Airtable's 400 ``invalid group ID`` on ``/scim/v2/Groups/{id}`` (REFERENCE §12)."""
    return "/Groups/" in path and message is not None and "invalid group id" in message.lower()


# ------------------------------------------------- long-running jobs and downloads
# (eDiscovery exports §10, audit-log requests §9, change events §11):
# AirtableError > JobFailedError > ExportFailedError | AuditLogRequestFailedError;
# AirtableError > JobTimeoutError; AirtableError > DownloadError > DownloadExpiredError;
# PermissionDeniedError > ChangeEventsNotEnabledError.


class JobFailedError(AirtableError):
    """A server-side job ended in state ``error``; ``job`` is its last state and
    ``server_message`` Airtable's explanation."""

    def __init__(self, job_id: str, server_message: str | None, job: object = None) -> None:
        self.job_id = job_id
        self.server_message = server_message
        self.job = job
        super().__init__(f"job {job_id} failed: {server_message or 'no message'}")


class ExportFailedError(JobFailedError):
    """An eDiscovery export ended in state ``error`` (its ``error`` text is kept)."""


class AuditLogRequestFailedError(JobFailedError):
    """An audit-log request ended in state ``error`` (its ``errorMessage`` is kept)."""


class JobTimeoutError(AirtableError, TimeoutError):
    """Waiting for a job ran out of time; the job goes on server-side (wait again
    with its ``job_id``). ``job`` is the last state seen."""

    def __init__(self, job_id: str, timeout: float, job: object = None) -> None:
        self.job_id = job_id
        self.timeout = timeout
        self.job = job
        super().__init__(
            f"job {job_id} not finished after {timeout:g} s; it goes on server-side, "
            "wait for it again later"
        )


class RateLimitStoreError(AirtableError):
    """``AsyncApi(redis_fail_closed=True)``: the shared rate-limit store (Redis/Valkey)
    did not answer for ``timeout`` seconds (``redis_fail_closed_timeout``) while this
    call waited for its turn. Nothing was sent; call again later."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        super().__init__(
            f"the rate-limit store did not answer within {timeout:g} s "
            "(redis_fail_closed=True): nothing was sent"
        )


class DownloadError(AirtableError):
    """A signed file could not be downloaded; ``url`` has its signature removed."""

    def __init__(self, message: str, *, url: str, status_code: int | None = None) -> None:
        self.url = url
        self.status_code = status_code
        super().__init__(f"{url}: {message}")


class DownloadExpiredError(DownloadError):
    """A signed file's link has expired (``expirationTime`` passed): ask for the job's
    files again (a new export or audit-log request)."""


class ChangeEventsNotEnabledError(PermissionDeniedError):
    """Change events are not available for this account (REFERENCE §11): they must
    first be enabled by Airtable and switched on in the admin panel (Enterprise Scale,
    scope ``enterprise.changeEvents:read``); events exist only from then on, 14 days."""
