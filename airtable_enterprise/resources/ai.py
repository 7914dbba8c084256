"""The workspace AI allowlist (REFERENCE §15, beta).

The body of :meth:`Enterprise.allow_ai`; ``enterprise.py`` binds it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .._core.batch import chunked
from .._core.gather import gather
from .._core.validate import check_bool, check_id
from ..errors import InvalidInputError
from ..models.results import AiAllowlistResponse
from ..workspace import Workspace
from ._common import merge_answers

if TYPE_CHECKING:
    from ..enterprise import Enterprise

__all__ = ["allow_ai"]

#: Workspaces per allowlist request: Airtable's documented maximum (REFERENCE §15).
AI_WORKSPACES_PER_REQUEST = 10


async def allow_ai(
    self: Enterprise,
    workspaces: Mapping[str | Workspace, bool],
    *,
    descendants: bool = False,
) -> AiAllowlistResponse:
    """Allow (``True``) or stop (``False``) AI features in workspaces.

    ``POST /v0/meta/enterpriseAccounts/{ent}/workspaceAiAllowlist`` with
    ``{"workspaces": [{"workspaceId", "isAllowed"}], "includeDescendantWorkspaces"?}``,
    in chunks of 10 (Airtable's maximum) sent concurrently, answers merged.
    It matters only when the enterprise's AI policy allows specified workspaces.
    Workspaces that could not be changed are in ``errors``, each with its
    ``workspace_id``.
    """
    if not isinstance(workspaces, Mapping) or not workspaces:
        raise InvalidInputError(
            "workspaces", workspaces, "must be a non-empty {workspace: bool} mapping"
        )
    check_bool("descendants", descendants)
    items: dict[str, bool] = {}
    for workspace, allowed in workspaces.items():
        if isinstance(workspace, Workspace):
            workspace_id = workspace.id
        else:
            workspace_id = check_id(f"workspaces[{workspace!r}]", workspace, "wsp")
        items[workspace_id] = check_bool(f"workspaces[{workspace_id!r}]", allowed)
    path = f"{self.url}/workspaceAiAllowlist"
    payload = [{"workspaceId": w, "isAllowed": allowed} for w, allowed in items.items()]

    def post(chunk: list[dict[str, object]]) -> Any:
        async def call() -> Any:
            body: dict[str, object] = {"workspaces": chunk}
            if descendants:
                body["includeDescendantWorkspaces"] = True
            return await self.api.request("POST", path, json=body)

        return call

    answers = await gather(
        [post(chunk) for chunk in chunked(payload, AI_WORKSPACES_PER_REQUEST)],
        cancel_on_error=False,
    )
    merged = merge_answers(answers, ("errors",), method="POST", path=path)
    return self.api.structure(merged, AiAllowlistResponse, method="POST", path=path)
