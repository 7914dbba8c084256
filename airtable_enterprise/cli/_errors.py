"""Expected failures as one line on stderr and a documented exit code.

A command that fails for a reason the user can act on (a bad token, no permission, an
unreachable endpoint, the rate limit, a bad argument) prints one line and exits with
the code below; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from urllib.parse import urlsplit

import click

from .. import errors

__all__ = [
    "CLI_NAMES",
    "EXIT_AUTH",
    "EXIT_FAILURE",
    "EXIT_INTERRUPTED",
    "EXIT_NOT_FOUND",
    "EXIT_PERMISSION",
    "EXIT_RATE_LIMIT",
    "EXIT_TRANSPORT",
    "EXIT_USAGE",
    "CliError",
    "cli_error_for",
    "cli_name",
    "exception_leaves",
    "first_expected_error",
]

#: A command ran and found a failure (an API error, a partial batch failure, a user not found).
EXIT_FAILURE = 1
#: Bad arguments (click's own usage errors use 2 as well).
EXIT_USAGE = 2
#: HTTP 401: the token is missing, invalid or expired.
EXIT_AUTH = 3
#: HTTP 403: the token may not do this, or the object is not visible to it.
EXIT_PERMISSION = 4
#: HTTP 404, or an ID or email that matched nothing.
EXIT_NOT_FOUND = 5
#: The endpoint could not be reached, or did not answer in time.
EXIT_TRANSPORT = 6
#: HTTP 429 that outlasted the retry policy.
EXIT_RATE_LIMIT = 7
#: Stopped with Ctrl-C (128 + SIGINT, as shells report it).
EXIT_INTERRUPTED = 130


class CliError(click.ClickException):
    """A failure shown as ``Error: <message>`` on one line, with ``exit_code``."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILURE) -> None:
        super().__init__(_one_line(message))
        # click declares exit_code on the class; each CliError carries its own.
        self.exit_code = exit_code  # type: ignore[misc]


def _one_line(message: str) -> str:
    return " ".join(message.split())


#: Airtable's 403 message that says nothing about the cause (REFERENCE §2).
_GENERIC_403 = "You are not permitted to perform this operation"

#: The library's argument names, as the CLI spells them (an argument or an option).
CLI_NAMES: Mapping[str, str] = {
    "ids_or_emails": "USER",
    "user_id": "USER",
    "user": "USER",
    "users": "USER",
    "replacement": "--replacement",
    "group_id": "GROUP_ID",
    "group_ids": "GROUP_ID",
    "workspace_id": "WORKSPACE_ID",
    "base_id": "BASE_ID",
    "target_workspace_id": "TARGET_WORKSPACE_ID",
    "enterprise_id": "--enterprise",
    "enterprise_account_id": "--enterprise",
    "time_period": "--period",
    "package_or_release": "PACKAGE",
    "event_type": "--event-type",
}
#: The CLI names that take a user ID or an email.
_USER_NAMES = frozenset({"USER", "--user", "--replacement"})


def _explains_itself(error: errors.AirtableError) -> bool:
    """Whether Airtable's own message says why (a 403 other than the generic one)."""
    message = getattr(error, "error_message", None)
    return bool(message) and not str(message).startswith(_GENERIC_403)


def _hint(error: errors.AirtableError) -> str:
    if isinstance(error, errors.AuthenticationError):
        return "check --token / AIRTABLE_TOKEN"
    if isinstance(error, errors.PermissionDeniedError):
        if _explains_itself(error):
            return ""
        return "the token lacks the scope or admin rights for this, or the object does not exist"
    if isinstance(error, errors.ConnectError):
        return "check --endpoint-url and the network"
    if isinstance(error, errors.RateLimitError):
        return "lower --rps or try again later"
    return ""


def _exit_code(error: errors.AirtableError) -> int:
    table: tuple[tuple[type[errors.AirtableError], int], ...] = (
        (errors.InvalidInputError, EXIT_USAGE),
        (errors.AuthenticationError, EXIT_AUTH),
        (errors.PermissionDeniedError, EXIT_PERMISSION),
        (errors.NotFoundError, EXIT_NOT_FOUND),
        (errors.RateLimitError, EXIT_RATE_LIMIT),
        (errors.TransportError, EXIT_TRANSPORT),
    )
    for cls, code in table:
        if isinstance(error, cls):
            return code
    if isinstance(error, LookupError):  # the client's own lookup misses: user, package
        return EXIT_NOT_FOUND
    return EXIT_FAILURE


def cli_name(argument: str, names: Mapping[str, str] | None = None) -> str:
    """The CLI's name for a library argument (``ids_or_emails[0]`` -> ``USER``):
    from ``names`` (the command's own), else :data:`CLI_NAMES`, else unchanged."""
    bare = argument.partition("[")[0]
    for table in (names or {}, CLI_NAMES):
        if bare in table:
            return table[bare]
    return argument


def cli_error_for(
    error: errors.AirtableError,
    *,
    secret: str | None = None,
    names: Mapping[str, str] | None = None,
    endpoint_url: str | None = None,
) -> CliError:
    """The one-line :class:`CliError` for a library error, in the CLI's words.

    ``names`` maps the library's argument names to the command's (see :func:`cli_name`).
    A 404 from an ``endpoint_url`` with a path (``.../v0``) says to drop the path. The
    library never puts the token in a message; ``secret`` is scrubbed anyway, as a
    second line of defence for a token pasted where an ID was expected.
    """
    if isinstance(error, errors.InvalidInputError):
        name = cli_name(error.argument, names)
        message = f"invalid {name} {error.value!r}: {error.reason}"
        if name in _USER_NAMES and "email" not in error.reason:
            message += " (an email address works too)"
    else:
        message = str(error)
        hint = _hint(error)
        if isinstance(error, errors.NotFoundError) and endpoint_url:
            path = urlsplit(endpoint_url).path.rstrip("/")
            if path:
                hint = f"--endpoint-url should be the API root, without {path}"
        if hint:
            message = f"{message} ({hint})"
    if secret:
        message = message.replace(secret, "***")
    return CliError(message, _exit_code(error))


def exception_leaves(error: BaseException) -> Iterator[BaseException]:
    """The exceptions inside ``error``, task-group exception groups flattened."""
    if isinstance(error, BaseExceptionGroup):
        for inner in error.exceptions:
            yield from exception_leaves(inner)
    else:
        yield error


def first_expected_error(error: BaseException) -> errors.AirtableError | None:
    """The library error behind ``error`` (unwrapping task-group exception groups), or
    ``None`` when something else went wrong (a bug, which keeps its traceback)."""
    leaves = list(exception_leaves(error))
    if leaves and all(isinstance(leaf, errors.AirtableError) for leaf in leaves):
        first = leaves[0]
        assert isinstance(first, errors.AirtableError)
        return first
    return None
