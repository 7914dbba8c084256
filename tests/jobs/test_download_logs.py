"""No signed URL in any log record, at any level: httpx logs ``HTTP Request: GET <url>``
at INFO and httpcore logs response headers (a signed ``Location``) at DEBUG."""

from __future__ import annotations

import logging
from pathlib import Path

import anyio
import httpx
import pytest

from airtable_enterprise import AsyncApi
from airtable_enterprise.jobs.redaction import REDACTED, install_log_filter, sending_signed
from airtable_enterprise.testing import BackgroundServer, Emulator

pytestmark = pytest.mark.anyio

LOGGERS = ("httpx", "httpcore", "airtable_enterprise")


def every_record_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    install_log_filter()  # as every SignedFiles does (idempotent)
    caplog.set_level(logging.DEBUG)
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)


def everything_logged(caplog: pytest.LogCaptureFixture) -> str:
    return caplog.text + "\n".join(str(r.args) + r.getMessage() for r in caplog.records)


async def test_no_signature_in_httpx_records_of_a_download_with_redirects(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    every_record_at_debug(caplog)

    def host(request: httpx.Request) -> httpx.Response:
        if request.url.host == "files.example":
            location = "https://cdn.example/f?X-Amz-Signature=AMZSECRET&X-Amz-Credential=CRED"
            return httpx.Response(302, headers={"Location": location})
        return httpx.Response(200, content=b"payload")

    async with AsyncApi("patSecret.123", download_transport=httpx.MockTransport(host)) as api:
        url = "https://files.example/f?expires=1&signature=SIGSECRET"
        await api.files.download(url, tmp_path / "f")
        _ = [chunk async for chunk in api.files.iter_bytes(url)]
    logged = everything_logged(caplog)
    for secret in ("SIGSECRET", "AMZSECRET", "CRED", "signature="):
        assert secret not in logged
    requests = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    assert f"HTTP Request: GET https://files.example/f{REDACTED} " in requests[0]
    assert len(requests) == 4


def test_no_signature_in_any_record_of_a_download_over_sockets(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from datetime import UTC, datetime, timedelta

    every_record_at_debug(caplog)
    emulator = Emulator(job_duration=1)
    with BackgroundServer(emulator) as server:
        emulator.files.put("etkAAAAAAAAAAAAAA-json", b"{}" * 1000, "application/json")
        # wall-clock ok: the client refuses a signed URL whose expiry is past by the real clock
        expires = datetime.now(UTC) + timedelta(hours=1)  # wall-clock ok
        url = emulator.files.signed_url("etkAAAAAAAAAAAAAA-json", expires)
        signature = url.rsplit("signature=", 1)[1]

        async def main() -> None:
            async with AsyncApi(emulator.token, endpoint_url=server.url) as api:
                await api.files.download(url, tmp_path / "f.json")

        anyio.run(main)
    assert (tmp_path / "f.json").read_bytes() == b"{}" * 1000
    assert any(r.name.startswith("httpcore") for r in caplog.records)
    assert any(r.name == "httpx" for r in caplog.records)
    assert signature not in everything_logged(caplog)


def test_the_filter_rewrites_only_records_of_signed_requests(
    caplog: pytest.LogCaptureFixture,
) -> None:
    every_record_at_debug(caplog)
    headers = "return_value=(b'HTTP/1.1', 302, b'Found', [(b'Location', b'/f?sig=SECRET')])"
    core = logging.getLogger("httpcore.http11")
    client = logging.getLogger("httpx")
    with sending_signed():
        core.debug("receive_response_headers.complete %s", headers)
        client.info("HTTP Request: %s %s", "GET", httpx.URL("https://a.example/f?sig=SECRET"))
    # Another client's records in the same process keep their queries.
    client.info("HTTP Request: %s %s", "GET", httpx.URL("https://api.example/v0/x?offset=itr1"))
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [
        f"receive_response_headers.complete return_value=(b'HTTP/1.1', 302, b'Found', "
        f"[(b'Location', b'/f{REDACTED}')])",
        f"HTTP Request: GET https://a.example/f{REDACTED}",
        "HTTP Request: GET https://api.example/v0/x?offset=itr1",
    ]


def test_a_record_with_a_percent_sign_survives_the_rewrite(
    caplog: pytest.LogCaptureFixture,
) -> None:
    every_record_at_debug(caplog)
    with sending_signed():
        logging.getLogger("httpx").info("100%% of %s", "https://a.example/?s=1")
    assert caplog.records[-1].getMessage() == f"100% of https://a.example/{REDACTED}"


def test_the_filter_is_installed_once_on_each_http_logger() -> None:
    from airtable_enterprise.jobs.downloads import SignedFiles
    from airtable_enterprise.jobs.redaction import HTTP_LOGGERS, SignedUrlFilter

    for name in HTTP_LOGGERS:
        for found in list(logging.getLogger(name).filters):
            logging.getLogger(name).removeFilter(found)
    SignedFiles()
    SignedFiles()
    for name in HTTP_LOGGERS:
        filters = logging.getLogger(name).filters
        assert len(filters) == 1, name
        assert isinstance(filters[0], SignedUrlFilter)
    assert not any(isinstance(f, SignedUrlFilter) for f in logging.getLogger().filters)
