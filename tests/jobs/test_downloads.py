"""The signed-file downloader against scripted file hosts (``httpx.MockTransport``).

Each scenario is a host that lies, breaks or stalls in one way; the question is always
whether the file on disk is the whole, right file or there is a typed error and no file.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import anyio
import httpx
import pytest

from airtable_enterprise import DownloadError, DownloadExpiredError, InvalidInputError
from airtable_enterprise.jobs.downloads import SignedFiles
from airtable_enterprise.jobs.transfer import Validator

pytestmark = pytest.mark.anyio

URL = "https://files.example/f/etkAAAAAAAAAAAAAA.json?expires=1&signature=SECRETSIG"
DATA = bytes(range(256)) * 8  # 2,048 bytes
ETAG = '"v1"'
Handler = Callable[[httpx.Request], httpx.Response]


class Host:
    """A scripted file host: ``answers`` are called in turn (the last one repeats);
    every request is kept. After ``limit`` requests it raises, so a loop without end
    fails the test instead of hanging it."""

    def __init__(self, *answers: Handler, limit: int = 50) -> None:
        self.answers = answers
        self.requests: list[httpx.Request] = []
        self.limit = limit

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if len(self.requests) > self.limit:
            raise RuntimeError(f"{self.limit} requests: the client loops")
        return self.answers[min(len(self.requests), len(self.answers)) - 1](request)

    @property
    def ranges(self) -> list[tuple[str | None, str | None]]:
        return [(r.headers.get("range"), r.headers.get("if-range")) for r in self.requests]


def files(host: Host, **options: object) -> SignedFiles:
    return SignedFiles(transport=httpx.MockTransport(host), **options)  # type: ignore[arg-type]


def whole(data: bytes = DATA, etag: str | None = ETAG, **headers: str) -> Handler:
    """200 with the file, its length and (by default) its ETag."""
    extra = {"ETag": etag} if etag else {}
    return lambda request: httpx.Response(200, content=data, headers={**extra, **headers})


def part(first: int, data: bytes = DATA, etag: str | None = ETAG, **headers: str) -> Handler:
    """206 with the bytes from ``first`` on."""
    extra = {"ETag": etag} if etag else {}
    content_range = f"bytes {first}-{len(data) - 1}/{len(data)}"
    return lambda request: httpx.Response(
        206,
        content=data[first:],
        headers={"Content-Range": content_range, **extra, **headers},
    )


def status(code: int, body: bytes = b"", **headers: str) -> Handler:
    return lambda request: httpx.Response(code, content=body, headers=headers)


class Pieces(httpx.AsyncByteStream):
    """A body sent as ``pieces``; ``then`` (an exception) after the last one."""

    def __init__(self, *pieces: bytes, then: Exception | None = None) -> None:
        self.pieces = pieces
        self.then = then

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece in self.pieces:
            yield piece
        if self.then is not None:
            raise self.then


def streamed(
    *pieces: bytes, code: int = 200, then: Exception | None = None, **headers: str
) -> Handler:
    return lambda request: httpx.Response(code, headers=headers, stream=Pieces(*pieces, then=then))


def cut(keep: int, data: bytes = DATA, etag: str | None = ETAG) -> Handler:
    """200 announcing the whole length, the connection lost after ``keep`` bytes."""
    headers = {"Content-Length": str(len(data))} | ({"ETag": etag} if etag else {})
    return streamed(data[:keep], then=httpx.RemoteProtocolError("peer closed"), **headers)


def leftover(destination: Path, data: bytes, validator: Validator | None) -> None:
    """What an interrupted earlier run left: a ``.part`` and its ``.part.meta``."""
    destination.with_name(destination.name + ".part").write_bytes(data)
    if validator is not None:
        destination.with_name(destination.name + ".part.meta").write_text(validator.dumps())


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ----------------------------------------------------------------- whole files


async def fetch(host: Host, destination: Path, **options: object) -> Path:
    """``SignedFiles.download`` of :data:`URL` from ``host``."""
    progress = options.pop("progress", None)
    client = files(host, **options)
    try:
        return await client.download(URL, destination, progress=progress)  # type: ignore[arg-type]
    finally:
        await client.aclose()


async def stream(host: Host, **options: object) -> bytes:
    """``SignedFiles.iter_bytes`` of :data:`URL` from ``host``, joined."""
    client = files(host, **options)
    try:
        return b"".join([chunk async for chunk in client.iter_bytes(URL)])
    finally:
        await client.aclose()


async def test_a_file_is_saved_whole_with_progress_and_no_leftovers(tmp_path: Path) -> None:
    host = Host(whole())
    seen: list[tuple[int, int | None]] = []
    path = await fetch(host, tmp_path / "f.json", progress=lambda *a: seen.append(a))
    assert path == tmp_path / "f.json"
    assert path.read_bytes() == DATA
    assert names(tmp_path) == ["f.json"]
    assert seen[0] == (0, len(DATA))
    assert seen[-1] == (len(DATA), len(DATA))
    [request] = host.requests
    assert "authorization" not in request.headers
    assert "range" not in request.headers
    assert request.headers["user-agent"] == "airtable-enterprise"


async def test_a_chunked_body_without_length_is_trusted_to_its_end(tmp_path: Path) -> None:
    host = Host(streamed(DATA[:1000], DATA[1000:], **{"Transfer-Encoding": "chunked"}))
    assert (await fetch(host, tmp_path / "f")).read_bytes() == DATA


async def test_a_body_with_no_length_that_just_stops_is_never_renamed(tmp_path: Path) -> None:
    """HTTP/1.1 without Content-Length nor chunked ends with the connection: an early
    close looks exactly like the end, so the file cannot be called complete."""
    host = Host(streamed(DATA[:1000]))
    with pytest.raises(DownloadError, match="no length"):
        await fetch(host, tmp_path / "f")
    assert names(tmp_path) == []


async def test_a_body_shorter_than_its_length_is_resumed_from_where_it_stopped(
    tmp_path: Path,
) -> None:
    host = Host(streamed(DATA[:700], **{"Content-Length": str(len(DATA)), "ETag": ETAG}), part(700))
    seen: list[tuple[int, int | None]] = []
    path = await fetch(host, tmp_path / "f", progress=lambda *a: seen.append(a))
    assert path.read_bytes() == DATA
    assert host.ranges == [(None, None), ("bytes=700-", ETAG)]
    assert (700, len(DATA)) in seen
    assert seen[-1] == (len(DATA), len(DATA))
    assert names(tmp_path) == ["f"]


async def test_a_body_longer_than_its_length_is_refused_and_discarded(tmp_path: Path) -> None:
    host = Host(streamed(DATA, b"extra", **{"Content-Length": str(len(DATA))}))
    with pytest.raises(DownloadError, match="2053 bytes of a 2048-byte file"):
        await fetch(host, tmp_path / "f")
    assert names(tmp_path) == []


async def test_a_short_body_from_a_host_without_validator_is_fetched_again_whole(
    tmp_path: Path,
) -> None:
    """No ETag nor Last-Modified: nothing proves a second answer is the same file, so
    the next attempt asks for all of it (no Range), never splices."""
    host = Host(cut(500, etag=None), whole(etag=None))
    assert (await fetch(host, tmp_path / "f")).read_bytes() == DATA
    assert host.ranges == [(None, None), (None, None)]


async def test_lost_connections_end_after_three_attempts_keeping_the_part(
    tmp_path: Path,
) -> None:
    host = Host(cut(100))
    with pytest.raises(DownloadError, match=r"RemoteProtocolError \(3 attempts\); run again"):
        await fetch(host, tmp_path / "f")
    assert len(host.requests) == 3
    assert names(tmp_path) == ["f.part", "f.part.meta"]
    assert json.loads((tmp_path / "f.part.meta").read_text())["etag"] == ETAG


# --------------------------------------------------------------------- resuming


async def test_a_part_is_resumed_with_range_and_if_range(tmp_path: Path) -> None:
    leftover(tmp_path / "f", DATA[:300], Validator(etag=ETAG, total=len(DATA)))
    host = Host(part(300))
    seen: list[tuple[int, int | None]] = []
    path = await fetch(host, tmp_path / "f", progress=lambda *a: seen.append(a))
    assert path.read_bytes() == DATA
    assert host.ranges == [("bytes=300-", ETAG)]
    assert seen[0] == (300, len(DATA))
    assert names(tmp_path) == ["f"]


async def test_a_part_is_resumed_with_its_last_modified_date_when_there_is_no_etag(
    tmp_path: Path,
) -> None:
    date = "Wed, 21 Oct 2026 07:28:00 GMT"
    leftover(tmp_path / "f", DATA[:300], Validator(last_modified=date, total=len(DATA)))
    host = Host(part(300, etag=None, **{"Last-Modified": date}))
    assert (await fetch(host, tmp_path / "f")).read_bytes() == DATA
    assert host.ranges == [("bytes=300-", date)]


async def test_a_server_that_ignores_range_gets_the_file_written_from_the_start(
    tmp_path: Path,
) -> None:
    """200 to a resume (the file changed, or Range is not supported): the body is the
    whole file and replaces the .part, never appended to it."""
    leftover(tmp_path / "f", b"X" * 300, Validator(etag=ETAG, total=len(DATA)))
    host = Host(whole(etag='"v2"'))
    seen: list[tuple[int, int | None]] = []
    path = await fetch(host, tmp_path / "f", progress=lambda *a: seen.append(a))
    assert path.read_bytes() == DATA
    assert seen[0] == (0, len(DATA))
    assert len(host.requests) == 1


async def test_a_206_from_a_changed_file_is_not_spliced_onto_the_part(tmp_path: Path) -> None:
    """A host that ignores If-Range and answers 206 with another ETag: the .part is
    thrown away and the new file fetched whole."""
    new = bytes(reversed(DATA))
    leftover(tmp_path / "f", DATA[:300], Validator(etag=ETAG, total=len(DATA)))
    host = Host(part(300, new, etag='"v2"'), whole(new, etag='"v2"'))
    assert (await fetch(host, tmp_path / "f")).read_bytes() == new
    assert host.ranges == [("bytes=300-", ETAG), (None, None)]


async def test_a_206_of_another_length_is_not_spliced_either(tmp_path: Path) -> None:
    longer = DATA + b"more"
    leftover(tmp_path / "f", DATA[:300], Validator(etag=ETAG, total=len(DATA)))
    host = Host(part(300, longer), whole(longer))
    assert (await fetch(host, tmp_path / "f")).read_bytes() == longer
    assert [r for r, _ in host.ranges] == ["bytes=300-", None]


async def test_a_part_without_its_meta_is_started_afresh(tmp_path: Path) -> None:
    leftover(tmp_path / "f", b"X" * 300, None)
    host = Host(whole())
    assert (await fetch(host, tmp_path / "f")).read_bytes() == DATA
    assert host.ranges == [(None, None)]


@pytest.mark.parametrize(
    "meta",
    [
        "not json",
        "{}",
        '{"etag": 5, "last_modified": null, "total": 1}',
        "[1, 2]",
        '{"etag": null, "last_modified": null, "total": 2048}',
        '{"etag": "\\"v1\\"", "last_modified": null, "total": "2048"}',
    ],
)
async def test_an_unreadable_meta_means_starting_afresh(tmp_path: Path, meta: str) -> None:
    (tmp_path / "f.part").write_bytes(b"X" * 300)
    (tmp_path / "f.part.meta").write_text(meta)
    host = Host(whole())
    assert (await fetch(host, tmp_path / "f")).read_bytes() == DATA
    assert host.ranges == [(None, None)]


@pytest.mark.parametrize(
    ("content_range", "message"),
    [
        (None, "without a valid Content-Range"),
        ("bytes 300-2047", "without a valid Content-Range"),
        ("bytes */2048", "without a valid Content-Range"),
        ("bytes 0-2047/2048", "asked for bytes from 300, got them from 0"),
        ("bytes 301-2047/2048", "asked for bytes from 300, got them from 301"),
        ("bytes 300-2048/2048", "impossible Content-Range"),
        ("bytes 300-299/2048", "impossible Content-Range"),
    ],
)
async def test_a_206_from_the_wrong_offset_or_without_a_valid_content_range_is_an_error(
    tmp_path: Path, content_range: str | None, message: str
) -> None:
    leftover(tmp_path / "f", DATA[:300], Validator(etag=ETAG, total=len(DATA)))
    headers = {"ETag": ETAG} | ({"Content-Range": content_range} if content_range else {})
    host = Host(lambda request: httpx.Response(206, content=DATA[300:], headers=headers))
    with pytest.raises(DownloadError, match=message) as caught:
        await fetch(host, tmp_path / "f")
    assert caught.value.url == "https://files.example/f/etkAAAAAAAAAAAAAA.json"
    assert not (tmp_path / "f").exists()
    assert len(host.requests) == 1


async def test_an_unknown_total_in_content_range_is_fine_with_a_chunked_body(
    tmp_path: Path,
) -> None:
    leftover(tmp_path / "f", DATA[:300], Validator(etag=ETAG))
    host = Host(
        streamed(
            DATA[300:],
            code=206,
            **{"Content-Range": "bytes 300-2047/*", "Transfer-Encoding": "chunked"},
        )
    )
    assert (await fetch(host, tmp_path / "f")).read_bytes() == DATA


@pytest.mark.parametrize("code", [201, 204, 203, 299])
async def test_another_2xx_is_not_a_file(tmp_path: Path, code: int) -> None:
    host = Host(status(code, b"not the file"))
    with pytest.raises(DownloadError, match=f"unexpected HTTP {code}") as caught:
        await fetch(host, tmp_path / "f")
    assert caught.value.status_code == code
    assert names(tmp_path) == []


# ------------------------------------------------------------- 416 and looping


async def test_416_to_a_request_for_the_whole_file_fails_at_once(tmp_path: Path) -> None:
    host = Host(status(416))
    with pytest.raises(DownloadError, match="416") as caught:
        await fetch(host, tmp_path / "f")
    assert caught.value.status_code == 416
    assert len(host.requests) == 1


async def test_416_to_a_resume_starts_again_once_then_gives_up(tmp_path: Path) -> None:
    leftover(tmp_path / "f", DATA, Validator(etag=ETAG, total=len(DATA)))
    host = Host(status(416))
    with pytest.raises(DownloadError, match="416"):
        await fetch(host, tmp_path / "f")
    assert host.ranges == [(f"bytes={len(DATA)}-", ETAG), (None, None)]
    assert names(tmp_path) == []


async def test_416_to_a_complete_part_is_followed_by_a_fresh_download(tmp_path: Path) -> None:
    """A run that died between the last byte and the rename: the resume is answered
    416 (nothing after the end), the file is fetched again."""
    leftover(tmp_path / "f", DATA, Validator(etag=ETAG, total=len(DATA)))
    host = Host(status(416), whole())
    assert (await fetch(host, tmp_path / "f")).read_bytes() == DATA


async def test_416_then_changed_files_forever_is_bounded(tmp_path: Path) -> None:
    """Every answer sends the client back to the start: three attempts, then an error."""
    leftover(tmp_path / "f", DATA[:300], Validator(etag=ETAG, total=len(DATA)))
    host = Host(
        part(300, etag='"other"'),
        status(416, **{"Content-Range": "bytes */9"}),
        part(0, etag='"x"'),
        limit=10,
    )
    with pytest.raises(DownloadError):
        await fetch(host, tmp_path / "f")
    assert len(host.requests) <= 3


async def test_a_cancelled_scope_stops_a_download_before_any_request(tmp_path: Path) -> None:
    """With a mock transport nothing else yields: the loop's own checkpoint must."""
    leftover(tmp_path / "f", DATA[:300], Validator(etag=ETAG, total=len(DATA)))
    host = Host(status(416))
    with anyio.CancelScope() as scope:
        scope.cancel()
        await fetch(host, tmp_path / "f")
    assert scope.cancelled_caught
    assert host.requests == []


async def test_a_cancelled_scope_stops_a_stream_before_any_request() -> None:
    host = Host(whole())
    with anyio.CancelScope() as scope:
        scope.cancel()
        await stream(host)
    assert scope.cancelled_caught
    assert host.requests == []


# ------------------------------------------------------------------ the deadline


class Drip(httpx.AsyncByteStream):
    """One byte at a time, forever: never a read timeout, never an end."""

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while True:
            yield b"x"
            await anyio.sleep(0.01)


def dripping(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, headers={"Content-Length": "1000000"}, stream=Drip())


async def test_a_dripping_host_is_ended_by_the_download_deadline(tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match=r"not complete after 0\.2 s"), anyio.fail_after(30):
        await fetch(Host(dripping), tmp_path / "f", deadline=0.2)
    assert not (tmp_path / "f").exists()


async def test_a_dripping_host_is_ended_by_the_deadline_while_streaming() -> None:
    # The outer bound only turns a hang (no deadline at all) into a failure.
    with pytest.raises(DownloadError) as caught, anyio.fail_after(30):
        await stream(Host(dripping), deadline=0.2)
    assert str(caught.value) == (
        "https://files.example/f/etkAAAAAAAAAAAAAA.json: not complete after 0.2 s "
        "(the download deadline); run again to resume"
    )


@pytest.mark.parametrize("value", [0, -1, float("nan"), True, "60"])
def test_the_deadline_must_be_positive_seconds_or_none(value: object) -> None:
    with pytest.raises(InvalidInputError) as caught:
        SignedFiles(deadline=value)  # type: ignore[arg-type]
    assert caught.value.argument == "deadline"
    assert caught.value.value is value
    assert str(caught.value) == f"deadline={value!r}: must be a positive number of seconds or None"


def test_the_default_deadline_is_an_hour_and_none_removes_it() -> None:
    assert SignedFiles().deadline == 3600.0
    assert SignedFiles()._client.timeout == httpx.Timeout(60.0)
    assert SignedFiles(deadline=None).deadline is None
    assert SignedFiles(deadline=5).deadline == 5.0


def test_async_api_passes_its_download_options_to_the_file_client() -> None:
    from airtable_enterprise import AsyncApi

    api = AsyncApi("patSecret.123", download_deadline=12.5, timeout=7.0)
    assert api.files.deadline == 12.5
    assert api.files._client.timeout.read == 7.0
    assert "authorization" not in api.files._client.headers
    with pytest.raises(InvalidInputError, match="download_deadline"):
        AsyncApi("patSecret.123", download_deadline=0)


# -------------------------------------------------------------- error answers


@pytest.mark.parametrize(
    ("code", "body", "expired"),
    [
        (403, b"<Error><Message>Request has expired</Message></Error>", True),
        (400, b"Link EXPIRED", True),
        (410, b"expired", True),
        (403, b"<Error><Code>SignatureDoesNotMatch</Code></Error>", False),
        (404, b"expired", False),
        (500, b"expired", False),
        (401, b"expired", False),
        (403, b"", False),
    ],
)
async def test_error_answers_and_the_expired_link_classification(
    tmp_path: Path, code: int, body: bytes, expired: bool
) -> None:
    host = Host(status(code, body))
    with pytest.raises(DownloadError) as caught:
        await fetch(host, tmp_path / "f")
    assert isinstance(caught.value, DownloadExpiredError) == expired
    assert caught.value.status_code == code
    assert f"HTTP {code}" in str(caught.value)
    assert "SECRETSIG" not in str(caught.value)
    assert names(tmp_path) == []
    assert len(host.requests) == 1  # an error status is not retried


async def test_a_non_utf8_error_body_is_still_read(tmp_path: Path) -> None:
    host = Host(status(403, b"\xff\xfe Request has expired \xc3"))
    with pytest.raises(DownloadExpiredError):
        await fetch(host, tmp_path / "f")


async def test_only_the_head_of_a_huge_error_body_is_read(tmp_path: Path) -> None:
    """The word that classifies the answer must come in the first 2,000 bytes."""
    host = Host(streamed(b"x" * 1995, b"expired" + b"y" * 10_000_000, code=403))
    with pytest.raises(DownloadError) as caught:
        await fetch(host, tmp_path / "f")
    assert not isinstance(caught.value, DownloadExpiredError)
    host = Host(streamed(b"x" * 1990, b"expire", code=403))
    with pytest.raises(DownloadExpiredError):
        await fetch(host, tmp_path / "g")


async def test_a_host_that_cannot_be_reached_is_tried_three_times(tmp_path: Path) -> None:
    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    host = Host(unreachable)
    with pytest.raises(DownloadError, match=r"ConnectError \(3 attempts\)$"):
        await fetch(host, tmp_path / "f")
    assert len(host.requests) == 3
    assert names(tmp_path) == []


async def test_open_reports_a_network_failure_as_a_download_error() -> None:
    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    client = files(Host(unreachable))
    with pytest.raises(DownloadError, match="ConnectError: connection refused"):
        async with client.open(URL):
            pass
    await client.aclose()


async def test_credentials_and_signatures_never_appear_in_messages(tmp_path: Path) -> None:
    host = Host(status(500))
    client = files(host)
    with pytest.raises(DownloadError) as caught:
        await client.download(
            "https://user:hunter2@files.example/f?signature=SECRETSIG", tmp_path / "f"
        )
    await client.aclose()
    assert str(caught.value) == "https://files.example/f: HTTP 500"
    assert caught.value.url == "https://files.example/f"
    assert repr(client) == "<SignedFiles>"


# ------------------------------------------------------------------- redirects


def redirect_chain(hops: int) -> Host:
    def answer(request: httpx.Request) -> httpx.Response:
        number = int(request.url.path.rsplit("/", 1)[1])
        if number < hops:
            return httpx.Response(302, headers={"Location": f"/hop/{number + 1}?sig=S{number}"})
        return httpx.Response(200, content=DATA, headers={"ETag": ETAG})

    return Host(answer)


@pytest.mark.parametrize(("hops", "ok"), [(5, True), (6, False)])
async def test_at_most_five_redirects_are_followed(tmp_path: Path, hops: int, ok: bool) -> None:
    host = redirect_chain(hops)
    client = files(host)
    try:
        if ok:
            await client.download("https://files.example/hop/0?sig=S", tmp_path / "f")
            assert (tmp_path / "f").read_bytes() == DATA
        else:
            with pytest.raises(DownloadError, match="more than 5 redirects"):
                await client.download("https://files.example/hop/0?sig=S", tmp_path / "f")
    finally:
        await client.aclose()
    assert len(host.requests) == min(hops, 5) + 1
    assert all("authorization" not in r.headers for r in host.requests)


async def test_a_redirect_keeps_the_range_headers(tmp_path: Path) -> None:
    leftover(tmp_path / "f", DATA[:300], Validator(etag=ETAG, total=len(DATA)))

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.host == "files.example":
            return httpx.Response(307, headers={"Location": "https://cdn.example/f?sig=2"})
        return part(300)(request)

    host = Host(answer)
    assert (await fetch(host, tmp_path / "f")).read_bytes() == DATA
    assert host.ranges == [("bytes=300-", ETAG)] * 2


@pytest.mark.parametrize(
    ("start", "target", "followed"),
    [
        ("https://files.example/f", "https://cdn.example/f", True),
        ("https://files.example/f", "http://cdn.example/f", False),
        ("https://files.example/f", "http://127.0.0.1/f", False),
        ("http://127.0.0.1:9/f", "http://127.0.0.1:10/f", True),
        ("http://localhost/f", "http://files.localhost/f", True),
        ("http://127.0.0.1/f", "http://cdn.example/f", False),
        ("http://127.0.0.1/f", "https://cdn.example/f", True),
        ("http://[::1]/f", "http://[::1]:8/f", True),
        ("https://files.example/f", "ftp://cdn.example/f", False),
        ("http://127.0.0.1/f", "ftp://127.0.0.1/f", False),
    ],
)
async def test_redirects_never_downgrade_to_clear_text_off_loopback(
    tmp_path: Path, start: str, target: str, followed: bool
) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if str(request.url) == start:
            return httpx.Response(302, headers={"Location": target})
        return httpx.Response(200, content=DATA)

    host = Host(answer)
    client = files(host)
    try:
        if followed:
            await client.download(start, tmp_path / "f")
        else:
            with pytest.raises(DownloadError, match="refusing a redirect"):
                await client.download(start, tmp_path / "f")
    finally:
        await client.aclose()
    assert len(host.requests) == (2 if followed else 1)


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://files.example/f", True),
        ("http://127.0.0.1/f", True),
        ("http://localhost:8080/f", True),
        ("http://files.example/f", False),
        ("http://10.0.0.1/f", False),
        ("ftp://files.example/f", False),
        ("file:///etc/passwd", False),
        ("", False),
        ("not a url", False),
    ],
)
async def test_a_download_starts_only_over_https_or_loopback_http(
    tmp_path: Path, url: str, ok: bool
) -> None:
    host = Host(whole())
    client = files(host)
    try:
        if ok:
            await client.download(url, tmp_path / "f")
        else:
            with pytest.raises(DownloadError):
                await client.download(url, tmp_path / "f")
    finally:
        await client.aclose()
    assert len(host.requests) == (1 if ok else 0)


async def test_an_invalid_url_is_a_download_error_without_echo(tmp_path: Path) -> None:
    client = files(Host(whole()))
    with pytest.raises(DownloadError) as caught:
        await client.download(12345, tmp_path / "f")  # type: ignore[arg-type]
    assert str(caught.value) == "<invalid URL>: not a valid URL"
    with pytest.raises(DownloadError) as caught:
        await client.download("http://files.example/f?signature=SIG", tmp_path / "f")
    assert str(caught.value) == "http://files.example/f: signed files are fetched over https only"
    await client.aclose()


# ------------------------------------------------------------------ streaming


async def test_streaming_resumes_a_lost_connection_with_if_range() -> None:
    host = Host(cut(700), part(700))
    assert await stream(host) == DATA
    assert host.ranges == [(None, None), ("bytes=700-", ETAG)]


async def test_streaming_resumes_a_body_shorter_than_its_length() -> None:
    host = Host(streamed(DATA[:700], **{"Content-Length": str(len(DATA)), "ETag": ETAG}), part(700))
    assert await stream(host) == DATA


async def test_streaming_without_a_validator_cannot_resume_safely() -> None:
    host = Host(cut(700, etag=None), part(700, etag=None))
    with pytest.raises(DownloadError, match="cannot be resumed safely"):
        await stream(host)
    assert len(host.requests) == 1


async def test_streaming_refuses_a_file_that_changed_midway() -> None:
    host = Host(cut(700), whole(etag='"v2"'))
    with pytest.raises(DownloadError, match="changed or cannot be resumed after 700 bytes"):
        await stream(host)
    host = Host(cut(700), part(700, etag='"v2"'))
    with pytest.raises(DownloadError, match="changed or cannot be resumed after 700 bytes"):
        await stream(host)


async def test_streaming_gives_up_after_three_attempts() -> None:
    def short_from(first: int) -> Handler:
        return streamed(
            DATA[first : first + 100],
            code=206,
            then=httpx.ReadError("reset"),
            **{"Content-Range": f"bytes {first}-2047/2048", "ETag": ETAG},
        )

    host = Host(cut(100), short_from(100), short_from(200), short_from(300))
    with pytest.raises(DownloadError, match="ReadError after 300 bytes"):
        await stream(host)
    assert [r for r, _ in host.ranges] == [None, "bytes=100-", "bytes=200-"]


async def test_streaming_a_416_is_an_error() -> None:
    with pytest.raises(DownloadError, match="416"):
        await stream(Host(status(416)))


async def test_streaming_refuses_a_body_whose_end_cannot_be_verified() -> None:
    with pytest.raises(DownloadError, match="no length"):
        await stream(Host(streamed(DATA)))


async def test_streaming_checks_the_206_it_resumes_with() -> None:
    def bad(request: httpx.Request) -> httpx.Response:
        headers = {"Content-Range": "bytes 600-2047/2048", "ETag": ETAG}
        return httpx.Response(206, content=DATA[600:], headers=headers)

    with pytest.raises(DownloadError, match="asked for bytes from 700, got them from 600"):
        await stream(Host(cut(700), bad))


async def test_streaming_an_error_status_raises_the_typed_error() -> None:
    with pytest.raises(DownloadExpiredError):
        await stream(Host(status(403, b"Request has expired")))


async def test_an_expired_link_is_refused_before_any_request(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    host = Host(whole())
    client = files(host)
    with pytest.raises(DownloadExpiredError, match="request the files again") as caught:
        await client.download(URL, tmp_path / "f", expiration_time=datetime(2000, 1, 1, tzinfo=UTC))
    await client.aclose()
    assert host.requests == []
    assert caught.value.url == SAFE


# ------------------------------------------- the exact errors (what users read)

SAFE = "https://files.example/f/etkAAAAAAAAAAAAAA.json"


async def test_short_bodies_every_time_say_how_much_came(tmp_path: Path) -> None:
    short = streamed(DATA[:100], **{"Content-Length": str(len(DATA)), "ETag": ETAG})
    with pytest.raises(DownloadError) as caught:
        await fetch(Host(short, short, status(416)), tmp_path / "f")
    assert str(caught.value) == f"{SAFE}: HTTP 416 to a resume (3 attempts)"
    with pytest.raises(DownloadError) as caught:
        await fetch(Host(short), tmp_path / "g")
    assert str(caught.value) == (
        f"{SAFE}: got 100 of 2048 bytes (3 attempts); run again to resume from the .part file"
    )
    assert caught.value.url == SAFE


async def test_the_exact_errors_of_a_download(tmp_path: Path) -> None:
    cases = [
        (
            Host(streamed(DATA, b"extra", **{"Content-Length": str(len(DATA))})),
            "got 2053 bytes of a 2048-byte file",
        ),
        (
            Host(streamed(DATA[:10])),
            "the file host sent no length (Content-Length) and no chunked body: "
            "the file cannot be verified complete",
        ),
        (Host(status(416)), "HTTP 416 to a request for the whole file"),
        (Host(status(404, b"nope")), "HTTP 404"),
        (
            Host(status(403, b"Request has expired")),
            "HTTP 403: the link has expired; request the files again",
        ),
    ]
    for number, (host, message) in enumerate(cases):
        with pytest.raises(DownloadError) as caught:
            await fetch(host, tmp_path / str(number))
        assert str(caught.value) == f"{SAFE}: {message}"
        assert caught.value.url == SAFE
    assert names(tmp_path) == []


async def test_the_exact_errors_of_a_stream() -> None:
    def short_from(first: int) -> Handler:
        return streamed(
            DATA[first : first + 100],
            code=206,
            then=httpx.ReadError("reset"),
            **{"Content-Range": f"bytes {first}-2047/2048", "ETag": ETAG},
        )

    cases = [
        (Host(status(416)), "HTTP 416: the file is not the one begun"),
        (
            Host(cut(700, etag=None)),
            "RemoteProtocolError after 700 bytes; the file host names no version (ETag), "
            "so it cannot be resumed safely",
        ),
        (
            Host(streamed(DATA[:10], **{"Content-Length": "2048"})),
            "got 10 of 2048 bytes after 10 bytes; the file host names no version (ETag), "
            "so it cannot be resumed safely",
        ),
        (Host(cut(100), short_from(100), short_from(200)), "ReadError after 300 bytes"),
        (
            Host(cut(700), whole(etag='"v2"')),
            "the file changed or cannot be resumed after 700 bytes",
        ),
        (Host(cut(700), status(404)), "HTTP 404"),
        (
            Host(cut(700), part(600)),
            "asked for bytes from 700, got them from 600",
        ),
        (
            Host(streamed(DATA)),
            "the file host sent no length (Content-Length) and no chunked body: "
            "the file cannot be verified complete",
        ),
    ]
    for host, message in cases:
        with pytest.raises(DownloadError) as caught:
            await stream(host)
        assert str(caught.value) == f"{SAFE}: {message}"
        assert caught.value.url == SAFE


class Silent(httpx.AsyncBaseTransport):
    """A host that accepts the connection and never answers."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await anyio.sleep_forever()
        raise AssertionError  # pragma: no cover


@pytest.mark.parametrize("streaming", [False, True])
async def test_a_host_that_never_answers_is_ended_by_the_deadline(
    tmp_path: Path, streaming: bool
) -> None:
    client = SignedFiles(transport=Silent(), deadline=0.1)

    async def run() -> None:
        if streaming:
            _ = [chunk async for chunk in client.iter_bytes(URL)]
        else:
            await client.download(URL, tmp_path / "f")

    with pytest.raises(DownloadError) as caught, anyio.fail_after(30):
        await run()
    await client.aclose()
    assert str(caught.value) == (
        f"{SAFE}: not complete after 0.1 s (the download deadline); run again to resume"
    )


async def test_the_error_body_is_read_across_pieces_up_to_2000_bytes(tmp_path: Path) -> None:
    cases = [
        (streamed(b"Request has exp", b"ired", code=403), True),
        (streamed(b"x" * 1994 + b"expire", code=403), True),  # ends at byte 2,000
        (streamed(b"x" * 1995 + b"expire", code=403), False),
        (streamed(b"x" * 1000, b"x" * 994, b"expire", code=403), True),
    ]
    for number, (answer, expired) in enumerate(cases):
        with pytest.raises(DownloadError) as caught:
            await fetch(Host(answer), tmp_path / str(number))
        assert isinstance(caught.value, DownloadExpiredError) is expired, number


async def test_nothing_past_the_first_2000_bytes_of_an_error_is_read(tmp_path: Path) -> None:
    """The rest of a huge error body is never pulled (the stream would fail here)."""
    host = Host(streamed(b"x" * 2000, code=500, then=httpx.ReadError("never read")))
    with pytest.raises(DownloadError) as caught:
        await fetch(host, tmp_path / "f")
    assert str(caught.value) == f"{SAFE}: HTTP 500"
    assert len(host.requests) == 1


def test_the_meta_file_format_is_stable() -> None:
    """A .part.meta written by this version must read in the next: pinned byte for byte."""
    assert Validator(etag='"v1"', last_modified=None, total=2048).dumps() == (
        '{"etag": "\\"v1\\"", "last_modified": null, "total": 2048}'
    )
    assert Validator.loads('{"total": 5, "last_modified": null, "etag": "\\"e\\""}') == (
        Validator(etag='"e"', total=5)
    )


async def test_a_file_that_keeps_changing_under_resumes_is_an_error(tmp_path: Path) -> None:
    """Restarted, cut, restarted again: three requests, then the reason, and no .part
    of a version nobody can finish."""
    leftover(tmp_path / "f", DATA[:300], Validator(etag=ETAG, total=len(DATA)))
    short = streamed(DATA[:100], **{"Content-Length": str(len(DATA)), "ETag": ETAG})
    host = Host(part(300, etag='"v2"'), short, part(100, etag='"v3"'))
    with pytest.raises(DownloadError) as caught:
        await fetch(host, tmp_path / "f")
    assert str(caught.value) == (
        "https://files.example/f/etkAAAAAAAAAAAAAA.json: the file changed since the .part "
        "file was begun (3 attempts)"
    )
    assert host.ranges == [("bytes=300-", ETAG), (None, None), ("bytes=100-", ETAG)]
    assert names(tmp_path) == []


async def test_without_a_deadline_a_download_and_a_stream_still_complete(tmp_path: Path) -> None:
    assert (await fetch(Host(whole()), tmp_path / "f", deadline=None)).read_bytes() == DATA
    assert await stream(Host(whole()), deadline=None) == DATA
