"""The Enterprise handle: ``api.enterprise("ent...")``."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Unpack

import attrs

from ._batch import chunked, encoded_length, merge_users, query_batches, unique_users
from ._gather import gather
from ._validate import (
    MEMBERSHIP_STATES,
    USER_STATES,
    check_bool,
    check_choice,
    check_email,
    check_id,
    check_ids,
    check_list,
    check_name,
    check_user,
    is_email,
)
from .audit import (
    AuditLog,
    AuditLogEvents,
    AuditLogOptions,
    FilterInput,
    TimeInput,
    build_query,
)
from .errors import InvalidInputError, ResponseValidationError, UserNotFoundError
from .models._base import raw_field
from .models.enterprise import EnterpriseInfo
from .models.groups import UserGroup
from .models.results import (
    DeleteUsersResponse,
    ManageUsersResponse,
    MoveGroupsResponse,
    MoveWorkspacesResponse,
    UpdateUsersResponse,
    UserRemoved,
)
from .models.users import UserInfo, UserList, UserUpdate
from .workspace import Workspace

if TYPE_CHECKING:
    from .api import AsyncApi

__all__ = ["Enterprise"]

#: IDs and emails per get-users request. Airtable documents no maximum (REFERENCE §4.1);
#: 100 is what other clients send and keeps each answer a reasonable size.
USERS_PER_REQUEST = 100
#: Users per batched manage-user call: Airtable recommends at most 10 (REFERENCE §4.4).
UPDATES_PER_REQUEST = 10
#: The most IDs move-groups and move-workspaces accept (REFERENCE §5.2, §6.10).
MOVE_LIMIT = 100
#: A user argument: an ID (``usr...``), an email, or a :class:`UserInfo`.
UserRef = str | UserInfo


@attrs.frozen(kw_only=True)
class _UsersPage:
    users: tuple[UserInfo, ...] = ()
    raw: Mapping[str, Any] = raw_field()


@attrs.frozen(kw_only=True)
class _CreatedId:
    id: str
    raw: Mapping[str, Any] = raw_field()


class Enterprise:
    """An enterprise account (``ent...``); every method is a coroutine that calls
    ``/v0/meta/enterpriseAccounts/{id}/...``. Made by :meth:`AsyncApi.enterprise`.

    Methods that take a user accept its ID (``usr...``), its email or a
    :class:`UserInfo`. Where the endpoint needs an ID and an email is given, the
    emails of the call are resolved together with one get-users request first.
    """

    def __init__(self, api: AsyncApi, enterprise_account_id: str) -> None:
        self.api = api
        self.id = check_id("enterprise_account_id", enterprise_account_id, "ent")

    def __repr__(self) -> str:
        return f"<Enterprise {self.id}>"

    @property
    def url(self) -> str:
        """``/v0/meta/enterpriseAccounts/{id}``: the path every call below builds on."""
        return f"/v0/meta/enterpriseAccounts/{self.id}"

    # ------------------------------------------------------------------ account

    async def info(self, *, aggregated: bool = False, descendants: bool = False) -> EnterpriseInfo:
        """The account's IDs, domains and Hub structure.

        ``GET /v0/meta/enterpriseAccounts/{ent}`` with ``include[]=aggregated`` and/or
        ``include[]=descendants`` (values across the Hub organization; Airtable returns
        them only when the Enterprise Hub feature is on).
        """
        include = _include(aggregated=aggregated, descendants=descendants)
        return await self.api.request_model(EnterpriseInfo, "GET", self.url, params=include)

    async def create_descendant(self, name: str) -> Enterprise:
        """Create a descendant account (org unit) under this root account; its handle.

        ``POST /v0/meta/enterpriseAccounts/{ent}/descendants`` with ``{"name": ...}``.
        Only a root account with Enterprise Hub enabled can do this.
        """
        body = {"name": check_name("name", name)}
        created = await self.api.request_model(
            _CreatedId, "POST", f"{self.url}/descendants", json=body
        )
        return Enterprise(self.api, created.id)

    # -------------------------------------------------------------------- users

    async def user(
        self,
        id_or_email: str,
        *,
        collaborations: bool = True,
        aggregated: bool = False,
        descendants: bool = False,
    ) -> UserInfo:
        """One user, by ID or email.

        ``GET /v0/meta/enterpriseAccounts/{ent}/users?id[]=...`` (or ``email[]=``) with
        ``include[]`` for ``collaborations`` (direct grants on workspaces, bases,
        interfaces), ``aggregated`` and ``descendants`` (Hub values).
        Raises :class:`UserNotFoundError` when the user is not in the enterprise.
        """
        value = check_user("id_or_email", id_or_email)
        include = _include(
            collaborations=collaborations, aggregated=aggregated, descendants=descendants
        )
        found = await self._find_users([value], include)
        if found.missing:
            raise UserNotFoundError(value, self.id)
        return found[0]

    async def users(
        self,
        ids_or_emails: Iterable[str],
        *,
        collaborations: bool = True,
        aggregated: bool = False,
        descendants: bool = False,
        on_progress: Callable[[int], object] | None = None,
    ) -> UserList:
        """Any number of users, by ID and/or email, in input order.

        ``GET /v0/meta/enterpriseAccounts/{ent}/users?id[]=...&email[]=...``, split
        into requests of at most 100 values whose URLs stay under Airtable's
        16,000-character limit, sent concurrently (the shared rate limiter paces them).
        The result is a list in input order with each user once, even when asked by
        both ID and email; its ``missing`` lists the inputs that matched no user
        (Airtable leaves them out silently). ``include[]`` as in :meth:`user`.

        ``on_progress``, if given, is called with the number of inputs each request
        covered as it completes (for a progress bar; the counts add up to the number
        of distinct inputs).
        """
        values = [
            check_user(f"ids_or_emails[{i}]", value)
            for i, value in enumerate(check_list("ids_or_emails", ids_or_emails))
        ]
        include = _include(
            collaborations=collaborations, aggregated=aggregated, descendants=descendants
        )
        return await self._find_users(unique_users(values), include, on_progress)

    async def _find_users(
        self,
        values: Sequence[str],
        include: list[tuple[str, str]],
        on_progress: Callable[[int], object] | None = None,
    ) -> UserList:
        path = f"{self.url}/users"
        pairs = [("email[]", value) if "@" in value else ("id[]", value) for value in values]
        fixed = sum(encoded_length(pair) + 1 for pair in include)
        batches = query_batches(
            pairs,
            url_prefix_length=len(self.api.endpoint_url) + len(path) + fixed,
            max_items=USERS_PER_REQUEST,
        )

        def fetch(batch: list[tuple[str, str]]) -> Any:
            async def call() -> _UsersPage:
                params = [*batch, *include]
                page = await self.api.request_model(_UsersPage, "GET", path, params=params)
                if on_progress is not None:
                    on_progress(len(batch))
                return page

            return call

        pages = await gather([fetch(batch) for batch in batches])
        users, missing = merge_users(values, (user for page in pages for user in page.users))
        return UserList(users, missing)

    async def _user_ids(self, **users: UserRef) -> dict[str, str]:
        """The ID of each named user argument (an ID, an email or a :class:`UserInfo`);
        the emails among them are looked up together, in one get-users request."""
        values = {
            argument: user.id if isinstance(user, UserInfo) else check_user(argument, user)
            for argument, user in users.items()
        }
        emails = unique_users(value for value in values.values() if "@" in value)
        if not emails:
            return values
        found = await self._find_users(emails, [])
        if found.missing:
            raise UserNotFoundError(found.missing[0], self.id)
        by_email = {user.email.casefold(): user.id for user in found}
        return {
            argument: by_email[value.casefold()] if "@" in value else value
            for argument, value in values.items()
        }

    async def remove_user(
        self,
        user_id: UserRef,
        replacement: UserRef | None = None,
        *,
        descendants: bool = False,
        dry_run: bool = False,
    ) -> UserRemoved:
        """Remove a user from every workspace, base, interface and group of the
        enterprise, and revoke their admin access.

        ``POST /v0/meta/enterpriseAccounts/{ent}/users/{userId}/remove`` with
        ``replacementOwnerId`` (required by Airtable when the user is the sole owner of
        a workspace), ``removeFromDescendants`` (Hub) and ``isDryRun``:
        ``dry_run=True`` previews the removal without doing it. ``user_id`` and
        ``replacement`` may be emails; both are resolved with one lookup.
        """
        check_bool("descendants", descendants)
        check_bool("dry_run", dry_run)
        if replacement is None:
            ids = await self._user_ids(user_id=user_id)
        else:
            ids = await self._user_ids(user_id=user_id, replacement=replacement)
        body: dict[str, object] = {"isDryRun": dry_run}
        if replacement is not None:
            body["replacementOwnerId"] = ids["replacement"]
        if descendants:
            body["removeFromDescendants"] = True
        return await self.api.request_model(
            UserRemoved, "POST", f"{self.url}/users/{ids['user_id']}/remove", json=body
        )

    async def claim_users(self, users: Mapping[UserRef, str]) -> ManageUsersResponse:
        """Claim users as managed, or release them as unmanaged.

        ``POST /v0/meta/enterpriseAccounts/{ent}/users/claim`` with
        ``{"users": [{"id"|"email": ..., "state": "managed"|"unmanaged"}]}``.
        Only for enterprises that do not capture their domains. Users that could not be
        changed are in the result's ``errors``.
        """
        if not isinstance(users, Mapping) or not users:
            raise InvalidInputError("users", users, "must be a non-empty {user: state} mapping")
        items = [
            {
                **_user_item(f"users[{user!r}]", user),
                "state": check_choice(f"users[{user!r}]", state, MEMBERSHIP_STATES),
            }
            for user, state in users.items()
        ]
        return await self.api.request_model(
            ManageUsersResponse, "POST", f"{self.url}/users/claim", json={"users": items}
        )

    async def delete_users(self, emails: Iterable[str]) -> DeleteUsersResponse:
        """Delete users by email.

        ``DELETE /v0/meta/enterpriseAccounts/{ent}/users?email[]=...``. Many emails are
        split into several requests to stay under the 16,000-character URL limit; they
        run concurrently and their answers are merged. Users that could not be deleted
        are in the result's ``errors``.
        """
        values = [
            check_email(f"emails[{i}]", email)
            for i, email in enumerate(check_list("emails", emails))
        ]
        path = f"{self.url}/users"
        batches = query_batches(
            [("email[]", email) for email in unique_users(values)],
            url_prefix_length=len(self.api.endpoint_url) + len(path),
            max_items=len(values),
        )

        def delete(batch: list[tuple[str, str]]) -> Any:
            async def call() -> Any:
                return await self.api.request("DELETE", path, params=batch)

            return call

        answers = await gather([delete(batch) for batch in batches], cancel_on_error=False)
        merged = _merge_answers(answers, ("deletedUsers", "errors"), method="DELETE", path=path)
        return self.api.structure(merged, DeleteUsersResponse, method="DELETE", path=path)

    async def grant_admin(self, *users: UserRef) -> ManageUsersResponse:
        """Grant admin access to users (IDs, emails or :class:`UserInfo`).

        ``POST /v0/meta/enterpriseAccounts/{ent}/users/grantAdminAccess``. Users that
        could not be granted (``USER_ALREADY_ADMIN``...) are in the result's ``errors``.
        """
        return await self._admin_access("grantAdminAccess", users)

    async def revoke_admin(self, *users: UserRef) -> ManageUsersResponse:
        """Revoke directly assigned admin access from users (IDs, emails or :class:`UserInfo`).

        ``POST /v0/meta/enterpriseAccounts/{ent}/users/revokeAdminAccess``. Users that
        could not be revoked (``USER_NOT_ASSIGNED_ADMIN``...) are in the result's ``errors``.
        """
        return await self._admin_access("revokeAdminAccess", users)

    async def _admin_access(self, action: str, users: Sequence[UserRef]) -> ManageUsersResponse:
        if not users:
            raise InvalidInputError("users", users, "name at least one user")
        items = [_user_item(f"users[{i}]", user) for i, user in enumerate(users)]
        return await self.api.request_model(
            ManageUsersResponse, "POST", f"{self.url}/users/{action}", json={"users": items}
        )

    async def update_user(
        self,
        user_id: UserRef,
        *,
        state: str | None = None,
        email: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
    ) -> None:
        """Change a user's state (``"provisioned"``/``"deactivated"``), email or name.

        ``PATCH /v0/meta/enterpriseAccounts/{ent}/users/{userId}``, sending only the
        fields given. Changing the email logs the user out; the enterprise must own
        both domains. ``user_id`` may be an email (resolved with one lookup).
        """
        body = _update_body(
            "", state=state, email=email, first_name=first_name, last_name=last_name
        )
        if not body:
            raise InvalidInputError(
                "update_user", body, "give at least one of state, email, first_name, last_name"
            )
        target = (await self._user_ids(user_id=user_id))["user_id"]
        await self.api.request("PATCH", f"{self.url}/users/{target}", json=body)

    async def update_users(
        self, updates: Iterable[UserUpdate | Mapping[str, str]]
    ) -> UpdateUsersResponse:
        """Change many users at once (manage users batched).

        ``PATCH /v0/meta/enterpriseAccounts/{ent}/users`` with
        ``{"users": [{id?, email?, state?, firstName?, lastName?}]}``, in chunks of 10
        users as Airtable recommends, sent concurrently; the answers are merged in
        order. Each update is a :class:`UserUpdate` or a mapping of its fields
        (``{"id": ..., "state": "deactivated"}``). With both ``id`` and ``email`` the ID
        picks the user and the email is the new address. If a whole chunk fails, the
        other chunks still finish and the error (with a note saying which completed)
        is raised.
        """
        items = [
            _update_item(f"updates[{i}]", update)
            for i, update in enumerate(check_list("updates", updates))
        ]
        path = f"{self.url}/users"

        def patch(chunk: list[dict[str, str]]) -> Any:
            async def call() -> Any:
                return await self.api.request("PATCH", path, json={"users": chunk})

            return call

        answers = await gather(
            [patch(chunk) for chunk in chunked(items, UPDATES_PER_REQUEST)],
            cancel_on_error=False,
        )
        merged = _merge_answers(answers, ("updatedUsers", "errors"), method="PATCH", path=path)
        return self.api.structure(merged, UpdateUsersResponse, method="PATCH", path=path)

    async def delete_user(self, user_id: UserRef) -> None:
        """Delete a user.

        ``DELETE /v0/meta/enterpriseAccounts/{ent}/users/{userId}``. ``user_id`` may be
        an email (resolved with one lookup).
        """
        target = (await self._user_ids(user_id=user_id))["user_id"]
        await self.api.request("DELETE", f"{self.url}/users/{target}")

    async def logout_user(self, user_id: UserRef) -> None:
        """End all of a user's sessions.

        ``POST /v0/meta/enterpriseAccounts/{ent}/users/{userId}/logout`` (no body).
        ``user_id`` may be an email (resolved with one lookup).
        """
        target = (await self._user_ids(user_id=user_id))["user_id"]
        await self.api.request("POST", f"{self.url}/users/{target}/logout")

    # ------------------------------------------------------------------- groups

    async def group(self, group_id: str, collaborations: bool = True) -> UserGroup:
        """A user group (``ugp...``) with its members.

        ``GET /v0/meta/groups/{groupId}`` (not under ``enterpriseAccounts``), with
        ``include[]=collaborations`` unless ``collaborations=False``.
        """
        check_id("group_id", group_id, "ugp")
        include = _include(collaborations=collaborations)
        return await self.api.request_model(
            UserGroup, "GET", f"/v0/meta/groups/{group_id}", params=include
        )

    async def groups(
        self, group_ids: Iterable[str], *, collaborations: bool = True
    ) -> list[UserGroup]:
        """Several user groups, fetched concurrently; in input order, each once.

        ``GET /v0/meta/groups/{groupId}`` per group, as in :meth:`group`.
        """
        ids = list(dict.fromkeys(check_ids("group_ids", group_ids, "ugp")))
        check_bool("collaborations", collaborations)

        def fetch(group_id: str) -> Any:
            async def call() -> UserGroup:
                return await self.group(group_id, collaborations)

            return call

        return await gather([fetch(group_id) for group_id in ids])

    async def move_groups(
        self, group_ids: Iterable[str], target: str | Enterprise
    ) -> MoveGroupsResponse:
        """Move user groups to another account of the same Hub organization.

        ``POST /v0/meta/enterpriseAccounts/{ent}/moveGroups`` with
        ``{"groupIds": [...], "targetEnterpriseAccountId": ...}``; at most 100 groups
        (Airtable's cap). ``target`` is an account ID or an :class:`Enterprise`.
        Groups that could not move are in the result's ``errors``.
        """
        ids = check_ids("group_ids", group_ids, "ugp", max_items=MOVE_LIMIT)
        body = {"groupIds": ids, "targetEnterpriseAccountId": _enterprise_id(target)}
        return await self.api.request_model(
            MoveGroupsResponse, "POST", f"{self.url}/moveGroups", json=body
        )

    # --------------------------------------------------------------- workspaces

    async def move_workspaces(
        self,
        workspace_ids: Iterable[str],
        target: str | Enterprise,
        *,
        replacement_owner: UserRef | None = None,
    ) -> MoveWorkspacesResponse:
        """Move workspaces to another account of the same Hub organization.

        ``POST /v0/meta/enterpriseAccounts/{ent}/moveWorkspaces`` with
        ``{"workspaceIds": [...], "targetEnterpriseAccountId": ..., "replacementOwnerId"?}``;
        at most 100 workspaces (Airtable's cap). ``replacement_owner`` is needed when the
        target restricts invites to its members and a workspace has only non-member
        owners; it may be an email (resolved with one lookup). Workspaces that could not
        move are in the result's ``errors``.
        """
        ids = check_ids("workspace_ids", workspace_ids, "wsp", max_items=MOVE_LIMIT)
        body: dict[str, object] = {
            "workspaceIds": ids,
            "targetEnterpriseAccountId": _enterprise_id(target),
        }
        if replacement_owner is not None:
            owner = await self._user_ids(replacement_owner=replacement_owner)
            body["replacementOwnerId"] = owner["replacement_owner"]
        return await self.api.request_model(
            MoveWorkspacesResponse, "POST", f"{self.url}/moveWorkspaces", json=body
        )

    async def create_workspace(self, name: str) -> Workspace:
        """Create a workspace in this account, owned by the caller; its handle.

        ``POST /v0/meta/workspaces`` with ``{"enterpriseAccountId": ..., "name": ...}``.
        The handle knows its ``name``.
        """
        body = {"enterpriseAccountId": self.id, "name": check_name("name", name)}
        created = await self.api.request_model(_CreatedId, "POST", "/v0/meta/workspaces", json=body)
        return Workspace(self.api, created.id, name=name)

    # --------------------------------------------------------------- audit log

    def audit_log(
        self,
        *,
        page_size: int | None = None,
        page_limit: int | None = None,
        sort_asc: bool | None = False,
        previous: str | None = None,
        next: str | None = None,
        start_time: TimeInput | None = None,
        end_time: TimeInput | None = None,
        user_id: FilterInput | None = None,
        event_type: FilterInput | None = None,
        model_id: FilterInput | None = None,
        category: FilterInput | None = None,
        resume: str | None = None,
        follow: bool = False,
        poll_interval: float = 5.0,
        max_poll_interval: float = 60.0,
        parallel: int = 1,
        read_ahead: int = 1,
    ) -> AuditLog:
        """The pages of ``GET /v0/meta/enterpriseAccounts/{id}/auditLogEvents``.

        Iterate with ``async for`` (inside ``async with`` for read-ahead). Arguments are
        checked before any request; see :func:`airtable_enterprise.audit.build_query`
        and the audit-log guide (``docs/guides/audit-log.md``) for paging, ``follow``,
        ``parallel`` and resuming from ``page.cursor``.
        """
        query = build_query(
            page_size=page_size,
            page_limit=page_limit,
            sort_asc=sort_asc,
            previous=previous,
            next=next,
            start_time=start_time,
            end_time=end_time,
            user_id=user_id,
            event_type=event_type,
            model_id=model_id,
            category=category,
            resume=resume,
            follow=follow,
            poll_interval=poll_interval,
            max_poll_interval=max_poll_interval,
            parallel=parallel,
            read_ahead=read_ahead,
        )
        return AuditLog(self.api, f"{self.url}/auditLogEvents", query)

    def audit_events(self, **options: Unpack[AuditLogOptions]) -> AuditLogEvents:
        """The events of :meth:`audit_log` one at a time (same arguments, checked by
        type checkers too), from ``GET /v0/meta/enterpriseAccounts/{id}/auditLogEvents``;
        iterate inside ``async with`` for read-ahead."""
        return self.audit_log(**options).events()


def _include(**flags: bool) -> list[tuple[str, str]]:
    """``include[]`` pairs for the flags that are set (REFERENCE §1.6 bracket syntax)."""
    return [("include[]", name) for name, on in flags.items() if check_bool(name, on)]


def _enterprise_id(target: object) -> str:
    if isinstance(target, Enterprise):
        return target.id
    return check_id("target", target, "ent")


def _user_item(argument: str, user: object) -> dict[str, str]:
    """``{"id": ...}`` or ``{"email": ...}``: how claim and grant/revoke name a user."""
    if isinstance(user, UserInfo):
        return {"id": user.id}
    value = check_user(argument, user)
    return {"email": value} if is_email(value) else {"id": value}


def _update_body(
    prefix: str,
    *,
    state: object,
    email: object,
    first_name: object,
    last_name: object,
) -> dict[str, str]:
    """The manage-user fields that are set, with their wire names (REFERENCE §4.3).

    ``prefix`` goes before each argument name in errors (``"updates[3]."``).
    """
    body: dict[str, str] = {}
    if state is not None:
        body["state"] = check_choice(f"{prefix}state", state, USER_STATES)
    if email is not None:
        body["email"] = check_email(f"{prefix}email", email)
    for name, wire, value in (
        ("first_name", "firstName", first_name),
        ("last_name", "lastName", last_name),
    ):
        if value is not None:
            body[wire] = check_name(f"{prefix}{name}", value)
    return body


def _update_item(argument: str, update: object) -> dict[str, str]:
    """One item of the batched manage-user body, from a :class:`UserUpdate` or a mapping."""
    if isinstance(update, Mapping):
        try:
            update = UserUpdate(**update)
        except TypeError:
            fields = ", ".join(a.name for a in attrs.fields(UserUpdate))
            raise InvalidInputError(argument, update, f"must use only the keys {fields}") from None
    if not isinstance(update, UserUpdate):
        raise InvalidInputError(argument, update, "must be a UserUpdate or a mapping")
    item: dict[str, str] = {}
    if update.id is not None:
        item["id"] = check_id(f"{argument}.id", update.id, "usr")
    item.update(
        _update_body(
            f"{argument}.",
            state=update.state,
            email=update.email,
            first_name=update.first_name,
            last_name=update.last_name,
        )
    )
    if "id" not in item and "email" not in item:
        raise InvalidInputError(argument, update, "needs an id or an email to pick the user")
    # The ID picks the user when given; otherwise the email does (REFERENCE §4.4).
    changes = item.keys() - {"id" if "id" in item else "email"}
    if not changes:
        raise InvalidInputError(argument, update, "changes nothing")
    return item


def _merge_answers(
    answers: Sequence[Any], keys: Sequence[str], *, method: str, path: str
) -> dict[str, list[Any]]:
    """Concatenate the lists under ``keys`` of several JSON answers, in order."""
    merged: dict[str, list[Any]] = {key: [] for key in keys}
    for answer in answers:
        if not isinstance(answer, Mapping):
            raise ResponseValidationError(
                f"expected a JSON object, got {type(answer).__name__}", method=method, path=path
            )
        for key in keys:
            value = answer.get(key, [])
            if not isinstance(value, list):
                raise ResponseValidationError(
                    f"{key!r} is a {type(value).__name__}, not a list", method=method, path=path
                )
            merged[key].extend(value)
    return merged
