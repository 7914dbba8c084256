"""Users and admins: ``/v0/meta/enterpriseAccounts/{ent}/users...`` (REFERENCE §4).

The bodies of :class:`Enterprise`'s user methods; ``enterprise.py`` binds them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from .._core.batch import chunked, encoded_length, merge_users, query_batches, unique_users
from .._core.gather import gather
from .._core.text import email_key
from .._core.validate import (
    MEMBERSHIP_STATES,
    USER_STATES,
    check_bool,
    check_choice,
    check_email,
    check_id,
    check_list,
    check_name,
    check_user,
)
from ..errors import InvalidInputError, UserNotFoundError
from ..models._base import raw_field
from ..models.results import (
    DeleteUsersResponse,
    ManageUsersResponse,
    UpdateUsersResponse,
    UserRemoved,
)
from ..models.users import UserInfo, UserList, UserUpdate
from ._common import UserRef, include, merge_answers, user_item

if TYPE_CHECKING:
    from ..enterprise import Enterprise

__all__ = [
    "claim_users",
    "delete_user",
    "delete_users",
    "grant_admin",
    "logout_user",
    "remove_user",
    "revoke_admin",
    "update_user",
    "update_users",
    "user",
    "user_by_id",
    "user_ids",
    "users",
]

#: IDs and emails per get-users request. Airtable documents no maximum (REFERENCE §4.1);
#: 100 is what other clients send and keeps each answer a reasonable size.
USERS_PER_REQUEST = 100
#: Users per batched manage-user call: Airtable recommends at most 10 (REFERENCE §4.4).
UPDATES_PER_REQUEST = 10


@attrs.frozen(kw_only=True)
class _UsersPage:
    users: tuple[UserInfo, ...] = ()
    raw: Mapping[str, Any] = raw_field()


async def user(
    self: Enterprise,
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
    flags = include(collaborations=collaborations, aggregated=aggregated, descendants=descendants)
    found = await find_users(self, [value], flags)
    if found.missing:
        raise UserNotFoundError(value, self.id)
    return found[0]


async def user_by_id(
    self: Enterprise,
    user_id: str,
    *,
    collaborations: bool = True,
    aggregated: bool = False,
    descendants: bool = False,
) -> UserInfo:
    """One user by ID, with the get-user-by-ID call: the natural reload after
    :meth:`update_user`.

    ``GET /v0/meta/enterpriseAccounts/{ent}/users/{userId}`` with ``include[]`` as in
    :meth:`user`. An unknown ID is an API error (Airtable's 403/404), not a
    :class:`UserNotFoundError`; use :meth:`user` to look up by ID or email.
    """
    check_id("user_id", user_id, "usr")
    flags = include(collaborations=collaborations, aggregated=aggregated, descendants=descendants)
    return await self.api.request_model(
        UserInfo, "GET", f"{self.url}/users/{user_id}", params=flags
    )


async def users(
    self: Enterprise,
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
    flags = include(collaborations=collaborations, aggregated=aggregated, descendants=descendants)
    return await find_users(self, unique_users(values), flags, on_progress)


async def find_users(
    self: Enterprise,
    values: Sequence[str],
    flags: list[tuple[str, str]],
    on_progress: Callable[[int], object] | None = None,
) -> UserList:
    """The get-users requests for ``values`` (checked, distinct), merged in input order."""
    path = f"{self.url}/users"
    pairs = [("email[]", value) if "@" in value else ("id[]", value) for value in values]
    fixed = sum(encoded_length(pair) + 1 for pair in flags)
    batches = query_batches(
        pairs,
        url_prefix_length=len(self.api.endpoint_url) + len(path) + fixed,
        max_items=USERS_PER_REQUEST,
    )

    def fetch(batch: list[tuple[str, str]]) -> Any:
        async def call() -> _UsersPage:
            params = [*batch, *flags]
            page = await self.api.request_model(_UsersPage, "GET", path, params=params)
            if on_progress is not None:
                on_progress(len(batch))
            return page

        return call

    pages = await gather([fetch(batch) for batch in batches])
    found, missing = merge_users(values, (user for page in pages for user in page.users))
    return UserList(found, missing)


async def user_ids(self: Enterprise, **named: UserRef) -> dict[str, str]:
    """The ID of each named user argument (an ID, an email or a :class:`UserInfo`);
    the emails among them are looked up together, in one get-users request."""
    values = {
        argument: value.id if isinstance(value, UserInfo) else check_user(argument, value)
        for argument, value in named.items()
    }
    emails = unique_users(value for value in values.values() if "@" in value)
    if not emails:
        return values
    found = await find_users(self, emails, [])
    if found.missing:
        raise UserNotFoundError(found.missing[0], self.id)
    by_email = {email_key(found_user.email): found_user.id for found_user in found}
    return {
        argument: by_email[email_key(value)] if "@" in value else value
        for argument, value in values.items()
    }


async def remove_user(
    self: Enterprise,
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
        ids = await user_ids(self, user_id=user_id)
    else:
        ids = await user_ids(self, user_id=user_id, replacement=replacement)
    body: dict[str, object] = {"isDryRun": dry_run}
    if replacement is not None:
        body["replacementOwnerId"] = ids["replacement"]
    if descendants:
        body["removeFromDescendants"] = True
    return await self.api.request_model(
        UserRemoved, "POST", f"{self.url}/users/{ids['user_id']}/remove", json=body
    )


async def claim_users(self: Enterprise, users: Mapping[UserRef, str]) -> ManageUsersResponse:
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
            **user_item(f"users[{ref!r}]", ref),
            "state": check_choice(f"users[{ref!r}]", state, MEMBERSHIP_STATES),
        }
        for ref, state in users.items()
    ]
    return await self.api.request_model(
        ManageUsersResponse, "POST", f"{self.url}/users/claim", json={"users": items}
    )


async def delete_users(self: Enterprise, emails: Iterable[str]) -> DeleteUsersResponse:
    """Delete users by email.

    ``DELETE /v0/meta/enterpriseAccounts/{ent}/users?email[]=...``. Many emails are
    split into several requests to stay under the 16,000-character URL limit; they
    run concurrently and their answers are merged. Users that could not be deleted
    are in the result's ``errors``.
    """
    values = [
        check_email(f"emails[{i}]", email) for i, email in enumerate(check_list("emails", emails))
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
    merged = merge_answers(answers, ("deletedUsers", "errors"), method="DELETE", path=path)
    return self.api.structure(merged, DeleteUsersResponse, method="DELETE", path=path)


async def grant_admin(self: Enterprise, *users: UserRef) -> ManageUsersResponse:
    """Grant admin access to users (IDs, emails or :class:`UserInfo`).

    ``POST /v0/meta/enterpriseAccounts/{ent}/users/grantAdminAccess``. Users that
    could not be granted (``USER_ALREADY_ADMIN``...) are in the result's ``errors``.
    """
    return await _admin_access(self, "grantAdminAccess", users)


async def revoke_admin(self: Enterprise, *users: UserRef) -> ManageUsersResponse:
    """Revoke directly assigned admin access from users (IDs, emails or :class:`UserInfo`).

    ``POST /v0/meta/enterpriseAccounts/{ent}/users/revokeAdminAccess``. Users that
    could not be revoked (``USER_NOT_ASSIGNED_ADMIN``...) are in the result's ``errors``.
    """
    return await _admin_access(self, "revokeAdminAccess", users)


async def _admin_access(
    self: Enterprise, action: str, users: Sequence[UserRef]
) -> ManageUsersResponse:
    if not users:
        raise InvalidInputError("users", users, "name at least one user")
    items = [user_item(f"users[{i}]", ref) for i, ref in enumerate(users)]
    return await self.api.request_model(
        ManageUsersResponse, "POST", f"{self.url}/users/{action}", json={"users": items}
    )


async def update_user(
    self: Enterprise,
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
    body = _update_body("", state=state, email=email, first_name=first_name, last_name=last_name)
    if not body:
        raise InvalidInputError(
            "update_user", body, "give at least one of state, email, first_name, last_name"
        )
    target = (await user_ids(self, user_id=user_id))["user_id"]
    await self.api.request("PATCH", f"{self.url}/users/{target}", json=body)


async def update_users(
    self: Enterprise, updates: Iterable[UserUpdate | Mapping[str, str]]
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
    merged = merge_answers(answers, ("updatedUsers", "errors"), method="PATCH", path=path)
    return self.api.structure(merged, UpdateUsersResponse, method="PATCH", path=path)


async def delete_user(self: Enterprise, user_id: UserRef) -> None:
    """Delete a user.

    ``DELETE /v0/meta/enterpriseAccounts/{ent}/users/{userId}``. ``user_id`` may be
    an email (resolved with one lookup).
    """
    target = (await user_ids(self, user_id=user_id))["user_id"]
    await self.api.request("DELETE", f"{self.url}/users/{target}")


async def logout_user(self: Enterprise, user_id: UserRef) -> None:
    """End all of a user's sessions.

    ``POST /v0/meta/enterpriseAccounts/{ent}/users/{userId}/logout`` (no body).
    ``user_id`` may be an email (resolved with one lookup).
    """
    target = (await user_ids(self, user_id=user_id))["user_id"]
    await self.api.request("POST", f"{self.url}/users/{target}/logout")


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
