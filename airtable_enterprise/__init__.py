"""airtable-enterprise: an async client for Airtable's Enterprise administration API."""

from ._core.retry import RetryPolicy
from ._version import __version__
from .api import AsyncApi
from .audit.log import AuditLog, AuditLogEvents
from .enterprise import Enterprise
from .errors import (
    AirtableError,
    APIError,
    AuditLogRequestFailedError,
    AuthenticationError,
    BadRequestError,
    ChangeEventsNotEnabledError,
    ConflictError,
    ConnectError,
    DownloadError,
    DownloadExpiredError,
    ExportFailedError,
    GroupNotFoundError,
    InvalidInputError,
    JobFailedError,
    JobTimeoutError,
    NotFoundError,
    PackageNotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    RateLimitError,
    RequestTimeoutError,
    ResponseValidationError,
    ServerError,
    TransportError,
    UnknownOutcomeError,
    UnprocessableEntityError,
    UserNotFoundError,
)
from .interface import Interface
from .jobs.audit_requests import AuditLogRequestEvent
from .models import (
    AccessToken,
    AiAllowlistResponse,
    BaseCollaborators,
    BaseShare,
    BatchItemError,
    BlockInstallation,
    Collaborations,
    CurrentUser,
    DeleteUsersResponse,
    EnterpriseInfo,
    InterfaceInfo,
    ManageUsersResponse,
    MoveGroupsResponse,
    MoveWorkspacesResponse,
    Package,
    ResourceAccess,
    RevokeTokensResponse,
    UpdateUsersResponse,
    UserGroup,
    UserInfo,
    UserList,
    UserRemoved,
    UserUpdate,
    WorkspaceCollaborators,
)
from .models.access_review import AccessChange, AccessDiff, AccessRow, diff_access
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
from .models.changes import ChangedTable, ChangeEvent, ChangeEventsData, CreatedTable
from .models.data_tables import DataTableRecord, RecordsPage
from .models.jobs import AuditLogRequest, Export, ExportData
from .models.scim import ScimEnterpriseUser, ScimGroup, ScimUser
from .ratelimit.local import RateLimiter
from .resources.access_review import AccessReview
from .resources.change_events import ChangeEvents
from .resources.data_tables import ChunkOutcome, DataTable, DataTableWrite
from .scim import PatchOperation, Scim, ScimPatch
from .workspace import Base, Workspace

__all__ = [
    "APIError",
    "AccessToken",
    "AiAllowlistResponse",
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
    "Base",
    "BaseCollaborators",
    "BaseShare",
    "BatchItemError",
    "BlockInstallation",
    "Collaborations",
    "ConflictError",
    "ConnectError",
    "CurrentUser",
    "DeleteUsersResponse",
    "Enterprise",
    "EnterpriseInfo",
    "GroupNotFoundError",
    "Interface",
    "InterfaceInfo",
    "InvalidInputError",
    "ManageUsersResponse",
    "MoveGroupsResponse",
    "MoveWorkspacesResponse",
    "NotFoundError",
    "Package",
    "PackageNotFoundError",
    "PatchOperation",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "RateLimitError",
    "RateLimiter",
    "RequestTimeoutError",
    "ResourceAccess",
    "ResponseValidationError",
    "RetryPolicy",
    "RevokeTokensResponse",
    "Scim",
    "ScimEnterpriseUser",
    "ScimGroup",
    "ScimPatch",
    "ScimUser",
    "ServerError",
    "TransportError",
    "UnknownOutcomeError",
    "UnprocessableEntityError",
    "UpdateUsersResponse",
    "UserGroup",
    "UserInfo",
    "UserList",
    "UserNotFoundError",
    "UserRemoved",
    "UserUpdate",
    "Workspace",
    "WorkspaceCollaborators",
    "__version__",
]
__all__ += [
    "AuditLogRequest",
    "AuditLogRequestEvent",
    "AuditLogRequestFailedError",
    "ChangeEvent",
    "ChangeEvents",
    "ChangeEventsData",
    "ChangeEventsNotEnabledError",
    "ChangedTable",
    "CreatedTable",
    "DownloadError",
    "DownloadExpiredError",
    "Export",
    "ExportData",
    "ExportFailedError",
    "JobFailedError",
    "JobTimeoutError",
]
# HyperDB (REFERENCE §16).
__all__ += ["ChunkOutcome", "DataTable", "DataTableRecord", "DataTableWrite", "RecordsPage"]
# Access reviews (issue 25): the rows of Enterprise.access_review and their diff.
__all__ += ["AccessChange", "AccessDiff", "AccessReview", "AccessRow", "diff_access"]
