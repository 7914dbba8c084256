"""``demo``: a realistic enterprise on the emulator, audited the way an admin would.

Starts the emulator (uvicorn on loopback, with Airtable-like latency and its 50
requests/s limit) holding a generated enterprise, then, concurrently through one
rate limiter: fetches every user with their collaborations, every workspace's
collaborators, and the whole audit log; and prints the findings and the request
rate achieved against the limit.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import anyio
import attrs
import click
from rich.console import Console

from ..api import AsyncApi
from ..enterprise import Enterprise
from ..models.audit import AuditLogEvent
from ..models.enterprise import EnterpriseInfo
from ..models.users import UserInfo
from ..models.workspaces import WorkspaceCollaborators
from ._app import run_async, settings_of
from ._output import cell, draw_table
from ._progress import progress_bar
from ._views import days_since, is_external
from .audit import collect_events, summarize
from .users import inactive

if TYPE_CHECKING:
    from ..testing.world.state import World

__all__ = ["demo", "longest_idle_admins", "users_by_account"]


@attrs.frozen(kw_only=True)
class Phase:
    """How one phase's requests went."""

    seconds: float
    requests: int
    rate_limited: int
    retries: int

    @property
    def rate(self) -> float:
        """Requests per second over the phase."""
        return self.requests / self.seconds if self.seconds > 0 else 0.0


@attrs.frozen(kw_only=True)
class Findings:
    """What the demo fetched, and how the requests went."""

    info: EnterpriseInfo
    users: list[UserInfo]
    workspaces: list[WorkspaceCollaborators]
    events: list[AuditLogEvent]
    bulk: Phase
    audit: Phase


@click.command()
@click.option("--users", type=click.IntRange(min=2), default=3000, show_default=True)
@click.option("--events", type=click.IntRange(min=0), default=30_000, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option(
    "--latency-ms",
    type=click.FloatRange(min=0),
    default=50.0,
    show_default=True,
    help="Fixed latency of each answer.",
)
@click.option(
    "--jitter-ms",
    type=click.FloatRange(min=0),
    default=50.0,
    show_default=True,
    help="Random extra latency, up to this.",
)
@click.option(
    "--limit",
    type=click.FloatRange(min=1),
    default=50.0,
    show_default=True,
    help="The emulator's rate limit (requests/s per token; Airtable's is 50).",
)
@click.option(
    "--days",
    type=click.IntRange(min=0),
    default=90,
    show_default=True,
    help="Idle days that make a user inactive.",
)
@click.option("--in-process", is_flag=True, help="Skip the loopback server (no sockets).")
@click.pass_context
def demo(
    ctx: click.Context,
    users: int,
    events: int,
    seed: int,
    latency_ms: float,
    jitter_ms: float,
    limit: float,
    days: int,
    in_process: bool,
) -> None:
    """Audit a realistic synthetic enterprise on the built-in emulator, start to finish.

    Needs no token and reaches nothing outside this machine. Client pace: --rps."""
    from ..testing import BackgroundServer, Emulator, generate_enterprise

    settings = settings_of(ctx)
    out = Console(highlight=False)
    note = Console(stderr=True, highlight=False)
    clock = time.perf_counter()
    world = generate_enterprise(seed=seed, users=users, events=events)
    emulator = Emulator(
        world, latency=latency_ms / 1000, jitter=jitter_ms / 1000, rate_limit=limit, seed=seed
    )
    note.print(
        f"[bold]demo[/]: generated enterprise {emulator.enterprise_id}: {len(world.users)} users, "
        f"{len(world.workspaces)} workspaces, {len(world.audit)} audit events "
        f"({time.perf_counter() - clock:.1f} s)"
    )
    note.print(f"[bold]demo[/]: {users_by_account(world, emulator.enterprise_id)}")

    # The client's limit is the server's (or less, with --rps); the limiter itself keeps
    # the headroom that absorbs network jitter (AsyncApi(rate_limit_headroom=)).
    pace = min(settings.rps, limit)

    @asynccontextmanager
    async def connect() -> AsyncIterator[AsyncApi]:
        options: dict[str, Any] = {**settings.api_options(), "requests_per_second": pace}
        if in_process:
            async with emulator.api(**options) as api:
                yield api
            return
        with BackgroundServer(emulator) as server:
            note.print(
                f"[bold]demo[/]: emulator on {server.url} (uvicorn): latency "
                f"{latency_ms:g}-{latency_ms + jitter_ms:g} ms, limit {limit:g} requests/s; "
                f"client pace {pace:g}/s"
            )
            async with AsyncApi(emulator.token, endpoint_url=server.url, **options) as api:
                yield api

    async def main() -> Findings:
        async with connect() as api:
            return await audit_enterprise(
                api.enterprise(emulator.enterprise_id), api, clock=world.now
            )

    found = run_async(main)
    report(
        out,
        found,
        days=days,
        limit=limit,
        server_429s=emulator.stats.rate_limited,
        now=world.now(),
    )
    note.print(f"[bold]demo[/]: finished in {time.perf_counter() - clock:.1f} s")


@asynccontextmanager
async def _measured(api: AsyncApi) -> AsyncIterator[list[Phase]]:
    """Time the block and count its requests; the :class:`Phase` lands in the list."""
    result: list[Phase] = []
    stats = api.stats
    before = attrs.evolve(stats)
    started = anyio.current_time()
    yield result
    result.append(
        Phase(
            seconds=anyio.current_time() - started,
            requests=stats.attempts - before.attempts,
            rate_limited=stats.rate_limited - before.rate_limited,
            retries=stats.retries - before.retries,
        )
    )


async def audit_enterprise(
    enterprise: Enterprise, api: AsyncApi, *, clock: Callable[[], datetime]
) -> Findings:
    """Two phases through ``api``'s shared limiter: the bulk user audit (every user
    with collaborations and every workspace's collaborators, all concurrently), then
    the whole audit log (8 time windows fetched concurrently): the 180 days before
    ``clock()``, the emulated world's now, whatever the date and time of this machine."""
    info = await enterprise.info()
    users: list[UserInfo] = []
    workspaces: list[WorkspaceCollaborators | None] = [None] * len(info.workspace_ids)
    with progress_bar() as progress:
        user_task = progress.add_task("users", total=len(info.user_ids))
        workspace_task = progress.add_task("workspaces", total=len(info.workspace_ids))

        async def get_users() -> None:
            found = await enterprise.users(
                info.user_ids,
                collaborations=True,
                on_progress=lambda n: progress.advance(user_task, n),
            )
            users.extend(found)

        async def get_workspace(index: int, workspace_id: str) -> None:
            workspaces[index] = await api.workspace(workspace_id).collaborators()
            progress.advance(workspace_task)

        async with _measured(api) as bulk, anyio.create_task_group() as group:
            group.start_soon(get_users)
            for index, workspace_id in enumerate(info.workspace_ids):
                group.start_soon(get_workspace, index, workspace_id)

    now = clock()
    with progress_bar() as progress:
        progress.add_task("audit log", total=None)
        async with _measured(api) as audit:
            events = await collect_events(
                enterprise, now - timedelta(days=180), now + timedelta(seconds=1), parallel=8
            )
    return Findings(
        info=info,
        users=users,
        workspaces=[w for w in workspaces if w is not None],
        events=events,
        bulk=bulk[0],
        audit=audit[0],
    )


def users_by_account(world: World, root_id: str) -> str:
    """One line saying which of the generated users the report counts: the root
    account's ``userIds`` (REFERENCE §3.1), that is its own users and every collaborator
    on its workspaces, bases and interfaces, users of its descendant accounts included;
    the descendants' other users are outside it."""
    members = sum(user.account_id == root_id for user in world.users.values())
    listed = len(world.account_user_ids(root_id))
    if members == listed == len(world.users):
        return f"all {members} users belong to {root_id}"
    descendants = len(world.accounts) - 1
    return (
        f"{listed} of the {len(world.users)} users in the report (its userIds): "
        f"{members} belong to {root_id} and {listed - members} to its {descendants} "
        "descendant account(s) but collaborate on its workspaces, bases or interfaces; the "
        f"other {len(world.users) - listed} belong to the descendant account(s) alone (the "
        "Enterprise Hub), outside the report"
    )


def longest_idle_admins(users: Sequence[UserInfo]) -> list[UserInfo]:
    """Admins, active ones first, each group from the longest idle: never active, then
    the oldest last activity (an admin active today is idle 0 days, not never)."""
    oldest = datetime.min.replace(tzinfo=UTC)
    return sorted(
        (u for u in users if u.is_admin),
        key=lambda u: (
            u.is_deactivated,
            u.last_activity_time is not None,
            u.last_activity_time or oldest,
        ),
    )


def _idle(user: UserInfo, now: datetime) -> str:
    days = days_since(user.last_activity_time, now)
    return "never" if days is None else str(days)


#: The demo's table columns that are never split (see :func:`draw_table`).
_KEYS = frozenset({"email", "user"})


def _table(
    out: Console, title: str, headers: Sequence[str], rows: Sequence[Sequence[object]]
) -> None:
    draw_table(
        out,
        title,
        [(header, header in _KEYS) for header in headers],
        [[cell(value) for value in row] for row in rows],
    )


def _workspace_users(workspace: WorkspaceCollaborators) -> Sequence[Any]:
    people = workspace.individual_collaborators
    return people.workspace_collaborators if people is not None else ()


def _grants(user: UserInfo) -> int:
    c = user.collaborations
    if c is None:
        return 0
    return (
        len(c.workspace_collaborations)
        + len(c.base_collaborations)
        + len(c.interface_collaborations)
    )


def report(
    out: Console, found: Findings, *, days: int, limit: float, server_429s: int, now: datetime
) -> None:
    """Print what an admin wants to see, then how the requests went (idle days as of
    ``now``, the world's clock)."""
    domains = [d.email_domain for d in found.info.email_domains]
    out.print(
        f"\n[bold]Enterprise {found.info.id}[/]: {len(found.users)} users, "
        f"{len(found.info.group_ids)} groups, {len(found.workspaces)} workspaces, "
        f"domains {', '.join(domains)}"
    )

    idle = inactive(found.users, days=days, now=now)
    never = sum(u.last_activity_time is None for u in idle)
    out.print(
        f"\n[bold]Inactive users[/] (provisioned, never active or idle {days}+ days): "
        f"{len(idle)} ({never} never active); licence clean-up candidates:"
    )
    _table(
        out,
        f"{min(10, len(idle))} of {len(idle)} (`users inactive --days {days}` lists all)",
        ("email", "license", "days idle", "grants"),
        [(u.email, u.license_type, _idle(u, now), _grants(u)) for u in idle[:10]],
    )

    admins = longest_idle_admins(found.users)
    _table(
        out,
        f"Admins: {len(admins)} ({min(10, len(admins))} longest idle shown; `admins list`)",
        ("email", "state", "days idle"),
        [(u.email, u.state, _idle(u, now)) for u in admins[:10]],
    )

    external = [u for u in found.users if is_external(u.email, domains)]
    shared = sorted((u for u in external if _grants(u)), key=_grants, reverse=True)
    open_workspaces = sum(
        any(
            is_external(c.email, domains)
            for c in (
                w.individual_collaborators.workspace_collaborators
                if w.individual_collaborators
                else ()
            )
        )
        for w in found.workspaces
    )
    out.print(
        f"\n[bold]External collaborators[/]: {len(external)} users outside "
        f"{', '.join(domains)}; {len(shared)} hold direct grants; "
        f"{open_workspaces} of {len(found.workspaces)} workspaces have an external collaborator"
    )
    _table(
        out,
        "Most access held by external users",
        ("email", "workspaces", "bases", "interfaces", "days idle"),
        [
            (
                u.email,
                len(u.collaborations.workspace_collaborations) if u.collaborations else 0,
                len(u.collaborations.base_collaborations) if u.collaborations else 0,
                len(u.collaborations.interface_collaborations) if u.collaborations else 0,
                _idle(u, now),
            )
            for u in shared[:10]
        ],
    )

    summary = summarize(found.events)
    span = ""
    if summary.first is not None and summary.last is not None:
        span = f" from {summary.first:%Y-%m-%d} to {summary.last:%Y-%m-%d}"
    _table(
        out,
        f"Audit log: {summary.events} events{span}; top event types",
        ("event type", "count", "share"),
        [
            (action, count, f"{100 * count / max(1, summary.events):.1f}%")
            for action, count in summary.by_type.most_common(10)
        ],
    )
    people = Counter(e.actor.user.email or e.actor.user.id for e in found.events if e.actor.user)
    _table(out, "Most active users", ("user", "events"), people.most_common(5))

    bulk, audit = found.bulk, found.audit
    out.print(
        f"\n[bold]Bulk user audit[/]: {bulk.requests} requests in {bulk.seconds:.1f} s = "
        f"[bold]{bulk.rate:.1f} requests/s[/] against a limit of {limit:g}/s; "
        f"HTTP 429: {bulk.rate_limited}; retries: {bulk.retries}"
    )
    per_second = summary.events / audit.seconds if audit.seconds > 0 else 0.0
    out.print(
        f"[bold]Audit log[/]: {summary.events} events in {audit.requests} requests, "
        f"{audit.seconds:.1f} s ({per_second:,.0f} events/s); HTTP 429: {audit.rate_limited}; "
        f"429s counted by the server over the whole run: {server_429s}"
    )
