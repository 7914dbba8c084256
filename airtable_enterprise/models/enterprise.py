"""The enterprise account: ``GET /v0/meta/enterpriseAccounts/{ent}`` (REFERENCE §3.1)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ._base import raw_field
from ._keyed import find, register_keyed_tuple

__all__ = ["DescendantEnterprise", "EmailDomain", "EnterpriseAggregate", "EnterpriseInfo"]


@attrs.frozen(kw_only=True)
class EmailDomain:
    """An item of ``emailDomains``: a domain the enterprise owns."""

    email_domain: str
    is_sso_required: bool
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class EnterpriseAggregate:
    """``aggregated``: the IDs across this account and all its descendants."""

    group_ids: tuple[str, ...] = ()
    user_ids: tuple[str, ...] = ()
    workspace_ids: tuple[str, ...] = ()
    raw: Mapping[str, Any] = raw_field()

    @property
    def user_count(self) -> int:
        """``len(user_ids)``."""
        return len(self.user_ids)


@attrs.frozen(kw_only=True)
class DescendantEnterprise:
    """One entry of ``descendants``: a descendant account (org unit) and its IDs.

    On the wire ``descendants`` is an object keyed by account ID; :attr:`id` is that
    key. Airtable returns no name for a descendant account.
    """

    id: str
    group_ids: tuple[str, ...] = ()
    user_ids: tuple[str, ...] = ()
    workspace_ids: tuple[str, ...] = ()
    raw: Mapping[str, Any] = raw_field()

    @property
    def user_count(self) -> int:
        """``len(user_ids)``."""
        return len(self.user_ids)


register_keyed_tuple(DescendantEnterprise, "id")


@attrs.frozen(kw_only=True)
class EnterpriseInfo:
    """An enterprise account, from ``GET /v0/meta/enterpriseAccounts/{ent}``.

    ``user_ids`` lists every collaborator on the enterprise's workspaces, bases and
    interfaces, external users included. ``aggregated`` and ``descendants`` are set only
    when asked for (``include[]``) and the Enterprise Hub feature is on; ``descendants``
    is a tuple of :class:`DescendantEnterprise` in wire order. The API returns no name
    for an enterprise account.
    """

    id: str
    created_time: datetime
    root_enterprise_account_id: str
    descendant_enterprise_account_ids: tuple[str, ...] = ()
    email_domains: tuple[EmailDomain, ...] = ()
    group_ids: tuple[str, ...] = ()
    user_ids: tuple[str, ...] = ()
    workspace_ids: tuple[str, ...] = ()
    aggregated: EnterpriseAggregate | None = None
    descendants: tuple[DescendantEnterprise, ...] | None = None
    raw: Mapping[str, Any] = raw_field()

    @property
    def user_count(self) -> int:
        """``len(user_ids)``: users of this account, external collaborators included."""
        return len(self.user_ids)

    def descendant(self, enterprise_account_id: str) -> DescendantEnterprise | None:
        """The entry of :attr:`descendants` for that account, or ``None``."""
        return find(self.descendants, "id", enterprise_account_id)

    @property
    def is_root(self) -> bool:
        """Whether this is a root account (``rootEnterpriseAccountId`` is its own ID)."""
        return self.root_enterprise_account_id == self.id
