"""How the library's models are shown: the columns of tables and CSV, the JSON objects."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ._output import Column, View

__all__ = ["USER_COLUMNS", "domain_of", "is_external", "user_view"]


def domain_of(email: str) -> str:
    """The domain of an email address, lower-cased."""
    return email.rpartition("@")[2].casefold()


def is_external(email: str, domains: Sequence[str]) -> bool:
    """Whether ``email`` is outside the enterprise's email domains (REFERENCE §1.9)."""
    return domain_of(email) not in {domain.casefold() for domain in domains}


def _count(attribute: str) -> Any:
    def value(user: Any) -> object:
        collaborations = user.collaborations
        return "" if collaborations is None else len(getattr(collaborations, attribute))

    return value


USER_COLUMNS: tuple[Column, ...] = (
    Column("id", lambda u: u.id, key=True),
    Column("email", lambda u: u.email, key=True),
    Column("name", lambda u: u.name),
    Column("state", lambda u: u.state),
    Column("admin", lambda u: u.is_admin),
    Column("managed", lambda u: u.is_managed),
    Column("service_account", lambda u: u.is_service_account),
    Column("license", lambda u: u.license_type),
    Column("last_activity", lambda u: u.last_activity_time),
)

_COLLABORATION_COLUMNS: tuple[Column, ...] = (
    Column("workspaces", _count("workspace_collaborations")),
    Column("bases", _count("base_collaborations")),
    Column("interfaces", _count("interface_collaborations")),
)


def user_view(
    *, collaborations: bool, title: str | None = None, extra: Sequence[Column] = ()
) -> View:
    """Users: one row each; JSON is the wire user object."""
    columns = (*USER_COLUMNS, *(_COLLABORATION_COLUMNS if collaborations else ()), *extra)
    shown = ("email", "state", "admin", "license", "last_activity", "workspaces", "bases")
    return View(
        columns=columns,
        title=title,
        table=(*shown, *(column.header for column in extra)),
    )


def days_since(moment: datetime | None, now: datetime) -> int | None:
    """Whole days from ``moment`` to ``now``; ``None`` for never."""
    return None if moment is None else max(0, (now - moment).days)
