"""The HR-file sync: plan the SCIM changes that make the directory match a file, then
apply them concurrently under the client's shared limiter.

What "matches" means: every active person exists and is active, with the file's names
and (for the columns the file has) title, department and employee number; an inactive
person is deactivated (or absent: nobody is created only to be deactivated); each
person belongs to exactly the groups the file names (when it has a ``groups`` column),
groups missing are created; with ``deactivate_missing``, active SCIM users absent from
the file are deactivated. Users absent from the file keep their memberships. The users
in ``keep_active`` (the token's own, for the CLI) are never deactivated. Emails match by
their key (case, Unicode NFC/NFD and spaces ignored), names compare in NFC.

:func:`plan_sync` is pure; :func:`read_directory` and :func:`apply_sync` do the I/O.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from typing import Any

import attrs

from .._core.gather import for_each
from .._core.text import email_key, name_key
from ..errors import AirtableError, InvalidInputError, ResponseValidationError
from ..models.scim import (
    SCHEMA_ENTERPRISE_USER,
    ScimEnterpriseUser,
    ScimGroup,
    ScimUser,
    ScimUserList,
)
from ._client import DEFAULT_PAGE_SIZE, Scim
from ._paging import UserWalk
from ._patch import PatchOperation, ScimPatch
from .people import People, Person

__all__ = [
    "Change",
    "Directory",
    "Outcome",
    "apply_sync",
    "held_back",
    "plan_sync",
    "read_directory",
]

#: Members per group PATCH: small enough that one bad ID fails few rows.
MEMBERS_PER_PATCH = 50
#: Requests in flight while reading the directory (users pages, then groups): bounded
#: whatever ``totalResults`` or the group list says.
READS_IN_FLIGHT = 8
_DEACTIVATE = PatchOperation("replace", "active", False)
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

    @property
    def deactivates(self) -> bool:
        """Whether applying the change deactivates a user."""
        return self.patch is not None and _DEACTIVATE in self.patch.operations

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
    """Every SCIM user, and every group with its members (one GET per group).

    The first users page gives the total; the other pages and then the groups are
    fetched concurrently by at most :data:`READS_IN_FLIGHT` requests at a time (never
    one task per advertised page). If the pages do not add up to the total (the server
    ignored ``startIndex``, the directory changed meanwhile, or the total is wrong), the
    users are walked again in order, and a walk whose pages still do not back the total
    ends in a ``ResponseValidationError`` (see :class:`~._paging.UserWalk`). Errors are
    raised as they are, not in an ``ExceptionGroup``."""
    users = await _read_users(scim)
    listed = [group async for group in scim.groups()]
    full: dict[str, ScimGroup] = {}

    async def fetch(group_id: str) -> None:
        full[group_id] = await scim.get_group(group_id)

    await for_each([group.id for group in listed], fetch, limit=READS_IN_FLIGHT)
    return Directory(users, tuple(full[group.id] for group in listed))


async def _read_users(scim: Scim) -> tuple[ScimUser, ...]:
    size = DEFAULT_PAGE_SIZE
    first = await scim.users_page(1, size)
    total = first.total_results
    pages: dict[int, ScimUserList] = {1: first}
    short = len(first.resources) < size
    seen = {user.id for user in first.resources}
    repeats = 0

    def starts() -> Iterator[int]:
        # Lazily, and only while every page so far was full and new: a total the pages
        # do not back stops the reads after at most READS_IN_FLIGHT more requests.
        for start in range(1 + size, total + 1, size):
            if short:
                return
            yield start

    async def page_users(start: int) -> None:
        nonlocal short, repeats
        page = pages[start] = await scim.users_page(start, size)
        found = len(page.resources)
        fresh = {user.id for user in page.resources} - seen
        seen.update(fresh)
        repeats += found - len(fresh)
        # A short page, or one repeating users already read (a server ignoring
        # startIndex under a huge total): stop issuing; the walk below decides.
        if (found < size and start + found <= total) or (found and not fresh) or repeats > size:
            short = True

    await for_each(starts(), page_users, limit=READS_IN_FLIGHT)
    # The pages, in order, must make a whole walk (the probe after a full last page
    # included); otherwise walk again, in order, with every check on.
    walk = UserWalk(size, scim._path("Users"))
    read: list[ScimUser] = []
    try:
        for start in sorted(pages):
            if walk.done or walk.start != start:
                raise _Uneven
            read.extend(walk.take(pages[start]))
        if walk.probing:
            read.extend(walk.take(await scim.users_page(walk.start, size)))
        if not walk.done:
            raise _Uneven
    except (_Uneven, ResponseValidationError):
        read = [user async for user in scim.users(page_size=size)]
    return tuple(read)


class _Uneven(Exception):
    """The concurrently fetched pages do not make one walk."""


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
    # Compared in NFC (the file's cells are read in NFC): a directory that stores the
    # other form must not get the same update on every run.
    if (_nfc(user.given_name), _nfc(user.family_name)) != (person.given_name, person.family_name):
        patch.set_name(given_name=person.given_name, family_name=person.family_name)
        details.append(
            f"name: {user.given_name} {user.family_name} -> {person.given_name} "
            f"{person.family_name}"
        )
    current = _current_attributes(user)
    for name, value in _wanted_attributes(person).items():
        if (value or None) == _nfc(current[name]):
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


def _nfc(text: str | None) -> str | None:
    return None if text is None else unicodedata.normalize("NFC", text)


def plan_sync(
    people: People,
    directory: Directory,
    *,
    deactivate_missing: bool = False,
    keep_active: Collection[str] = (),
) -> list[Change]:
    """The changes that make ``directory`` match ``people`` (pure; see the module doc).

    ``keep_active``: user IDs never deactivated, neither by a row that says inactive
    nor by ``deactivate_missing`` (the CLI passes the token's own user, so the sync
    cannot lock out the admin running it; :func:`held_back` lists what was spared).

    A row whose email key two directory users share (``Zoë@`` in NFC and in NFD, two
    IDs) is an :class:`~airtable_enterprise.InvalidInputError`: which one the row means
    is not known, and a plan for either could change the wrong person."""
    by_email = {email_key(user.user_name): user for user in directory.users}
    if len(by_email) < len(directory.users):
        _refuse_twins(people, directory)
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
        if user.id in keep_active:
            person = attrs.evolve(person, active=person.active or user.is_active)
        change = _user_change(person, user)
        if change is not None:
            changes.append(change)
    if deactivate_missing:
        in_file = {person.key for person in people.people}
        for user in directory.users:
            absent = email_key(user.user_name) not in in_file
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


def _refuse_twins(people: People, directory: Directory) -> None:
    ids: dict[str, list[str]] = {}
    for user in directory.users:
        ids.setdefault(email_key(user.user_name), []).append(user.id)
    for person in people.people:
        twins = ids.get(person.key, [])
        if len(twins) > 1:
            raise InvalidInputError(
                "people",
                person.email,
                f"line {person.line}: the email matches {len(twins)} SCIM users "
                f"({', '.join(twins)}); make it one user in the directory first",
            )


def held_back(
    people: People,
    directory: Directory,
    *,
    keep_active: Collection[str],
    deactivate_missing: bool = False,
) -> list[Change]:
    """The deactivations :func:`plan_sync` did not plan because the user is in
    ``keep_active``: a row saying inactive, or (with ``deactivate_missing``) an absence
    from the file. Action ``keep active``; for saying so beside the plan, never applied."""
    rows = {person.key: person for person in people.people}
    held: list[Change] = []
    for user in directory.users:
        if user.id not in keep_active or not user.is_active:
            continue
        person = rows.get(email_key(user.user_name))
        if person is not None and not person.active:
            held.append(
                Change(
                    "keep active", user.user_name, "the file says inactive", person.line, user.id
                )
            )
        elif person is None and deactivate_missing:
            held.append(
                Change("keep active", user.user_name, "absent from the file", None, user.id)
            )
    return held


def _membership_changes(
    people: People, directory: Directory, by_email: dict[str, ScimUser]
) -> list[Change]:
    groups = {name_key(group.display_name): group for group in directory.groups}
    ids = {user.id: email_key(user.user_name) for user in directory.users}
    # Who the file puts in each group (by name key), and who is there now.
    wanted: dict[str, dict[str, str]] = {}
    names: dict[str, str] = {}
    for person in people.people:
        if person.key not in by_email and not person.active:
            continue  # not created, so in no group
        for name in person.groups or ():
            names.setdefault(name_key(name), name)
            wanted.setdefault(name_key(name), {})[person.key] = person.email
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
    on_outcome: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Apply ``changes``: users and groups first, then memberships (they need the new
    IDs), each phase concurrently (at most ``concurrency`` at a time; the client's
    limiter paces them). A failed change is reported in its :class:`Outcome` and never stops the
    others; the members whose user could not be created are skipped (an outcome of their
    own, so a change may yield two); ``on_done`` is called once per change (for a
    progress bar), ``on_outcome`` once per outcome (for a result line each)."""
    user_ids = {email_key(user.user_name): user.id for user in directory.users}
    group_ids = {name_key(group.display_name): group.id for group in directory.groups}
    outcomes: list[Outcome] = []

    def report(outcome: Outcome, *, last: bool = True) -> None:
        outcomes.append(outcome)
        if on_outcome is not None:
            on_outcome(outcome)
        if on_done is not None and last:
            on_done(outcome)  # once per change

    async def run(change: Change) -> None:
        if change.emails:
            # Members whose creation failed are reported apart; the others go ahead.
            missing = tuple(e for e in change.emails if email_key(e) not in user_ids)
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
        await for_each(phase, run, limit=concurrency)
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
        group_ids[name_key(change.subject)] = created_group.id
    elif change.patch is not None:
        assert change.user_id is not None
        await scim.patch_user(change.user_id, change.patch)
    else:
        group_id = group_ids.get(name_key(change.subject))
        if group_id is None:
            raise _Skipped(f"skipped: the group {change.subject!r} could not be created")
        ids = [user_ids[email_key(email)] for email in change.emails]
        if change.action == "add members":
            await scim.add_members(group_id, ids)
        else:
            await scim.remove_members(group_id, ids)


def summary(outcomes: Iterable[Outcome]) -> tuple[int, int]:
    """(applied, failed)."""
    done = list(outcomes)
    failed = sum(1 for outcome in done if not outcome.ok)
    return len(done) - failed, failed
