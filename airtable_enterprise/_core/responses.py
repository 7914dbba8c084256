"""What a final response means: the decoded body, the model, or the typed error.

Pure mappings used by the request core (``api.py``): decoding a body, structuring it
into a model (tolerant of an applied write's odd answer), and the error a call that
gave up raises. No I/O.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import httpx

from .. import errors
from .convert import converter, describe_error, salvage
from .retry import Failure, parse_retry_after

__all__ = [
    "deadline_error",
    "decode_body",
    "drop_transport_frames",
    "final_error",
    "structure_body",
    "transport_error",
    "unknown_outcome",
]

logger = logging.getLogger("airtable_enterprise")

T = TypeVar("T")

_TIMEOUT_ERRORS = (httpx.TimeoutException, TimeoutError)


def drop_transport_frames(exc: BaseException) -> None:
    """Cut ``exc``'s traceback (and its chain's) at the frame that called httpx, so the
    frames that held the ``Authorization`` header are no longer reachable from it."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        current.__traceback__ = None
        current = current.__cause__ or current.__context__


def decode_body(
    method: str,
    path: str,
    response: httpx.Response,
    *,
    object_hook: Callable[[dict[str, Any]], Any] | None = None,
) -> Any:
    """The decoded JSON of a final response (each object through ``object_hook``, as
    :func:`json.loads` does), or the typed error of its status."""
    status = response.status_code
    content = response.content
    if status >= 300:
        raise errors.api_error_for(
            status,
            content,
            method=method,
            path=path,
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
        )
    if not content.strip():
        return None
    try:
        return json.loads(content, object_hook=object_hook)
    except RecursionError:
        problem = "is nested too deeply to decode"
    except (ValueError, UnicodeDecodeError) as exc:
        problem = f"is not valid JSON ({exc})"
    if method != "GET":
        # The write was applied: never a failure. Nothing could be read (None).
        logger.warning("%s %s succeeded, but its body %s", method, path, problem)
        return None
    raise errors.ResponseValidationError(f"HTTP {status} body {problem}", method=method, path=path)


def final_error(
    method: str,
    path: str,
    failure: Failure,
    response: httpx.Response | None,
    error: Exception | None,
    retry_after: float | None,
    deadline: float | None,
) -> errors.AirtableError:
    """The error of a call that gave up: its last response's, or its transport error's."""
    if response is not None:
        return errors.api_error_for(
            response.status_code,
            response.content,
            method=method,
            path=path,
            retry_after=retry_after,
        )
    return transport_error(method, path, failure, error, deadline)


def transport_error(
    method: str, path: str, failure: Failure, error: Exception | None, deadline: float | None
) -> errors.TransportError:
    """The typed error of a failure without a response."""
    if isinstance(error, TimeoutError):  # anyio.fail_after: the policy's deadline
        return deadline_error(method, path, deadline)
    detail = f"{type(error).__name__}: {error}" if error is not None else failure.value
    if failure is Failure.NOT_SENT:
        return errors.ConnectError(detail, method=method, path=path)
    if isinstance(error, _TIMEOUT_ERRORS):
        return errors.RequestTimeoutError(detail, method=method, path=path)
    return errors.TransportError(detail, method=method, path=path)


def deadline_error(method: str, path: str, deadline: float | None) -> errors.RequestTimeoutError:
    """The error of a call whose retry policy's deadline ran out."""
    return errors.RequestTimeoutError(
        f"the retry policy's deadline of {deadline} s ran out",
        method=method,
        path=path,
    )


def unknown_outcome(
    method: str, path: str, response: httpx.Response | None, error: Exception | None
) -> errors.UnknownOutcomeError:
    """The error of a write that may have been applied: never retried."""
    if response is not None:
        return errors.UnknownOutcomeError(
            f"HTTP {response.status_code}",
            method=method,
            path=path,
            status_code=response.status_code,
        )
    reason = type(error).__name__ if error is not None else "no response"
    if isinstance(error, TimeoutError):
        reason = "deadline exceeded while waiting for the response"
    return errors.UnknownOutcomeError(reason, method=method, path=path)


def structure_body(data: object, cls: type[T], *, method: str, path: str) -> T:
    """Convert decoded JSON into model ``cls``; a mismatch raises
    :class:`~airtable_enterprise.ResponseValidationError` naming the endpoint and
    the field.

    The answer of a write (any method but ``GET``) that the server applied is never
    a failure: what can be read of it is returned (the body stays in ``raw``) and a
    warning is logged.
    """
    try:
        return converter.structure(data, cls)
    except Exception as exc:
        detail = f"the response does not match {cls.__name__} ({describe_error(exc)})"
    if method != "GET":
        try:
            result = salvage(data, cls)
        except Exception as exc:  # e.g. a required field of a nested model
            logger.debug("%s %s: nothing could be read (%s)", method, path, exc)
        else:
            logger.warning(
                "%s %s succeeded, but %s; returning what could be read", method, path, detail
            )
            return result
    raise errors.ResponseValidationError(detail, method=method, path=path)
