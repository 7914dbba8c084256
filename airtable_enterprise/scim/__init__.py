"""SCIM 2.0 provisioning (REFERENCE §12): the ``api.scim`` handle, its PATCH builder, and
the HR-file sync planner."""

from ._client import DEFAULT_PAGE_SIZE, Scim, user_body
from ._patch import PatchOperation, ScimPatch, member_filter_path

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "PatchOperation",
    "Scim",
    "ScimPatch",
    "member_filter_path",
    "user_body",
]
