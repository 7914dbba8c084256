"""airtable-enterprise: an async client for Airtable's Enterprise administration API."""

from ._ratelimit import RateLimiter
from ._retry import RetryPolicy
from ._version import __version__
from .api import AsyncApi
from .audit import AuditLog, AuditLogEvents
from .enterprise import Enterprise
from .errors import (
    AirtableError,
    APIError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    ConnectError,
    InvalidInputError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    RateLimitError,
    RequestTimeoutError,
    ResponseValidationError,
    ServerError,
    TransportError,
    UnknownOutcomeError,
    UnprocessableEntityError,
)
from .models.audit import (
    AuditLogActor,
    AuditLogContext,
    AuditLogEvent,
    AuditLogOrigin,
    AuditLogPage,
    AuditLogPagination,
    AuditLogResponse,
    AuditLogUser,
)
from .workspace import Workspace

__all__ = [
    "APIError",
    "AirtableError",
    "AsyncApi",
    "AuditLog",
    "AuditLogActor",
    "AuditLogContext",
    "AuditLogEvent",
    "AuditLogEvents",
    "AuditLogOrigin",
    "AuditLogPage",
    "AuditLogPagination",
    "AuditLogResponse",
    "AuditLogUser",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "ConnectError",
    "Enterprise",
    "InvalidInputError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "RateLimitError",
    "RateLimiter",
    "RequestTimeoutError",
    "ResponseValidationError",
    "RetryPolicy",
    "ServerError",
    "TransportError",
    "UnknownOutcomeError",
    "UnprocessableEntityError",
    "Workspace",
    "__version__",
]
