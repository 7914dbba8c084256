"""The emulator's file host: signed, expiring URLs of job files, on another host.

Airtable serves export and audit-log request files from a storage host (S3-like,
REFERENCE §9, §10 example URLs), not from ``api.airtable.com``. The emulator does the
same: :class:`FileHost` stores the generated files and its ASGI app answers
``GET /files/{id}?expires=...&signature=...`` on its own listener (another port, or
``files.emulator.localhost`` in-process), with ``Range`` support. Each file has a
strong ``ETag`` (a digest of its bytes) and a ``Last-Modified`` date, and ``If-Range``
is honoured as RFC 9110 §13.1.5 says: a ``Range`` is served only when the validator
matches the current file (strong comparison; a date must equal ``Last-Modified``),
otherwise the whole file is sent with 200. A request carrying an ``Authorization``
header is refused as S3 refuses it (400, "Only one auth mechanism allowed") and
counted: a client must never send its API token there.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qs

import attrs
from starlette.types import Receive, Scope, Send

from .._wire import to_ms

__all__ = ["IN_PROCESS_FILES_URL", "FileHost", "FileHostStats", "StoredFile"]

#: The file host's address for in-process clients (``Emulator.api()``).
IN_PROCESS_FILES_URL = "http://files.emulator.localhost"
_CHUNK = 64 * 1024
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


@attrs.frozen
class StoredFile:
    """A generated file: its bytes, content type and when it was stored."""

    data: bytes
    content_type: str
    modified: datetime | None = None

    @property
    def etag(self) -> str:
        """A strong ETag: the first 32 hex digits of the bytes' SHA-256, quoted."""
        return '"' + hashlib.sha256(self.data).hexdigest()[:32] + '"'

    @property
    def last_modified(self) -> str | None:
        """``Last-Modified`` as an HTTP date (None when the time is unknown)."""
        return None if self.modified is None else format_datetime(self.modified, usegmt=True)


@attrs.define
class FileHostStats:
    """What the file host saw: requests, files served, ranges, refusals."""

    requests: int = 0
    served: int = 0
    range_requests: int = 0
    #: Requests that carried an ``Authorization`` header (refused).
    authorization_rejected: int = 0
    expired: int = 0
    bad_signature: int = 0
    #: Range requests whose ``If-Range`` named another version (answered 200, whole).
    if_range_mismatches: int = 0

    def reset(self) -> None:
        for field in attrs.fields(FileHostStats):
            setattr(self, field.name, 0)


def _xml_error(code: str, message: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
        f"<Message>{message}</Message></Error>"
    ).encode()


def _if_range_matches(if_range: str | None, stored: StoredFile) -> bool:
    """Whether a ``Range`` may be served (RFC 9110 §13.1.5): no ``If-Range``, or one
    naming the current file: its strong ETag (a weak one never matches), or exactly its
    ``Last-Modified`` date."""
    if if_range is None:
        return True
    value = if_range.strip()
    if value.startswith(('"', "W/")):
        return value == stored.etag
    return stored.last_modified is not None and value == stored.last_modified


class FileHost:
    """The stored files, their signed URLs and the ASGI app that serves them.

    ``clock`` is the world's clock (expiry is checked against it); ``base_url`` is
    where the app is reachable (set by ``BackgroundServer`` when it starts a listener).
    """

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock
        self.base_url = IN_PROCESS_FILES_URL
        self.stats = FileHostStats()
        self.files: dict[str, StoredFile] = {}
        self._key = secrets.token_bytes(32)

    def put(self, file_id: str, data: bytes, content_type: str) -> None:
        """Store a file under ``file_id`` (a path segment); storing again replaces it
        (a new ETag and date, as an object written again on S3)."""
        modified = self.clock().astimezone(UTC).replace(microsecond=0)
        self.files[file_id] = StoredFile(data, content_type, modified)

    def _signature(self, file_id: str, expires_ms: int) -> str:
        message = f"{file_id}:{expires_ms}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def signed_url(self, file_id: str, expires: datetime) -> str:
        """The URL of a stored file, valid until ``expires``."""
        expires_ms = to_ms(expires)
        signature = self._signature(file_id, expires_ms)
        return f"{self.base_url}/files/{file_id}?expires={expires_ms}&signature={signature}"

    # ------------------------------------------------------------------ serving

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        self.stats.requests += 1
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        status, extra, body = self._answer(scope, headers)
        if isinstance(body, StoredFile):
            range_header = headers.get("range")
            if range_header is not None and not _if_range_matches(headers.get("if-range"), body):
                self.stats.if_range_mismatches += 1
                range_header = None  # the file changed: the whole new file, with 200
            await self._send_file(
                send, status, extra, body, range_header, head=scope["method"] == "HEAD"
            )
            return
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/xml"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    def _answer(
        self, scope: Scope, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes | StoredFile]:
        if "authorization" in headers:
            # What S3 says when a presigned URL also carries an Authorization header.
            self.stats.authorization_rejected += 1
            return (
                400,
                {},
                _xml_error(
                    "InvalidArgument",
                    "Only one auth mechanism allowed; only the X-Amz-Algorithm query "
                    "parameter, Signature query string parameter or the Authorization "
                    "header should be specified",
                ),
            )
        if scope["method"] not in ("GET", "HEAD"):
            return 405, {}, _xml_error("MethodNotAllowed", "The method is not allowed")
        path: str = scope["path"]
        file_id = path.removeprefix("/files/")
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        stored = self.files.get(file_id) if path.startswith("/files/") else None
        try:
            expires_ms = int(query["expires"][0])
            signature = query["signature"][0]
        except (KeyError, ValueError, IndexError):
            return 403, {}, _xml_error("AccessDenied", "Access Denied")
        if stored is None or not hmac.compare_digest(
            signature, self._signature(file_id, expires_ms)
        ):
            self.stats.bad_signature += 1
            return (
                403,
                {},
                _xml_error(
                    "SignatureDoesNotMatch",
                    "The request signature we calculated does not match the signature you provided",
                ),
            )
        if to_ms(self.clock()) >= expires_ms:
            self.stats.expired += 1
            return 403, {}, _xml_error("AccessDenied", "Request has expired")
        return 200, {}, stored

    async def _send_file(
        self,
        send: Send,
        status: int,
        extra: dict[str, Any],
        stored: StoredFile,
        range_header: str | None,
        *,
        head: bool = False,
    ) -> None:
        data = memoryview(stored.data)
        size = len(data)
        first, last = 0, size - 1
        headers = [
            (b"content-type", stored.content_type.encode()),
            (b"accept-ranges", b"bytes"),
            (b"etag", stored.etag.encode()),
        ]
        if stored.last_modified is not None:
            headers.append((b"last-modified", stored.last_modified.encode()))
        if range_header is not None:
            self.stats.range_requests += 1
            match = _RANGE.fullmatch(range_header.strip())
            if match is None or not (match.group(1) or match.group(2)):
                first = size  # unparseable: answer 416
            elif match.group(1):
                first = int(match.group(1))
                last = min(int(match.group(2)), size - 1) if match.group(2) else size - 1
            else:  # suffix range: the last N bytes
                first = max(0, size - int(match.group(2)))
            if first >= size or first > last:
                await send(
                    {
                        "type": "http.response.start",
                        "status": 416,
                        "headers": [(b"content-range", f"bytes */{size}".encode())],
                    }
                )
                await send({"type": "http.response.body", "body": b""})
                return
            status = 206
            headers.append((b"content-range", f"bytes {first}-{last}/{size}".encode()))
        headers.append((b"content-length", str(last - first + 1).encode()))
        self.stats.served += 1
        await send({"type": "http.response.start", "status": status, "headers": headers})
        if head:
            await send({"type": "http.response.body", "body": b""})
            return
        position = first
        while position <= last:
            end = min(position + _CHUNK, last + 1)
            await send(
                {
                    "type": "http.response.body",
                    "body": bytes(data[position:end]),
                    "more_body": end <= last,
                }
            )
            position = end
        if first > last:
            await send({"type": "http.response.body", "body": b""})
