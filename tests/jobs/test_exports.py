"""eDiscovery exports against the emulator: create, list, get, wait, download."""

from __future__ import annotations

import json
import os
import zipfile
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from airtable_enterprise import (
    DownloadError,
    DownloadExpiredError,
    Export,
    ExportFailedError,
    InvalidInputError,
    NotFoundError,
)
from airtable_enterprise._core.convert import converter
from airtable_enterprise.testing import BackgroundServer, Emulator
from tests.helpers import load_fixture

from .conftest import ManualClock

pytestmark = pytest.mark.anyio

FAST = {"poll": 0.001, "max_poll": 0.001}


def a_base(emulator: Emulator) -> str:
    """A base of the generated world (the first one): it has tables and records."""
    return next(iter(emulator.world.bases))


def test_the_documented_export_structures() -> None:
    export = converter.structure(load_fixture("CreateEdiscoveryExport.response.json"), Export)
    assert export.state == "processing"
    assert export.request.include_csv_format is True
    assert export.user is not None
    assert export.user.name == "Barry Allen"
    assert export.data is None
    assert not export.is_finished


async def test_create_wait_and_download_an_export(emulator: Emulator, tmp_path: Path) -> None:
    base_id = a_base(emulator)
    emulator.modify_base(base_id, create_tables=[{"name": "Reports", "fields": [{"name": "Name"}]}])
    emulator.modify_base(base_id, create_records=[{"Name": "Write the report"}])
    states: list[str] = []
    async with emulator.api() as api:
        enterprise = api.enterprise(emulator.enterprise_id)
        created = await enterprise.create_export(base_id, include_csv=True)
        assert created.id.startswith("etk")
        assert created.state == "pending"
        assert created.request.base_id == base_id
        done = await enterprise.wait_for_export(
            created, on_progress=lambda e: states.append(e.state), **FAST
        )
        assert states == ["pending", "processing", "done"]
        assert done.data is not None
        # The files are on another origin than the API, behind signed URLs.
        api_host = httpx.URL(api.endpoint_url).host
        assert httpx.URL(done.data.json_download_url).host != api_host
        progress: list[tuple[str, int, int | None]] = []
        paths = await enterprise.download_export(
            done, tmp_path, csv=True, progress=lambda *a: progress.append(a)
        )
    assert [p.name for p in paths] == [f"{done.id}.json", f"{done.id}.csv.zip"]
    document = json.loads(paths[0].read_text())
    assert document["base"]["id"] == base_id
    tasks = next(t for t in document["tables"] if t["name"] == "Reports")
    assert [r["cellValuesByFieldId"] for r in tasks["records"]] == [
        {tasks["fields"][0]["id"]: "Write the report"}
    ]
    with zipfile.ZipFile(paths[1]) as archive:
        assert "Reports.csv" in archive.namelist()
        assert "Write the report" in archive.read("Reports.csv").decode()
    assert progress[-1][1] == paths[1].stat().st_size
    assert not [n for n in os.listdir(tmp_path) if n.endswith(".part")]
    # The no-token rule: the file host saw our downloads and no Authorization header.
    assert emulator.files.stats.served == 2
    assert emulator.files.stats.authorization_rejected == 0


async def test_a_repr_never_shows_a_signature(emulator: Emulator) -> None:
    async with emulator.api() as api:
        enterprise = api.enterprise(emulator.enterprise_id)
        created = await enterprise.create_export(a_base(emulator), include_csv=True)
        done = await enterprise.wait_for_export(created, **FAST)
    assert done.data is not None
    assert "signature=" in done.data.json_download_url
    assert "signature=" not in repr(done)
    assert "files.emulator.localhost/files/" in repr(done)


async def test_list_is_newest_first_across_pages_and_filters_by_state(
    emulator: Emulator, clock: ManualClock
) -> None:
    async with emulator.api() as api:
        enterprise = api.enterprise(emulator.enterprise_id)
        made = [await enterprise.create_export(a_base(emulator)) for _ in range(5)]
        listed = [e.id async for e in enterprise.exports(page_size=2)]
        assert listed == [e.id for e in reversed(made)]
        clock.advance(3600)
        done = [e.id async for e in enterprise.exports(state="done")]
        assert sorted(done) == sorted(e.id for e in made)
        assert [e async for e in enterprise.exports(state="pending")] == []
        fetched = await enterprise.export(made[0].id)
        assert fetched.state == "done"


async def test_a_failed_export_raises_with_the_server_message(emulator: Emulator) -> None:
    emulator.fail_jobs("Export failed: base too large", kind="export")
    async with emulator.api() as api:
        enterprise = api.enterprise(emulator.enterprise_id)
        created = await enterprise.create_export(a_base(emulator))
        with pytest.raises(ExportFailedError) as caught:
            await enterprise.wait_for_export(created.id, **FAST)
    assert caught.value.server_message == "Export failed: base too large"
    assert caught.value.job_id == created.id
    assert isinstance(caught.value.job, Export)
    assert caught.value.job.state == "error"


async def test_an_export_of_a_base_deleted_meanwhile_fails(emulator: Emulator) -> None:
    base_id = a_base(emulator)
    async with emulator.api() as api:
        enterprise = api.enterprise(emulator.enterprise_id)
        created = await enterprise.create_export(base_id)
        await api.request("DELETE", f"/v0/meta/bases/{base_id}")
        with pytest.raises(ExportFailedError, match="deleted"):
            await enterprise.wait_for_export(created, **FAST)


async def test_unknown_base_and_task_are_the_documented_404(emulator: Emulator) -> None:
    async with emulator.api() as api:
        enterprise = api.enterprise(emulator.enterprise_id)
        with pytest.raises(NotFoundError) as caught:
            await enterprise.create_export("appAAAAAAAAAAAAAA")
        assert caught.value.body == {"error": {"type": "NOT_FOUND"}}
        with pytest.raises(NotFoundError):
            await enterprise.export("etkAAAAAAAAAAAAAA")


async def test_bad_arguments_fail_before_any_request(emulator: Emulator) -> None:
    async with emulator.api() as api:
        enterprise = api.enterprise(emulator.enterprise_id)
        with pytest.raises(InvalidInputError):
            await enterprise.create_export("wspAAAAAAAAAAAAAA")
        with pytest.raises(InvalidInputError):
            await enterprise.create_export(a_base(emulator), include_csv="yes")  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError):
            _ = [e async for e in enterprise.exports(state="finished")]
        with pytest.raises(InvalidInputError):
            await enterprise.export("usrAAAAAAAAAAAAAA")
    assert emulator.stats.requests == 0


async def test_download_refuses_an_export_that_is_not_done(emulator: Emulator) -> None:
    async with emulator.api() as api:
        enterprise = api.enterprise(emulator.enterprise_id)
        created = await enterprise.create_export(a_base(emulator))
        with pytest.raises(InvalidInputError, match="wait for it"):
            await enterprise.download_export(created.id, "unused")


async def test_an_expired_link_is_refused_before_any_download(tmp_path: Path) -> None:
    from airtable_enterprise.testing import generate_enterprise

    # The world's clock runs two hours behind: links valid for one minute of world
    # time have expired by the real clock when the client looks at them.
    clock = ManualClock(step=1.0)
    clock.advance(-7200)
    world = generate_enterprise(seed=5, users=30, events=200, clock=clock)
    emulator = Emulator(world, job_duration=5, link_ttl=60)
    async with emulator.api() as api:
        enterprise = api.enterprise(emulator.enterprise_id)
        done = await enterprise.wait_for_export(
            await enterprise.create_export(a_base(emulator)), **FAST
        )
        with pytest.raises(DownloadExpiredError, match="request the files again"):
            await enterprise.download_export(done, tmp_path)
    assert emulator.files.stats.requests == 0
    assert "signature" not in str(DownloadExpiredError)


async def test_a_link_the_file_host_finds_expired_is_a_clear_error(
    emulator: Emulator, clock: ManualClock, tmp_path: Path
) -> None:
    async with emulator.api() as api:
        enterprise = api.enterprise(emulator.enterprise_id)
        done = await enterprise.wait_for_export(
            await enterprise.create_export(a_base(emulator)), **FAST
        )
        clock.advance(timedelta(days=1).total_seconds())  # only the server's clock moves
        with pytest.raises(DownloadExpiredError) as caught:
            await enterprise.download_export(done, tmp_path)
    assert caught.value.status_code == 403
    assert "signature=" not in str(caught.value)  # the secret part of the URL is not shown
    assert emulator.files.stats.expired == 1
    assert not (tmp_path / f"{done.id}.json").exists()


class CutThenDown(httpx.AsyncBaseTransport):
    """The first response's body breaks after ``keep`` bytes; every later request finds
    the host unreachable (an interrupted run that leaves a ``.part`` behind)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, keep: int) -> None:
        self.inner = inner
        self.keep = keep
        self.calls = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        if self.calls > 1:
            raise httpx.ConnectError("host unreachable")
        response = await self.inner.handle_async_request(request)
        body = await response.aread()
        keep = self.keep

        class Broken(httpx.AsyncByteStream):
            async def __aiter__(self):  # type: ignore[no-untyped-def]
                yield body[:keep]
                raise httpx.RemoteProtocolError("peer closed connection")

        return httpx.Response(response.status_code, headers=response.headers, stream=Broken())


async def interrupted_run(emulator: Emulator, tmp_path: Path) -> Export:
    """A done export whose JSON download stopped after 100 bytes (the .part is left)."""
    cut = CutThenDown(emulator.files_transport(), keep=100)
    async with emulator.api(download_transport=cut) as api:
        enterprise = api.enterprise(emulator.enterprise_id)
        done = await enterprise.wait_for_export(
            await enterprise.create_export(a_base(emulator)), **FAST
        )
        with pytest.raises(DownloadError, match="run again to resume"):
            await enterprise.download_export(done, tmp_path)
    assert (tmp_path / f"{done.id}.json.part").stat().st_size == 100
    assert not (tmp_path / f"{done.id}.json").exists()
    emulator.files.stats.reset()
    return done


async def test_a_partial_file_is_resumed_with_range_and_if_range(
    emulator: Emulator, tmp_path: Path
) -> None:
    done = await interrupted_run(emulator, tmp_path)
    full = emulator.files.files[f"{done.id}-json"].data
    async with emulator.api() as api:
        [path] = await api.enterprise(emulator.enterprise_id).download_export(done, tmp_path)
    assert path.read_bytes() == full
    assert emulator.files.stats.range_requests == 1
    assert emulator.files.stats.if_range_mismatches == 0
    assert emulator.files.stats.authorization_rejected == 0
    assert sorted(os.listdir(tmp_path)) == [path.name]  # no .part, no .part.meta


async def test_a_file_that_changed_since_the_part_is_fetched_again_whole(
    emulator: Emulator, tmp_path: Path
) -> None:
    done = await interrupted_run(emulator, tmp_path)
    old = emulator.files.files[f"{done.id}-json"].data
    new = b'{"replaced": true}' + b" " * len(old)  # same length, other bytes
    emulator.files.put(f"{done.id}-json", new, "application/json")
    async with emulator.api() as api:
        [path] = await api.enterprise(emulator.enterprise_id).download_export(done, tmp_path)
    assert path.read_bytes() == new  # never old[:100] + new[100:]
    assert emulator.files.stats.if_range_mismatches == 1


async def test_a_part_without_its_validator_is_started_afresh(
    emulator: Emulator, tmp_path: Path
) -> None:
    async with emulator.api() as api:
        enterprise = api.enterprise(emulator.enterprise_id)
        done = await enterprise.wait_for_export(
            await enterprise.create_export(a_base(emulator)), **FAST
        )
        full = emulator.files.files[f"{done.id}-json"].data
        # A .part of unknown origin (no .part.meta): nothing says which file it began.
        (tmp_path / f"{done.id}.json.part").write_bytes(b"X" * 100)
        [path] = await enterprise.download_export(done, tmp_path)
    assert path.read_bytes() == full
    assert emulator.files.stats.range_requests == 0


class CutOnce(httpx.AsyncBaseTransport):
    """Passes requests to ``inner``; the first response's body breaks after ``keep`` bytes."""

    def __init__(self, inner: httpx.AsyncBaseTransport, keep: int) -> None:
        self.inner = inner
        self.keep = keep
        self.ranges: list[str | None] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.ranges.append(request.headers.get("range"))
        assert "authorization" not in request.headers
        response = await self.inner.handle_async_request(request)
        if len(self.ranges) > 1:
            return response
        body = await response.aread()
        keep = self.keep

        class Broken(httpx.AsyncByteStream):
            async def __aiter__(self):  # type: ignore[no-untyped-def]
                yield body[:keep]
                raise httpx.RemoteProtocolError("peer closed connection")

        return httpx.Response(response.status_code, headers=response.headers, stream=Broken())


async def test_a_connection_lost_midway_is_resumed_with_range(
    emulator: Emulator, tmp_path: Path
) -> None:
    cut = CutOnce(emulator.files_transport(), keep=64)
    async with emulator.api(download_transport=cut) as api:
        enterprise = api.enterprise(emulator.enterprise_id)
        done = await enterprise.wait_for_export(
            await enterprise.create_export(a_base(emulator)), **FAST
        )
        [path] = await enterprise.download_export(done, tmp_path)
    assert cut.ranges == [None, "bytes=64-"]
    assert path.read_bytes() == emulator.files.files[f"{done.id}-json"].data


def redirecting(target: str, seen: list[httpx.Request]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.host == "files.example":
            return httpx.Response(302, headers={"Location": target})
        return httpx.Response(200, content=b"payload")

    return httpx.MockTransport(handler)


@pytest.mark.parametrize(
    ("target", "followed"),
    [("https://cdn.example/f", True), ("http://cdn.example/f", False)],
)
async def test_redirects_are_followed_only_within_https(
    target: str, followed: bool, tmp_path: Path
) -> None:
    from airtable_enterprise import AsyncApi, DownloadError

    seen: list[httpx.Request] = []
    async with AsyncApi("patSecret.123", download_transport=redirecting(target, seen)) as api:
        destination = tmp_path / "f"
        if followed:
            await api.files.download("https://files.example/f?signature=x", destination)
            assert destination.read_bytes() == b"payload"
        else:
            with pytest.raises(DownloadError, match="https only"):
                await api.files.download("https://files.example/f?signature=x", destination)
            assert not destination.exists()
    assert len(seen) == (2 if followed else 1)
    assert all("authorization" not in r.headers for r in seen)


async def test_plain_http_file_urls_are_refused_off_loopback(tmp_path: Path) -> None:
    from airtable_enterprise import AsyncApi, DownloadError

    seen: list[httpx.Request] = []
    async with AsyncApi("patSecret.123", download_transport=redirecting("", seen)) as api:
        with pytest.raises(DownloadError):
            await api.files.download("http://files.example/f", tmp_path / "f")
    assert seen == []


def test_over_sockets_the_file_host_has_its_own_port_and_sees_no_token(
    emulator: Emulator, tmp_path: Path
) -> None:
    import anyio

    from airtable_enterprise import AsyncApi

    with BackgroundServer(emulator) as server:
        assert server.files_url != server.url

        async def main() -> Path:
            async with AsyncApi(emulator.token, endpoint_url=server.url) as api:
                enterprise = api.enterprise(emulator.enterprise_id)
                done = await enterprise.wait_for_export(
                    await enterprise.create_export(a_base(emulator)), **FAST
                )
                assert done.data is not None
                assert done.data.json_download_url.startswith(server.files_url)
                [path] = await enterprise.download_export(done, tmp_path)
                return path

        path = anyio.run(main)
        # A request with the token is refused and counted.
        response = httpx.get(
            f"{server.files_url}/files/x", headers={"Authorization": f"Bearer {emulator.token}"}
        )
    assert response.status_code == 400
    assert emulator.files.stats.authorization_rejected == 1
    assert emulator.files.stats.served == 1
    assert json.loads(path.read_text())["base"]["id"] == a_base(emulator)
