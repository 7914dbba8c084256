"""The web-backend guide's example (examples/web_backend.py), served in-process (httpx's ASGI transport) on the
emulator: a user and their audit events, one page per request, followed by cursor."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from airtable_enterprise import RetryPolicy
from airtable_enterprise.testing import Emulator, generate_enterprise
from airtable_enterprise.testing.http.faults import StatusFault
from examples import web_backend  # the repository root is on sys.path (tests/ is a package)


@pytest.fixture
def emulator() -> Emulator:
    return Emulator(generate_enterprise(seed=4, users=40, events=2000))


@pytest.fixture
async def client(emulator: Emulator) -> AsyncIterator[httpx.AsyncClient]:
    app = web_backend.create_app(lambda: (emulator.api(), emulator.enterprise_id))
    async with app.router.lifespan_context(app):  # opens (then closes) the one AsyncApi
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://backend") as client:
            yield client


def busiest_user(emulator: Emulator) -> tuple[str, str, list[object]]:
    counts: dict[str, list[object]] = {}
    for event in emulator.world.audit:
        if event.actor_type == "user" and event.actor_id:
            counts.setdefault(event.actor_id, []).append(event)
    user_id = max(counts, key=lambda key: len(counts[key]))
    user = emulator.world.users[user_id]
    return user.id, user.email, counts[user_id]


@pytest.mark.anyio
async def test_a_user_and_their_events_page_by_page(
    client: httpx.AsyncClient, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(web_backend, "PAGE_SIZE", 7)
    user_id, email, theirs = busiest_user(emulator)
    assert len(theirs) > 14  # several pages
    seen: list[str] = []
    times: list[str] = []
    cursor = None
    requests_per_page: list[int] = []
    while True:
        before = emulator.stats.requests
        params = {"cursor": cursor} if cursor else {}
        response = await client.get(f"/users/{email}", params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["user"]["id"] == user_id
        assert len(body["events"]) <= 7
        assert all(e["actor"]["user"]["id"] == user_id for e in body["events"])
        requests_per_page.append(emulator.stats.requests - before)
        seen.extend(e["id"] for e in body["events"])
        times.extend(e["timestamp"] for e in body["events"])
        cursor = body["cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == len(theirs)  # every event once
    assert times == sorted(times, reverse=True)  # newest first, across pages
    pages = -(-len(theirs) // 7)
    assert len(requests_per_page) in (pages, pages + 1)  # + an empty last page at most
    assert set(requests_per_page) == {2}  # per call: the user lookup and one audit page


@pytest.mark.anyio
async def test_unknown_and_malformed_users(client: httpx.AsyncClient) -> None:
    missing = await client.get("/users/nobody@nowhere.example")
    assert missing.status_code == 404
    malformed = await client.get("/users/not-an-id")
    assert malformed.status_code == 400


def test_the_web_backend_guide_shows_this_example_as_it_is() -> None:
    root = Path(__file__).resolve().parents[2]
    source = (root / "examples" / "web_backend.py").read_text()
    guide = root / "docs" / "guides" / "web-backend.md"
    assert f"```python\n{source}```" in guide.read_text()


@pytest.mark.anyio
async def test_handover_looks_both_users_up_concurrently(
    client: httpx.AsyncClient, emulator: Emulator
) -> None:
    leaver, successor = list(emulator.world.users.values())[1:3]
    response = await client.get(f"/handover/{leaver.email}/{successor.id}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["leaver"]["id"], body["successor"]["email"]) == (leaver.id, successor.email)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("leaver", "successor", "status"),
    [
        ("KNOWN", "nobody@nowhere.example", 404),  # a 500 while the task group's group leaked
        ("nobody@nowhere.example", "ghost@nowhere.example", 404),
        ("KNOWN", "not-an-id", 400),
    ],
)
async def test_library_errors_of_concurrent_calls_become_http_answers(
    client: httpx.AsyncClient, emulator: Emulator, leaver: str, successor: str, status: int
) -> None:
    known = list(emulator.world.users.values())[1].email
    path = f"/handover/{leaver.replace('KNOWN', known)}/{successor}"
    response = await client.get(path)
    assert response.status_code == status, response.text
    assert "error" in response.json()


@pytest.mark.anyio
async def test_rate_limits_and_server_errors_are_mapped_once_for_every_route(
    emulator: Emulator,
) -> None:
    policy = RetryPolicy(max_attempts=1, max_retry_after=0.5)
    app = web_backend.create_app(lambda: (emulator.api(retry=policy), emulator.enterprise_id))
    known = list(emulator.world.users.values())[1].email
    emulator.faults.add(r"/users$", StatusFault(500), method="GET")
    emulator.faults.add(r"/users$", StatusFault(429, retry_after=42), method="GET")
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://backend") as client:
            failed = await client.get(f"/users/{known}")
            assert failed.status_code == 502, failed.text
            limited = await client.get(f"/handover/{known}/{known}")
            assert limited.status_code == 503, limited.text
            assert limited.headers["Retry-After"] == "42"
