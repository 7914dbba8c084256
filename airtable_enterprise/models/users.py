"""Enterprise users: ``GET /v0/meta/enterpriseAccounts/{ent}/users`` (REFERENCE §4.1, §4.2)
and the input of the batched manage-user call (§4.4)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import attrs

from ._base import raw_field
from ._keyed import find, register_keyed_tuple
from .collaborators import Collaborations

__all__ = [
    "UserAggregate",
    "UserDescendant",
    "UserGroupRef",
    "UserInfo",
    "UserList",
    "UserUpdate",
]


@attrs.frozen(kw_only=True)
class UserGroupRef:
    """An item of a user's ``groups``: a group (``ugp...``) of this account."""

    id: str
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class UserAggregate:
    """A user's ``aggregated`` values across the whole Hub organization."""

    last_activity_time: datetime | None = None
    collaborations: Collaborations | None = None
    is_admin: bool | None = None
    license_type: str | None = None
    groups: tuple[UserGroupRef, ...] = ()
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class UserDescendant:
    """One entry of a user's ``descendants``: the user in one descendant account.

    On the wire ``descendants`` is an object keyed by account ID;
    :attr:`enterprise_account_id` is that key.
    """

    enterprise_account_id: str
    last_activity_time: datetime | None = None
    license_type: str | None = None
    collaborations: Collaborations | None = None
    is_admin: bool | None = None
    is_managed: bool | None = None
    groups: tuple[UserGroupRef, ...] = ()
    raw: Mapping[str, Any] = raw_field()


register_keyed_tuple(UserDescendant, "enterprise_account_id")


@attrs.frozen(kw_only=True)
class UserInfo:
    """An enterprise user (``usr...``), from ``GET /v0/meta/enterpriseAccounts/{ent}/users``.

    ``state`` is ``"provisioned"`` (can log in) or ``"deactivated"``; whether the
    enterprise manages the user is the separate :attr:`is_managed` (REFERENCE §1.9).
    ``last_activity_time`` is ``None`` for a user never active on this enterprise.
    ``collaborations`` is set when requested (the default of :meth:`Enterprise.user`).
    Fields marked optional in the reference are ``None`` (or empty) when not returned.
    """

    id: str
    email: str
    name: str
    state: str
    is_service_account: bool
    is_sso_required: bool
    is_two_factor_auth_enabled: bool
    last_activity_time: datetime | None
    created_time: datetime | None = None
    invited_to_airtable_by_user_id: str | None = None
    is_admin: bool | None = None
    is_managed: bool | None = None
    is_super_admin: bool | None = None
    license_type: str | None = None
    enterprise_user_type: str | None = None
    groups: tuple[UserGroupRef, ...] = ()
    collaborations: Collaborations | None = None
    aggregated: UserAggregate | None = None
    descendants: tuple[UserDescendant, ...] | None = None
    raw: Mapping[str, Any] = raw_field()

    @property
    def group_ids(self) -> tuple[str, ...]:
        """The IDs in :attr:`groups`."""
        return tuple(group.id for group in self.groups)

    def descendant(self, enterprise_account_id: str) -> UserDescendant | None:
        """The user's entry in :attr:`descendants` for that account, or ``None``."""
        return find(self.descendants, "enterprise_account_id", enterprise_account_id)

    @property
    def is_deactivated(self) -> bool:
        """Whether ``state`` is ``"deactivated"`` (the user cannot log in)."""
        return self.state == "deactivated"


class UserList(list[UserInfo]):
    """The users found by :meth:`Enterprise.users`: a ``list`` in input order, plus
    :attr:`missing`, the inputs (IDs or emails, as given) that matched no user.

    Airtable leaves unknown IDs and emails out of its answer without an error, so
    ``missing`` is the only way to see them. Each user appears once, even when it
    was asked for by both ID and email.
    """

    missing: tuple[str, ...]

    def __init__(self, users: Iterable[UserInfo] = (), missing: Iterable[str] = ()) -> None:
        super().__init__(users)
        self.missing = tuple(missing)

    def __repr__(self) -> str:
        return f"UserList({list.__repr__(self)}, missing={self.missing!r})"


@attrs.frozen(kw_only=True)
class UserUpdate:
    """One change for :meth:`Enterprise.update_users` (an item of the batched PATCH body).

    ``id`` picks the user; without it ``email`` does. With both, ``id`` picks the user
    and ``email`` becomes their new address (REFERENCE §4.4). Fields left ``None`` are
    not sent.
    """

    id: str | None = None
    email: str | None = None
    state: str | None = None
    first_name: str | None = None
    last_name: str | None = None
