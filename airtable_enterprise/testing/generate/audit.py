"""The generator's audit log: 180 days of events with a plausible traffic mix (REFERENCE
§8.5, §8.6), over the users, workspaces, bases and groups already in the world.

Drawn from the world's main random source, after the objects, so a seed's world is the
same event for event.
"""

from __future__ import annotations

import random
from datetime import datetime

from .._wire import make_id, to_ms
from ..world.audit import AuditEvent
from ..world.state import World

__all__ = ["make_events"]

_USER_AGENTS = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "airtable-enterprise/0.1 python-httpx",
)

# (action, category, modelType, target kind, weight): a plausible traffic mix (§8.5, §8.6).
_EVENT_MIX = (
    ("viewBase", "base", "base", "base", 40),
    ("loginUser", "user", "user", "self", 14),
    ("downloadAttachment", "base", "attachment", "base", 8),
    ("viewShare", "share", "share", "base", 5),
    ("updateBaseName", "base", "base", "base", 2),
    ("createBase", "base", "base", "base", 3),
    ("deleteBase", "base", "base", "base", 1),
    ("addBaseCollaborator", "baseCollaboration", "base", "base", 3),
    ("changeBaseCollaboratorPermission", "baseCollaboration", "base", "base", 2),
    ("removeBaseCollaborator", "baseCollaboration", "base", "base", 1),
    ("addWorkspaceCollaborator", "workspaceCollaboration", "workspace", "workspace", 2),
    ("removeWorkspaceCollaborator", "workspaceCollaboration", "workspace", "workspace", 1),
    ("createWorkspace", "workspace", "workspace", "workspace", 1),
    ("enableShare", "share", "share", "base", 2),
    ("disableShare", "share", "share", "base", 1),
    ("addGroupMember", "groups", "group", "group", 2),
    ("removeGroupMember", "groups", "group", "group", 1),
    ("deactivateUser", "user", "user", "user", 1),
    ("provisionUser", "user", "user", "user", 1),
    ("updateUserEmail", "user", "user", "user", 1),
    ("createPersonalAccessToken", "personalAccessToken", "personal_access_token", "self", 1),
    ("viewInterface", "interface", "interface", "base", 6),
)
# (actor type, weight): most events come from people, some from automations and syncs.
_ACTORS = (
    ("user", 92),
    ("automation", 3),
    ("system", 2),
    ("sync", 1),
    ("formSubmission", 1),
    ("anonymousUser", 1),
)


def make_events(world: World, rng: random.Random, count: int, now: datetime) -> None:
    if count == 0:
        return
    end_ms = to_ms(now)
    span_ms = 180 * 86400 * 1000
    users = [u for u in world.users.values() if u.last_activity_time is not None]
    all_users = list(world.users.values())
    bases = [
        (b.id, b.workspace_id, world.workspaces[b.workspace_id].account_id)
        for b in world.bases.values()
    ]
    workspaces = [(w.id, w.account_id) for w in world.workspaces.values()]
    groups = [(g.id, g.account_id) for g in world.groups.values()]
    ips = [f"203.0.113.{n}" for n in range(1, 120)] + [f"198.51.100.{n}" for n in range(1, 60)]
    mix = rng.choices(_EVENT_MIX, weights=[m[4] for m in _EVENT_MIX], k=count)
    actor_types = rng.choices([a for a, _ in _ACTORS], weights=[w for _, w in _ACTORS], k=count)
    # A few people do most of the work: weight actors by a long-tailed activity.
    actors = rng.choices(users, weights=[1.0 / (1 + i % 50) for i in range(len(users))], k=count)
    ip_of = {u.id: rng.choice(ips) for u in users}
    automations = [make_id("aut", rng) for _ in range(20)]
    views = [make_id("viw", rng) for _ in range(20)]
    root = world.root_id
    stored: list[AuditEvent] = []
    append = stored.append
    randrange, getrandbits, choice = rng.randrange, rng.getrandbits, rng.choice
    for n in range(count):
        action, category, model_type, target, _ = mix[n]
        actor_type = actor_types[n]
        actor = actors[n]
        workspace_id = base_id = None
        account_id = root
        if target == "base":
            model_id, workspace_id, account_id = choice(bases)
            base_id = model_id
        elif target == "workspace":
            model_id, account_id = choice(workspaces)
            workspace_id = model_id
        elif target == "group":
            model_id, account_id = choice(groups)
        elif target == "user":
            model_id = choice(all_users).id
        else:
            model_id = actor.id
        if target in ("self", "user"):
            actor_type = "user"
        payload = None
        if action in ("createBase", "updateBaseName"):
            payload = {"name": world.bases[model_id].name}
        key = ((end_ms - 1 - randrange(span_ms)) << 80) | getrandbits(80)
        if actor_type == "user":
            event = AuditEvent(
                key,
                action,
                category,
                model_id,
                model_type,
                "user",
                actor.id,
                actor.email,
                actor.name,
                account_id,
                workspace_id,
                base_id,
                None,
                payload,
                "1.0",
                ip_of[actor.id],
                _USER_AGENTS[n % len(_USER_AGENTS)],
            )
        else:
            actor_id = (
                choice(automations)
                if actor_type == "automation"
                else choice(views)
                if actor_type == "formSubmission"
                else None
            )
            event = AuditEvent(
                key,
                action,
                category,
                model_id,
                model_type,
                actor_type,
                actor_id,
                account_id=account_id,
                workspace_id=workspace_id,
                base_id=base_id,
                payload=payload,
                ip_address="0.0.0.0",
                user_agent="Airtable",
            )
        append(event)
    world.audit.extend(stored)
