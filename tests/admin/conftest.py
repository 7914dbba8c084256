"""Fixtures of the admin-surface tests: an AsyncApi whose transport is a respx router."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import respx

from airtable_enterprise import AsyncApi, Enterprise, RetryPolicy, Workspace

ENDPOINT = "https://api.airtable.com"
ENT = "entUBq2RGdihxl3vU"
WSP = "wspmhESAta6clCCwF"


@pytest.fixture
def router() -> respx.MockRouter:
    """Routes of the fake Airtable; every request goes through it, an unmatched one fails."""
    return respx.MockRouter(using=None, base_url=ENDPOINT, assert_all_called=False)


@pytest.fixture
async def api(router: respx.MockRouter) -> AsyncIterator[AsyncApi]:
    async with AsyncApi(
        "patTESTTOKEN.secret",
        transport=httpx.MockTransport(router.async_handler),
        requests_per_second=10_000,
        base_requests_per_second=10_000,
        retry=RetryPolicy(max_attempts=1),
    ) as client:
        yield client


@pytest.fixture
def enterprise(api: AsyncApi) -> Enterprise:
    return api.enterprise(ENT)


@pytest.fixture
def workspace(api: AsyncApi) -> Workspace:
    return api.workspace(WSP)
