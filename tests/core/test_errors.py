"""Error bodies in every shape Airtable sends, mapped onto the exception tree."""

from __future__ import annotations

import pytest

from airtable_enterprise import errors
from airtable_enterprise.errors import api_error_for, decode_error_body
from tests.helpers import FIXTURES


@pytest.mark.parametrize(
    ("fixture", "error_type", "message"),
    [
        ("Error.AuthenticationRequired.observed.json", "AUTHENTICATION_REQUIRED", "Authentication required"),
        ("Error.InvalidPermissions.generic.json", "INVALID_PERMISSIONS", "You are not permitted to perform this operation"),
        ("Error.InvalidPermissionsOrModelNotFound.json", "INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND", "Invalid permissions, or the requested model was not found. Check that both your user and your token have the required permissions, and that the model names and/or ids are correct."),
        ("Error.InvalidRequestUnknown.json", "INVALID_REQUEST_UNKNOWN", "Invalid request: parameter validation failed. Check your request data."),
        ("Error.NotFound.object-form.json", "NOT_FOUND", None),
        ("Error.NotFound.string-form.json", "NOT_FOUND", None),
        ("Error.RateLimitReached.json", "RATE_LIMIT_REACHED", "Rate limit exceeded. Please try again later"),
        ("Error.RetriableError.json", "RETRIABLE_ERROR", "Server encountered an error while processing your request, and it is safe to retry the request"),
    ],
)  # fmt: skip
def test_decode_error_fixtures(fixture: str, error_type: str, message: str | None) -> None:
    decoded_type, decoded_message, body = decode_error_body((FIXTURES / fixture).read_bytes())
    assert (decoded_type, decoded_message) == (error_type, message)
    assert isinstance(body, dict)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", (None, None, None)),
        (b"not json", (None, None, "not json")),
        (b"[1, 2]", (None, None, [1, 2])),
        (b'{"something": "else"}', (None, None, {"something": "else"})),
        (b'{"error": {"type": 5}}', (None, None, {"error": {"type": 5}})),
        (
            b'{"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], '
            b'"detail": "not a valid userId", "status": 404}',
            (
                None,
                "not a valid userId",
                {
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                    "detail": "not a valid userId",
                    "status": 404,
                },
            ),
        ),
        (b"\xff\xfe", (None, None, "\ufffd\ufffd")),
    ],
)
def test_decode_odd_bodies(content: bytes, expected: tuple[object, ...]) -> None:
    assert decode_error_body(content) == expected


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, errors.BadRequestError),
        (401, errors.AuthenticationError),
        (403, errors.PermissionDeniedError),
        (404, errors.NotFoundError),
        (409, errors.ConflictError),
        (413, errors.PayloadTooLargeError),
        (422, errors.UnprocessableEntityError),
        (429, errors.RateLimitError),
        (500, errors.ServerError),
        (502, errors.ServerError),
        (503, errors.ServerError),
        (504, errors.ServerError),
        (418, errors.APIError),
        (302, errors.APIError),
    ],
)
def test_status_maps_to_one_class(status: int, cls: type[errors.APIError]) -> None:
    error = api_error_for(
        status, b'{"error": {"type": "X", "message": "m"}}', method="GET", path="/v0/p"
    )
    assert type(error) is cls
    assert isinstance(error, errors.AirtableError)
    assert (error.status_code, error.error_type, error.error_message) == (status, "X", "m")
    assert (error.method, error.path) == ("GET", "/v0/p")
    assert str(error).startswith(f"GET /v0/p: HTTP {status} X m")


def test_rate_limit_error_carries_retry_after() -> None:
    error = api_error_for(429, b"", method="GET", path="/p", retry_after=12.5)
    assert isinstance(error, errors.RateLimitError)
    assert error.retry_after == 12.5
    assert "retry after 12.5 s" in str(error)
    # Without a Retry-After header, Airtable's documented 30 s penalty applies.
    default = api_error_for(429, b"", method="GET", path="/p")
    assert isinstance(default, errors.RateLimitError)
    assert default.retry_after == 30.0


def test_invalid_input_error_is_a_value_error_naming_the_value() -> None:
    error = errors.InvalidInputError("user_id", "wsp123", "must start with 'usr'")
    assert isinstance(error, ValueError)
    assert isinstance(error, errors.AirtableError)
    assert "user_id='wsp123'" in str(error)
    assert error.value == "wsp123"


def test_unknown_outcome_error_says_why_it_was_not_retried() -> None:
    error = errors.UnknownOutcomeError(
        "HTTP 502", method="POST", path="/v0/meta/workspaces", status_code=502
    )
    assert "outcome unknown" in str(error)
    assert "not retried" in str(error)
    assert error.status_code == 502
