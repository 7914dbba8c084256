"""AsyncApi end to end over httpx.MockTransport: limiter, retries, errors, secrets."""

from __future__ import annotations

import logging
import ssl
import traceback
from collections.abc import Callable
from functools import partial
from typing import Any

import anyio
import attrs
import httpx
import pytest

import airtable_enterprise
from airtable_enterprise import (
    AsyncApi,
    AuthenticationError,
    ConnectError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestTimeoutError,
    ResponseValidationError,
    RetryPolicy,
    ServerError,
    TransportError,
    UnknownOutcomeError,
)
from tests.helpers import load_fixture, most_in_any_window, virtual_time

TOKEN = "patSeCrEt0123456789.abcdefTOKENVALUE"
FAST = RetryPolicy(backoff_initial=0.001, backoff_max=0.002)


Handler = Callable[[httpx.Request], httpx.Response]


@attrs.define
class Server:
    """A scripted server: records every request it sees and the (clock) time it arrived."""

    respond: Handler
    requests: list[httpx.Request] = attrs.Factory(list)
    arrivals: list[float] = attrs.Factory(list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.arrivals.append(anyio.current_time())
        return self.respond(request)

    def api(self, **kwargs: Any) -> AsyncApi:
        kwargs.setdefault("retry", FAST)
        return AsyncApi(TOKEN, transport=httpx.MockTransport(self), **kwargs)


def ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"ok": True})


def script(*responses: httpx.Response | type[Exception]) -> Handler:
    """Answer with each response (or raise each httpx error) in turn, then 200."""
    queue = list(responses)

    def respond(request: httpx.Request) -> httpx.Response:
        if not queue:
            return ok(request)
        item = queue.pop(0)
        if isinstance(item, httpx.Response):
            return item
        raise item("scripted failure", request=request)  # type: ignore[call-arg]

    return respond


def error(status: int, fixture: str | None = None, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=load_fixture(fixture) if fixture else None, headers=headers)


# ------------------------------------------------------------------ basics


@pytest.mark.anyio
async def test_request_sends_auth_user_agent_and_decodes_json() -> None:
    server = Server(ok)
    async with server.api(user_agent="my-tool/2.0") as api:
        assert await api.request("GET", "/v0/meta/whoami", params={"a": "1"}) == {"ok": True}
    (request,) = server.requests
    assert request.url == "https://api.airtable.com/v0/meta/whoami?a=1"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["User-Agent"] == (
        f"airtable-enterprise/{airtable_enterprise.__version__} my-tool/2.0"
    )
    assert "httpx" not in request.headers["User-Agent"]  # REFERENCE §17: Airtable once refused it
    assert api.is_closed


@pytest.mark.anyio
async def test_object_hook_sees_every_object_innermost_first() -> None:
    body = {"items": [{"id": 1, "inner": {"x": 1}}, {"id": 2}]}
    server = Server(lambda r: httpx.Response(200, json=body))
    seen: list[dict[str, Any]] = []

    def hook(item: dict[str, Any]) -> Any:
        seen.append(dict(item))
        return ("item", item["id"]) if "id" in item else item

    async with server.api() as api:
        found = await api.request("GET", "/v0/meta/x", object_hook=hook)
    assert found == {"items": [("item", 1), ("item", 2)]}
    assert [sorted(item) for item in seen] == [["x"], ["id", "inner"], ["id"], ["items"]]


@pytest.mark.anyio
async def test_repeated_query_keys_and_json_bodies_go_out_as_given() -> None:
    server = Server(ok)
    async with server.api() as api:
        await api.request(
            "POST",
            "/v0/meta/x",
            params=[("id[]", "usrA"), ("id[]", "usrB"), ("include[]", "collaborations")],
            json={"users": [{"id": "usrA"}]},
        )
    (request,) = server.requests
    assert request.url.query == b"id%5B%5D=usrA&id%5B%5D=usrB&include%5B%5D=collaborations"
    assert request.read() == b'{"users":[{"id":"usrA"}]}'


@pytest.mark.anyio
@pytest.mark.parametrize("body", [b"", b"  ", b"{}"])
async def test_empty_success_bodies(body: bytes) -> None:
    server = Server(lambda r: httpx.Response(200, content=body))
    async with server.api() as api:
        assert await api.request("DELETE", "/v0/meta/x") == ({} if body == b"{}" else None)


@pytest.mark.anyio
async def test_endpoint_url_with_a_path_prefix_is_kept() -> None:
    server = Server(ok)
    async with server.api(endpoint_url="https://proxy.example.com/airtable/") as api:
        await api.request("GET", "/v0/meta/whoami")
    assert str(server.requests[0].url) == "https://proxy.example.com/airtable/v0/meta/whoami"


# ------------------------------------------------------------ error mapping


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("response", "cls", "error_type"),
    [
        (error(401, "Error.AuthenticationRequired.observed.json"), AuthenticationError, "AUTHENTICATION_REQUIRED"),
        (error(403, "Error.InvalidPermissionsOrModelNotFound.json"), PermissionDeniedError, "INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND"),
        (error(404, "Error.NotFound.string-form.json"), NotFoundError, "NOT_FOUND"),
        (error(404, "Error.NotFound.object-form.json"), NotFoundError, "NOT_FOUND"),
    ],
)  # fmt: skip
async def test_client_errors_are_raised_at_once(
    response: httpx.Response, cls: type[Exception], error_type: str
) -> None:
    server = Server(lambda r: response)
    async with server.api() as api:
        with pytest.raises(cls) as caught:
            await api.request("GET", "/v0/meta/enterpriseAccounts/entX")
    assert caught.value.error_type == error_type  # type: ignore[attr-defined]
    assert caught.value.path == "/v0/meta/enterpriseAccounts/entX"  # type: ignore[attr-defined]
    assert len(server.requests) == 1


@pytest.mark.anyio
@pytest.mark.parametrize("body", [b"{not json", b'{"truncated": [1, 2', b"<html>oops</html>"])
async def test_malformed_json_is_a_typed_error_naming_the_endpoint(body: bytes) -> None:
    server = Server(lambda r: httpx.Response(200, content=body))
    async with server.api() as api:
        with pytest.raises(
            ResponseValidationError, match=r"GET /v0/meta/groups/ugpX: .*not valid JSON"
        ):
            await api.request("GET", "/v0/meta/groups/ugpX")


@attrs.frozen(kw_only=True)
class Thing:
    id: str
    count: int


@pytest.mark.anyio
async def test_a_body_of_the_wrong_shape_is_a_typed_error() -> None:
    server = Server(lambda r: httpx.Response(200, json={"count": 3}))
    async with server.api() as api:
        with pytest.raises(ResponseValidationError, match="does not match Thing"):
            await api.request_model(Thing, "GET", "/v0/thing")
    server = Server(lambda r: httpx.Response(200, json={"id": "x", "count": 3, "new": 1}))
    async with server.api() as api:
        assert await api.request_model(Thing, "GET", "/v0/thing") == Thing(id="x", count=3)


@pytest.mark.anyio
async def test_redirects_are_not_followed_so_the_token_never_leaves_for_another_host() -> None:
    server = Server(
        lambda r: httpx.Response(302, headers={"Location": "https://evil.example/steal"})
    )
    async with server.api() as api:
        with pytest.raises(airtable_enterprise.APIError) as caught:
            await api.request("GET", "/v0/meta/whoami")
    assert caught.value.status_code == 302
    assert [str(r.url.host) for r in server.requests] == ["api.airtable.com"]


# ----------------------------------------------------------------- retries


@pytest.mark.anyio
@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_server_errors_are_retried_for_get(status: int) -> None:
    server = Server(script(error(status), error(status, "Error.RetriableError.json")))
    async with server.api() as api:
        assert await api.request("GET", "/v0/meta/x") == {"ok": True}
    assert len(server.requests) == 3
    assert api.stats.retries == 2


@pytest.mark.anyio
@pytest.mark.parametrize("method", ["POST", "PATCH"])
@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_server_errors_on_post_and_patch_are_unknown_outcomes_not_retried(
    method: str, status: int
) -> None:
    server = Server(script(error(status)))
    async with server.api() as api:
        with pytest.raises(UnknownOutcomeError) as caught:
            await api.request(method, "/v0/meta/workspaces", json={"name": "x"})
    assert caught.value.status_code == status
    assert len(server.requests) == 1


@pytest.mark.anyio
@pytest.mark.parametrize(
    "failure", [httpx.RemoteProtocolError, httpx.ReadError, httpx.ReadTimeout, httpx.WriteError]
)
async def test_a_dropped_post_is_not_sent_again(failure: type[Exception]) -> None:
    """create_workspace whose connection drops after the server acted must not run twice."""
    server = Server(script(failure))
    async with server.api() as api:
        with pytest.raises(UnknownOutcomeError, match="POST /v0/meta/workspaces"):
            await api.request("POST", "/v0/meta/workspaces", json={"name": "Ops"})
    assert len(server.requests) == 1


@pytest.mark.anyio
@pytest.mark.parametrize("failure", [httpx.RemoteProtocolError, httpx.ReadError, httpx.ReadTimeout])
async def test_a_dropped_get_put_or_delete_is_retried(failure: type[Exception]) -> None:
    for method in ("GET", "PUT", "DELETE"):
        server = Server(script(failure, failure))
        async with server.api() as api:
            assert await api.request(method, "/v0/meta/x") == {"ok": True}
        assert len(server.requests) == 3


@pytest.mark.anyio
@pytest.mark.parametrize("failure", [httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout])
async def test_unsent_requests_are_retried_even_for_post(failure: type[Exception]) -> None:
    server = Server(script(failure))
    async with server.api() as api:
        assert await api.request("POST", "/v0/meta/workspaces", json={}) == {"ok": True}
    assert len(server.requests) == 2


@pytest.mark.anyio
async def test_retries_stop_at_max_attempts_with_the_last_error() -> None:
    server = Server(lambda r: error(503, "Error.RetriableError.json"))
    async with server.api(retry=RetryPolicy(max_attempts=3, backoff_initial=0.001)) as api:
        with pytest.raises(ServerError) as caught:
            await api.request("GET", "/v0/meta/x")
    assert caught.value.error_type == "RETRIABLE_ERROR"
    assert len(server.requests) == 3

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    server = Server(refuse)
    async with server.api(retry=RetryPolicy(max_attempts=2, backoff_initial=0.001)) as api:
        with pytest.raises(ConnectError, match="refused"):
            await api.request("GET", "/v0/meta/x")
    assert len(server.requests) == 2

    def drop(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    server = Server(drop)
    async with server.api(retry=RetryPolicy(max_attempts=2, backoff_initial=0.001)) as api:
        with pytest.raises(RequestTimeoutError):
            await api.request("GET", "/v0/meta/x")

    def reset(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadError("reset", request=request)

    server = Server(reset)
    async with server.api(retry=RetryPolicy(max_attempts=2, backoff_initial=0.001)) as api:
        with pytest.raises(TransportError) as transport_error:
            await api.request("GET", "/v0/meta/x")
    assert type(transport_error.value) is TransportError


@virtual_time
@pytest.mark.anyio
async def test_retry_after_on_503_is_honoured_in_both_forms() -> None:
    server = Server(script(error(503, **{"Retry-After": "7"})))
    async with server.api() as api:
        await api.request("GET", "/v0/meta/x")
    assert server.arrivals[1] - server.arrivals[0] == pytest.approx(7.0, abs=0.01)


@virtual_time
@pytest.mark.anyio
async def test_a_server_wait_longer_than_the_policy_raises_rate_limit_error_at_once() -> None:
    server = Server(script(error(429, "Error.RateLimitReached.json", **{"Retry-After": "600"})))
    async with server.api(retry=RetryPolicy(max_retry_after=60)) as api:
        started = anyio.current_time()
        with pytest.raises(RateLimitError) as caught:
            await api.request("GET", "/v0/meta/x")
        assert anyio.current_time() - started < 1
    assert caught.value.retry_after == 600
    assert len(server.requests) == 1


@virtual_time
@pytest.mark.anyio
async def test_a_slow_server_times_out_within_the_deadline() -> None:
    async def slow(request: httpx.Request) -> httpx.Response:
        await anyio.sleep(1000)
        return ok(request)

    api = AsyncApi(
        TOKEN,
        transport=httpx.MockTransport(slow),
        retry=RetryPolicy(deadline=5.0, backoff_initial=0.001),
    )
    started = anyio.current_time()
    with pytest.raises(RequestTimeoutError, match="deadline"):
        await api.request("GET", "/v0/meta/x")
    assert anyio.current_time() - started == pytest.approx(5.0, abs=0.01)
    with pytest.raises(UnknownOutcomeError, match="deadline"):
        await api.request("POST", "/v0/meta/workspaces", json={})
    await api.aclose()


# -------------------------------------------------------- the shared limiter


@virtual_time
@pytest.mark.anyio
async def test_twenty_concurrent_tasks_through_one_limiter_never_exceed_the_window() -> None:
    server = Server(ok)
    async with server.api(requests_per_second=10) as api:

        async def worker() -> None:
            for _ in range(6):
                await api.request("GET", "/v0/meta/x")

        async with anyio.create_task_group() as tg:
            for _ in range(20):
                tg.start_soon(worker)
    assert len(server.arrivals) == 120
    assert most_in_any_window(server.arrivals) <= 10
    # ... while using the budget: 120 requests at 92% of 10/s.
    elapsed = max(server.arrivals) - min(server.arrivals)
    assert 119 / elapsed == pytest.approx(9.2, rel=0.01)


@virtual_time
@pytest.mark.anyio
async def test_a_429_pauses_every_task_sharing_the_limiter() -> None:
    refused_at: list[float] = []

    def respond(request: httpx.Request) -> httpx.Response:
        if len(server.requests) == 15:
            refused_at.append(anyio.current_time())
            return error(429, "Error.RateLimitReached.json")
        return ok(request)

    server = Server(respond)
    async with server.api(requests_per_second=10, rate_limit_cooldown=30.0) as api:

        async def worker() -> None:
            for _ in range(3):
                await api.request("GET", "/v0/meta/x")

        async with anyio.create_task_group() as tg:
            for _ in range(20):
                tg.start_soon(worker)
    (t429,) = refused_at
    assert len(server.requests) == 61  # 60 calls, one of them refused once
    during_cooldown = [t for t in server.arrivals if t429 < t < t429 + 30.0]
    assert during_cooldown == []
    after = [t for t in server.arrivals if t >= t429 + 30.0]
    assert len(after) == 61 - 15
    # The pace restarts at half of what tripped and climbs back.
    assert after[1] - after[0] == pytest.approx(1 / (9.2 * 0.5), rel=0.05)
    assert api.stats.rate_limited == 1
    assert api.limiter.stats.rate_limited == 1


@virtual_time
@pytest.mark.anyio
async def test_base_scoped_calls_also_respect_the_per_base_limit() -> None:
    server = Server(ok)
    api = server.api(requests_per_second=50, base_requests_per_second=5)
    async with api, anyio.create_task_group() as tg:
        for _ in range(20):
            tg.start_soon(partial(api.request, "GET", "/v0/meta/bases/appA", base_id="appA"))
        for _ in range(20):
            tg.start_soon(partial(api.request, "GET", "/v0/meta/bases/appB", base_id="appB"))
    by_base = {
        base: [
            t for r, t in zip(server.requests, server.arrivals, strict=True) if base in r.url.path
        ]
        for base in ("appA", "appB")
    }
    for arrivals in by_base.values():
        assert len(arrivals) == 20
        assert most_in_any_window(arrivals) <= 5
    assert most_in_any_window(server.arrivals) <= 10  # the two bases run side by side


@virtual_time
@pytest.mark.anyio
async def test_a_shared_limiter_paces_two_clients_together() -> None:
    limiter = airtable_enterprise.RateLimiter(5)
    server = Server(ok)
    first, second = server.api(limiter=limiter), server.api(limiter=limiter)
    async with first, second, anyio.create_task_group() as tg:
        for _ in range(10):
            tg.start_soon(first.request, "GET", "/v0/a")
            tg.start_soon(second.request, "GET", "/v0/b")
    assert most_in_any_window(server.arrivals) <= 5


@virtual_time
@pytest.mark.anyio
async def test_max_concurrency_caps_requests_in_flight() -> None:
    in_flight = 0
    peak = 0

    async def respond(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await anyio.sleep(2.0)
        in_flight -= 1
        return ok(request)

    api = AsyncApi(TOKEN, transport=httpx.MockTransport(respond), max_concurrency=4)
    async with api, anyio.create_task_group() as tg:
        for _ in range(20):
            tg.start_soon(api.request, "GET", "/v0/x")
    assert peak == 4


# ------------------------------------------------------------- configuration


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"endpoint_url": "http://api.airtable.com"}, "endpoint_url"),
        ({"endpoint_url": "http://10.0.0.5:8787"}, "endpoint_url"),
        ({"endpoint_url": "ftp://api.airtable.com"}, "endpoint_url"),
        ({"endpoint_url": "https://api.airtable.com?x=1"}, "endpoint_url"),
        ({"endpoint_url": ""}, "endpoint_url"),
        ({"timeout": None}, "timeout"),
        ({"timeout": httpx.Timeout(None)}, "timeout"),
        ({"timeout": httpx.Timeout(10.0, read=None)}, "timeout"),
        ({"timeout": 0}, "timeout"),
        ({"timeout": True}, "timeout"),
        ({"max_concurrency": 0}, "max_concurrency"),
        ({"max_concurrency": 2.5}, "max_concurrency"),
        ({"requests_per_second": 0}, "requests_per_second"),
        ({"requests_per_second": "50"}, "requests_per_second"),
        ({"base_requests_per_second": -5}, "base_requests_per_second"),
        ({"retry": {"max_attempts": 3}}, "retry"),
        ({"user_agent": "a\nb"}, "user_agent"),
        ({"rate_limit_headroom": 1.0}, "rate_limit_headroom"),
        ({"rate_limit_headroom": -0.1}, "rate_limit_headroom"),
    ],
)
def test_bad_configuration_is_refused_up_front(kwargs: dict[str, Any], argument: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        AsyncApi(TOKEN, **kwargs)
    assert caught.value.argument == argument


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8787",
        "http://localhost:8787",
        "http://[::1]:8787",
        "http://127.5.0.1",
        # IPv4-mapped loopback: allowed on every Python (3.13's ipaddress alone says so).
        "http://[::ffff:7f00:1]",
        "http://[::ffff:127.0.0.1]:8787",
        "http://[::FFFF:127.9.9.9]",
    ],
)
def test_plain_http_is_allowed_for_loopback(url: str) -> None:
    assert AsyncApi(TOKEN, endpoint_url=url).endpoint_url == url


def test_plain_http_loopback_reads_no_ca_bundle_and_trusts_no_certificate() -> None:
    from airtable_enterprise._core.endpoint import tls_verification

    assert tls_verification(httpx.URL("https://api.airtable.com")) is True
    context = tls_verification(httpx.URL("http://127.0.0.1:8787"))
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname
    assert context.cert_store_stats()["x509_ca"] == 0


@pytest.mark.parametrize("token", ["", "   ", " patX", "pat\nX", 42, None])
def test_a_bad_token_is_refused_without_echoing_it(token: Any) -> None:
    with pytest.raises(InvalidInputError) as caught:
        AsyncApi(token)
    assert caught.value.value == "<redacted>"


@pytest.mark.anyio
async def test_a_path_must_be_absolute() -> None:
    server = Server(ok)
    async with server.api() as api:
        with pytest.raises(InvalidInputError, match="path"):
            await api.request("GET", "v0/meta/x")
    assert server.requests == []


def test_handles_validate_their_ids() -> None:
    api = AsyncApi(TOKEN)
    assert api.enterprise("entUBq2RGdihxl3vU").id == "entUBq2RGdihxl3vU"
    assert api.workspace("wspmhESAta6clCCwF").id == "wspmhESAta6clCCwF"
    assert api.base("appLkNDICXNqxSDhG").id == "appLkNDICXNqxSDhG"
    with pytest.raises(InvalidInputError, match="'app'"):
        api.base("wspmhESAta6clCCwF")
    with pytest.raises(InvalidInputError, match="'ent'"):
        api.enterprise("wspmhESAta6clCCwF")
    with pytest.raises(InvalidInputError, match="17 characters"):
        api.workspace("wsp123")


# ------------------------------------------------------------------ secrets


@pytest.mark.anyio
async def test_the_token_never_appears_in_reprs_errors_or_debug_logs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger: ours, httpx's and httpcore's
    responses = [
        error(401, "Error.AuthenticationRequired.observed.json"),
        error(500),
        httpx.RemoteProtocolError,
        httpx.ConnectError,
    ]
    failures: list[BaseException] = []
    server = Server(lambda r: ok(r))
    api = server.api(retry=RetryPolicy(max_attempts=1))
    for response in responses:
        server.respond = script(response)
        try:
            await api.request("POST", "/v0/meta/workspaces", json={"name": "x"})
        except airtable_enterprise.AirtableError as exc:
            failures.append(exc)
    await api.request("GET", "/v0/meta/whoami")
    assert len(failures) == 4
    rendered = [repr(api), str(api.__dict__), repr(api.limiter), repr(api.stats)]
    for exc in failures:
        rendered += [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
    rendered += [record.getMessage() for record in caplog.records]
    rendered += [str(record.args) for record in caplog.records]
    assert caplog.records, "expected DEBUG records to inspect"
    for text in rendered:
        assert TOKEN not in text
        assert "patSeCrEt" not in text
