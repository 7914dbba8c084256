"""Downloading signed files without our token: the one download helper.

The files of an eDiscovery export (REFERENCE §10) and of an audit-log request (§9) are
served from another host through signed, expiring URLs. The bearer token must never
go there, so :class:`SignedFiles` is a separate ``httpx.AsyncClient`` with no auth at
all (not the API client with the header removed). It follows redirects itself, and
only to ``https`` (or, for a local test server, from loopback ``http`` to loopback
``http``), so a redirect cannot downgrade a download to clear text. No log record of
its requests carries a signature (:mod:`.redaction`).

Downloads go to ``<name>.part`` first and are renamed into place only once complete:
the length the server announced was received (or a chunked body reached its end), so a
reader never sees half a file. The file's validator (strong ``ETag`` or
``Last-Modified``) is kept in ``<name>.part.meta``; a ``.part`` left by an interrupted
run is continued with ``Range`` and ``If-Range``, so a file that changed meanwhile is
fetched again whole, never spliced. Every loop is bounded (attempts) and yields, and a
whole file has a deadline: a host dripping bytes cannot hold a download forever.
"""

from __future__ import annotations

import math
import os
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator
from contextlib import AsyncExitStack, aclosing, asynccontextmanager, contextmanager
from datetime import UTC, datetime
from pathlib import Path

import anyio
import anyio.lowlevel
import httpx

from .._core.endpoint import check_timeout
from ..errors import DownloadError, DownloadExpiredError, InvalidInputError
from .redaction import install_log_filter, redact_url, sending_signed
from .transfer import (
    Answer,
    Validator,
    check_start,
    is_complete,
    is_expired_answer,
    read_answer,
    redirect_allowed,
)

__all__ = [
    "CHUNK_SIZE",
    "DEFAULT_DEADLINE",
    "ByteProgress",
    "SignedFiles",
    "check_deadline",
    "check_not_expired",
    "redact_url",
]

#: Bytes of output per decompression step of a streamed file.
CHUNK_SIZE = 64 * 1024
#: Seconds one file may take in all, resumes included (an hour: 36 GB at 10 MB/s).
DEFAULT_DEADLINE = 3600.0
_MAX_REDIRECTS = 5
#: Requests for one file: the first, resumes after a lost connection, restarts.
_MAX_ATTEMPTS = 3
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_PART_SUFFIX = ".part"
_META_SUFFIX = ".part.meta"
#: Bytes of an error body read for its message.
_ERROR_BODY_BYTES = 2000

#: ``progress(done_bytes, total_bytes_or_None)`` while a file downloads.
ByteProgress = Callable[[int, int | None], object]


def check_not_expired(expiration_time: datetime | None, url: str) -> None:
    """:class:`DownloadExpiredError` when ``expiration_time`` has passed (no request sent)."""
    if expiration_time is not None and expiration_time <= datetime.now(UTC):
        raise DownloadExpiredError(
            f"the link expired at {expiration_time.isoformat()}; request the files again",
            url=redact_url(url),
        )


def check_deadline(value: object, argument: str = "deadline") -> float | None:
    """A positive number of seconds, or ``None`` for no deadline; else InvalidInputError."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise InvalidInputError(argument, value, "must be a positive number of seconds or None")
    return float(value)


class _RangeNotSatisfiable(Exception):
    """416 to a resume: the ``.part`` is not a prefix of this file; start again."""


class _Incomplete(Exception):
    """The body ended before the length its answer announced (resumable)."""


class SignedFiles:
    """An HTTP client for signed file URLs that never carries the API token.

    Made by :attr:`AsyncApi.files <airtable_enterprise.AsyncApi.files>`; closed with it.
    ``deadline``: seconds one file may take in all (``None``: no bound).
    """

    def __init__(
        self,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float | httpx.Timeout = 60.0,
        user_agent: str = "airtable-enterprise",
        deadline: float | None = DEFAULT_DEADLINE,
    ) -> None:
        self.deadline = check_deadline(deadline)
        install_log_filter()
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
    async def open(
        self, url: str, *, start: int = 0, if_range: str | None = None
    ) -> AsyncIterator[httpx.Response]:
        """The streamed response for ``url`` (redirects followed as the module says);
        ``start > 0`` asks for the bytes from ``start`` on, only from the version
        ``if_range`` names when given. Error statuses and network failures raise
        :class:`DownloadError`."""
        try:
            async with self._open(url, start=start, if_range=if_range) as response:
                yield response
        except httpx.TransportError as exc:
            raise DownloadError(f"{type(exc).__name__}: {exc}", url=redact_url(url)) from None

    @asynccontextmanager
    async def _open(
        self, url: str, *, start: int, if_range: str | None
    ) -> AsyncIterator[httpx.Response]:
        """:meth:`open`, letting ``httpx.TransportError`` through to the retry loops."""
        current = check_start(url)
        headers = {"Range": f"bytes={start}-"} if start else {}
        if start and if_range:
            headers["If-Range"] = if_range
        for _ in range(_MAX_REDIRECTS + 1):
            await anyio.lowlevel.checkpoint()
            request = self._client.build_request("GET", current, headers=headers)
            # Belt and braces: this client has no auth, and nothing may add one.
            request.headers.pop("Authorization", None)
            with sending_signed():
                response = await self._client.send(request, stream=True)
            try:
                if response.status_code in _REDIRECTS and "location" in response.headers:
                    target = current.join(response.headers["location"])
                    if not redirect_allowed(current, target):
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

        A connection lost midway is resumed with ``Range`` and ``If-Range`` (3 attempts
        in all) when the host names the file's version; a body that is not verifiably
        whole, a file that changed meanwhile, or the deadline passing raise
        :class:`DownloadError`."""
        safe = redact_url(url)
        end = _end_of(self.deadline)
        received = 0
        known: Validator | None = None
        failure: BaseException | None = None
        for _ in range(_MAX_ATTEMPTS):
            await anyio.lowlevel.checkpoint()
            try:
                async with AsyncExitStack() as stack:
                    with _until(end, self.deadline, safe):
                        response = await stack.enter_async_context(
                            self._open(url, start=received, if_range=_if_range(known))
                        )
                    answer = read_answer(
                        response.status_code, response.headers, received, known, url=safe
                    )
                    if answer.restart or (received and not answer.append):
                        raise DownloadError(
                            f"the file changed or cannot be resumed after {received} bytes",
                            url=safe,
                        )
                    known = answer.validator
                    # Raw bytes, as stored and as Range counts them: a ``.gz`` file
                    # served with ``Content-Encoding: gzip`` stays compressed.
                    chunks = await stack.enter_async_context(aclosing(_raw(response)))
                    while True:
                        with _until(end, self.deadline, safe):
                            chunk = await anext(chunks, None)
                        if chunk is None:
                            break
                        received += len(chunk)
                        yield chunk
                    _check_length(response, answer, received, safe)
                return
            except (httpx.TransportError, _Incomplete) as exc:
                failure = exc
            except _RangeNotSatisfiable:
                raise DownloadError("HTTP 416: the file is not the one begun", url=safe) from None
            if known is None:
                raise DownloadError(
                    f"{_describe(failure)} after {received} bytes; the file host names no "
                    "version (ETag), so it cannot be resumed safely",
                    url=safe,
                )
        raise DownloadError(f"{_describe(failure)} after {received} bytes", url=safe)

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
        A connection lost midway is resumed (3 attempts in all); the ``.part`` stays
        for a later call to continue otherwise. Only a file whose length was verified
        is renamed into place.
        """
        check_not_expired(expiration_time, url)
        part = destination.with_name(destination.name + _PART_SUFFIX)
        meta = destination.with_name(destination.name + _META_SUFFIX)
        safe = redact_url(url)
        with _until(_end_of(self.deadline), self.deadline, safe):
            await self._fetch(url, part, meta, progress)
        await anyio.to_thread.run_sync(os.replace, part, destination)
        await anyio.Path(meta).unlink(missing_ok=True)
        return destination

    async def _fetch(self, url: str, part: Path, meta: Path, progress: ByteProgress | None) -> None:
        """Bring ``part`` to the whole file (the retry loop of :meth:`download`)."""
        safe = redact_url(url)
        failure = ""
        for _ in range(_MAX_ATTEMPTS):
            await anyio.lowlevel.checkpoint()
            known = await _load_meta(part, meta)
            have = (await anyio.Path(part).stat()).st_size if known is not None else 0
            try:
                async with self._open(url, start=have, if_range=_if_range(known)) as response:
                    answer = read_answer(
                        response.status_code, response.headers, have, known, url=safe
                    )
                    if not answer.restart:
                        if not answer.append:
                            await _save_meta(meta, answer.validator)
                        await _save(response, part, meta, have, answer, safe, progress)
                        return
                failure = "the file changed since the .part file was begun"
            except (httpx.TransportError, _Incomplete) as exc:
                failure = _describe(exc)
                continue
            except _RangeNotSatisfiable:
                if not have:
                    raise DownloadError(
                        "HTTP 416 to a request for the whole file", url=safe, status_code=416
                    ) from None
                failure = "HTTP 416 to a resume"
            # The .part is not a prefix of the file served now: start again.
            await _discard(part, meta)
        kept = await anyio.Path(part).exists()
        raise DownloadError(
            f"{failure} ({_MAX_ATTEMPTS} attempts)"
            + ("; run again to resume from the .part file" if kept else ""),
            url=safe,
        )


def _end_of(deadline: float | None) -> float:
    return math.inf if deadline is None else anyio.current_time() + deadline


@contextmanager
def _until(end: float, deadline: float | None, url: str) -> Iterator[None]:
    """Run the block under the download's deadline (``end`` on anyio's clock)."""
    try:
        with anyio.fail_after(None if end == math.inf else end - anyio.current_time()):
            yield
    except TimeoutError:
        raise DownloadError(
            f"not complete after {deadline:g} s (the download deadline); run again to resume",
            url=url,
        ) from None


def _if_range(known: Validator | None) -> str | None:
    return None if known is None else known.if_range


def _describe(exc: BaseException | None) -> str:
    return str(exc) if isinstance(exc, _Incomplete) else type(exc).__name__


async def _raw(response: httpx.Response) -> AsyncGenerator[bytes, None]:
    """The response's bytes as received (a transport that read the body already, like
    ``httpx.MockTransport``, gets it in one piece)."""
    if response.is_stream_consumed:
        yield response.content
        return
    async for chunk in response.aiter_raw():
        yield chunk


def _check_length(response: httpx.Response, answer: Answer, received: int, url: str) -> None:
    """:class:`_Incomplete` for a body shorter than announced; :class:`DownloadError`
    for one longer, or one whose end cannot be verified."""
    chunked = response.headers.get("transfer-encoding", "").lower() == "chunked"
    if is_complete(received, answer.total, chunked=chunked):
        return
    if answer.total is None:
        raise DownloadError(
            "the file host sent no length (Content-Length) and no chunked body: "
            "the file cannot be verified complete",
            url=url,
        )
    if received < answer.total:
        raise _Incomplete(f"got {received} of {answer.total} bytes")
    raise DownloadError(f"got {received} bytes of a {answer.total}-byte file", url=url)


async def _status_error(response: httpx.Response, url: httpx.URL) -> Exception:
    status = response.status_code
    if status == 416:
        return _RangeNotSatisfiable()
    head = b""
    async for chunk in _raw(response):
        head += chunk[: _ERROR_BODY_BYTES - len(head)]
        if len(head) >= _ERROR_BODY_BYTES:
            break
    body = head.decode("utf-8", "replace")
    if is_expired_answer(status, body):
        return DownloadExpiredError(
            f"HTTP {status}: the link has expired; request the files again",
            url=redact_url(url),
            status_code=status,
        )
    return DownloadError(f"HTTP {status}", url=redact_url(url), status_code=status)


async def _load_meta(part: Path, meta: Path) -> Validator | None:
    """The validator of a ``.part`` left behind; ``None`` (start afresh) without one."""
    if not await anyio.Path(part).exists():
        return None
    try:
        return Validator.loads(await anyio.Path(meta).read_text("utf-8"))
    except (OSError, UnicodeDecodeError):
        return None


async def _save_meta(meta: Path, validator: Validator | None) -> None:
    if validator is None:
        await anyio.Path(meta).unlink(missing_ok=True)
    else:
        await anyio.Path(meta).write_text(validator.dumps(), "utf-8")


async def _discard(part: Path, meta: Path) -> None:
    await anyio.Path(part).unlink(missing_ok=True)
    await anyio.Path(meta).unlink(missing_ok=True)


async def _save(
    response: httpx.Response,
    part: Path,
    meta: Path,
    have: int,
    answer: Answer,
    url: str,
    progress: ByteProgress | None,
) -> None:
    """Write ``response`` into ``part`` (after its ``have`` bytes when it continues
    them), then check the length (:func:`_check_length`)."""
    done = have if answer.append else 0
    async with await anyio.open_file(part, "ab" if answer.append else "wb") as out:
        if progress is not None:
            progress(done, answer.total)
        async for chunk in _raw(response):
            await out.write(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, answer.total)
        await out.flush()
        await anyio.to_thread.run_sync(os.fsync, out.wrapped.fileno())
    try:
        _check_length(response, answer, done, url)
    except DownloadError:
        await _discard(part, meta)  # bytes that cannot be trusted: nothing to resume
        raise
