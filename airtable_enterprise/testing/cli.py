"""The emulator's command line: ``python -m airtable_enterprise.testing serve ...``,
also reached as ``airtable-enterprise emulator serve ...`` (the same click command).

click comes with the ``testing`` extra (uvicorn needs it too), so this works without
the ``cli`` extra.
"""

from __future__ import annotations

import contextlib
import errno
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from .emulator import Emulator

__all__ = ["emulator_from_options", "main", "main_group", "serve"]

_ENTERPRISE_ID = re.compile(r"ent[A-Za-z0-9]{14}")
_CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _enterprise_id(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not _ENTERPRISE_ID.fullmatch(value):
        raise click.BadParameter(f"{value!r} is not an enterprise ID (ent + 14 characters)")
    return value


@click.group(context_settings=_CONTEXT_SETTINGS)
def main_group() -> None:
    """An in-memory Airtable Enterprise API for tests, demos and benchmarks."""


@main_group.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8787,
    show_default=True,
    help="Port to listen on; 0 picks a free one (the banner shows which).",
)
@click.option(
    "--files-port",
    type=click.IntRange(0, 65535),
    default=0,
    show_default=True,
    help="Port of the job-file host (signed URLs of exports and audit-log requests); "
    "0 picks a free one (the banner shows which).",
)
@click.option("--token", required=True, metavar="TOKEN", help="The bearer token clients must send.")
@click.option(
    "--enterprise-id",
    callback=_enterprise_id,
    metavar="ENT_ID",
    help="The root enterprise's ID (ent + 14 characters). Default: derived from --seed.",
)
@click.option(
    "--users",
    type=click.IntRange(min=2),
    default=5000,
    show_default=True,
    help="Users of the generated enterprise (descendant accounts included).",
)
@click.option(
    "--events",
    type=click.IntRange(min=0),
    default=100_000,
    show_default=True,
    help="Audit log events, spread over the last 180 days.",
)
@click.option(
    "--seed",
    type=int,
    default=1,
    show_default=True,
    help="Seed of the generator: the same seed gives the same enterprise.",
)
@click.option(
    "--descendants",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    help="Descendant accounts (Enterprise Hub org units).",
)
@click.option(
    "--latency-ms",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="Fixed latency of each answer, in milliseconds.",
)
@click.option(
    "--jitter-ms",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="Random extra latency of each answer, up to this many milliseconds.",
)
@click.option(
    "--rps",
    type=click.FloatRange(min=0),
    help="Rate limit per token, requests per second (Airtable: 50). Default: no limit.",
)
@click.option(
    "--penalty",
    type=click.FloatRange(min=0),
    default=30.0,
    show_default=True,
    help="Seconds of HTTP 429 after a client breaks the rate limit (Airtable: 30).",
)
@click.option("--retry-after", is_flag=True, help="Send Retry-After with rate-limit 429s.")
@click.option(
    "--publish-delay",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="Seconds after its timestamp before an audit or change event is readable.",
)
@click.option(
    "--log-level",
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
    default="info",
    show_default=True,
    help="uvicorn's log level.",
)
def serve(host: str, port: int, files_port: int, log_level: str, **options: Any) -> None:
    """Serve a generated enterprise over HTTP (uvicorn) until Ctrl-C.

    Clients use http://HOST:PORT as their endpoint URL and TOKEN as their token; job
    files are served on HOST:FILES_PORT (a client must reach that port too).
    """
    from .server import serve_forever

    emulator = emulator_from_options(**options)

    def announce(url: str) -> None:
        click.echo(
            f"Airtable Enterprise emulator: enterprise {emulator.enterprise_id}, "
            f"{len(emulator.world.users)} users, {len(emulator.world.audit)} events, "
            f"on {url}, job files on {emulator.files.base_url}",
            err=True,
        )

    try:
        with contextlib.suppress(KeyboardInterrupt):
            serve_forever(emulator, host, port, log_level, on_ready=announce, files_port=files_port)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            taken = f"{host}:{port}" if not files_port else f"{host}:{port} or :{files_port}"
            raise click.ClickException(
                f"{taken} is already in use: pick another --port or --files-port"
                " (0 picks a free one)"
            ) from None
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def emulator_from_options(
    *,
    token: str,
    enterprise_id: str | None = None,
    users: int = 5000,
    events: int = 100_000,
    seed: int = 1,
    descendants: int = 1,
    latency_ms: float = 0.0,
    jitter_ms: float = 0.0,
    rps: float | None = None,
    penalty: float = 30.0,
    retry_after: bool = False,
    publish_delay: float = 0.0,
) -> Emulator:
    """The emulator the ``serve`` options describe (``rps`` of ``None`` or 0: no limit)."""
    # Imported here: `airtable-enterprise --help` and every other command load this
    # module, and the emulator (starlette and the generator) takes ~0.3 s to import.
    from .emulator import Emulator
    from .generate.enterprise import generate_enterprise

    world = generate_enterprise(
        seed=seed,
        users=max(2, users),
        events=events,
        enterprise_id=enterprise_id,
        descendants=descendants,
    )
    return Emulator(
        world,
        token=token,
        latency=latency_ms / 1000,
        jitter=jitter_ms / 1000,
        rate_limit=rps or None,
        rate_limit_penalty=penalty,
        retry_after_header=retry_after,
        publish_delay=publish_delay,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); its exit status."""
    try:
        main_group.main(
            args=list(argv) if argv is not None else None,
            prog_name="python -m airtable_enterprise.testing",
            standalone_mode=False,
        )
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.Abort:
        return 1
    return 0
