"""The ``airtable-enterprise`` command group, its global options, and :func:`run`,
which runs one command's async job and turns expected failures into one line."""

from __future__ import annotations

import os
import sys
from collections.abc import Awaitable, Callable, Mapping
from typing import TypeVar

import anyio
import click

from .._core.retry import RetryPolicy
from .._version import __version__
from ._checkpoint import CheckpointError
from ._errors import (
    CLI_NAMES,
    EXIT_AUTH,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    CliError,
    cli_error_for,
    exception_leaves,
    first_expected_error,
)
from ._options import redis_url_option
from ._output import stderr_console
from ._session import DEFAULT_ENDPOINT_URL, EmulatorSpec, Session, Settings, open_session

__all__ = ["cli", "run", "run_async", "run_until_interrupted", "settings_of"]

T = TypeVar("T")

_CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class _Tool(click.Group):
    """The command group; a reader that stops early (``| head``) ends a command
    quietly with status 0, as it does for ``cat`` and ``grep``."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            _silence_stdout()
            raise click.exceptions.Exit(0) from None


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush cannot fail on the
    closed pipe (and print "Exception ignored ... BrokenPipeError")."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no file descriptor (a test's captured stdout)
        pass


@click.group(cls=_Tool, context_settings=_CONTEXT_SETTINGS)
@click.option(
    "--token",
    envvar=["AIRTABLE_TOKEN", "AIRTABLE_API_KEY"],
    show_envvar=True,
    metavar="TOKEN",
    help="Personal access token or OAuth token of an enterprise admin (required "
    "unless --emulator).",
)
@click.option(
    "--enterprise",
    "enterprise_id",
    envvar="AIRTABLE_ENTERPRISE_ID",
    show_envvar=True,
    metavar="ENT_ID",
    help="The enterprise account (ent...).",
)
@click.option(
    "--endpoint-url",
    envvar="AIRTABLE_ENDPOINT_URL",
    show_envvar=True,
    default=DEFAULT_ENDPOINT_URL,
    show_default=True,
    help="API root, without /v0; plain http:// only for loopback (e.g. `emulator serve`).",
)
@click.option(
    "--rps",
    type=click.FloatRange(min=0, min_open=True),
    default=50.0,
    show_default=True,
    help="Requests per second for the token (Airtable allows 50).",
)
@click.option(
    "--max-attempts",
    type=click.IntRange(min=1),
    default=RetryPolicy().max_attempts,
    show_default=True,
    help="Attempts per request before giving up (1: fail fast, no retries).",
)
@click.option(
    "--emulator",
    is_flag=True,
    help="Run against an in-process emulator holding a synthetic enterprise "
    "(no token; nothing real is read or changed). Each command gets a new one: what "
    "one changes is gone for the next (for several commands: `emulator serve`).",
)
@redis_url_option
@click.version_option(__version__, "-V", "--version", prog_name="airtable-enterprise")
@click.pass_context
def cli(
    ctx: click.Context,
    token: str | None,
    enterprise_id: str | None,
    endpoint_url: str,
    rps: float,
    max_attempts: int,
    emulator: bool,
    redis_url: str | None,
) -> None:
    """Administer an Airtable Enterprise account: users, admins, groups, workspaces
    and the audit log.

    Output is a table on a terminal and JSON Lines when piped (see --format on each
    command). Exit codes: 0 success, 1 failure, 2 bad arguments, 3 no token or a bad one,
    4 permission denied, 5 not found, 6 endpoint unreachable, 7 rate limited,
    130 interrupted.
    """
    # Tests (and embedders) may pass a Settings or an EmulatorSpec as `obj`; an
    # EmulatorSpec asks for the emulator as --emulator does (a user cannot pass one).
    spec = ctx.obj if isinstance(ctx.obj, EmulatorSpec) else EmulatorSpec()
    if isinstance(ctx.obj, Settings):
        spec = ctx.obj.emulator_spec
        emulator = emulator or ctx.obj.emulator
    emulator = emulator or isinstance(ctx.obj, EmulatorSpec)
    ctx.obj = Settings(
        token=token or None,
        enterprise_id=enterprise_id or None,
        endpoint_url=endpoint_url,
        rps=rps,
        max_attempts=max_attempts,
        emulator=emulator,
        emulator_spec=spec,
        redis_url=redis_url or None,
    )


def settings_of(ctx: click.Context) -> Settings:
    """The global options of this invocation."""
    settings = ctx.find_object(Settings)
    if settings is None:  # a subcommand invoked on its own, outside the group
        settings = Settings()
    return settings


def _announce(settings: Settings) -> None:
    """Say on stderr that the emulator is in use; refuse to go on without a token."""
    if not settings.emulated:
        if not settings.token:
            raise CliError(
                "no token: pass --token or set AIRTABLE_TOKEN "
                "(or --emulator to try the built-in emulator)",
                EXIT_AUTH,
            )
        return
    spec = settings.emulator_spec
    size = (
        f"{spec.users} users, {spec.events} audit events, seed {spec.seed}"
        if spec.emulator is None
        else repr(spec.emulator)
    )
    stderr_console().print(
        "[bold yellow]EMULATOR[/]: running against an in-process emulator "
        f"with a synthetic enterprise ({size}). Nothing real is read or changed.",
    )


def run(
    ctx: click.Context,
    job: Callable[[Session], Awaitable[T]],
    *,
    names: Mapping[str, str] | None = None,
) -> T:
    """Run ``job`` with a connected :class:`Session` and return its result.

    Library errors become a one-line :class:`CliError` with the exit code of their
    kind, naming arguments as the command does (``names``: library argument -> CLI
    name, over :data:`~._errors.CLI_NAMES`); Ctrl-C becomes exit 130; anything else (a
    bug) keeps its traceback.
    """
    settings = settings_of(ctx)
    _announce(settings)

    async def main() -> T:
        async with open_session(settings) as session:
            return await job(session)

    endpoint = None if settings.emulated else settings.endpoint_url
    # The house table, then the command's arguments and options, then its own names.
    arguments, options = command_names(ctx)
    named = {**CLI_NAMES, **arguments, **options, **(names or {})}
    return run_async(main, secret=settings.token, names=named, endpoint_url=endpoint)


def command_names(ctx: click.Context) -> tuple[dict[str, str], dict[str, str]]:
    """The command's arguments and options as the CLI spells them (``export_id`` ->
    ``ID``, ``base_id`` -> ``--base``), also under the names the library may use for
    them (``export``; ``user_id`` and ``user`` for ``user_ids``), for error messages."""
    arguments: dict[str, str] = {}
    options: dict[str, str] = {}
    for param in ctx.command.params:
        if param.name is None or param.name in {"fmt", "out"}:
            continue
        if isinstance(param, click.Option):
            found, shown = options, max(param.opts, key=len)
        else:
            found, shown = arguments, (param.metavar or param.name.upper()).rstrip(".")
        found[param.name] = shown
        if param.name.endswith("_ids"):
            found.setdefault(param.name.removesuffix("s"), shown)
        for suffix in ("_ids", "_id"):
            if param.name.endswith(suffix):
                found.setdefault(param.name.removesuffix(suffix), shown)
    return arguments, options


def run_async(
    main: Callable[[], Awaitable[T]],
    *,
    secret: str | None = None,
    names: Mapping[str, str] | None = None,
    endpoint_url: str | None = None,
) -> T:
    """Run ``main`` in an event loop, translating failures as :func:`run` does;
    ``secret`` is scrubbed from every message."""
    try:
        return anyio.run(main)
    except KeyboardInterrupt:
        raise CliError("interrupted", EXIT_INTERRUPTED) from None
    except BaseException as exc:
        raise _translate(exc, secret, names, endpoint_url) from None


def run_until_interrupted(
    ctx: click.Context,
    job: Callable[[Session], Awaitable[None]],
    *,
    names: Mapping[str, str] | None = None,
) -> bool:
    """:func:`run` for a command that goes on until stopped: Ctrl-C is its normal end,
    not a failure. Whether it was interrupted."""
    try:
        run(ctx, job, names=names)
    except CliError as exc:
        if exc.exit_code != EXIT_INTERRUPTED:
            raise
        return True
    return False


def _translate(
    exc: BaseException,
    secret: str | None,
    names: Mapping[str, str] | None = None,
    endpoint_url: str | None = None,
) -> BaseException:
    for leaf in exception_leaves(exc):
        if isinstance(leaf, click.ClickException | click.exceptions.Exit | click.Abort):
            return leaf
        if isinstance(leaf, BrokenPipeError):
            return leaf
        if isinstance(leaf, KeyboardInterrupt):
            return CliError("interrupted", EXIT_INTERRUPTED)
        if isinstance(leaf, CheckpointError):
            return CliError(str(leaf), EXIT_USAGE)
    found = first_expected_error(exc)
    if found is not None:
        return cli_error_for(found, secret=secret, names=names, endpoint_url=endpoint_url)
    return exc
