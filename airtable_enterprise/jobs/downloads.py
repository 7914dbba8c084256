"""Downloading signed files without our token: the one download helper.

The files of an eDiscovery export (REFERENCE §10) and of an audit-log request (§9) are
served from another host through signed, expiring URLs. The bearer token must never
go there, so :class:`SignedFiles` is a separate ``httpx.AsyncClient`` with no auth at
all (not the API client with the header removed). It follows redirects itself, and
only to ``https`` (or, for a local test server, from loopback ``http`` to loopback
``http``), so a redirect cannot downgrade a download to clear text.

Downloads go to ``<name>.part`` first and are renamed into place once complete
(atomic: a reader never sees half a file). A ``.part`` left by an interrupted run is
continued with ``Range: bytes=N-`` where the server honours it (206); a server that
answers 200 instead gets the file written again from the start.
"""

from __future__ import annotations

import os
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import anyio
import httpx

from .._core.endpoint import check_timeout, is_loopback_host
from ..errors import DownloadError, DownloadExpiredError

__all__ = ["CHUNK_SIZE", "ByteProgress", "SignedFiles", "check_not_expired", "redact_url"]

#: Bytes of output per decompression step of a streamed file.
CHUNK_SIZE = 64 * 1024
_MAX_REDIRECTS = 5
_MAX_ATTEMPTS = 3
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_PART_SUFFIX = ".part"

#: ``progress(done_bytes, total_bytes_or_None)`` while a file downloads.
ByteProgress = Callable[[int, int | None], object]


def redact_url(url: str | httpx.URL) -> str:
    """The URL without its query (the signature) or credentials: safe for messages."""
    parsed = httpx.URL(str(url))
    return str(parsed.copy_with(query=None, fragment=None, userinfo=b""))


def check_not_expired(expiration_time: datetime | None, url: str) -> None:
    """:class:`DownloadExpiredError` when ``expiration_time`` has passed (no request sent)."""
    if expiration_time is not None and expiration_time <= datetime.now(UTC):
        raise DownloadExpiredError(
            f"the link expired at {expiration_time.isoformat()}; request the files again",
            url=redact_url(url),
        )


def _redirect_allowed(source: httpx.URL, target: httpx.URL) -> bool:
    if target.scheme == "https":
        return source.scheme == "https" or is_loopback_host(source.host)
    return (
        target.scheme == "http"
        and source.scheme == "http"
        and is_loopback_host(source.host)
        and is_loopback_host(target.host)
    )


def _check_start(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        raise DownloadError("not a valid URL", url="<invalid>") from None
    if parsed.scheme == "https" or (parsed.scheme == "http" and is_loopback_host(parsed.host)):
        return parsed
    raise DownloadError("signed files are fetched over https only", url=redact_url(parsed))


class SignedFiles:
    """An HTTP client for signed file URLs that never carries the API token.

    Made by :attr:`AsyncApi.files <airtable_enterprise.AsyncApi.files>`; closed with it.
    """

    def __init__(
        self,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float | httpx.Timeout = 60.0,
        user_agent: str = "airtable-enterprise",
    ) -> None:
        self._client = httpx.AsyncClient(
            auth=None,
            follow_redirects=False,
            timeout=check_timeout(timeout),
            headers={"User-Agent": user_agent},
            transport=transport,
        )

    def __repr__(self) -> str:
        return "<SignedFiles>"

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()

    @asynccontextmanager
    async def open(self, url: str, *, start: int = 0) -> AsyncIterator[httpx.Response]:
        """The streamed response for ``url`` (redirects followed as the module says);
        ``start > 0`` asks for the bytes from ``start`` on. Error statuses raise."""
        current = _check_start(url)
        headers = {"Range": f"bytes={start}-"} if start else {}
        for _ in range(_MAX_REDIRECTS + 1):
            request = self._client.build_request("GET", current, headers=headers)
            # Belt and braces: this client has no auth, and nothing may add one.
            request.headers.pop("Authorization", None)
            try:
                response = await self._client.send(request, stream=True)
            except httpx.TransportError as exc:
                raise DownloadError(
                    f"{type(exc).__name__}: {exc}", url=redact_url(current)
                ) from None
            try:
                if response.status_code in _REDIRECTS and "location" in response.headers:
                    target = current.join(response.headers["location"])
                    if not _redirect_allowed(current, target):
                        raise DownloadError(
                            f"refusing a redirect to {redact_url(target)} (https only)",
                            url=redact_url(current),
                        )
                    current = target
                    continue
                if response.status_code >= 400:
                    raise await _status_error(response, current)
                yield response
                return
            finally:
                await response.aclose()
        raise DownloadError(f"more than {_MAX_REDIRECTS} redirects", url=redact_url(url))

    async def iter_bytes(self, url: str) -> AsyncGenerator[bytes, None]:
        """The file's bytes in chunks as they arrive from the network, never all at once.

        A connection lost midway is resumed with ``Range`` (up to 3 attempts) when the
        server honours it."""
        received = 0
        attempt = 0
        while True:
            attempt += 1
            try:
                async with self.open(url, start=received) as response:
                    if received and response.status_code != 206:
                        raise DownloadError(
                            "the connection was lost and the server cannot resume (no Range)",
                            url=redact_url(url),
                        )
                    # Raw bytes, as stored and as Range counts them: a ``.gz`` file
                    # served with ``Content-Encoding: gzip`` stays compressed.
                    async for chunk in _raw(response):
                        received += len(chunk)
                        yield chunk
                return
            except httpx.TransportError as exc:
                if attempt >= _MAX_ATTEMPTS:
                    raise DownloadError(
                        f"{type(exc).__name__} after {received} bytes", url=redact_url(url)
                    ) from None

    async def download(
        self,
        url: str,
        destination: Path,
        *,
        expiration_time: datetime | None = None,
        progress: ByteProgress | None = None,
    ) -> Path:
        """Save ``url`` as ``destination``, atomically, resuming a ``.part`` left behind.

        Refuses an expired link before any request (:class:`DownloadExpiredError`).
        A connection lost midway is resumed (up to 3 attempts); the ``.part`` stays
        for a later call to continue otherwise.
        """
        check_not_expired(expiration_time, url)
        part = destination.with_name(destination.name + _PART_SUFFIX)
        attempt = 0
        while True:
            attempt += 1
            have = part.stat().st_size if part.exists() else 0
            try:
                async with self.open(url, start=have) as response:
                    await _save(response, part, have, url, progress)
                break
            except httpx.TransportError as exc:
                if attempt >= _MAX_ATTEMPTS:
                    raise DownloadError(
                        f"{type(exc).__name__}; run again to resume from the .part file",
                        url=redact_url(url),
                    ) from None
            except _RangeNotSatisfiable:
                part.unlink(missing_ok=True)
        await anyio.to_thread.run_sync(os.replace, part, destination)
        return destination


async def _raw(response: httpx.Response) -> AsyncIterator[bytes]:
    """The response's bytes as received (a transport that read the body already, like
    ``httpx.MockTransport``, gets it in one piece)."""
    if response.is_stream_consumed:
        yield response.content
        return
    async for chunk in response.aiter_raw():
        yield chunk


class _RangeNotSatisfiable(Exception):
    """416 to a resume: the ``.part`` is not a prefix of this file; start again."""


async def _status_error(response: httpx.Response, url: httpx.URL) -> Exception:
    status = response.status_code
    if status == 416:
        return _RangeNotSatisfiable()
    body = (await response.aread())[:2000].decode("utf-8", "replace")
    if status in (400, 403, 410) and "expire" in body.lower():
        return DownloadExpiredError(
            f"HTTP {status}: the link has expired; request the files again",
            url=redact_url(url),
            status_code=status,
        )
    return DownloadError(f"HTTP {status}", url=redact_url(url), status_code=status)


def _total(response: httpx.Response, have: int) -> int | None:
    if response.status_code == 206:
        content_range = response.headers.get("content-range", "")
        try:
            span, total = content_range.split(" ", 1)[1].split("/")
            first = int(span.split("-")[0])
        except (IndexError, ValueError):
            raise DownloadError(
                "a 206 answer without a valid Content-Range", url=redact_url(response.url)
            ) from None
        if first != have:
            raise DownloadError(
                f"asked for bytes from {have}, got them from {first}",
                url=redact_url(response.url),
            )
        return int(total) if total.isdigit() else None
    length = response.headers.get("content-length")
    return int(length) if length and length.isdigit() else None


async def _save(
    response: httpx.Response, part: Path, have: int, url: str, progress: ByteProgress | None
) -> None:
    """Write ``response`` into ``part`` (appending after ``have`` bytes on a 206)."""
    resumed = response.status_code == 206
    total = _total(response, have)
    done = have if resumed else 0
    async with await anyio.open_file(part, "ab" if resumed else "wb") as out:
        if progress is not None:
            progress(done, total)
        async for chunk in _raw(response):
            await out.write(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, total)
        await out.flush()
        await anyio.to_thread.run_sync(os.fsync, out.wrapped.fileno())
    if total is not None and done != total:
        raise httpx.RemoteProtocolError(f"got {done} of {total} bytes")
