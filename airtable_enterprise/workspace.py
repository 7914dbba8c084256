"""The Workspace handle: ``api.workspace("wsp...")``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._validate import check_id

if TYPE_CHECKING:
    from .api import AsyncApi

__all__ = ["Workspace"]


class Workspace:
    """A workspace (``wsp...``); every method is a coroutine that calls
    ``/v0/meta/workspaces/{id}...``. Made by :meth:`AsyncApi.workspace`."""

    def __init__(self, api: AsyncApi, workspace_id: str) -> None:
        self.api = api
        self.id = check_id("workspace_id", workspace_id, "wsp")

    def __repr__(self) -> str:
        return f"<Workspace {self.id}>"

    @property
    def url(self) -> str:
        """``/v0/meta/workspaces/{id}``."""
        return f"/v0/meta/workspaces/{self.id}"
