"""Access reviews: who can reach what across the enterprise, as a stream of rows.

The body of :meth:`Enterprise.access_review`; ``enterprise.py`` binds it. The calls
(REFERENCE section):

- ``GET /v0/meta/enterpriseAccounts/{ent}`` (§3.1): the user IDs and email domains;
- ``GET .../personalAccessTokens`` (§14.1), once: the tokens, by user;
- ``GET .../users?id[]=...&include[]=collaborations`` (§4.1) in batches of 100: each
  user's direct grants (§1.10: grants through groups are left out) and groups;
- ``GET /v0/meta/groups/{ugp}?include[]=collaborations`` (§5.1), once per group a
  reviewed user belongs to: the group's grants, which its members hold;
- ``GET /v0/meta/workspaces/{wsp}`` (§6.3), once per workspace someone is granted:
  its name and bases, which a workspace grant reaches (rows held "through the workspace");
- with ``names=True``, ``GET /v0/meta/bases/{app}?include[]=interfaces`` (§7.3), once
  per base reached: its name and its interfaces' names.

Only the groups and workspaces the reviewed users need are fetched, each once, so the
review makes the fewest requests it can. Batches run concurrently, paced by the shared
rate limiter, at most :data:`BATCHES_IN_FLIGHT` at a time, and their rows come out in
input order. The groups and workspaces are fetched by a fixed set of workers (as many
as the client's ``max_concurrency``), first asked first fetched, so a waiting batch
holds an event per key rather than a task. Memory holds a bounded number of batches;
what grows with the enterprise is only what the review must keep: the user IDs still
to review (the account lists them in one answer), the tokens of users not reached yet
(§14.1 has no pages), and one compact entry per group and workspace fetched.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import partial
from itertools import islice
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import anyio
import attrs
from anyio.abc import TaskGroup
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from .._core.batch import encoded_length, iter_query_batches, query_batches, unique_users
from .._core.gather import gather
from .._core.text import email_key
from .._core.validate import check_bool, check_list, check_user
from ..errors import UserNotFoundError
from ..models._base import raw_field
from ..models.access_review import AccessRow
from ..models.users import UserInfo
from ._access_fetch import account_domains, fetch_base, fetch_group, fetch_workspace, read_tokens
from ._access_rows import (
    BaseInfo,
    Grant,
    TokenGrant,
    WorkspaceInfo,
    direct_grants,
    group_ids,
    user_rows,
)
from ._common import include
from ._fetch_once import FetchOnce
from .users import USERS_PER_REQUEST

if TYPE_CHECKING:
    from ..enterprise import Enterprise

__all__ = ["BATCHES_IN_FLIGHT", "AccessReview", "access_review"]

#: User batches fetched at once (each with its groups and workspaces). Enough to keep
#: a 50 requests/s limit busy at a few hundred ms of latency; it bounds the memory.
BATCHES_IN_FLIGHT = 16

#: ``on_progress(users_done, users_total)``, called as each batch of users is done.
ReviewProgress = Callable[[int, int], object]


@attrs.frozen(kw_only=True)
class _UsersPage:
    users: tuple[UserInfo, ...] = ()
    raw: Mapping[str, Any] = raw_field()


def access_review(
    self: Enterprise,
    *,
    users: Iterable[str] | None = None,
    descendants: bool = False,
    include_tokens: bool = True,
    names: bool = False,
    on_progress: ReviewProgress | None = None,
) -> AccessReview:
    """Every user's access to every workspace, base and interface, and their tokens:
    an async iterator of :class:`AccessRow`, one per (user, resource) grant.

    ``users``: IDs or emails to review (default: every user of the account, the
    ``userIds`` of ``GET /v0/meta/enterpriseAccounts/{ent}``, external collaborators
    included). ``descendants``: also the Hub's descendant accounts (their users, groups
    and grants, through ``include[]=descendants``). ``include_tokens``: the users'
    active personal access tokens (``GET .../personalAccessTokens``; root accounts only).
    ``names``: also the names of the bases and interfaces (one more request per base
    reached, ``GET /v0/meta/bases/{app}?include[]=interfaces``; without it their rows'
    ``resource_name`` is ``None``: the other calls do not return them).

    Requests, concurrently at the rate limit: the account, the tokens, the users in
    batches of 100 with ``include[]=collaborations``, each of their groups once
    (``GET /v0/meta/groups/{ugp}``) and each granted workspace once
    (``GET /v0/meta/workspaces/{wsp}``: its name, and the bases a workspace grant
    reaches). Iterate inside ``async with`` to keep the limiter busy; a bare
    ``async for`` fetches :data:`BATCHES_IN_FLIGHT` batches at a time. Rows come in the
    order of the users. Arguments are checked before any request; a user asked for by
    name who is not in the enterprise raises :class:`UserNotFoundError`.
    """
    wanted: list[str] | None = None
    if users is not None:
        wanted = unique_users(
            check_user(f"users[{index}]", value)
            for index, value in enumerate(check_list("users", users))
        )
    check_bool("descendants", descendants)
    check_bool("include_tokens", include_tokens)
    check_bool("names", names)
    if on_progress is not None and not callable(on_progress):
        raise TypeError("on_progress must be callable")
    return AccessReview(
        self,
        users=wanted,
        descendants=descendants,
        include_tokens=include_tokens,
        names=names,
        on_progress=on_progress,
    )


@attrs.define(eq=False)
class _Slot:
    """One batch's rows, filled by its task; the consumer takes them in order."""

    done: anyio.Event = attrs.Factory(anyio.Event)
    rows: list[AccessRow] = attrs.Factory(list)
    error: BaseException | None = None


class AccessReview:
    """The rows of :meth:`Enterprise.access_review`: ``async for row in review`` (inside
    ``async with review:`` for full speed). Made by :meth:`Enterprise.access_review`."""

    def __init__(
        self,
        enterprise: Enterprise,
        *,
        users: Sequence[str] | None,
        descendants: bool,
        include_tokens: bool,
        names: bool = False,
        on_progress: ReviewProgress | None = None,
        window: int = BATCHES_IN_FLIGHT,
    ) -> None:
        self.enterprise = enterprise
        self._wanted = users
        self._descendants = descendants
        self._include_tokens = include_tokens
        self._names = names
        self._on_progress = on_progress
        self._window = max(1, window)
        #: The users to review (known after the first row is asked for).
        self.total_users = 0
        self.done_users = 0
        self._domains: frozenset[str] = frozenset()
        self._tokens: dict[str, list[TokenGrant]] = {}
        self._batches: Iterator[list[tuple[str, str]]] | None = None
        self._seen: set[str] | None = None
        #: The groups and workspaces, by ("group", ugp...) / ("workspace", wsp...).
        self._fetched: FetchOnce[tuple[str, str]] = FetchOnce(self._fetch)
        self._requests = {"groups": 0, "workspaces": 0, "bases": 0}
        self._ready: deque[AccessRow] = deque()
        self._task_group: TaskGroup | None = None
        self._slots: MemoryObjectReceiveStream[_Slot] | None = None
        self._finished = False
        self._started = False

    def __repr__(self) -> str:
        return f"<AccessReview {self.enterprise.id} users={self.done_users}/{self.total_users}>"

    @property
    def requests(self) -> dict[str, int]:
        """The group, workspace and base requests made so far (each once; bases only
        with ``names=True``)."""
        return dict(self._requests)

    # ---------------------------------------------------------------- lifecycle

    async def __aenter__(self) -> Self:
        if self._started:
            raise RuntimeError("this AccessReview is already being iterated")
        task_group = anyio.create_task_group()
        await task_group.__aenter__()
        self._task_group = task_group
        self._fetched.start_workers(task_group, self.enterprise.api.max_concurrency)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        task_group, self._task_group = self._task_group, None
        self._finished = True
        if task_group is None:
            return
        task_group.cancel_scope.cancel()
        if self._slots is not None:
            self._slots.close()
        # The batch tasks never raise (they hand errors to the consumer), so the task
        # group has nothing to report and the caller's own exception propagates as is.
        await task_group.__aexit__(None, None, None)

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> AccessRow:
        try:
            if not self._started:
                self._started = True
                await self._prepare()
                if self._task_group is not None:
                    send, self._slots = anyio.create_memory_object_stream[_Slot](self._window - 1)
                    self._task_group.start_soon(self._produce, self._task_group, send)
            while not self._ready:
                if self._finished or not await self._more():
                    self._finished = True
                    raise StopAsyncIteration
        except BaseException:
            # An error or a cancellation (a caller's timeout around one step) ends the
            # review, as it ends an async generator: the rows it was waiting for are
            # lost, and going on would leave their users out of a review that looks whole.
            self._finished = True
            raise
        return self._ready.popleft()

    # ---------------------------------------------------------------- the steps

    async def _prepare(self) -> None:
        """The account (domains, user IDs) and the tokens, concurrently."""
        enterprise = self.enterprise

        async def account() -> list[str]:
            info = await enterprise.info(aggregated=self._descendants)
            domains = {d.email_domain.casefold() for d in info.email_domains}
            descendant_ids = info.descendant_enterprise_account_ids if self._descendants else ()
            if descendant_ids:
                others = await gather(
                    [partial(account_domains, enterprise, other) for other in descendant_ids]
                )
                domains.update(d for other in others for d in other)
            self._domains = frozenset(domains)
            if self._descendants and info.aggregated is not None:
                return list(info.aggregated.user_ids)
            return list(info.user_ids)

        async def tokens() -> None:
            if self._include_tokens:
                self._tokens = await read_tokens(enterprise)

        listed_ids = (await gather([account, tokens]))[0] or []
        values = list(self._wanted) if self._wanted is not None else listed_ids
        if self._wanted is None:
            # Token holders the account does not list (service accounts...): review them too.
            unlisted = set(self._tokens).difference(values)
            values.extend(user_id for user_id in self._tokens if user_id in unlisted)
        else:
            self._seen = set()  # the same user asked for by ID and by email: once
        self.total_users = len(values)
        path = f"{enterprise.url}/users"
        fixed = sum(encoded_length(pair) + 1 for pair in self._flags())
        prefix = len(enterprise.api.endpoint_url) + len(path) + fixed
        size = USERS_PER_REQUEST
        if self._wanted is not None:  # asked for: each checked before the first batch
            pairs = [("email[]", v) if "@" in v else ("id[]", v) for v in values]
            self._batches = iter(query_batches(pairs, url_prefix_length=prefix, max_items=size))
        else:  # the account's list: kept compact, its pairs made a batch at a time
            ids = _compact(values)
            lazy = (("email[]", v) if "@" in v else ("id[]", v) for v in ids)
            self._batches = iter_query_batches(lazy, url_prefix_length=prefix, max_items=size)

    def _flags(self) -> list[tuple[str, str]]:
        return include(collaborations=True, descendants=self._descendants)

    async def _more(self) -> bool:
        """Put the next rows in ``_ready``; ``False`` when there are none left."""
        if self._slots is not None:  # inside ``async with``: the batch tasks fill slots
            try:
                slot = await self._slots.receive()
            except anyio.EndOfStream:
                return False
            await slot.done.wait()
            if slot.error is not None:
                self._finished = True
                raise slot.error
            self._ready.extend(slot.rows)
            return True
        assert self._batches is not None
        window = list(islice(self._batches, self._window))
        if not window:
            return False
        # No task group of the caller's: the workers live for this window's batches.
        failure: Exception | None = None
        async with anyio.create_task_group() as workers:
            self._fetched.start_workers(workers, self.enterprise.api.max_concurrency)
            try:
                results = await gather([partial(self._rows_of, batch) for batch in window])
            except Exception as exc:  # raised as is below, not inside an ExceptionGroup
                failure = exc
            workers.cancel_scope.cancel()
        if failure is not None:
            raise failure
        for rows in results:
            self._ready.extend(rows)
        return True

    async def _produce(self, task_group: TaskGroup, slots: MemoryObjectSendStream[_Slot]) -> None:
        """Start one task per batch, at most ``window`` ahead of the consumer."""
        assert self._batches is not None
        async with slots:
            while True:
                slot = _Slot()
                try:  # lazy: a user ID too long for a URL raises when reached
                    batch = next(self._batches, None)
                except Exception as exc:  # handed to the consumer in order, not the task group
                    slot.error = exc
                    slot.done.set()
                    await slots.send(slot)
                    return
                if batch is None:
                    return
                task_group.start_soon(self._fill, slot, batch)
                await slots.send(slot)

    async def _fill(self, slot: _Slot, batch: list[tuple[str, str]]) -> None:
        try:
            slot.rows = await self._rows_of(batch)
        except Exception as exc:  # handed to the consumer, in order
            slot.error = exc
        finally:
            slot.done.set()

    async def _rows_of(self, batch: list[tuple[str, str]]) -> list[AccessRow]:
        """One batch of users and the rows of their grants."""
        enterprise = self.enterprise
        page = await enterprise.api.request_model(
            _UsersPage, "GET", f"{enterprise.url}/users", params=[*batch, *self._flags()]
        )
        found = list(page.users)
        if self._wanted is not None:
            _check_found(batch, found, enterprise.id)
            assert self._seen is not None
            found = [user for user in found if user.id not in self._seen]
            self._seen.update(user.id for user in found)
        groups = await self._get("group", (g for user in found for g in group_ids(user)))
        direct = {user.id: direct_grants(user) for user in found}
        workspaces = await self._get(
            "workspace",
            (
                g[1]
                for grants in (*direct.values(), *groups.values())
                for g in grants
                if g[0] == "workspace"
            ),
        )
        bases: dict[str, Any] = {}
        if self._names:
            reached: list[str] = []  # the bases granted, an interface's, a workspace's
            for grants in (*direct.values(), *groups.values()):
                reached.extend(g[1] for g in grants if g[0] == "base")
                reached.extend(g[3] for g in grants if g[0] == "interface" and g[3])
            for info in workspaces.values():
                reached.extend(info.base_ids)
            bases = await self._get("base", reached)
        rows: list[AccessRow] = []
        for user in found:
            rows.extend(
                user_rows(
                    user,
                    enterprise_id=enterprise.id,
                    domains=self._domains,
                    direct=direct[user.id],
                    groups=groups,
                    workspaces=workspaces,
                    tokens=self._tokens.pop(user.id, ()),
                    bases=bases,
                )
            )
        self.done_users += len(batch)
        if self._on_progress is not None:
            self._on_progress(self.done_users, self.total_users)
        return rows

    async def _get(self, kind: str, ids: Iterable[str]) -> dict[str, Any]:
        """The groups' grants or the workspaces' infos of ``ids``, each fetched once."""
        found = await self._fetched.get_all((kind, resource_id) for resource_id in ids)
        return {resource_id: value for (_, resource_id), value in found.items()}

    async def _fetch(self, key: tuple[str, str]) -> tuple[Grant, ...] | WorkspaceInfo | BaseInfo:
        kind, resource_id = key
        if kind == "group":
            self._requests["groups"] += 1
            return await fetch_group(self.enterprise, resource_id)
        if kind == "base":
            self._requests["bases"] += 1
            return await fetch_base(self.enterprise, resource_id)
        self._requests["workspaces"] += 1
        return await fetch_workspace(self.enterprise, resource_id)


def _compact(values: list[str]) -> Iterator[str]:
    """``values`` one at a time, from one string holding them all (each followed by a
    newline): about 20 bytes a user ID rather than an object of about 75 for the whole
    review. ``values`` is emptied; kept as it is if a value holds a newline."""
    if any("\n" in value for value in values):
        return iter(values)
    joined = "".join(f"{value}\n" for value in values)
    values.clear()

    def each() -> Iterator[str]:
        start = 0
        while start < len(joined):
            end = joined.index("\n", start)
            yield joined[start:end]
            start = end + 1

    return each()


def _check_found(batch: list[tuple[str, str]], found: list[UserInfo], enterprise_id: str) -> None:
    """A user asked for by name must be in the answer (Airtable leaves unknown ones out)."""
    ids = {user.id for user in found}
    emails = {email_key(user.email) for user in found}  # as Airtable matches them
    for name, value in batch:
        known = ids if name == "id[]" else emails
        if (value if name == "id[]" else email_key(value)) not in known:
            raise UserNotFoundError(value, enterprise_id)
