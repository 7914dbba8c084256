"""Enterprise packages (managed apps): ``GET /v0/meta/enterpriseAccounts/{ent}/packages``
(REFERENCE §13.1)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ._base import raw_field

__all__ = ["Package"]


@attrs.frozen(kw_only=True)
class Package:
    """A package (``pkg...``): a base template with releases that admins install.

    ``latest_release_id`` (``pkr...``) is ``None`` for a package never released, which
    cannot be installed. ``enterprise_account_id`` is the owning account (packages of
    other accounts appear with ``all_enterprises=True``).
    """

    id: str
    name: str
    type: str
    created_by_user_id: str
    created_time: datetime
    last_updated_by_user_id: str | None = None
    last_updated_time: datetime | None = None
    description: str | None = None
    tagline: str | None = None
    enterprise_account_id: str | None = None
    install_count: int = 0
    latest_release_id: str | None = None
    source_application_id: str | None = None
    raw: Mapping[str, Any] = raw_field()
