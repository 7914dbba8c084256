"""The generator's admin objects: packages with releases, users' personal access
tokens, and each base's share links and extensions (REFERENCE §7.6, §7.7, §13, §14).

Drawn from their own random source (seeded from the world's seed), so adding them
leaves every user, workspace and event of a seed's world as it was.
"""

from __future__ import annotations

import copy
import random
from datetime import datetime, timedelta

from .._wire import make_id
from ..world.access_tokens import AccessToken
from ..world.packages import Package
from ..world.sharing import BlockInstallation, Share
from ..world.state import InviteLink, World

__all__ = ["add_admin_objects"]

_READ_SCOPES = (
    "data.records:read",
    "schema.bases:read",
    "data.recordComments:read",
    "webhook:manage",
    "user.email:read",
)
_WRITE_SCOPES = ("data.records:write", "schema.bases:write", "data.recordComments:write")
_ADMIN_SCOPES = (
    "enterprise.user:read",
    "enterprise.user:write",
    "enterprise.auditLogs:read",
    "enterprise.account:read",
    "workspacesAndBases:manage",
    "enterprise.scim.usersAndGroups:manage",
)
_TOKEN_NAMES = (
    "Zapier",
    "Make scenario",
    "Reporting script",
    "CSV sync",
    "Backup job",
    "Slack bot",
    "dbt export",
    "Personal scripts",
    "Integration token",
    "Data warehouse loader",
)
_BLOCKS = (
    ("blkPageDesigner001", "page-designer"),
    ("blkChart00000001a", "chart"),
    ("blkScripting0001a", "scripting"),
    ("blkMapView000001a", "map"),
    ("blkGantt000000001", "gantt"),
    ("blkPivotTable0001", "pivot-table"),
)


def add_admin_objects(world: World, seed: int, now: datetime) -> None:
    """Add packages, tokens, shares, block installations and interface invite links to a
    generated world."""
    rng = random.Random(f"{seed}:admin")
    _add_packages(world, rng, now)
    _add_tokens(world, rng, now)
    _add_shares_and_blocks(world, rng, now)
    # Their own random source: the objects above stay as they were before these.
    _add_interface_invites(world, random.Random(f"{seed}:interface-invites"), now)


def _ago(rng: random.Random, now: datetime, low_days: float, high_days: float) -> datetime:
    return now - timedelta(seconds=rng.uniform(low_days * 86400, high_days * 86400))


def _add_packages(world: World, rng: random.Random, now: datetime) -> None:
    """About one package per 40 users (at least 2); one in five never released."""
    admins = [u.id for u in world.users.values() if u.is_admin] or list(world.users)[:1]
    base_ids = list(world.bases)
    if not base_ids:
        return
    for n in range(max(2, len(world.users) // 40)):
        source = world.bases[rng.choice(base_ids)]
        created = _ago(rng, now, 30, 700)
        # The first one is a draft, the second released, the rest 4 in 5 released.
        released = n == 1 or (n > 1 and rng.random() < 0.8)
        package = Package(
            id=make_id("pkg", rng),
            name=f"{source.name.split(' tracker')[0]} app {n + 1}",
            account_id=rng.choice((world.root_id, world.root_id, *world.accounts)),
            source_base_id=source.id,
            created_by=rng.choice(admins),
            created_time=created,
            last_updated_by=rng.choice(admins),
            last_updated_time=created + timedelta(days=rng.uniform(0, 25)),
            description=rng.choice((None, f"Managed template for {source.name}.")),
            tagline=rng.choice((None, "Approved company template")),
            install_count=rng.randint(0, 60) if released else 0,
            releases=[make_id("pkr", rng) for _ in range(rng.randint(1, 4))] if released else [],
            tables=copy.deepcopy(source.tables)
            or [
                {
                    "name": "Items",
                    "fields": [{"name": "Name", "type": "singleLineText"}],
                    "views": [{"name": "Grid view", "type": "grid"}],
                }
            ],
        )
        world.packages[package.id] = package


def _add_tokens(world: World, rng: random.Random, now: datetime) -> None:
    """About a third of internal users hold 1-3 tokens; admins' tokens carry admin
    scopes; one in eight is revoked; a few reach everything (``mode: all``)."""
    pool = [*world.workspaces, *world.bases]
    domains = world.org_domains()
    for user in list(world.users.values()):
        if user.domain not in domains or rng.random() > 0.33:
            continue
        for _ in range(rng.choice((1, 1, 1, 2, 3))):
            scopes = rng.sample(_READ_SCOPES, rng.randint(1, 3))
            if rng.random() < 0.4:
                scopes += rng.sample(_WRITE_SCOPES, rng.randint(1, 2))
            if user.is_admin and rng.random() < 0.6:
                scopes += rng.sample(_ADMIN_SCOPES, rng.randint(1, 3))
            mode = rng.choices(("all", "enterprise", "specificModelIds"), (2, 2, 6))[0]
            resources: list[str] = []
            if mode == "specificModelIds":
                resources = rng.sample(pool, min(len(pool), rng.randint(1, 4)))
            token = AccessToken(
                id=make_id("pat", rng),
                name=rng.choice(_TOKEN_NAMES),
                user_id=user.id,
                created_by=user.id,
                created_time=_ago(rng, now, 1, 700),
                scopes=scopes,
                mode=mode,
                enterprise_account_id=user.account_id if mode == "enterprise" else None,
                resource_ids=resources,
                state="deactivated" if rng.random() < 0.125 else "active",
            )
            world.access_tokens[token.id] = token


def _add_shares_and_blocks(world: World, rng: random.Random, now: datetime) -> None:
    """Most bases have no share; some have a base share or a few view shares; about a
    third have extensions, some of them shared."""
    domains = sorted(world.root.email_domains)
    for base in world.bases.values():
        workspace = world.workspaces[base.workspace_id]
        creators = [g.subject_id for g in workspace.grants.values() if g.subject_id[:3] == "usr"]
        if not creators:
            continue
        for _ in range(rng.choice((0, 0, 0, 1, 2))):
            slug = rng.choice(_BLOCKS)
            installation = BlockInstallation(
                id=make_id("bli", rng),
                block_id=slug[0],
                block_slug=slug[1],
                created_by=rng.choice(creators),
                created_time=_ago(rng, now, 1, 600),
                state=rng.choice(("enabled", "enabled", "enabled", "disabled")),
            )
            base.block_installations[installation.id] = installation
        kinds = rng.choice(((), (), (), ("base",), ("view",), ("view", "view"), ("base", "view")))
        if base.block_installations and rng.random() < 0.3:
            kinds = (*kinds, "blockInstallation")
        for kind in kinds:
            restricted = rng.random() < 0.3
            share = Share(
                id=make_id("shr", rng),
                type=kind,
                created_by=rng.choice(creators),
                created_time=_ago(rng, now, 1, 800),
                state=rng.choice(("enabled", "enabled", "disabled")),
                is_password_protected=rng.random() < 0.2,
                restricted_to_email_domains=[domains[0]] if restricted and domains else [],
                restricted_to_enterprise_members=rng.random() < 0.25,
                view_id=make_id("viw", rng) if kind == "view" else None,
                block_installation_id=(
                    next(iter(base.block_installations)) if kind == "blockInstallation" else None
                ),
                can_be_synced=rng.random() < 0.5 if kind == "view" else None,
            )
            base.shares[share.id] = share


def _add_interface_invites(world: World, rng: random.Random, now: datetime) -> None:
    """Outstanding invite links on about a third of the interfaces (at least one when
    there is an interface), as real bases have: deleting one can then be exercised."""
    interfaces = [i for base in world.bases.values() for i in base.interfaces.values()]
    for n, interface in enumerate(interfaces):
        if n and rng.random() >= 0.35:
            continue
        workspace = world.workspaces[world.bases[interface.base_id].workspace_id]
        referrers = world.owners(workspace) or [next(iter(world.users))]
        domain = next(iter(world.root.email_domains))
        single = rng.random() < 0.5
        invite = InviteLink(
            id=make_id("inv", rng),
            type="singleUse" if single else "multiUse",
            created_time=_ago(rng, now, 0, 90),
            invited_email=f"viewer{rng.randint(1, 9999)}@{domain}" if single else None,
            referred_by=rng.choice(referrers),
            permission_level=rng.choice(("read", "comment", "edit")),
        )
        interface.invites[invite.id] = invite
