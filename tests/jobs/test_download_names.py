"""Files named from what the server answered stay in their folder: an export or
audit-log request ID that is not one (``../``, an absolute path, NUL, a very long
string) is a typed error, and nothing is written, the folder not even made."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from airtable_enterprise import AsyncApi, DownloadError, ResponseValidationError
from airtable_enterprise._core.convert import converter
from airtable_enterprise.models.jobs import AuditLogRequest, Export

pytestmark = pytest.mark.anyio

ENT = "entUBq2RGdihxl3vU"
LINK = "https://files.example/f?expires=9&signature=SIG"
BAD_IDS = ["../../escape", "/tmp/escape", "etk\x00AAAAAAAAAAAAA", "etk" + "A" * 300, "..", ""]


def export(ident: str) -> dict[str, Any]:
    return {
        "id": ident,
        "createdTime": "2026-11-01T00:00:00.000Z",
        "state": "done",
        "request": {
            "baseId": "appLkNDICXNqxSDhG",
            "includeCsvFormat": True,
            "shouldSendEmailOnCompletion": False,
        },
        "data": {
            "expirationTime": "2999-01-01T00:00:00.000Z",
            "jsonDownloadUrl": LINK,
            "csvZipDownloadUrl": LINK,
        },
    }


def request(ident: str) -> dict[str, Any]:
    return {
        "id": ident,
        "state": "done",
        "timePeriod": "2026-11",
        "data": {"expirationTime": "2999-01-01T00:00:00.000Z", "logFileUrls": [LINK, LINK]},
    }


class Hosts:
    """The API answers ``body`` to every GET; the file host counts what it is asked."""

    def __init__(self, body: dict[str, Any]) -> None:
        self.body = body
        self.file_requests = 0

    def api(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=self.body)

    def files(self, request: httpx.Request) -> httpx.Response:
        self.file_requests += 1
        return httpx.Response(200, content=b"{}")


def api_for(hosts: Hosts) -> AsyncApi:
    return AsyncApi(
        "patSecret.123",
        transport=httpx.MockTransport(hosts.api),
        download_transport=httpx.MockTransport(hosts.files),
    )


@pytest.mark.parametrize("ident", BAD_IDS)
async def test_an_export_id_that_is_not_one_writes_nothing(tmp_path: Path, ident: str) -> None:
    hosts = Hosts(export(ident))
    folder = tmp_path / "exports"
    async with api_for(hosts) as api:
        enterprise = api.enterprise(ENT)
        with pytest.raises(ResponseValidationError, match="no file written"):
            await enterprise.download_export("etkJkReGfIaW8DZq5", folder, csv=True)
        given = converter.structure(export(ident), Export)
        with pytest.raises(ResponseValidationError, match="no file written"):
            await enterprise.download_export(given, folder)
    assert os.listdir(tmp_path) == []
    assert hosts.file_requests == 0


@pytest.mark.parametrize("ident", BAD_IDS)
async def test_a_request_id_that_is_not_one_writes_nothing(tmp_path: Path, ident: str) -> None:
    hosts = Hosts(request(ident))
    folder = tmp_path / "logs"
    async with api_for(hosts) as api:
        enterprise = api.enterprise(ENT)
        with pytest.raises(ResponseValidationError, match="no file written"):
            await enterprise.download_audit_log_request("ealLvFqm3oJNxg30m", folder)
        given = converter.structure(request(ident), AuditLogRequest)
        with pytest.raises(ResponseValidationError, match="no file written"):
            await enterprise.download_audit_log_request(given, folder)
    assert os.listdir(tmp_path) == []
    assert hosts.file_requests == 0


async def test_well_formed_ids_name_the_files_inside_the_folder(tmp_path: Path) -> None:
    hosts = Hosts(export("etkJkReGfIaW8DZq5"))
    async with api_for(hosts) as api:
        paths = await api.enterprise(ENT).download_export("etkJkReGfIaW8DZq5", tmp_path, csv=True)
    assert paths == [tmp_path / "etkJkReGfIaW8DZq5.json", tmp_path / "etkJkReGfIaW8DZq5.csv.zip"]
    hosts = Hosts(request("ealLvFqm3oJNxg30m"))
    async with api_for(hosts) as api:
        paths = await api.enterprise(ENT).download_audit_log_request("ealLvFqm3oJNxg30m", tmp_path)
    assert [p.name for p in paths] == [
        "ealLvFqm3oJNxg30m-000.ndjson.gz",
        "ealLvFqm3oJNxg30m-001.ndjson.gz",
    ]


async def test_a_malformed_link_is_a_typed_error_that_does_not_echo_it(tmp_path: Path) -> None:
    body = export("etkJkReGfIaW8DZq5")
    body["data"]["jsonDownloadUrl"] = "https://[::1/x?signature=SIG"
    hosts = Hosts(body)
    async with api_for(hosts) as api:
        with pytest.raises(DownloadError) as caught:
            await api.enterprise(ENT).download_export("etkJkReGfIaW8DZq5", tmp_path)
    assert "SIG" not in str(caught.value)
    assert hosts.file_requests == 0
