"""Emulator records of enterprise packages (managed apps) and their releases
(REFERENCE §13)."""

from __future__ import annotations

from datetime import datetime

import attrs

__all__ = ["Package"]


@attrs.define
class Package:
    """A package (``pkg...``) made from a source base; ``releases`` (``pkr...``) oldest
    first, the last one the latest; an empty list means it was never released."""

    id: str
    name: str
    account_id: str
    source_base_id: str
    created_by: str
    created_time: datetime
    last_updated_by: str
    last_updated_time: datetime
    type: str = "appTemplate"
    description: str | None = None
    tagline: str | None = None
    install_count: int = 0
    releases: list[str] = attrs.Factory(list)
    tables: list[dict[str, object]] = attrs.Factory(list)

    @property
    def latest_release_id(self) -> str | None:
        return self.releases[-1] if self.releases else None
