"""`emulator serve --host 0.0.0.0`: the signed URLs of job files point at an address a
client can fetch (loopback), not at the wildcard the listener is bound to."""

from __future__ import annotations

from pathlib import Path

import anyio

from airtable_enterprise import AsyncApi
from airtable_enterprise.testing import BackgroundServer, Emulator, generate_enterprise


def test_a_wildcard_host_serves_fetchable_file_urls(tmp_path: Path) -> None:
    emulator = Emulator(generate_enterprise(seed=4, users=20, events=10), job_duration=0.0)
    base_id = next(iter(emulator.world.bases))
    with BackgroundServer(emulator, host="0.0.0.0") as server:
        assert server.files_url.startswith("http://127.0.0.1:")
        url = f"http://127.0.0.1:{server.port}"

        async def main() -> list[Path]:
            async with AsyncApi(emulator.token, endpoint_url=url) as api:
                enterprise = api.enterprise(emulator.enterprise_id)
                export = await enterprise.create_export(base_id)
                done = await enterprise.wait_for_export(export, poll=0.01)
                return await enterprise.download_export(done, tmp_path)

        [path] = anyio.run(main)
    assert path.read_bytes()
    assert emulator.files.stats.authorization_rejected == 0
