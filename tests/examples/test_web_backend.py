"""The web-backend guide's example (examples/web_backend.py), served in-process (httpx's ASGI transport) on the
emulator: a user and their audit events, one page per request, followed by cursor."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from airtable_enterprise.testing import Emulator, generate_enterprise
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
