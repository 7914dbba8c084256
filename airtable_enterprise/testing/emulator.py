"""Emulator: a world plus the knobs of the server that serves it."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from starlette.types import ASGIApp

from .generate.enterprise import generate_enterprise
from .generate.factories import make_event, make_group, make_user
from .http.app import EmulatorStats, build_app
from .http.faults import FaultPlan
from .http.files import FileHost
from .http.ratelimit import StrictWindowLimiter
from .transport import EmulatorTransport
from .world.state import Group, User, World

if TYPE_CHECKING:
    from ..api import AsyncApi

__all__ = ["DEFAULT_TOKEN", "Emulator"]

#: The token an :class:`Emulator` accepts when none is given.
DEFAULT_TOKEN = "patEmulatorTestToken.0000000000000000"


class Emulator:
    """An in-memory Airtable Enterprise API.

    ```python
    emulator = Emulator(generate_enterprise(seed=1, users=200))
    async with emulator.api() as api:
        info = await api.request("GET", f"/v0/meta/enterpriseAccounts/{emulator.enterprise_id}")
    ```

    - ``world``: the state served (default: a small generated enterprise, seed 1).
    - ``token`` / ``tokens``: accepted bearer tokens; ``tokens`` maps each to the user it
      acts as. By default the one token acts as the world's first admin.
    - ``latency`` + uniform ``jitter`` (seconds) before each answer.
    - ``rate_limit``: requests per second per token (Airtable: 50); a breach answers 429
      for ``rate_limit_penalty`` seconds (30); ``retry_after_header`` adds ``Retry-After``.
    - ``max_scan``: stored audit events one request reads at most.
    - ``seed``: the jitter's random source.
    - ``job_duration``: seconds of world time an export or audit-log request takes
      (``pending`` for the first quarter, then ``processing``, then ``done``);
      ``link_ttl``: seconds a done job's signed file links stay valid;
      ``audit_events_per_file``: events per gzipped file of an audit-log request.
    - ``change_events``: whether the change-events feed is on (off: the API's 403).
    - ``publish_delay``: seconds of world time after its timestamp before an audit-log
      or change event is readable (an ingestion delay; 0, the default: at once).
    - ``oauth_tokens``: which of the tokens are OAuth access tokens (the rest are
      personal access tokens); ``token_scopes``: the scopes of the tokens it names (the
      others carry every scope). The HyperDB routes check both (REFERENCE §16).

    Job files are served by :attr:`files`, a separate host (``files.emulator.localhost``
    in-process; its own port under :class:`BackgroundServer`), which refuses and
    counts any request carrying an ``Authorization`` header (``files.stats``).
    """

    def __init__(
        self,
        world: World | None = None,
        *,
        token: str = DEFAULT_TOKEN,
        tokens: Mapping[str, str] | None = None,
        latency: float = 0.0,
        jitter: float = 0.0,
        rate_limit: float | None = None,
        rate_limit_penalty: float = 30.0,
        retry_after_header: bool = False,
        max_scan: int = 5000,
        seed: int = 0,
        job_duration: float = 10.0,
        link_ttl: float = 3600.0,
        audit_events_per_file: int = 1000,
        change_events: bool = True,
        publish_delay: float = 0.0,
        oauth_tokens: Iterable[str] = (),
        token_scopes: Mapping[str, Iterable[str]] | None = None,
    ) -> None:
        if latency < 0 or jitter < 0:
            raise ValueError("latency and jitter must not be negative")
        if max_scan < 1:
            raise ValueError("max_scan must be at least 1")
        self.world = world if world is not None else generate_enterprise(seed=1)
        self.world.audit.max_scan = max_scan
        if job_duration < 0 or link_ttl <= 0 or audit_events_per_file < 1:
            raise ValueError("job_duration >= 0, link_ttl > 0, audit_events_per_file >= 1")
        jobs = self.world.jobs
        jobs.duration, jobs.link_ttl = float(job_duration), float(link_ttl)
        jobs.events_per_file = audit_events_per_file
        if jobs.files is None:
            jobs.files = FileHost(lambda: self.world.now())
        #: The file host of export and audit-log request files (its ``stats`` count
        #: requests, ranges and refused ``Authorization`` headers).
        self.files: FileHost = jobs.files
        self.world.changes.enabled = change_events
        if not 0 <= publish_delay < float("inf"):
            raise ValueError("publish_delay must be a finite number of seconds >= 0")
        self.world.changes.publish_delay = self.world.audit.publish_delay = float(publish_delay)
        if tokens is None:
            tokens = {token: self._first_admin()}
        self.tokens: dict[str, str] = dict(tokens)
        self.token = next(iter(self.tokens))
        #: Tokens that are OAuth access tokens, not personal access tokens (HyperDB
        #: refuses them, REFERENCE §16); they have no PAT ID.
        self.oauth_tokens: frozenset[str] = frozenset(oauth_tokens)
        #: The scopes of the tokens named here; any other token carries every scope.
        self.token_scopes: dict[str, frozenset[str]] = {
            t: frozenset(scopes) for t, scopes in (token_scopes or {}).items()
        }
        unknown = (self.oauth_tokens | set(self.token_scopes)) - set(self.tokens)
        if unknown:
            raise ValueError("oauth_tokens and token_scopes may only name accepted tokens")
        # Each PAT has an ID, shown as origin.personalAccessTokenId in the audit log.
        self.token_ids = {
            t: self.world.new_id("pat") for t in self.tokens if t not in self.oauth_tokens
        }
        self.latency = latency
        self.jitter = jitter
        self.seed = seed
        self.retry_after_header = retry_after_header
        self.limiter = (
            StrictWindowLimiter(rate_limit, penalty=rate_limit_penalty) if rate_limit else None
        )
        self.faults = FaultPlan()
        self.stats = EmulatorStats()
        #: Held while a handler runs, so a server thread and test code can share the world.
        self.lock = threading.RLock()
        self._app: ASGIApp | None = None

    def __repr__(self) -> str:
        return (
            f"<Emulator {self.enterprise_id} users={len(self.world.users)} "
            f"events={len(self.world.audit)}>"
        )

    def _first_admin(self) -> str:
        for user in self.world.users.values():
            if user.is_admin and user.state == "provisioned" and self.world.is_internal(user):
                return user.id
        raise ValueError("the world has no active internal admin to own the token")

    @property
    def enterprise_id(self) -> str:
        """The root enterprise account ID (``ent...``)."""
        return self.world.root_id

    @property
    def admin_id(self) -> str:
        """The user the default token acts as."""
        return self.tokens[self.token]

    @property
    def app(self) -> ASGIApp:
        """The ASGI application (made once)."""
        if self._app is None:
            self._app = build_app(self)
        return self._app

    def files_transport(self) -> EmulatorTransport:
        """A new in-process transport to the file host (what ``api()`` downloads with)."""
        return EmulatorTransport(self.files)

    def transport(self) -> EmulatorTransport:
        """A new in-process transport for ``httpx.AsyncClient`` or ``AsyncApi``."""
        return EmulatorTransport(self.app)

    def api(self, **options: Any) -> AsyncApi:
        """A ready :class:`~airtable_enterprise.AsyncApi` on this emulator, in-process.

        ``options`` go to ``AsyncApi`` (e.g. ``retry=RetryPolicy(...)``,
        ``rate_limit_cooldown=0.1``). Constructing it needs no event loop.
        """
        from ..api import AsyncApi

        options.setdefault("endpoint_url", "http://emulator.localhost")
        options.setdefault("download_transport", self.files_transport())
        return AsyncApi(self.token, transport=self.transport(), **options)

    # ------------------------------------------------------------------ factories

    def make_user(self, email: str | None = None, **fields: Any) -> User:
        """Add a user (see :func:`~airtable_enterprise.testing.generate.factories.make_user`)."""
        with self.lock:
            return make_user(self.world, email, **fields)

    def make_group(
        self,
        name: str | None = None,
        *,
        members: Iterable[User | str] = (),
        managers: Iterable[User | str] = (),
        account_id: str | None = None,
    ) -> Group:
        """Add a group with these members."""
        with self.lock:
            return make_group(
                self.world, name, members=members, managers=managers, account_id=account_id
            )

    def make_event(
        self, action: str = "viewBase", *, timestamp: datetime | None = None, **fields: Any
    ) -> dict[str, Any]:
        """Append an audit-log event; returns its wire form."""
        with self.lock:
            return make_event(self.world, action, timestamp=timestamp, **fields)

    # ------------------------------------------------------- jobs and changes

    def modify_base(
        self, base_id: str, *, actor: User | str | None = None, **changes: Any
    ) -> dict[str, Any]:
        """Change a base and record it as one change event (REFERENCE §11); its wire form.

        ``changes``: ``create_tables=[{"name", "fields": [{"name", "type"}]}]``,
        ``table_id`` (default: the base's newest table), ``create_records=[{field name
        or ID: value}]``, ``update_records={rec: {field: value}}``,
        ``delete_records=[rec]``, ``create_fields=[{"name", "type"}]``,
        ``rename_fields={fld: name}``, ``delete_fields=[fld]``, ``rename_table=name``,
        ``delete_tables=[tbl]``, ``moment=datetime``. ``actor`` defaults to the admin.
        """
        actor_id = actor.id if isinstance(actor, User) else (actor or self.admin_id)
        with self.lock:
            change = self.world.changes.modify(self.world, base_id, actor_id=actor_id, **changes)
            return self.world.changes.render(self.world, change)

    def fail_jobs(self, message: str, *, kind: str | None = None, count: int = 1) -> None:
        """Make the next ``count`` jobs (``kind``: ``"export"`` or ``"auditLog"``, None:
        any) end in state ``error`` with ``message``."""
        if kind not in (None, "export", "auditLog"):
            raise ValueError("kind must be 'export', 'auditLog' or None")
        with self.lock:
            self.world.jobs.failures.extend([(kind, message)] * count)
