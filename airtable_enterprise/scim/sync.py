"""The HR-file sync: plan the SCIM changes that make the directory match a file, then
apply them concurrently under the client's shared limiter.

What "matches" means: every active person exists and is active, with the file's names
and (for the columns the file has) title, department and employee number; an inactive
person is deactivated (or absent: nobody is created only to be deactivated); each
person belongs to exactly the groups the file names (when it has a ``groups`` column),
groups missing are created; with ``deactivate_missing``, active SCIM users absent from
the file are deactivated. Users absent from the file keep their memberships.

:func:`plan_sync` is pure; :func:`read_directory` and :func:`apply_sync` do the I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any

import anyio
import attrs

from ..errors import AirtableError
from ..models.scim import SCHEMA_ENTERPRISE_USER, ScimEnterpriseUser, ScimGroup, ScimUser
from ._client import DEFAULT_PAGE_SIZE, Scim
from ._patch import ScimPatch
from .people import People, Person

__all__ = ["Change", "Directory", "Outcome", "apply_sync", "plan_sync", "read_directory"]

#: Members per group PATCH: small enough that one bad ID fails few rows.
MEMBERS_PER_PATCH = 50
_ENTERPRISE_ATTRIBUTES = {"department": "department", "employee_number": "employeeNumber"}


@attrs.frozen
class Directory:
    """What SCIM shows: the users, and each group with its member IDs."""

    users: tuple[ScimUser, ...]
    groups: tuple[ScimGroup, ...]


@attrs.frozen(eq=False)
class Change:
    """One planned change: ``action`` on ``subject`` (an email or a group name).

    ``line`` is the file line it comes from (``None`` for changes the file implies
    without a row: deactivating a missing user, creating a group).
    """

    action: str  # create user | update user | deactivate user | reactivate user | create group
    #            # | add members | remove members
    subject: str
    detail: str = ""
    line: int | None = None
    user_id: str | None = None
    person: Person | None = None
    patch: ScimPatch | None = None
    emails: tuple[str, ...] = ()

    def row(self) -> dict[str, Any]:
        """The change as a table / JSON Lines row."""
        return {
            "line": self.line,
            "action": self.action,
            "subject": self.subject,
            "detail": self.detail,
        }


@attrs.frozen
class Outcome:
    """How one change ended: ``error`` is ``None`` when it was applied."""

    change: Change
    error: AirtableError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


async def read_directory(scim: Scim) -> Directory:
    """Every SCIM user, and every group with its members (one GET per group), all
    fetched concurrently: the first users page gives the total, the other pages and the
    groups follow at once. If the pages do not add up to the total (the server ignored
    ``startIndex``, or the directory changed meanwhile), the users are walked again in order."""
    first = await scim.users_page(1, DEFAULT_PAGE_SIZE)
    listed = [group async for group in scim.groups()]
    pages: dict[int, tuple[ScimUser, ...]] = {1: first.resources}
    full: dict[str, ScimGroup] = {}

    async def page_users(start: int) -> None:
        pages[start] = (await scim.users_page(start, DEFAULT_PAGE_SIZE)).resources

    async def fetch(group_id: str) -> None:
        full[group_id] = await scim.get_group(group_id)

    async with anyio.create_task_group() as tasks:
        for start in range(1 + DEFAULT_PAGE_SIZE, first.total_results + 1, DEFAULT_PAGE_SIZE):
            tasks.start_soon(page_users, start)
        for group in listed:
            tasks.start_soon(fetch, group.id)
    users = {user.id: user for start in sorted(pages) for user in pages[start]}
    if len(users) != first.total_results:
        users = {user.id: user async for user in scim.users()}
    return Directory(tuple(users.values()), tuple(full[group.id] for group in listed))


def _wanted_attributes(person: Person) -> dict[str, str | None]:
    return {
        name: getattr(person, name)
        for name in ("title", *_ENTERPRISE_ATTRIBUTES)
        if getattr(person, name) is not None
    }


def _current_attributes(user: ScimUser) -> dict[str, str | None]:
    enterprise = user.enterprise or ScimEnterpriseUser()
    return {
        "title": user.title,
        "department": enterprise.department,
        "employee_number": enterprise.employee_number,
    }


def _user_change(person: Person, user: ScimUser) -> Change | None:
    patch = ScimPatch()
    details: list[str] = []
    if (user.given_name, user.family_name) != (person.given_name, person.family_name):
        patch.set_name(given_name=person.given_name, family_name=person.family_name)
        details.append(
            f"name: {user.given_name} {user.family_name} -> {person.given_name} "
            f"{person.family_name}"
        )
    current = _current_attributes(user)
    for name, value in _wanted_attributes(person).items():
        if (value or None) == current[name]:
            continue
        details.append(f"{name}: {current[name] or '-'} -> {value or '-'}")
        path = (
            name if name == "title" else f"{SCHEMA_ENTERPRISE_USER}:{_ENTERPRISE_ATTRIBUTES[name]}"
        )
        if value:
            patch.replace(path, value)
        else:
            patch.remove(path)
    action = "update user"
    if person.active != user.is_active:
        patch.set_active(person.active)
        if not details:
            action = "reactivate user" if person.active else "deactivate user"
        details.append("active" if person.active else "deactivated")
    if not len(patch):
        return None
    return Change(action, person.email, "; ".join(details), person.line, user.id, person, patch)


def plan_sync(
    people: People,
    directory: Directory,
    *,
    deactivate_missing: bool = False,
    keep_active: Collection[str] = (),
) -> list[Change]:
    """The changes that make ``directory`` match ``people`` (pure; see the module doc).

    ``keep_active``: user IDs that ``deactivate_missing`` leaves alone (the CLI passes
    the token's own user, so a file that forgets the admin cannot lock them out)."""
    by_email = {user.user_name.lower(): user for user in directory.users}
    changes: list[Change] = []
    for person in people.people:
        user = by_email.get(person.key)
        if user is None:
            if person.active:
                changes.append(
                    Change(
                        "create user",
                        person.email,
                        f"{person.given_name} {person.family_name}",
                        person.line,
                        person=person,
                    )
                )
            continue
        change = _user_change(person, user)
        if change is not None:
            changes.append(change)
    if deactivate_missing:
        in_file = {person.key for person in people.people}
        for user in directory.users:
            absent = user.user_name.lower() not in in_file
            if absent and user.is_active and user.id not in keep_active:
                changes.append(
                    Change(
                        "deactivate user",
                        user.user_name,
                        "absent from the file",
                        None,
                        user.id,
                        patch=ScimPatch().set_active(False),
                    )
                )
    if people.has_groups:
        changes.extend(_membership_changes(people, directory, by_email))
    return changes


def _membership_changes(
    people: People, directory: Directory, by_email: dict[str, ScimUser]
) -> list[Change]:
    groups = {group.display_name.lower(): group for group in directory.groups}
    ids = {user.id: user.user_name.lower() for user in directory.users}
    # Who the file puts in each group (by lower-cased name), and who is there now.
    wanted: dict[str, dict[str, str]] = {}
    names: dict[str, str] = {}
    for person in people.people:
        if person.key not in by_email and not person.active:
            continue  # not created, so in no group
        for name in person.groups or ():
            names.setdefault(name.lower(), name)
            wanted.setdefault(name.lower(), {})[person.key] = person.email
    changes: list[Change] = []
    for key, name in names.items():
        if key not in groups:
            changes.append(Change("create group", name, "new, empty"))
    in_file = {person.key for person in people.people}
    for key in sorted(set(wanted) | set(groups)):
        group = groups.get(key)
        present = {ids[m] for m in group.member_ids if m in ids} if group is not None else set()
        adds = [
            email for email_key, email in wanted.get(key, {}).items() if email_key not in present
        ]
        removes = [
            by_email[email_key].user_name
            for email_key in sorted(present)
            if email_key in in_file and email_key not in wanted.get(key, {})
        ]
        label = group.display_name if group is not None else names[key]
        for action, emails in (("add members", adds), ("remove members", removes)):
            for start in range(0, len(emails), MEMBERS_PER_PATCH):
                chunk = tuple(emails[start : start + MEMBERS_PER_PATCH])
                changes.append(Change(action, label, ", ".join(chunk), emails=chunk))
    return changes


async def apply_sync(
    scim: Scim,
    changes: Sequence[Change],
    directory: Directory,
    *,
    concurrency: int = 64,
    on_done: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Apply ``changes``: users and groups first, then memberships (they need the new
    IDs), each phase concurrently (``concurrency`` tasks; the client's limiter paces
    them). A failed change is reported in its :class:`Outcome` and never stops the
    others; the members whose user could not be created are skipped (an outcome of their
    own, so a change may yield two); ``on_done`` is called once per change."""
    user_ids = {user.user_name.lower(): user.id for user in directory.users}
    group_ids = {group.display_name.lower(): group.id for group in directory.groups}
    outcomes: list[Outcome] = []
    limiter = anyio.CapacityLimiter(concurrency)

    def report(outcome: Outcome, *, last: bool = True) -> None:
        outcomes.append(outcome)
        if on_done is not None and last:
            on_done(outcome)  # once per change

    async def run(change: Change) -> None:
        async with limiter:
            if change.emails:
                # Members whose creation failed are reported apart; the others go ahead.
                missing = tuple(e for e in change.emails if e.lower() not in user_ids)
                if missing:
                    skipped = _Skipped(f"skipped: {', '.join(missing)} could not be created")
                    rest = tuple(e for e in change.emails if e not in missing)
                    report(Outcome(_members(change, missing), skipped), last=not rest)
                    if not rest:
                        return
                    change = _members(change, rest)
            try:
                await _apply_one(scim, change, user_ids, group_ids)
                outcome = Outcome(change)
            except AirtableError as exc:
                outcome = Outcome(change, exc)
        report(outcome)

    memberships = {"add members", "remove members"}
    for phase in (
        [c for c in changes if c.action not in memberships],
        [c for c in changes if c.action in memberships],
    ):
        async with anyio.create_task_group() as tasks:
            for change in phase:
                tasks.start_soon(run, change)
    return outcomes


def _members(change: Change, emails: tuple[str, ...]) -> Change:
    return attrs.evolve(change, emails=emails, detail=", ".join(emails))


class _Skipped(AirtableError):
    """A membership change whose user or group could not be made."""


async def _apply_one(
    scim: Scim, change: Change, user_ids: dict[str, str], group_ids: dict[str, str]
) -> None:
    if change.action == "create user":
        person = change.person
        assert person is not None
        attributes = _wanted_attributes(person)
        enterprise = ScimEnterpriseUser(
            department=attributes.get("department") or None,
            employee_number=attributes.get("employee_number") or None,
        )
        created = await scim.create_user(
            person.email,
            given_name=person.given_name,
            family_name=person.family_name,
            title=attributes.get("title") or None,
            enterprise=enterprise if enterprise != ScimEnterpriseUser() else None,
        )
        user_ids[person.key] = created.id
    elif change.action == "create group":
        created_group = await scim.create_group(change.subject)
        group_ids[change.subject.lower()] = created_group.id
    elif change.patch is not None:
        assert change.user_id is not None
        await scim.patch_user(change.user_id, change.patch)
    else:
        group_id = group_ids.get(change.subject.lower())
        if group_id is None:
            raise _Skipped(f"skipped: the group {change.subject!r} could not be created")
        ids = [user_ids[email.lower()] for email in change.emails]
        if change.action == "add members":
            await scim.add_members(group_id, ids)
        else:
            await scim.remove_members(group_id, ids)


def summary(outcomes: Iterable[Outcome]) -> tuple[int, int]:
    """(applied, failed)."""
    done = list(outcomes)
    failed = sum(1 for outcome in done if not outcome.ok)
    return len(done) - failed, failed
