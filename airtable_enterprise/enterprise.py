"""The Enterprise handle: ``api.enterprise("ent...")``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._validate import check_id

if TYPE_CHECKING:
    from .api import AsyncApi

__all__ = ["Enterprise"]


class Enterprise:
    """An enterprise account (``ent...``); every method is a coroutine that calls
    ``/v0/meta/enterpriseAccounts/{id}/...``. Made by :meth:`AsyncApi.enterprise`."""

    def __init__(self, api: AsyncApi, enterprise_account_id: str) -> None:
        self.api = api
        self.id = check_id("enterprise_account_id", enterprise_account_id, "ent")

    def __repr__(self) -> str:
        return f"<Enterprise {self.id}>"

    @property
    def url(self) -> str:
        """``/v0/meta/enterpriseAccounts/{id}``: the path every call below builds on."""
        return f"/v0/meta/enterpriseAccounts/{self.id}"
