"""Factories that add one user, group or audit event to a world, with sensible defaults
(the pytest plugin's ``make_user``, ``make_group`` and ``make_event``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from ..world.audit import AuditEvent
from ..world.state import Group, GroupMember, User, World

__all__ = ["make_event", "make_group", "make_user"]


def make_user(
    world: World,
    email: str | None = None,
    *,
    first_name: str = "Test",
    last_name: str | None = None,
    external: bool = False,
    admin: bool = False,
    state: str = "provisioned",
    managed: bool = True,
    service_account: bool = False,
    last_activity_time: datetime | None = None,
    account_id: str | None = None,
) -> User:
    """Add a user; the email defaults to a fresh address on the enterprise's first domain
    (or on ``external.example`` with ``external=True``)."""
    user_id = world.new_id("usr")
    if last_name is None:
        last_name = f"User {len(world.users) + 1}"
    if email is None:
        domain = "external.example" if external else next(iter(world.root.email_domains))
        email = f"test.user.{user_id[3:].lower()}@{domain}"
    now = world.now()
    return world.add_user(
        User(
            id=user_id,
            email=email,
            first_name=first_name,
            last_name=last_name,
            account_id=account_id or world.root_id,
            created_time=now,
            state=state,
            is_service_account=service_account,
            last_activity_time=last_activity_time,
            is_admin=admin,
            is_managed=managed,
        )
    )


def make_group(
    world: World,
    name: str | None = None,
    *,
    members: Iterable[User | str] = (),
    managers: Iterable[User | str] = (),
    account_id: str | None = None,
) -> Group:
    """Add a group with these members (users or user IDs)."""
    now = world.now()
    group = Group(
        id=world.new_id("ugp"),
        name=name or f"Test group {len(world.groups) + 1}",
        account_id=account_id or world.root_id,
        created_time=now,
        updated_time=now,
    )
    for role, people in (("manager", managers), ("member", members)):
        for person in people:
            user_id = person.id if isinstance(person, User) else person
            world.user(user_id)
            group.members[user_id] = GroupMember(user_id, role, now)
    world.groups[group.id] = group
    return group


def make_event(
    world: World,
    action: str = "viewBase",
    *,
    actor: User | str | None = None,
    timestamp: datetime | None = None,
    model_id: str | None = None,
    model_type: str = "base",
    category: str = "base",
    workspace_id: str | None = None,
    base_id: str | None = None,
    payload: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Append an audit-log event (by a user, by default the first one) and return its
    wire form. ``timestamp`` defaults to now; older timestamps are inserted in order."""
    if actor is None:
        actor = next(iter(world.users.values()))
    user = actor if isinstance(actor, User) else world.user(actor)
    moment = timestamp or world.now()
    bits = world.rng.getrandbits(80)
    # An explicit time is kept exactly, even if newer events exist.
    key = world.audit.key_at(moment, bits) if timestamp else world.audit.new_key(moment, bits)
    event = AuditEvent(
        key=key,
        action=action,
        category=category,
        model_id=model_id or base_id or user.id,
        model_type=model_type,
        actor_type="user",
        actor_id=user.id,
        actor_email=user.email,
        actor_name=user.name,
        account_id=user.account_id,
        workspace_id=workspace_id,
        base_id=base_id,
        payload=dict(payload) if payload is not None else None,
    )
    world.audit.append(event)
    return world.audit.render(event)
