"""The token never leaks, and never travels where it should not.

Not in a repr, not in ``str()`` of an error, not in a log record at DEBUG (every logger:
ours, httpx's, httpcore's, uvicorn's), not in a traceback rendered with its locals; plain
``http://`` only to loopback hosts; redirects are not followed.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any

import httpx
import pytest

from airtable_enterprise import (
    AirtableError,
    APIError,
    AsyncApi,
    AuthenticationError,
    InvalidInputError,
    RetryPolicy,
)
from airtable_enterprise.testing import (
    BackgroundServer,
    DropConnection,
    Emulator,
    MalformedBody,
    SlowResponse,
    StatusFault,
    TruncatedBody,
    generate_enterprise,
)

#: The emulator's token for these tests: long and distinctive, so any leak is found.
TOKEN = "patRELIABILITYsecret.7f3c9a1e5b2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a"
#: Another secret: a token the server does not accept.
WRONG_TOKEN = "patWRONGsecret.0a1b2c3d4e5f60718293a4b5c6d7e8f9"
SECRETS = (TOKEN, WRONG_TOKEN, "RELIABILITYsecret", "WRONGsecret")
FAST = RetryPolicy(max_attempts=3, backoff_initial=0.001, backoff_max=0.002, deadline=5.0)


def rendered(exc: BaseException) -> str:
    """``exc`` as the library's users may see it: str, repr, and the traceback with the
    locals of every frame (``capture_locals``, as rich, Sentry and debuggers show them),
    chained exceptions included."""
    with_locals = traceback.TracebackException.from_exception(exc, capture_locals=True)
    return "\n".join([str(exc), repr(exc), "".join(with_locals.format())])


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


# ------------------------------------------------ a whole session, failures included


@pytest.mark.anyio
async def test_a_full_session_with_failures_leaks_the_token_nowhere(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, the root included
    emulator = Emulator(generate_enterprise(seed=2, users=30, events=20), token=TOKEN)
    ent = emulator.enterprise_id
    faults = emulator.faults
    faults.add(r"/users$", StatusFault(429, retry_after=0.01), StatusFault(503), method="GET")
    faults.add(r"^/v0/meta/workspaces$", DropConnection(), TruncatedBody(), method="POST")
    faults.add(r"^/v0/meta/workspaces$", MalformedBody(), StatusFault(500), method="POST")
    faults.add(rf"^/v0/meta/enterpriseAccounts/{ent}$", *[SlowResponse(0.5)] * 3, method="GET")
    user_ids = list(emulator.world.users)[:5]
    errors: list[BaseException] = []
    seen: list[str] = []

    with BackgroundServer(emulator) as server:
        async with AsyncApi(TOKEN, endpoint_url=server.url, retry=FAST, timeout=0.2) as api:
            enterprise = api.enterprise(ent)
            users = await enterprise.users(user_ids)  # a 429, then a 503, then success
            seen += [repr(users), str(users), repr(enterprise), repr(api.workspace)]
            for name in ("dropped", "truncated", "malformed", "server error"):
                try:
                    await enterprise.create_workspace(name)
                except AirtableError as exc:
                    errors.append(exc)
            created = await enterprise.create_workspace("fine")
            seen += [repr(created), repr(await created.collaborators())]
            try:
                await enterprise.info()  # slower than the 0.2 s timeout, every time
            except AirtableError as exc:
                errors.append(exc)
            try:
                await api.request("GET", "/v0/meta/nowhere")
            except AirtableError as exc:
                errors.append(exc)
            seen += [repr(api), str(vars(api)), repr(api.limiter), repr(api.stats)]
            seen += [repr(api.limiter.stats), repr(api._client.auth)]
        async with AsyncApi(WRONG_TOKEN, endpoint_url=server.url, retry=FAST) as wrong:
            try:
                await wrong.enterprise(ent).info()
            except AuthenticationError as exc:
                errors.append(exc)
            seen += [repr(wrong), str(vars(wrong))]

    assert [type(e).__name__ for e in errors] == [
        "UnknownOutcomeError",
        "UnknownOutcomeError",
        # "malformed": the workspace was created, so no error, a warning (issue 12)
        "UnknownOutcomeError",
        "RequestTimeoutError",
        "NotFoundError",
        "AuthenticationError",
    ]
    assert caplog.records, "expected DEBUG records to inspect"
    assert any(r.name.startswith("httpcore") for r in caplog.records)
    assert any(r.name == "airtable_enterprise" for r in caplog.records)
    for record in caplog.records:
        seen += [record.getMessage(), repr(record.args), repr(record.__dict__)]
        if record.exc_info and record.exc_info[1] is not None:
            seen.append(rendered(record.exc_info[1]))
    seen += [rendered(exc) for exc in errors]
    assert_no_secret(*seen)


# ----------------------------------------------------- errors raised while constructing


@pytest.mark.parametrize(
    "kwargs",
    [
        {"timeout": None},
        {"endpoint_url": "http://api.airtable.com"},
        {"max_concurrency": 0},
        {"requests_per_second": -1},
        {"retry": "three times"},
        {"user_agent": "a\nb"},
    ],
    ids=["timeout", "http", "concurrency", "rate", "retry", "user_agent"],
)
def test_a_constructor_error_shows_no_token_in_the_traceback_locals(
    kwargs: dict[str, Any],
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        AsyncApi(TOKEN, **kwargs)
    assert_no_secret(rendered(caught.value))


#: Tokens refused for their shape; still secrets (a token read from a file keeps its "\n").
MALFORMED = [TOKEN + "\n", " " + TOKEN, TOKEN.replace(".", "\r\n")]


@pytest.mark.parametrize(
    "index", range(len(MALFORMED)), ids=["trailing-newline", "leading-space", "line-break"]
)
def test_a_malformed_token_is_refused_without_showing_it_anywhere(index: int) -> None:
    # The token is only read from MALFORMED, so that no frame of this test holds it.
    with pytest.raises(InvalidInputError) as caught:
        AsyncApi(MALFORMED[index])
    assert caught.value.value == "<redacted>"
    assert_no_secret(rendered(caught.value))


# ------------------------------------------------------------- where the token goes


@pytest.mark.parametrize(
    "url",
    [
        "http://api.airtable.com",
        "HTTP://API.AIRTABLE.COM",
        "http://10.0.0.5:8787",
        "http://0.0.0.0:8787",
        "http://127.0.0.1.nip.io",
        "http://localhost.evil.example",
        "http://127.0.0.1@evil.example",
        "http://[::ffff:a00:5]",  # IPv4-mapped 10.0.0.5: mapped, but not loopback
        "http://[::ffff:0.0.0.0]",
        "http://[::127.0.0.1]",  # IPv4-compatible (deprecated), not mapped: not loopback
        "http://[2001:db8::1]",
    ],
)
def test_plain_http_is_refused_except_for_loopback(url: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        AsyncApi(TOKEN, endpoint_url=url)
    assert caught.value.argument == "endpoint_url"
    assert "https://" in str(caught.value)


class Redirecting:
    """A MockTransport handler: Airtable's host answers a redirect, any other host 200."""

    def __init__(self, status: int, location: str) -> None:
        self.status = status
        self.location = location
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.host == "api.airtable.com" and request.url.scheme == "https":
            return httpx.Response(self.status, headers={"Location": self.location})
        return httpx.Response(200, json={"stolen": True})


@pytest.mark.anyio
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize(
    "location",
    ["https://evil.example/v0/meta/whoami", "http://api.airtable.com/v0/meta/whoami", "/v0/x"],
    ids=["other-host", "downgrade-to-http", "same-host"],
)
async def test_redirects_are_never_followed(status: int, location: str) -> None:
    server = Redirecting(status, location)
    async with AsyncApi(TOKEN, transport=httpx.MockTransport(server), retry=FAST) as api:
        for method in ("GET", "POST", "DELETE"):
            with pytest.raises(APIError) as caught:
                await api.request(method, "/v0/meta/whoami", json={} if method == "POST" else None)
            assert caught.value.status_code == status
            assert_no_secret(rendered(caught.value))
    assert len(server.requests) == 3  # one per call: none to the Location
    assert {r.url.host for r in server.requests} == {"api.airtable.com"}
    assert {r.url.scheme for r in server.requests} == {"https"}
