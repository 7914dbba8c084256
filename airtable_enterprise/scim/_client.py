"""The ``api.scim`` handle: SCIM 2.0 users and groups (REFERENCE §12).

SCIM has its own root (``/scim/v2``, not under ``/v0``) but shares everything else with
the REST calls: the :class:`~airtable_enterprise.AsyncApi` request core, its rate
limiter, retries and error tree. A SCIM error body (``{schemas, status, detail,
scimType?}``) becomes the usual :class:`~airtable_enterprise.APIError` subclass, with
``scimType`` as its ``error_type``; Airtable's 400 for an unknown group ID becomes
:class:`~airtable_enterprise.GroupNotFoundError`.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import AsyncGenerator, AsyncIterator, Iterable
from contextlib import aclosing
from typing import TYPE_CHECKING, Any, TypeVar

from .._core.convert import converter
from .._core.text import check_text, email_key
from .._core.validate import check_bool, check_email, check_id, check_ids, check_user
from ..errors import InvalidInputError, ResponseValidationError, UserNotFoundError
from ..models.scim import (
    SCHEMA_ENTERPRISE_USER,
    SCHEMA_GROUP,
    SCHEMA_SSO_USER,
    SCHEMA_USER,
    ScimEnterpriseUser,
    ScimGroup,
    ScimGroupList,
    ScimUser,
    ScimUserList,
)
from ._paging import UserWalk
from ._patch import PatchOperation, ScimPatch

if TYPE_CHECKING:
    from ..api import AsyncApi

__all__ = ["DEFAULT_PAGE_SIZE", "Scim"]

T = TypeVar("T")

#: Users per ``GET /scim/v2/Users`` page. The server's default count is "all" (§12),
#: one huge answer for a large enterprise, so the client always pages explicitly.
DEFAULT_PAGE_SIZE = 100


class Scim:
    """SCIM users and groups of the token's enterprise: ``api.scim``. Sends no request
    until a method is awaited; ``base_url`` is where ``/Users`` and ``/Groups`` live."""

    def __init__(self, api: AsyncApi, base_url: str) -> None:
        self._api = api
        self.base_url = base_url.rstrip("/")
        # Same host as the REST calls: a path relative to it; another host: a full URL.
        endpoint = api.endpoint_url
        self._root = (
            self.base_url[len(endpoint) :]
            if self.base_url.startswith(endpoint + "/")
            else self.base_url
        )

    def __repr__(self) -> str:
        return f"<Scim base_url={self.base_url!r}>"

    def _path(self, kind: str, object_id: str | None = None) -> str:
        return f"{self._root}/{kind}" if object_id is None else f"{self._root}/{kind}/{object_id}"

    def _user_path(self, user_id: str) -> str:
        """``/Users/{userId}``, the ID checked (``usr...``) before any request."""
        return self._path("Users", check_id("user_id", user_id, "usr"))

    def _group_path(self, group_id: str) -> str:
        """``/Groups/{groupId}``, the ID checked (``ugp...``) before any request."""
        return self._path("Groups", check_id("group_id", group_id, "ugp"))

    async def _call(
        self,
        cls: type[T],
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: object = None,
    ) -> T:
        return await self._api.request_model(cls, method, path, params=params, json=body)

    # ------------------------------------------------------------------ users

    def users(
        self, *, user_name: str | None = None, page_size: int = DEFAULT_PAGE_SIZE
    ) -> AsyncGenerator[ScimUser, None]:
        """Every SCIM user (managed users only), paging ``GET /scim/v2/Users`` by
        ``startIndex``/``count``; ``user_name`` filters with ``userName eq "..."`` (sent
        in NFC, the form a directory stores: the address typed in NFD matches too); only
        users with that email key are yielded, so a server that ignored the filter cannot
        list someone else.

        Pages that do not back ``totalResults`` (an empty page before the total, a page
        repeating users, more or fewer users than the total) end the walk in a
        ``ResponseValidationError``, never in a silently partial list."""
        params: dict[str, Any] = {}
        key = None
        if user_name is not None:
            wanted = unicodedata.normalize("NFC", check_email("user_name", user_name))
            params["filter"] = f"userName eq {json.dumps(wanted, ensure_ascii=False)}"
            key = email_key(wanted)
        if isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1:
            raise InvalidInputError("page_size", page_size, "must be an int >= 1")
        return self._pages(params, page_size, key)

    async def users_page(
        self, start_index: int = 1, count: int = DEFAULT_PAGE_SIZE
    ) -> ScimUserList:
        """One page of ``GET /scim/v2/Users?startIndex=&count=`` (``start_index`` is 1-based),
        with its ``total_results``: for fetching pages concurrently."""
        for name, value in (("start_index", start_index), ("count", count)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InvalidInputError(name, value, "must be an int >= 1")
        params = {"startIndex": start_index, "count": count}
        return await self._call(ScimUserList, "GET", self._path("Users"), params=params)

    async def _pages(
        self, params: dict[str, Any], page_size: int, key: str | None = None
    ) -> AsyncGenerator[ScimUser, None]:
        path = self._path("Users")
        walk = UserWalk(page_size, path)
        while not walk.done:
            page = await self._call(
                ScimUserList,
                "GET",
                path,
                params={**params, "startIndex": walk.start, "count": page_size},
            )
            for user in walk.take(page):
                if key is None or email_key(user.user_name) == key:
                    yield user

    async def user(self, user_name: str) -> ScimUser | None:
        """The SCIM user whose ``userName`` is ``user_name`` (``GET /scim/v2/Users?filter=``),
        or ``None``. The email is sent in NFC; only an answer with the same email key
        (case, NFC/NFD and spaces ignored) counts, so a server that ignored the filter
        cannot hand back someone else. Two users with that key (``Zoe@`` and ``zoe@``,
        or one typed in NFD) are an :class:`~airtable_enterprise.InvalidInputError`
        naming their IDs: the email does not say which one is meant."""
        key = email_key(check_email("user_name", user_name))
        async with aclosing(self.users(user_name=user_name, page_size=10)) as found:
            matches = [user async for user in found if email_key(user.user_name) == key]
        if len(matches) > 1:
            ids = ", ".join(user.id for user in matches)
            raise InvalidInputError(
                "user_name", user_name, f"matches {len(matches)} SCIM users ({ids}); use the ID"
            )
        return matches[0] if matches else None

    async def user_id(self, user: str) -> str:
        """The ID of ``user``: an ID (``usr...``) as it is, or an email looked up with
        ``GET /scim/v2/Users?filter=userName eq "..."``; an email that matches no SCIM user
        raises :class:`~airtable_enterprise.UserNotFoundError`."""
        value = check_user("user", user)
        if "@" not in value:
            return value
        found = await self.user(value)
        if found is None:
            raise UserNotFoundError(value, None)
        return found.id

    async def get_user(self, user_id: str) -> ScimUser:
        """``GET /scim/v2/Users/{userId}``; an unknown ID raises ``NotFoundError`` (404)."""
        return await self._call(ScimUser, "GET", self._user_path(user_id))

    async def create_user(
        self,
        user_name: str,
        *,
        given_name: str,
        family_name: str,
        external_id: str | None = None,
        title: str | None = None,
        enterprise: ScimEnterpriseUser | None = None,
        sso_email_domain: str | None = None,
    ) -> ScimUser:
        """``POST /scim/v2/Users``: a new managed user, always active. ``user_name`` is the
        email; its domain must belong to the enterprise. A taken email raises
        ``ConflictError`` (409, ``error_type`` ``"uniqueness"``)."""
        body = user_body(
            user_name,
            given_name=given_name,
            family_name=family_name,
            external_id=external_id,
            title=title,
            enterprise=enterprise,
            sso_email_domain=sso_email_domain,
        )
        return await self._call(ScimUser, "POST", self._path("Users"), body=body)

    async def replace_user(
        self,
        user_id: str,
        user_name: str,
        *,
        given_name: str,
        family_name: str,
        active: bool = True,
        external_id: str | None = None,
        title: str | None = None,
        enterprise: ScimEnterpriseUser | None = None,
        sso_email_domain: str | None = None,
    ) -> ScimUser:
        """``PUT /scim/v2/Users/{userId}``: replace every attribute (those left out are
        cleared)."""
        path = self._user_path(user_id)
        body = user_body(
            user_name,
            given_name=given_name,
            family_name=family_name,
            external_id=external_id,
            title=title,
            enterprise=enterprise,
            sso_email_domain=sso_email_domain,
        )
        body["active"] = check_bool("active", active)
        return await self._call(ScimUser, "PUT", path, body=body)

    async def patch_user(
        self, user_id: str, operations: ScimPatch | Iterable[PatchOperation]
    ) -> ScimUser:
        """``PATCH /scim/v2/Users/{userId}``: the operations, applied in order."""
        path = self._user_path(user_id)
        return await self._call(ScimUser, "PATCH", path, body=_patch(operations).body())

    async def deactivate_user(self, user_id: str) -> ScimUser:
        """``PATCH /scim/v2/Users/{userId}`` with ``active: false`` (state ``deactivated``)."""
        return await self.patch_user(user_id, ScimPatch().set_active(False))

    async def reactivate_user(self, user_id: str) -> ScimUser:
        """``PATCH /scim/v2/Users/{userId}`` with ``active: true`` (state ``provisioned``)."""
        return await self.patch_user(user_id, ScimPatch().set_active(True))

    async def delete_user(self, user_id: str) -> None:
        """``DELETE /scim/v2/Users/{userId}``: delete the user (empty response)."""
        path = self._user_path(user_id)
        await self._api.request("DELETE", path)

    # ------------------------------------------------------------------ groups

    def groups(self, *, display_name: str | None = None) -> AsyncIterator[ScimGroup]:
        """Every SCIM group, from one ``GET /scim/v2/Groups`` (Airtable documents no
        ``startIndex`` for groups, and its default count is all); ``display_name``
        filters with ``displayName eq "..."``. Items carry no ``members``. An answer
        holding fewer (or more) groups than its ``totalResults`` (a server capping the
        count, ``Resources`` null) is a ``ResponseValidationError``, never a partial list."""
        params: dict[str, Any] = {}
        if display_name is not None:
            name = check_text("display_name", display_name)
            params["filter"] = f"displayName eq {json.dumps(name, ensure_ascii=False)}"
        return self._groups(params)

    async def _groups(self, params: dict[str, Any]) -> AsyncIterator[ScimGroup]:
        path = self._path("Groups")
        page = await self._call(ScimGroupList, "GET", path, params=params or None)
        if page.total_results != len(page.resources):
            raise ResponseValidationError(
                f"SCIM groups: totalResults is {page.total_results} but the answer holds "
                f"{len(page.resources)} groups; stopped rather than return a partial list",
                method="GET",
                path=path,
            )
        for group in page.resources:
            yield group

    async def group(self, display_name: str) -> ScimGroup | None:
        """The group named ``display_name`` (``GET /scim/v2/Groups?filter=``), without
        members, or ``None``."""
        async for found in self.groups(display_name=display_name):
            return found
        return None

    async def get_group(self, group_id: str) -> ScimGroup:
        """``GET /scim/v2/Groups/{groupId}`` with its members. An unknown ID raises
        ``GroupNotFoundError`` (Airtable answers 400, not 404)."""
        path = self._group_path(group_id)
        return await self._call(ScimGroup, "GET", path)

    async def create_group(self, display_name: str) -> ScimGroup:
        """``POST /scim/v2/Groups``: a new, empty group (add members with
        :meth:`add_members`). A taken name raises ``ConflictError`` (409)."""
        body = {"schemas": [SCHEMA_GROUP], "displayName": check_text("display_name", display_name)}
        return await self._call(ScimGroup, "POST", self._path("Groups"), body=body)

    async def replace_group(
        self, group_id: str, display_name: str, member_ids: Iterable[str] = ()
    ) -> ScimGroup:
        """``PUT /scim/v2/Groups/{groupId}``: set the name and the whole member list."""
        path = self._group_path(group_id)
        members = list(member_ids)
        ids = check_ids("member_ids", members, "usr") if members else []
        body = {
            "schemas": [SCHEMA_GROUP],
            "displayName": check_text("display_name", display_name),
            "members": [{"value": user_id} for user_id in ids],
        }
        return await self._call(ScimGroup, "PUT", path, body=body)

    async def patch_group(
        self, group_id: str, operations: ScimPatch | Iterable[PatchOperation]
    ) -> ScimGroup:
        """``PATCH /scim/v2/Groups/{groupId}``: the operations, applied in order."""
        path = self._group_path(group_id)
        return await self._call(ScimGroup, "PATCH", path, body=_patch(operations).body())

    async def add_members(self, group_id: str, user_ids: Iterable[str]) -> ScimGroup:
        """``PATCH /scim/v2/Groups/{groupId}``: ``add members`` (users already in stay)."""
        ids = check_ids("user_ids", list(user_ids), "usr")
        return await self.patch_group(group_id, ScimPatch().add_members(ids))

    async def remove_members(self, group_id: str, user_ids: Iterable[str]) -> ScimGroup:
        """``PATCH /scim/v2/Groups/{groupId}``: ``remove members[value eq "..."]`` per user."""
        ids = check_ids("user_ids", list(user_ids), "usr")
        return await self.patch_group(group_id, ScimPatch().remove_members(ids))

    async def rename_group(self, group_id: str, display_name: str) -> ScimGroup:
        """``PATCH /scim/v2/Groups/{groupId}``: ``replace displayName``."""
        return await self.patch_group(group_id, ScimPatch().rename(display_name))

    async def delete_group(self, group_id: str) -> None:
        """``DELETE /scim/v2/Groups/{groupId}`` (empty response)."""
        path = self._group_path(group_id)
        await self._api.request("DELETE", path)


def user_body(
    user_name: str,
    *,
    given_name: str,
    family_name: str,
    external_id: str | None = None,
    title: str | None = None,
    enterprise: ScimEnterpriseUser | None = None,
    sso_email_domain: str | None = None,
) -> dict[str, Any]:
    """The JSON of a user for ``POST``/``PUT /scim/v2/Users``, checked (pure)."""
    schemas = [SCHEMA_USER]
    body: dict[str, Any] = {
        "userName": check_email("user_name", user_name),
        "name": {
            "givenName": check_text("given_name", given_name),
            "familyName": check_text("family_name", family_name),
        },
    }
    for key, value in (("externalId", external_id), ("title", title)):
        if value is not None:
            body[key] = check_text(key, value)
    if enterprise is not None:
        if not isinstance(enterprise, ScimEnterpriseUser):
            raise InvalidInputError("enterprise", enterprise, "must be a ScimEnterpriseUser")
        schemas.append(SCHEMA_ENTERPRISE_USER)
        body[SCHEMA_ENTERPRISE_USER] = converter.unstructure(enterprise)
    if sso_email_domain is not None:
        schemas.append(SCHEMA_SSO_USER)
        body[SCHEMA_SSO_USER] = {"emailDomain": check_text("sso_email_domain", sso_email_domain)}
    return {"schemas": schemas, **body}


def _patch(operations: ScimPatch | Iterable[PatchOperation]) -> ScimPatch:
    if isinstance(operations, ScimPatch):
        return operations
    if isinstance(operations, str | bytes | dict):
        raise InvalidInputError(
            "operations", operations, "must be a ScimPatch or PatchOperation items"
        )
    return ScimPatch(operations)
