"""Keeping signed URLs out of messages and logs.

A signed file URL (REFERENCE §9, §10) is a credential until it expires: whoever holds
it can fetch an eDiscovery export. Its query (``?expires=…&signature=…``, S3's
``X-Amz-Signature``…) must appear in no message and no log record. Our own messages use
:func:`redact_url`. The HTTP stack logs on its own: httpx writes
``HTTP Request: GET <url>`` at INFO and httpcore writes the response headers (a signed
``Location`` among them) at DEBUG. :class:`SignedUrlFilter`, installed once on those
loggers, rewrites the records emitted while :class:`~.downloads.SignedFiles` sends a
request (a context variable says so) with every query string replaced; records of any
other client in the process are left exactly as they were.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import httpx

__all__ = ["REDACTED", "SignedUrlFilter", "install_log_filter", "redact_url", "sending_signed"]

#: What replaces a query string in a log record.
REDACTED = "?<redacted>"
#: The loggers of the HTTP stack that may write a URL or a response header.
HTTP_LOGGERS = (
    "httpx",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
    "hpack.hpack",
)
# A query: from "?" to the next blank, quote or closing bracket of a repr.
_QUERY = re.compile(r"\?[^\s'\"<>)\]]*")
_SENDING: ContextVar[bool] = ContextVar("airtable_enterprise_signed_send", default=False)


def redact_url(url: str | httpx.URL) -> str:
    """The URL without its query (the signature) or credentials: safe for messages
    (``<invalid URL>`` for what does not parse: its text is not shown)."""
    try:
        parsed = httpx.URL(str(url))
    except httpx.InvalidURL:
        return "<invalid URL>"
    return str(parsed.copy_with(query=None, fragment=None, userinfo=b""))


def redact_text(text: str) -> str:
    """``text`` with every query string replaced by :data:`REDACTED`."""
    return _QUERY.sub(REDACTED, text)


@contextmanager
def sending_signed() -> Iterator[None]:
    """Mark the records logged inside as belonging to a signed-URL request (no
    ``yield`` of an async generator may happen inside: the mark is per context)."""
    token = _SENDING.set(True)
    try:
        yield
    finally:
        _SENDING.reset(token)


class SignedUrlFilter(logging.Filter):
    """Rewrites a record logged during a signed-URL request: the rendered message with
    its queries redacted, no arguments left (a URL object among them would print the
    signature again). Never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _SENDING.get():
            record.msg = redact_text(record.getMessage())
            record.args = None
        return True


_FILTER = SignedUrlFilter()


def install_log_filter() -> None:
    """Attach the one :class:`SignedUrlFilter` to each logger of :data:`HTTP_LOGGERS`
    (idempotent). A logger's filters see only its own records, hence one per logger."""
    for name in HTTP_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
