"""A synthetic enterprise, deterministic by seed: users with realistic spreads, groups,
workspaces, bases (with tables and records), interfaces, collaborators, invite links,
180 days of audit log and 14 days of change events.

The same ``seed`` and the same ``clock`` give the same world, ID for ID. Times are
relative to the clock's "now", so the audit log always ends at the present.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from .._wire import make_id
from ..world.audit import AuditLog
from ..world.state import (
    Account,
    Base,
    Clock,
    Grant,
    Group,
    GroupMember,
    Interface,
    InviteLink,
    User,
    Workspace,
    World,
    utc_now,
)
from .admin import add_admin_objects
from .audit import make_events
from .data_tables import add_data_tables
from .tables import add_tables, generate_history

__all__ = ["generate_enterprise"]

_FIRST = [
    "Ada",
    "Alan",
    "Alex",
    "Amara",
    "Ana",
    "Ben",
    "Bo",
    "Carla",
    "Chen",
    "Dana",
    "Deepa",
    "Eli",
    "Emma",
    "Farah",
    "Finn",
    "Grace",
    "Hana",
    "Ivan",
    "Jack",
    "Jonas",
    "Kai",
    "Keiko",
    "Lara",
    "Leo",
    "Lina",
    "Luis",
    "Maya",
    "Mei",
    "Nadia",
    "Noah",
    "Omar",
    "Priya",
    "Quinn",
    "Rafael",
    "Rosa",
    "Sam",
    "Sara",
    "Tariq",
    "Theo",
    "Uma",
    "Vera",
    "Wen",
    "Yara",
    "Yusuf",
    "Zoe",
]
_LAST = [
    "Abe",
    "Bauer",
    "Costa",
    "Dubois",
    "Evans",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ito",
    "Jensen",
    "Kim",
    "Lopez",
    "Moreau",
    "Novak",
    "Okafor",
    "Patel",
    "Quinn",
    "Rossi",
    "Silva",
    "Tanaka",
    "Usman",
    "Varga",
    "Weber",
    "Xu",
    "Yilmaz",
    "Zhang",
]
_DEPARTMENTS = [
    "Engineering",
    "Finance",
    "Marketing",
    "Sales",
    "Legal",
    "Design",
    "Operations",
    "Support",
    "Research",
    "People",
    "Security",
    "Data",
    "Product",
    "Procurement",
]
_THINGS = [
    "Roadmap",
    "Budget",
    "Hiring",
    "Campaigns",
    "Inventory",
    "Vendors",
    "Contracts",
    "Launch",
    "OKRs",
    "Tickets",
    "Content",
    "Events",
    "Assets",
    "Leads",
    "Research",
]
_EXTERNAL_DOMAINS = ("gmail.example", "agency.example", "contractor.example", "partner.example")
_LICENSES = ("editor", "contributor", "builder", "viewer", "viewerRestricted")
_LEVELS = ("read", "comment", "edit", "create")


def generate_enterprise(
    seed: int = 1,
    *,
    users: int = 50,
    events: int = 500,
    enterprise_id: str | None = None,
    descendants: int = 1,
    clock: Clock | None = None,
    license_agreement: str = "ELA",
    changes: int = 200,
) -> World:
    """Build a world: ``users`` users (the first an internal admin, whose the emulator's
    token is by default), about one group per 25 users, one workspace per 10 users, and
    ``events`` audit-log events over the 180 days before ``clock()``, and ``changes``
    change events over the 14 days before it.

    5,000 users and 100,000 events take a few seconds; a million events fit in memory.
    """
    if users < 2:
        raise ValueError("users must be at least 2 (an admin and one more)")
    if events < 0 or descendants < 0:
        raise ValueError("events and descendants must not be negative")
    clock = clock or utc_now
    now = clock()
    rng = random.Random(seed)
    root_id = enterprise_id or make_id("ent", rng)
    world = World(
        root_id=root_id,
        clock=clock,
        rng=random.Random(rng.getrandbits(64)),
        license_agreement=license_agreement,
        audit=AuditLog(root_id),
    )
    company = rng.choice(("acme", "globex", "initech", "umbrella", "hooli", "vandelay"))
    domains = {f"{company}.example": True, f"{company}-labs.example": False}
    world.accounts[root_id] = Account(
        id=root_id,
        name=company.capitalize(),
        created_time=now - timedelta(days=rng.randint(900, 2200)),
        root_id=root_id,
        email_domains=domains,
    )
    for n in range(descendants):
        child = Account(
            id=make_id("ent", rng),
            name=f"{company.capitalize()} org unit {n + 1}",
            created_time=now - timedelta(days=rng.randint(100, 800)),
            root_id=root_id,
        )
        world.accounts[child.id] = child
    account_ids = list(world.accounts)

    _make_users(world, rng, users, list(domains), account_ids, now)
    _make_groups(world, rng, account_ids, now)
    _make_workspaces(world, rng, account_ids, now)
    make_events(world, rng, events, now)
    add_tables(world, seed, now)
    add_admin_objects(world, seed, now)
    add_data_tables(world, seed, now)
    generate_history(world, random.Random(seed ^ 0x0C4A), now, changes)
    return world


def _ago(rng: random.Random, now: datetime, low_days: float, high_days: float) -> datetime:
    return now - timedelta(seconds=rng.uniform(low_days * 86400, high_days * 86400))


def _make_users(
    world: World,
    rng: random.Random,
    count: int,
    domains: list[str],
    account_ids: list[str],
    now: datetime,
) -> None:
    root = world.root_id
    admin = User(
        id=make_id("usr", rng),
        email=f"it.admin@{domains[0]}",
        first_name="Avery",
        last_name="Admin",
        account_id=root,
        created_time=_ago(rng, now, 700, 900),
        is_sso_required=True,
        is_two_factor_auth_enabled=True,
        last_activity_time=_ago(rng, now, 0, 1),
        is_admin=True,
        is_super_admin=True,
        license_type="builder",
    )
    world.add_user(admin)
    ids = [admin.id]
    for n in range(1, count):
        roll = rng.random()
        external = roll < 0.15
        service = not external and roll > 0.99
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        if service:
            first, last = "svc", f"integration-{n}"
        domain = rng.choice(_EXTERNAL_DOMAINS) if external else rng.choice(domains)
        email = f"{first}.{last}.{n}@{domain}".lower()
        created = _ago(rng, now, 30, 1500)
        activity = rng.random()
        if activity < 0.08:
            last_activity = None  # never active
        elif activity < 0.23:
            last_activity = _ago(rng, now, 90, min(400, (now - created).days or 90))
        else:
            last_activity = _ago(rng, now, 0, 30)
        if last_activity is not None and last_activity < created:
            last_activity = created
        user = User(
            id=make_id("usr", rng),
            email=email,
            first_name=first.capitalize() if not service else first,
            last_name=last,
            account_id=root if external else rng.choice((root, root, root, *account_ids)),
            created_time=created,
            state="deactivated" if rng.random() < 0.05 else "provisioned",
            is_service_account=service,
            is_sso_required=not external and domain == domains[0],
            is_two_factor_auth_enabled=rng.random() < 0.6,
            last_activity_time=last_activity,
            invited_by=rng.choice(ids) if rng.random() < 0.7 else None,
            is_admin=not external and rng.random() < 0.02,
            is_managed=not external and rng.random() < 0.97,
            license_type=None if external else rng.choice(_LICENSES),
        )
        world.add_user(user)
        ids.append(user.id)


def _make_groups(world: World, rng: random.Random, account_ids: list[str], now: datetime) -> None:
    internal = [u.id for u in world.users.values() if world.is_internal(u)]
    for n in range(max(2, len(world.users) // 25)):
        created = _ago(rng, now, 60, 900)
        group = Group(
            id=make_id("ugp", rng),
            name=f"{rng.choice(_DEPARTMENTS)} {n + 1}",
            account_id=rng.choice((world.root_id, *account_ids)),
            created_time=created,
            updated_time=_ago(rng, now, 0, 60),
            mapped_user_license_type=rng.choice((None, None, "editor", "viewer")),
        )
        size = min(len(internal), rng.randint(3, 40))
        for index, user_id in enumerate(rng.sample(internal, size)):
            role = "manager" if index < 1 + size // 20 else "member"
            group.members[user_id] = GroupMember(user_id, role, _ago(rng, now, 0, 60))
        world.groups[group.id] = group


def _invite(
    rng: random.Random, now: datetime, referrer: str, domain: str, levels: tuple[str, ...]
) -> InviteLink:
    single = rng.random() < 0.6
    return InviteLink(
        id=make_id("inv", rng),
        type="singleUse" if single else "multiUse",
        created_time=_ago(rng, now, 0, 120),
        invited_email=f"invitee{rng.randint(1, 9999)}@{domain}" if single else None,
        referred_by=referrer,
        permission_level=rng.choice(levels),
        restricted_to_email_domains=[] if single or rng.random() < 0.5 else [domain],
    )


def _make_workspaces(
    world: World, rng: random.Random, account_ids: list[str], now: datetime
) -> None:
    users = list(world.users.values())
    active_internal = [u.id for u in users if world.is_internal(u) and u.state == "provisioned"]
    everyone = [u.id for u in users if u.state == "provisioned"]
    groups = list(world.groups)
    domain = next(iter(world.root.email_domains))
    admin_id = users[0].id
    for n in range(max(2, len(users) // 10)):
        created = _ago(rng, now, 30, 1200)
        workspace = Workspace(
            id=make_id("wsp", rng),
            name=f"{rng.choice(_DEPARTMENTS)} {rng.choice(_THINGS)} {n + 1}",
            account_id=rng.choice((world.root_id, world.root_id, *account_ids)),
            created_time=created,
            invite_creation_restriction=rng.choice(("unrestricted", "unrestricted", "onlyOwners")),
            share_creation_restriction=rng.choice(("unrestricted", "onlyOwners")),
        )
        owners = rng.sample(active_internal, min(len(active_internal), rng.choice((1, 1, 2))))
        for owner in owners:
            workspace.grants[owner] = Grant(owner, "owner", created, admin_id)
        for user_id in rng.sample(everyone, min(len(everyone), rng.randint(0, 8))):
            workspace.grants.setdefault(
                user_id,
                Grant(user_id, rng.choice(_LEVELS), _ago(rng, now, 0, 300), rng.choice(owners)),
            )
        for group_id in rng.sample(groups, min(len(groups), rng.randint(0, 2))):
            workspace.grants[group_id] = Grant(
                group_id, rng.choice(_LEVELS), _ago(rng, now, 0, 300), rng.choice(owners)
            )
        if rng.random() < 0.2:
            invite = _invite(rng, now, owners[0], domain, ("read", "comment", "edit", "create"))
            workspace.invites[invite.id] = invite
        world.workspaces[workspace.id] = workspace
        for b in range(rng.randint(1, 6)):
            _make_base(world, rng, workspace, owners, everyone, groups, domain, now, b)


def _make_base(
    world: World,
    rng: random.Random,
    workspace: Workspace,
    owners: list[str],
    everyone: list[str],
    groups: list[str],
    domain: str,
    now: datetime,
    n: int,
) -> None:
    base = Base(
        id=make_id("app", rng),
        name=f"{rng.choice(_THINGS)} tracker {n + 1}",
        workspace_id=workspace.id,
        created_time=_ago(rng, now, 1, 900),
    )
    for user_id in rng.sample(everyone, min(len(everyone), rng.randint(0, 4))):
        base.grants[user_id] = Grant(
            user_id, rng.choice(_LEVELS), _ago(rng, now, 0, 300), rng.choice(owners)
        )
    if groups and rng.random() < 0.3:
        group_id = rng.choice(groups)
        base.grants[group_id] = Grant(
            group_id, rng.choice(_LEVELS), _ago(rng, now, 0, 300), rng.choice(owners)
        )
    if rng.random() < 0.1:
        invite = _invite(rng, now, owners[0], domain, _LEVELS)
        base.invites[invite.id] = invite
    for i in range(rng.choice((0, 0, 1, 2))):
        created = _ago(rng, now, 1, 400)
        interface = Interface(
            id=make_id("pbd", rng),
            name=f"{rng.choice(_THINGS)} dashboard {i + 1}",
            base_id=base.id,
            created_time=created,
            first_publish_time=created + timedelta(hours=1) if rng.random() < 0.8 else None,
        )
        for user_id in rng.sample(everyone, min(len(everyone), rng.randint(0, 3))):
            interface.grants[user_id] = Grant(
                user_id, rng.choice(("read", "comment", "edit")), created, owners[0]
            )
        base.interfaces[interface.id] = interface
    if rng.random() < 0.15:
        base.package_installations.append(
            {
                "id": make_id("pki", rng),
                "installationType": rng.choice(("application", "component")),
                "packageId": make_id("pkg", rng),
                "packageReleaseId": make_id("pkr", rng) if rng.random() < 0.7 else None,
            }
        )
    world.bases[base.id] = base
    workspace.base_ids.append(base.id)
