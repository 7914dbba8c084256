"""AsyncApi: the request core (auth, rate limiting, retries, error mapping).

Every request of the library goes through :meth:`AsyncApi.request`; the handles
(:class:`~airtable_enterprise.Enterprise`, :class:`~airtable_enterprise.Workspace`)
only build paths and bodies and structure what comes back.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar

import anyio
import attrs
import httpx

from . import errors
from ._core.endpoint import (
    DEFAULT_SCIM_URL,
    BearerAuth,
    check_endpoint_url,
    check_timeout,
    scim_root,
    tls_verification,
)
from ._core.options import check_options
from ._core.responses import (
    deadline_error,
    decode_body,
    drop_transport_frames,
    final_error,
    structure_body,
    unknown_outcome,
)
from ._core.retry import (
    AIRTABLE_RATE_LIMIT_PENALTY,
    NOT_SENT_ERRORS,
    RETRIABLE_STATUSES,
    Decision,
    Failure,
    RetryPolicy,
    decide,
    parse_retry_after,
    retry_delay,
)
from ._version import __version__
from .jobs.downloads import DEFAULT_DEADLINE, SignedFiles, check_deadline
from .ratelimit.attempt import check_cooldown, penalize_all, start_trace
from .ratelimit.local import RateLimiter, acquire_all
from .ratelimit.shared import LimiterFactory, SharedRateLimiter, open_store
from .ratelimit.store import key_prefix

if TYPE_CHECKING:
    from .enterprise import Enterprise
    from .models.tokens import CurrentUser
    from .scim import Scim
    from .workspace import Base, Workspace

__all__ = ["DEFAULT_SCIM_URL", "DEFAULT_TIMEOUT", "AsyncApi", "QueryParams", "RequestStats"]

logger = logging.getLogger("airtable_enterprise")

T = TypeVar("T")

#: Finite by default, never ``None``: connect 10 s, read/write/pool 60 s.
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)

#: Query parameters: a mapping, or a sequence of pairs for repeated keys (``id[]``).
QueryParams = Mapping[str, str | int | float | bool | None] | Sequence[tuple[str, str]]


@attrs.define
class RequestStats:
    """Counters of one :class:`AsyncApi`: calls made, attempts sent, and how they ended."""

    calls: int = 0
    attempts: int = 0
    retries: int = 0
    rate_limited: int = 0
    server_errors: int = 0
    transport_errors: int = 0


class AsyncApi:
    """An async client for Airtable's Enterprise API.

    Share one instance between all the tasks of a program: they share its connection
    pool, its rate limiter (so together they never exceed ``requests_per_second``) and
    its cooldown after a 429.

    ```python
    async with AsyncApi(token) as api:
        enterprise = api.enterprise("entUBq2RGdihxl3vU")
        info = await enterprise.info()
    ```

    - ``api_key``: a personal access token or OAuth token; never shown in a repr,
      an exception or a log record.
    - ``endpoint_url``: ``https://api.airtable.com``; plain ``http://`` only for loopback.
    - ``timeout``: seconds or an :class:`httpx.Timeout`, every phase finite.
    - ``requests_per_second``: the token's limit (Airtable: 50/s across all traffic).
      ``base_requests_per_second`` is the per-base limit for base-scoped calls (5/s).
    - ``max_concurrency``: requests in flight at once.
    - ``retry``: a :class:`RetryPolicy`.
    - ``rate_limit_cooldown``: the pause after a 429 without ``Retry-After`` (30 s, as
      Airtable documents); lower it only against a test server.
    - ``rate_limit_headroom``: the fraction of each limit left unused, so that network
      jitter cannot push more than the limit into one of the server's 1-second windows
      (8%: requests start at 46/s against a 50/s limit). Raise it on a jittery network.
    - ``transport``: any :class:`httpx.AsyncBaseTransport` (``httpx.MockTransport``,
      ``httpx.ASGITransport(app)``...) instead of the network.
    - ``user_agent``: appended to ``airtable-enterprise/<version>``.
    - ``limiter``: a :class:`RateLimiter` to share with other ``AsyncApi`` instances
      using the same token; by default each instance has its own.
    - ``scim_url``: the SCIM 2.0 root of :attr:`scim` (REFERENCE §12). Default
      ``https://api.airtable.com/scim/v2``, or ``<endpoint_url>/scim/v2`` for a loopback
      ``endpoint_url`` (where the emulator serves it).
    - ``redis_url`` (``redis://``, ``rediss://``, ``valkey://``, ``unix://``) or
      ``redis_client`` (an open ``coredis`` client): share every limiter of this instance
      (the token's and each base's) with every ``AsyncApi`` in any process or host using
      the same token and store; use the instance as ``async with``. While the store
      fails, this process goes on alone at ``1/N`` of each limit (``N``: the processes
      the store last counted live on it; at most ``redis_fallback_share``), or waits for
      the store with ``redis_fail_closed=True``, at most ``redis_fail_closed_timeout``
      seconds per call, then raises :class:`RateLimitStoreError`. A Redis Cluster
      node's URL gives a cluster client. Needs the ``redis`` extra.
    - ``download_transport``: the transport of :attr:`files`, the token-free client
      for signed file URLs (exports, audit-log requests).
    - ``download_deadline``: seconds one signed file may take in all, resumes included
      (default an hour; ``None`` for no bound); a host that drips bytes never trips
      the read timeout, this bound ends it with :class:`DownloadError`.
    """

    def __init__(
        self,
        api_key: str,
        *,
        endpoint_url: str = "https://api.airtable.com",
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        requests_per_second: float = 50.0,
        base_requests_per_second: float = 5.0,
        max_concurrency: int = 32,
        retry: RetryPolicy | None = None,
        rate_limit_cooldown: float = AIRTABLE_RATE_LIMIT_PENALTY,
        rate_limit_headroom: float = 0.08,
        transport: httpx.AsyncBaseTransport | None = None,
        user_agent: str | None = None,
        limiter: RateLimiter | None = None,
        scim_url: str | None = None,
        redis_url: str | None = None,
        redis_client: object = None,
        redis_fallback_share: float = 0.5,
        redis_fail_closed: bool = False,
        redis_fail_closed_timeout: float = 30.0,
        download_transport: httpx.AsyncBaseTransport | None = None,
        download_deadline: float | None = DEFAULT_DEADLINE,
    ) -> None:
        try:
            auth = BearerAuth(api_key)
            store_key = key_prefix(api_key) if isinstance(api_key, str) else ""
        finally:
            # From here on the token lives only inside `auth` (whose repr hides it): a
            # traceback of any error below, rendered with its locals, must not show it.
            del api_key
        url = check_endpoint_url(endpoint_url)
        checked_timeout = check_timeout(timeout)
        check_options(
            max_concurrency=max_concurrency,
            requests_per_second=requests_per_second,
            base_requests_per_second=base_requests_per_second,
            retry=retry,
            user_agent=user_agent,
            rate_limit_headroom=rate_limit_headroom,
            rate_limit_cooldown=rate_limit_cooldown,
            redis_fallback_share=redis_fallback_share,
            redis_fail_closed_timeout=redis_fail_closed_timeout,
            limiter=limiter,
            store=redis_url is not None or redis_client is not None,
        )
        checked_deadline = check_deadline(download_deadline, "download_deadline")

        self.endpoint_url = str(url).rstrip("/")
        self.scim_url = scim_root(scim_url, url, self.endpoint_url)
        self._scim: Scim | None = None
        self.retry = retry if retry is not None else RetryPolicy()
        self._store = open_store(redis_url, redis_client)
        self._new_limiter = LimiterFactory(
            headroom=float(rate_limit_headroom),
            cooldown=float(rate_limit_cooldown),
            store=self._store,
            key=store_key,
            fallback_share=float(redis_fallback_share),
            fail_closed=bool(redis_fail_closed),
            fail_closed_timeout=float(redis_fail_closed_timeout),
        )
        self.limiter = limiter or self._new_limiter(float(requests_per_second), "token")
        self.stats = RequestStats()
        self._base_rps = float(base_requests_per_second)
        self._base_limiters: dict[str, RateLimiter | SharedRateLimiter] = {}
        self._concurrency = anyio.CapacityLimiter(max_concurrency)
        agent = f"airtable-enterprise/{__version__}"
        self._client = httpx.AsyncClient(
            base_url=self.endpoint_url,
            auth=auth,
            timeout=checked_timeout,
            headers={
                "User-Agent": f"{agent} {user_agent}" if user_agent else agent,
                "Accept": "application/json",
            },
            limits=httpx.Limits(
                max_connections=max_concurrency, max_keepalive_connections=max_concurrency
            ),
            follow_redirects=False,
            verify=tls_verification(url),
            transport=transport,
        )
        self._download_transport = download_transport
        self._download_deadline = checked_deadline
        self._files: SignedFiles | None = None
        self._timeout = checked_timeout

    def __repr__(self) -> str:
        # getattr: a traceback rendered with its locals (capture_locals, rich, Sentry)
        # may repr an instance whose __init__ raised before endpoint_url was set.
        return f"<AsyncApi endpoint_url={getattr(self, 'endpoint_url', None)!r}>"

    async def __aenter__(self) -> Self:
        if self._store is not None:
            await self._store.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool. The instance cannot be used afterwards."""
        await self._client.aclose()
        if self._store is not None:
            await self._store.aclose()
        if self._files is not None:
            await self._files.aclose()

    @property
    def files(self) -> SignedFiles:
        """The client for signed file URLs on other hosts: a separate connection pool
        that never sends the token (made on first use, closed with this one)."""
        if self._files is None:
            self._files = SignedFiles(
                transport=self._download_transport,
                timeout=self._timeout,
                user_agent=self._client.headers["User-Agent"],
                deadline=self._download_deadline,
            )
        return self._files

    @property
    def max_concurrency(self) -> int:
        """The most requests this client has in flight at once (``max_concurrency``)."""
        return int(self._concurrency.total_tokens)

    @property
    def is_closed(self) -> bool:
        """Whether :meth:`aclose` has been called."""
        return self._client.is_closed

    # ----------------------------------------------------------------- handles

    def enterprise(self, enterprise_account_id: str) -> Enterprise:
        """A handle on an enterprise account (``ent...``). Sends no request."""
        from .enterprise import Enterprise

        return Enterprise(self, enterprise_account_id)

    def workspace(self, workspace_id: str) -> Workspace:
        """A handle on a workspace (``wsp...``). Sends no request."""
        from .workspace import Workspace

        return Workspace(self, workspace_id)

    def base(self, base_id: str) -> Base:
        """A handle on a base (``app...``) for its collaborator calls. Sends no request."""
        from .workspace import Base

        return Base(self, base_id)

    async def whoami(self) -> CurrentUser:
        """The token's user (``id``; ``email`` with the ``user.email:read`` scope;
        ``scopes`` for OAuth tokens). ``GET /v0/meta/whoami``."""
        from .resources.whoami import whoami

        return await whoami(self)

    @property
    def scim(self) -> Scim:
        """The SCIM 2.0 handle (users and groups at :attr:`scim_url`), sharing this
        client's limiter, retries and errors. Sends no request."""
        if self._scim is None:
            from .scim import Scim

            self._scim = Scim(self, self.scim_url)
        return self._scim

    # ------------------------------------------------------------ request core

    def base_limiter(self, base_id: str) -> RateLimiter | SharedRateLimiter:
        """The limiter of one base's 5 requests/s scope (made on first use)."""
        found = self._base_limiters.get(base_id)
        if found is None:
            found = self._new_limiter(self._base_rps, f"base:{base_id}")
            self._base_limiters[base_id] = found
        return found

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: QueryParams | None = None,
        json: object = None,
        base_id: str | None = None,
        idempotent: bool = False,
        object_hook: Callable[[dict[str, Any]], Any] | None = None,
    ) -> Any:
        """Send one API call and return its decoded JSON body (``None`` when empty).

        ``path`` is relative to ``endpoint_url`` (``/v0/meta/...``). ``base_id`` puts
        the call in that base's rate-limit scope as well as the token's. ``idempotent``
        marks a POST or PATCH as safe to repeat after a failure whose outcome is unknown
        (a read sent as POST, such as HyperDB's ``getRecords``); GET, PUT and DELETE are.
        ``object_hook`` is :func:`json.loads`'s: every JSON object of the body goes
        through it as it is decoded, innermost first (to keep a large unpaged answer in
        compact form as it is read, rather than all of it as dicts first).

        Waits for the rate limiter, retries as :attr:`retry` allows, and raises an
        :class:`~airtable_enterprise.AirtableError` subclass when the call fails.
        """
        method = method.upper()
        if (
            not isinstance(path, str)
            # SCIM on another host: a full URL under scim_url
            or not path.startswith(("/", f"{self.scim_url}/"))
            or not path.isprintable()
        ):
            raise errors.InvalidInputError(
                "path", path, "must start with '/' (or the SCIM root) and be printable"
            )
        if self._client.is_closed:
            raise errors.InvalidInputError("api", self, "is closed: aclose() was called")
        policy = self.retry
        clock = anyio.current_time
        deadline_at = clock() + policy.deadline if policy.deadline is not None else math.inf
        self.stats.calls += 1
        attempt = 0
        while True:
            attempt += 1
            check_cooldown(self.limiter, policy, method=method, path=path, deadline_at=deadline_at)
            failure, response, error = await self._attempt(
                method, path, params, json, base_id, deadline_at
            )
            if failure is None:
                assert response is not None
                return decode_body(method, path, response, object_hook=object_hook)
            retry_after = (
                parse_retry_after(response.headers.get("Retry-After"))
                if response is not None
                else None
            )
            decision = decide(method, failure, idempotent=idempotent)
            if decision is Decision.UNKNOWN_OUTCOME:
                raise unknown_outcome(method, path, response, error)
            # The shared limiter caps a 429's pause (MAX_COOLDOWN); the call still
            # honours (and reports) what the server asked for.
            limited = failure is Failure.RATE_LIMITED
            cooldown = self.limiter.cooldown_remaining() if limited else 0.0
            wait = retry_delay(
                policy,
                failure,
                attempt,
                retry_after=retry_after,
                cooldown=cooldown,
                remaining=deadline_at - clock(),
            )
            if wait is None:
                if limited:
                    retry_after = cooldown if retry_after is None else max(cooldown, retry_after)
                raise final_error(
                    method, path, failure, response, error, retry_after, self.retry.deadline
                )
            if not limited:
                await anyio.sleep(wait)
            self.stats.retries += 1
            logger.debug(
                "retrying %s %s after %s (attempt %d of %d)",
                method,
                path,
                failure.value,
                attempt,
                policy.max_attempts,
            )

    async def _attempt(
        self,
        method: str,
        path: str,
        params: QueryParams | None,
        body: object,
        base_id: str | None,
        deadline_at: float,
    ) -> tuple[Failure | None, httpx.Response | None, Exception | None]:
        """One attempt: wait for the limiters, send, classify the outcome (never raises
        for a retriable failure)."""
        clock = anyio.current_time
        sent = False
        started_at = 0.0
        # The base's 5/s scope (if any) first, then the token's: started_at is the token's.
        limiters = [self.limiter]
        if base_id is not None:
            limiters.insert(0, self.base_limiter(base_id))
        try:
            budget = None if math.isinf(deadline_at) else max(0.0, deadline_at - clock())
            with anyio.fail_after(budget):
                async with self._concurrency:
                    counted = await acquire_all(limiters)
                    started_at = counted[-1]
                    sent = True
                    self.stats.attempts += 1

                    try:
                        response = await self._client.request(
                            method,
                            path,
                            params=params,  # type: ignore[arg-type]
                            json=body,
                            extensions={"trace": start_trace(limiters, counted)},
                        )
                    except httpx.InvalidURL as exc:
                        raise errors.InvalidInputError("path", path, str(exc)) from None
                    except BaseException as exc:
                        # httpcore's and h11's frames below hold the request's header
                        # bytes (the token) in their locals: a traceback rendered with
                        # locals (rich, Sentry, capture_locals) must not reach them.
                        drop_transport_frames(exc)
                        raise
        except TimeoutError as exc:
            # The policy's deadline ran out (anyio.fail_after).
            if not sent:
                raise deadline_error(method, path, self.retry.deadline) from None
            self.stats.transport_errors += 1
            return Failure.NO_RESPONSE, None, exc
        except NOT_SENT_ERRORS as exc:
            self.stats.transport_errors += 1
            logger.debug("%s %s: not sent (%s)", method, path, type(exc).__name__)
            return Failure.NOT_SENT, None, exc
        except httpx.TransportError as exc:
            self.stats.transport_errors += 1
            logger.debug("%s %s: no response (%s)", method, path, type(exc).__name__)
            return Failure.NO_RESPONSE, None, exc
        elapsed = clock() - started_at
        logger.debug("%s %s -> %d in %.3f s", method, path, response.status_code, max(0.0, elapsed))
        status = response.status_code
        if status == 429:
            self.stats.rate_limited += 1
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            await penalize_all(limiters, started_at=started_at, retry_after=retry_after)
            return Failure.RATE_LIMITED, response, None
        if status in RETRIABLE_STATUSES:
            self.stats.server_errors += 1
            return Failure.SERVER_ERROR, response, None
        return None, response, None

    def structure(self, data: object, cls: type[T], *, method: str, path: str) -> T:
        """Convert decoded JSON into model ``cls``; a mismatch raises
        :class:`~airtable_enterprise.ResponseValidationError` naming the endpoint and
        the field.

        The answer of a write (any method but ``GET``) that the server applied is never
        a failure: what can be read of it is returned (the body stays in ``raw``) and a
        warning is logged.
        """
        return structure_body(data, cls, method=method, path=path)

    async def request_model(
        self,
        cls: type[T],
        method: str,
        path: str,
        *,
        params: QueryParams | None = None,
        json: object = None,
        base_id: str | None = None,
    ) -> T:
        """:meth:`request`, then :meth:`structure` the body into ``cls``."""
        data = await self.request(method, path, params=params, json=json, base_id=base_id)
        return self.structure(data, cls, method=method, path=path)
