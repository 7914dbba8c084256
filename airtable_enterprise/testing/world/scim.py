"""What SCIM stores beyond the user record: attributes kept for reporting only.

Airtable keeps ``externalId``, ``title``, the enterprise extension and its SSO extension
"for reporting only" (REFERENCE §12): nothing else in the API reads them. They live here,
keyed by user ID, rather than on :class:`~airtable_enterprise.testing.world.state.User`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

__all__ = ["ENTERPRISE_FIELDS", "ScimAttributes", "ScimStore"]

#: The simple fields of the RFC 7643 enterprise extension (``manager`` is an object).
ENTERPRISE_FIELDS = ("employeeNumber", "costCenter", "organization", "division", "department")


@attrs.define
class ScimAttributes:
    """A user's SCIM-only attributes (wire names inside ``enterprise`` and ``sso``)."""

    external_id: str | None = None
    title: str | None = None
    display_name: str | None = None
    locale: str | None = None
    enterprise: dict[str, Any] = attrs.Factory(dict)
    sso: dict[str, Any] = attrs.Factory(dict)
    last_modified: datetime | None = None


class ScimStore(dict[str, ScimAttributes]):
    """User ID -> :class:`ScimAttributes`; a user never touched by SCIM has none."""

    def of(self, user_id: str) -> ScimAttributes:
        """The user's attributes (empty ones, not stored, when there are none)."""
        return self.get(user_id) or ScimAttributes()
