"""Checks on where requests go and what they carry: endpoint URL, token, timeout."""

from __future__ import annotations

import ipaddress
import math
import ssl
from collections.abc import Generator

import httpx

from ..errors import InvalidInputError

__all__ = [
    "DEFAULT_SCIM_URL",
    "BearerAuth",
    "check_endpoint_url",
    "check_timeout",
    "is_loopback_host",
    "scim_root",
    "tls_verification",
]

#: Where SCIM lives by default: the host of the newest docs (REFERENCE §12, §18).
DEFAULT_SCIM_URL = "https://api.airtable.com/scim/v2"


def is_loopback_host(host: str) -> bool:
    """``localhost``, ``127.0.0.0/8`` (also IPv4-mapped, ``::ffff:127.0.0.1``) and ``::1``:
    the only hosts plain HTTP may reach."""
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    # Python 3.13's ipaddress counts an IPv4-mapped loopback address as loopback, 3.11's
    # and 3.12's do not: decide it here, the same on every version. A socket to
    # ::ffff:127.0.0.1 reaches 127.0.0.1, so it is loopback.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def check_endpoint_url(endpoint_url: str) -> httpx.URL:
    """Parse ``endpoint_url``; HTTPS is required except for loopback hosts."""
    if not isinstance(endpoint_url, str) or not endpoint_url:
        raise InvalidInputError("endpoint_url", endpoint_url, "must be a non-empty URL string")
    try:
        url = httpx.URL(endpoint_url)
    except httpx.InvalidURL as exc:
        raise InvalidInputError("endpoint_url", endpoint_url, f"not a valid URL ({exc})") from None
    if url.scheme not in ("https", "http") or not url.host:
        raise InvalidInputError("endpoint_url", endpoint_url, "must be an http(s) URL with a host")
    if url.scheme == "http" and not is_loopback_host(url.host):
        raise InvalidInputError(
            "endpoint_url",
            endpoint_url,
            "plain http:// would send the token in clear text; use https:// "
            "(http:// is allowed only for loopback hosts such as 127.0.0.1)",
        )
    if url.query or url.fragment:
        raise InvalidInputError("endpoint_url", endpoint_url, "must not carry a query or fragment")
    return url


def tls_verification(url: httpx.URL) -> ssl.SSLContext | bool:
    """What the client verifies TLS with: httpx's default trust store for ``https://``.

    A plain ``http://`` endpoint (loopback only, see :func:`check_endpoint_url`) never
    needs TLS, so it gets a context that verifies certificates but trusts none: making
    it reads no CA bundle (httpx's default costs ~100 ms on a process's first client),
    and any https connection it were ever asked to make would fail verification.
    """
    if url.scheme == "https":
        return True
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def check_timeout(timeout: float | httpx.Timeout) -> httpx.Timeout:
    """A finite :class:`httpx.Timeout`: every phase bounded, never ``None``."""
    if isinstance(timeout, bool) or not isinstance(timeout, int | float | httpx.Timeout):
        raise InvalidInputError("timeout", timeout, "must be seconds (a number) or httpx.Timeout")
    result = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(float(timeout))
    phases = {
        "connect": result.connect,
        "read": result.read,
        "write": result.write,
        "pool": result.pool,
    }
    for phase, value in phases.items():
        if value is None or not 0 < value < math.inf:
            raise InvalidInputError(
                "timeout",
                timeout,
                f"the {phase} timeout must be a finite positive number, not {value!r}",
            )
    return result


class BearerAuth(httpx.Auth):
    """Adds ``Authorization: Bearer <token>``; its repr never shows the token."""

    __slots__ = ("_token",)

    def __init__(self, token: str) -> None:
        problem = _token_problem(token)
        if problem is None:
            self._token = token
        # A traceback rendered with its locals (capture_locals, rich, Sentry) shows every
        # local of this frame: drop the token before raising. The value is not echoed in
        # the error either: a token refused for its shape is still a secret.
        del token
        if problem is not None:
            raise InvalidInputError("api_key", "<redacted>", problem)

    def __repr__(self) -> str:
        return "<BearerAuth token=<redacted>>"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = "Bearer " + self._token
        yield request


def _token_problem(token: object) -> str | None:
    """Why ``token`` cannot be a bearer token, or ``None``; never raises."""
    if not isinstance(token, str) or not token.strip():
        return "must be a non-empty string"
    if any(ch in token for ch in "\r\n\x00") or token != token.strip():
        return "must not contain whitespace at its ends or line breaks"
    return None


def scim_root(scim_url: str | None, endpoint: httpx.URL, endpoint_url: str) -> str:
    """The SCIM root: as given (checked like ``endpoint_url``), else the loopback
    endpoint's ``/scim/v2``, else Airtable's (REFERENCE §12, §18: the host is configurable)."""
    if scim_url is None:
        if is_loopback_host(endpoint.host):
            return f"{endpoint_url}/scim/v2"
        return DEFAULT_SCIM_URL
    try:
        return str(check_endpoint_url(scim_url)).rstrip("/")
    except InvalidInputError as exc:
        raise InvalidInputError("scim_url", scim_url, exc.reason) from None
