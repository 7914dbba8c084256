from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from airtable_enterprise import AsyncApi, Enterprise

from .fake import FakeAuditLog, make_event


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def fake() -> FakeAuditLog:
    return FakeAuditLog(make_event(i) for i in range(95))


@pytest.fixture
async def enterprise(fake: FakeAuditLog) -> AsyncIterator[Enterprise]:
    async with AsyncApi("patTEST.secret", transport=fake.transport, requests_per_second=1e6) as api:
        yield api.enterprise("entUBq2RGdihxl3vU")
