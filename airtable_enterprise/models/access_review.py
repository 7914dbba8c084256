"""Access reviews: one row per (user, resource) grant, and the changes between two reviews.

Rows are built by :meth:`Enterprise.access_review` from ``GET
/v0/meta/enterpriseAccounts/{ent}/users?include[]=collaborations`` (REFERENCE §4.1),
``GET /v0/meta/groups/{ugp}`` (§5.1), ``GET /v0/meta/workspaces/{wsp}`` (§6.3) and
``GET .../personalAccessTokens`` (§14.1); :func:`diff_access` compares two reviews.
:meth:`AccessRow.to_record` / :meth:`AccessRow.from_record` are the flat form a review
file holds (CSV or JSON Lines), so a review written today can be diffed next quarter.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import attrs

from .._core.convert import format_datetime, parse_datetime
from ..errors import InvalidInputError

__all__ = [
    "CHANGE_KINDS",
    "RECORD_FIELDS",
    "RESOURCE_KINDS",
    "AccessChange",
    "AccessDiff",
    "AccessRow",
    "diff_access",
]

#: What a row grants access to. ``enterprise`` is the user's own row in the account they
#: are a member of (every reviewed user has one: ``admin`` or ``member``; a descendant
#: account's when the wire tells it, else the reviewed account), so that users with no
#: other access are listed too and an admin grant or a new user shows in a diff.
RESOURCE_KINDS = ("enterprise", "workspace", "base", "interface", "token")

#: The kinds of :class:`AccessChange`, in the order a diff lists them.
CHANGE_KINDS = (
    "user_added",
    "user_removed",
    "user_deactivated",
    "user_reactivated",
    "granted",
    "revoked",
    "level_changed",
)

#: The columns of a review file, in order (``held`` is derived, ignored when read back).
RECORD_FIELDS = (
    "user_id",
    "email",
    "state",
    "is_admin",
    "external",
    "last_activity_time",
    "resource_kind",
    "resource_id",
    "resource_name",
    "base_id",
    "permission_level",
    "scopes",
    "token_access",
    "held",
    "via_group",
    "via_workspace",
)


@attrs.frozen(kw_only=True, slots=True)
class AccessRow:
    """One grant of one user, from :meth:`Enterprise.access_review`.

    - ``resource_kind``: ``enterprise`` (the user's own row, ``resource_id`` the account
      they are a member of: ``permission_level`` is ``admin`` or ``member``),
      ``workspace``, ``base``, ``interface`` or ``token``.
    - ``resource_name``: the workspace's or token's name, the base's or interface's with
      ``access_review(names=True)``; ``None`` where the review's calls do not return it.
    - ``base_id``: the base of an ``interface`` row.
    - ``permission_level``: the level granted; for a token ``None``, and ``scopes`` and
      ``token_access`` (its ``resourceAccess.mode``) say what it reaches.
    - How it is held: ``via_group`` (the group ``ugp...`` granted it), ``via_workspace``
      (a base reached through a grant on its workspace); both ``None`` means direct.
    - ``external``: the email's domain is not one of the enterprise's.
    """

    user_id: str
    email: str
    state: str
    is_admin: bool
    external: bool
    last_activity_time: datetime | None
    resource_kind: str
    resource_id: str
    resource_name: str | None = None
    base_id: str | None = None
    permission_level: str | None = None
    scopes: tuple[str, ...] = ()
    token_access: str | None = None
    via_group: str | None = None
    via_workspace: str | None = None

    @property
    def held(self) -> str:
        """How the grant is held: ``direct``, ``group ugp...``, ``workspace wsp...``, or
        ``group ugp..., workspace wsp...`` (a group's grant on the base's workspace)."""
        parts = []
        if self.via_group is not None:
            parts.append(f"group {self.via_group}")
        if self.via_workspace is not None:
            parts.append(f"workspace {self.via_workspace}")
        return ", ".join(parts) or "direct"

    @property
    def permission(self) -> str:
        """The level granted, or a token's scopes separated by spaces."""
        if self.permission_level is not None:
            return self.permission_level
        return " ".join(self.scopes)

    @property
    def key(self) -> tuple[str, str, str, str | None, str | None]:
        """What identifies the grant across reviews: user, resource and how it is held."""
        return (
            self.user_id,
            self.resource_kind,
            self.resource_id,
            self.via_group,
            self.via_workspace,
        )

    def to_record(self) -> dict[str, Any]:
        """The flat, JSON-ready form of a review file (keys :data:`RECORD_FIELDS`)."""
        return {
            "user_id": self.user_id,
            "email": self.email,
            "state": self.state,
            "is_admin": self.is_admin,
            "external": self.external,
            "last_activity_time": (
                None
                if self.last_activity_time is None
                else format_datetime(self.last_activity_time)
            ),
            "resource_kind": self.resource_kind,
            "resource_id": self.resource_id,
            "resource_name": self.resource_name,
            "base_id": self.base_id,
            "permission_level": self.permission_level,
            "scopes": list(self.scopes),
            "token_access": self.token_access,
            "held": self.held,
            "via_group": self.via_group,
            "via_workspace": self.via_workspace,
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any], *, where: str = "record") -> AccessRow:
        """A row from :meth:`to_record`'s form (JSON values, or CSV's strings: booleans
        as ``true``/``false``, scopes separated by spaces, empty cells as ``None``).
        Absent optional keys read as ``None``; a wrong type is an :class:`InvalidInputError`
        naming ``where``."""
        if not isinstance(record, Mapping):
            raise InvalidInputError(where, record, "must be an object")
        kind = _required(record, "resource_kind", where)
        if kind not in RESOURCE_KINDS:
            raise InvalidInputError(f"{where}.resource_kind", kind, "is not a resource kind")
        last = _text(record, "last_activity_time", where)
        try:
            last_activity = None if last is None else parse_datetime(last)
        except (TypeError, ValueError):
            raise InvalidInputError(
                f"{where}.last_activity_time", last, "is not an ISO 8601 time"
            ) from None
        return cls(
            user_id=_required(record, "user_id", where),
            email=_required(record, "email", where),
            state=_required(record, "state", where),
            is_admin=_flag(record, "is_admin", where),
            external=_flag(record, "external", where),
            last_activity_time=last_activity,
            resource_kind=kind,
            resource_id=_required(record, "resource_id", where),
            resource_name=_text(record, "resource_name", where),
            base_id=_text(record, "base_id", where),
            permission_level=_text(record, "permission_level", where),
            scopes=_scopes(record, where),
            token_access=_text(record, "token_access", where),
            via_group=_text(record, "via_group", where),
            via_workspace=_text(record, "via_workspace", where),
        )


def _text(record: Mapping[str, Any], key: str, where: str) -> str | None:
    value = record.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidInputError(f"{where}.{key}", value, "must be a string")
    return value


def _required(record: Mapping[str, Any], key: str, where: str) -> str:
    value = _text(record, key, where)
    if value is None:
        raise InvalidInputError(f"{where}.{key}", record.get(key), "is required")
    return value


def _flag(record: Mapping[str, Any], key: str, where: str) -> bool:
    value = record.get(key)
    if value is None or value == "" or value is False or value == "false":
        return False
    if value is True or value == "true":
        return True
    raise InvalidInputError(f"{where}.{key}", value, "must be true or false")


def _scopes(record: Mapping[str, Any], where: str) -> tuple[str, ...]:
    value = record.get("scopes")
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(value.split())
    if isinstance(value, list) and all(isinstance(scope, str) for scope in value):
        return tuple(value)
    raise InvalidInputError(f"{where}.scopes", value, "must be a list of strings")


# --------------------------------------------------------------------------- diff


@attrs.frozen(kw_only=True, slots=True)
class AccessChange:
    """One difference between two reviews (see :func:`diff_access`).

    ``change`` is one of :data:`CHANGE_KINDS`. User changes leave the resource fields
    ``None``; grant changes carry the row's resource and how it is held. ``old`` and
    ``new`` are the permission before and after (a level, or a token's scopes), or the
    user's state for ``user_deactivated`` / ``user_reactivated``.
    """

    change: str
    user_id: str
    email: str
    resource_kind: str | None = None
    resource_id: str | None = None
    resource_name: str | None = None
    held: str | None = None
    old: str | None = None
    new: str | None = None

    def to_record(self) -> dict[str, Any]:
        """The JSON-ready form (one JSON Lines record of ``access-review --diff``)."""
        return attrs.asdict(self)


@attrs.frozen(kw_only=True)
class AccessDiff:
    """What changed between two reviews: :attr:`changes` in :data:`CHANGE_KINDS` order,
    then by email, resource kind and ID."""

    changes: tuple[AccessChange, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.changes)

    def __len__(self) -> int:
        return len(self.changes)

    def of(self, change: str) -> tuple[AccessChange, ...]:
        """The changes of one kind (``"granted"``, ``"user_removed"``...)."""
        return tuple(item for item in self.changes if item.change == change)

    def counts(self) -> dict[str, int]:
        """How many changes of each kind (every kind of :data:`CHANGE_KINDS`, zeros included)."""
        found = dict.fromkeys(CHANGE_KINDS, 0)
        for item in self.changes:
            found[item.change] += 1
        return found


def diff_access(old_rows: Iterable[AccessRow], new_rows: Iterable[AccessRow]) -> AccessDiff:
    """The changes from one review to the next: users added, removed, deactivated or
    reactivated; grants given, revoked, or whose level (or token scopes) changed.

    A grant is the same across reviews when its user, resource and the way it is held
    (directly, through which group, through which workspace) are; rows of a user who
    left are reported as revoked too, so every lost grant is listed. Pure: no request.
    """
    old = _by_key(old_rows, "old_rows")
    new = _by_key(new_rows, "new_rows")
    old_users = _users(old.values())
    new_users = _users(new.values())
    changes: list[AccessChange] = []
    for user_id, row in new_users.items():
        before = old_users.get(user_id)
        if before is None:
            changes.append(_user_change("user_added", row, None, row.state))
        elif before.state != row.state and "deactivated" in (before.state, row.state):
            kind = "user_deactivated" if row.state == "deactivated" else "user_reactivated"
            changes.append(_user_change(kind, row, before.state, row.state))
    for user_id, row in old_users.items():
        if user_id not in new_users:
            changes.append(_user_change("user_removed", row, row.state, None))
    for key, row in new.items():
        before = old.get(key)
        if before is None:
            changes.append(_grant_change("granted", row, None, row.permission))
        elif before.permission != row.permission:
            changes.append(_grant_change("level_changed", row, before.permission, row.permission))
    for key, row in old.items():
        if key not in new:
            changes.append(_grant_change("revoked", row, row.permission, None))
    order = {kind: index for index, kind in enumerate(CHANGE_KINDS)}
    changes.sort(
        key=lambda c: (
            order[c.change],
            c.email.casefold(),
            c.user_id,
            c.resource_kind or "",
            c.resource_id or "",
            c.held or "",
        )
    )
    return AccessDiff(changes=tuple(changes))


def _by_key(rows: Iterable[AccessRow], argument: str) -> dict[tuple[Any, ...], AccessRow]:
    found: dict[tuple[Any, ...], AccessRow] = {}
    for index, row in enumerate(rows):
        if not isinstance(row, AccessRow):
            raise InvalidInputError(f"{argument}[{index}]", row, "must be an AccessRow")
        found[row.key] = row
    return found


def _users(rows: Iterable[AccessRow]) -> dict[str, AccessRow]:
    found: dict[str, AccessRow] = {}
    for row in rows:
        found.setdefault(row.user_id, row)
    return found


def _user_change(kind: str, row: AccessRow, old: str | None, new: str | None) -> AccessChange:
    return AccessChange(change=kind, user_id=row.user_id, email=row.email, old=old, new=new)


def _grant_change(kind: str, row: AccessRow, old: str | None, new: str | None) -> AccessChange:
    return AccessChange(
        change=kind,
        user_id=row.user_id,
        email=row.email,
        resource_kind=row.resource_kind,
        resource_id=row.resource_id,
        resource_name=row.resource_name,
        held=row.held,
        old=old,
        new=new,
    )
