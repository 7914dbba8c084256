"""The emulated world: one enterprise organization held in memory.

Plain mutable records (users, groups, workspaces, bases, interfaces, grants, invite
links) and :class:`World`, which holds them with the indexes the endpoints need. The
endpoint logic lives in :mod:`.actions`, the wire rendering in :mod:`.views`.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

import attrs

from .._wire import make_id, model_not_found
from .access_tokens import AccessToken
from .audit import AuditLog
from .changes import ChangeLog
from .data_tables import DataTable
from .jobs import JobBoard
from .packages import Package
from .scim import ScimStore
from .sharing import BlockInstallation, Share

__all__ = [
    "Account",
    "Base",
    "Grant",
    "GrantTable",
    "Group",
    "GroupMember",
    "Interface",
    "InviteLink",
    "User",
    "Workspace",
    "World",
    "email_key",
]

Clock = Callable[[], datetime]


def email_key(email: str) -> str:
    """How the emulator tells two addresses apart, as a directory would: Unicode NFC and
    lower case (``zoë@`` typed in NFC or NFD, in any case, is one user; ``straße@`` and
    ``strasse@`` are two). The client keys emails the same way (its ``_core.text``)."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", email).lower())


def utc_now() -> datetime:
    """The default clock: the current time, aware, in UTC."""
    return datetime.now(UTC)


@attrs.define
class Account:
    """An enterprise account: the root or a descendant (org unit) of the organization."""

    id: str
    name: str
    created_time: datetime
    root_id: str
    email_domains: dict[str, bool] = attrs.Factory(dict)  # domain -> isSsoRequired


@attrs.define
class User:
    """A user: internal (an enterprise email domain) or an external collaborator."""

    id: str
    email: str
    first_name: str
    last_name: str
    account_id: str
    created_time: datetime
    state: str = "provisioned"
    is_service_account: bool = False
    is_sso_required: bool = False
    is_two_factor_auth_enabled: bool = False
    last_activity_time: datetime | None = None
    invited_by: str | None = None
    is_admin: bool = False
    is_managed: bool = True
    is_super_admin: bool = False
    license_type: str | None = None
    logged_out_time: datetime | None = None

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def domain(self) -> str:
        return self.email.rsplit("@", 1)[-1].lower()


@attrs.define
class GroupMember:
    """A user's membership of a group."""

    user_id: str
    role: str  # "manager" | "member"
    created_time: datetime


@attrs.define
class Group:
    """A user group (``ugp...``)."""

    id: str
    name: str
    account_id: str
    created_time: datetime
    updated_time: datetime
    mapped_user_license_type: str | None = None
    members: dict[str, GroupMember] = attrs.Factory(dict)


@attrs.define
class Grant:
    """A direct collaboration: a user or group (``subject_id``) at a permission level."""

    subject_id: str
    permission_level: str
    created_time: datetime
    granted_by: str


class GrantTable(dict[str, Grant]):
    """A holder's grants by subject ID: a ``dict`` that counts its changes.

    Every change of any table (and every new table) bumps :attr:`changes`, so
    :meth:`World.holders_of` knows when its subject -> holders index is stale, however
    the change was made: by a handler, by the generator, or by a test's own hand.
    """

    #: Changes made to grant tables so far, all tables of all worlds together.
    changes: ClassVar[int] = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        GrantTable.changes += 1

    def __setitem__(self, key: str, value: Grant) -> None:
        super().__setitem__(key, value)
        GrantTable.changes += 1

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        GrantTable.changes += 1

    def __ior__(self, other: Any) -> GrantTable:  # type: ignore[override,misc]
        super().__ior__(other)
        GrantTable.changes += 1
        return self

    def pop(self, *args: Any) -> Any:
        GrantTable.changes += 1
        return super().pop(*args)

    def popitem(self) -> tuple[str, Grant]:
        GrantTable.changes += 1
        return super().popitem()

    def clear(self) -> None:
        super().clear()
        GrantTable.changes += 1

    def setdefault(self, key: str, default: Grant) -> Grant:
        GrantTable.changes += 1
        return super().setdefault(key, default)

    def update(self, *args: Any, **kwargs: Any) -> None:
        super().update(*args, **kwargs)
        GrantTable.changes += 1


def _grant_table(value: Mapping[str, Grant]) -> GrantTable:
    """A holder's ``grants``: always a :class:`GrantTable` (a plain dict is copied into one)."""
    return value if isinstance(value, GrantTable) else GrantTable(value)


@attrs.define
class InviteLink:
    """An outstanding invite link (``inv...``)."""

    id: str
    type: str  # "singleUse" | "multiUse"
    created_time: datetime
    invited_email: str | None
    referred_by: str
    permission_level: str
    restricted_to_email_domains: list[str] = attrs.Factory(list)


@attrs.define
class Interface:
    """An interface (page bundle, ``pbd...``) of a base."""

    id: str
    name: str
    base_id: str
    created_time: datetime
    first_publish_time: datetime | None = None
    grants: GrantTable = attrs.field(factory=GrantTable, converter=_grant_table)
    invites: dict[str, InviteLink] = attrs.Factory(dict)


@attrs.define
class Base:
    """A base (``app...``) in a workspace."""

    id: str
    name: str
    workspace_id: str
    created_time: datetime
    grants: GrantTable = attrs.field(factory=GrantTable, converter=_grant_table)
    invites: dict[str, InviteLink] = attrs.Factory(dict)
    interfaces: dict[str, Interface] = attrs.Factory(dict)
    package_installations: list[dict[str, str | None]] = attrs.Factory(list)
    tables: list[dict[str, object]] = attrs.Factory(list)
    shares: dict[str, Share] = attrs.Factory(dict)
    block_installations: dict[str, BlockInstallation] = attrs.Factory(dict)


@attrs.define
class Workspace:
    """A workspace (``wsp...``) of an enterprise account."""

    id: str
    name: str
    account_id: str
    created_time: datetime
    base_ids: list[str] = attrs.Factory(list)
    grants: GrantTable = attrs.field(factory=GrantTable, converter=_grant_table)
    invites: dict[str, InviteLink] = attrs.Factory(dict)
    invite_creation_restriction: str = "unrestricted"
    share_creation_restriction: str = "unrestricted"


@attrs.define(eq=False)
class World:
    """Everything the emulator knows, plus its clock, ID source and audit log.

    ``license_agreement`` is ``"ELA"`` or ``"FLA"`` (FLA refuses user state changes,
    REFERENCE §4.3); ``enterprise_hub`` decides whether ``aggregated``/``descendants``
    are returned (§3.1, §4.1).
    """

    root_id: str
    accounts: dict[str, Account] = attrs.Factory(dict)
    users: dict[str, User] = attrs.Factory(dict)
    groups: dict[str, Group] = attrs.Factory(dict)
    workspaces: dict[str, Workspace] = attrs.Factory(dict)
    bases: dict[str, Base] = attrs.Factory(dict)
    audit: AuditLog = attrs.Factory(AuditLog)
    #: SCIM's reporting-only user attributes, by user ID (see :mod:`.scim_state`).
    scim: ScimStore = attrs.Factory(ScimStore)
    #: Change events (§11) and eDiscovery/audit-log-request jobs (§9, §10).
    changes: ChangeLog = attrs.Factory(ChangeLog)
    jobs: JobBoard = attrs.Factory(JobBoard)
    clock: Clock = utc_now
    rng: random.Random = attrs.Factory(lambda: random.Random(0))
    license_agreement: str = "ELA"
    enterprise_hub: bool = True
    packages: dict[str, Package] = attrs.Factory(dict)
    access_tokens: dict[str, AccessToken] = attrs.Factory(dict)
    #: The AI workspace policy (``access_tokens.AI_POLICIES``) and the allowlist it reads.
    ai_policy: str = "SPECIFIED_WORKSPACES"
    ai_allowlist: dict[str, bool] = attrs.Factory(dict)
    #: HyperDB data tables (§16) by ID, each belonging to one account.
    data_tables: dict[str, DataTable] = attrs.Factory(dict)
    _by_email: dict[str, str] = attrs.Factory(dict)
    # holders_of's index: subject ID -> the holders whose grants named it when built,
    # and what the world looked like then (GrantTable.changes, workspaces, bases).
    _holders_by_subject: dict[str, list[Workspace | Base | Interface]] = attrs.field(
        factory=dict, init=False, repr=False
    )
    _holders_built_for: tuple[int, int, int] | None = attrs.field(
        default=None, init=False, repr=False
    )

    # ------------------------------------------------------------------ ids, time

    def now(self) -> datetime:
        return self.clock()

    def new_id(self, prefix: str) -> str:
        """A fresh ID with ``prefix`` that no object of the world uses."""
        while True:
            candidate = make_id(prefix, self.rng)
            if not self.id_exists(candidate):
                return candidate

    def id_exists(self, object_id: str) -> bool:
        return (
            object_id in self.accounts
            or object_id in self.users
            or object_id in self.groups
            or object_id in self.workspaces
            or object_id in self.bases
            or object_id in self.data_tables
        )

    # ------------------------------------------------------------------ accounts

    @property
    def root(self) -> Account:
        return self.accounts[self.root_id]

    def account(self, account_id: str) -> Account:
        found = self.accounts.get(account_id)
        if found is None:
            raise model_not_found()
        return found

    def descendant_ids(self) -> list[str]:
        return [a for a in self.accounts if a != self.root_id]

    def org_domains(self) -> set[str]:
        """The email domains of every account of the organization."""
        return {d for account in self.accounts.values() for d in account.email_domains}

    def is_internal(self, user: User) -> bool:
        return user.domain in self.org_domains()

    # ------------------------------------------------------------------ users

    def add_user(self, user: User) -> User:
        key = email_key(user.email)
        if key in self._by_email:
            raise ValueError(f"email {user.email!r} is already in use")
        self.users[user.id] = user
        self._by_email[key] = user.id
        return user

    def user(self, user_id: str) -> User:
        found = self.users.get(user_id)
        if found is None:
            raise model_not_found()
        return found

    def user_by_email(self, email: str) -> User | None:
        user_id = self._by_email.get(email_key(email))
        return self.users.get(user_id) if user_id is not None else None

    def change_email(self, user: User, email: str) -> None:
        del self._by_email[email_key(user.email)]
        user.email = email
        self._by_email[email_key(email)] = user.id

    def forget_user(self, user: User) -> None:
        """Delete a user and every grant and membership they hold."""
        for _, holder in self.grant_holders():
            holder.pop(user.id, None)
        for group in self.groups.values():
            group.members.pop(user.id, None)
        del self._by_email[email_key(user.email)]
        del self.users[user.id]

    # ------------------------------------------------------------------ objects

    def group(self, group_id: str) -> Group:
        found = self.groups.get(group_id)
        if found is None:
            raise model_not_found()
        return found

    def workspace(self, workspace_id: str) -> Workspace:
        found = self.workspaces.get(workspace_id)
        if found is None:
            raise model_not_found()
        return found

    def base(self, base_id: str) -> Base:
        found = self.bases.get(base_id)
        if found is None:
            raise model_not_found()
        return found

    def subject_name(self, subject_id: str) -> tuple[str, str]:
        """``("email", value)`` for a user, ``("name", value)`` for a group."""
        if subject_id in self.groups:
            return "name", self.groups[subject_id].name
        user = self.users.get(subject_id)
        return "email", user.email if user is not None else ""

    def grant_holders(self) -> Iterator[tuple[Workspace | Base | Interface, GrantTable]]:
        """Every object that holds grants, with its grant table."""
        for workspace in self.workspaces.values():
            yield workspace, workspace.grants
        for base in self.bases.values():
            yield base, base.grants
            for interface in base.interfaces.values():
                yield interface, interface.grants

    def holders_of(self, subject_ids: Iterable[str]) -> list[Workspace | Base | Interface]:
        """Workspaces, bases and interfaces that may hold a grant of one of ``subject_ids``.

        A superset, from an index rebuilt whenever a grant table has changed or a
        workspace or base was added or removed since it was built: callers check each
        holder's ``grants`` and whether it is still part of the world. (A holder filled
        with grants, then left out of the world across a request and added later
        without any change to a grant table, is the one case it misses.)
        """
        built_for = (GrantTable.changes, len(self.workspaces), len(self.bases))
        if built_for != self._holders_built_for:
            index: dict[str, list[Workspace | Base | Interface]] = {}
            for holder, grants in self.grant_holders():
                for subject_id in grants:
                    index.setdefault(subject_id, []).append(holder)
            self._holders_by_subject = index
            self._holders_built_for = built_for
        found: dict[int, Workspace | Base | Interface] = {}
        for subject_id in subject_ids:
            for holder in self._holders_by_subject.get(subject_id, ()):
                found[id(holder)] = holder
        return list(found.values())

    def ai_allowed(self, workspace_id: str) -> bool:
        """Whether AI features are on in a workspace under the enterprise's policy (§15)."""
        if self.ai_policy == "ALL_WORKSPACES":
            return True
        if self.ai_policy == "NO_WORKSPACES":
            return False
        return self.ai_allowlist.get(workspace_id, False)

    def owners(self, workspace: Workspace) -> list[str]:
        """The users who own ``workspace`` directly (groups cannot own, REFERENCE §6.3)."""
        return [g.subject_id for g in workspace.grants.values() if g.permission_level == "owner"]

    def account_user_ids(self, account_id: str) -> list[str]:
        """Users of an account: its members plus external collaborators on its objects
        (REFERENCE §3.1: ``userIds`` lists every collaborator, external ones included)."""
        ids = {u.id for u in self.users.values() if u.account_id == account_id}
        for workspace in self.workspaces.values():
            if workspace.account_id != account_id:
                continue
            holders: list[dict[str, Grant]] = [workspace.grants]
            for base_id in workspace.base_ids:
                base = self.bases[base_id]
                holders.append(base.grants)
                holders.extend(i.grants for i in base.interfaces.values())
            for grants in holders:
                ids.update(s for s in grants if s.startswith("usr"))
        return sorted(ids)
