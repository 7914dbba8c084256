"""The emulator's command line: ``python -m airtable_enterprise.testing serve ...``.

:func:`main` takes the argument list, so the ``airtable-enterprise emulator`` command
can forward its arguments unchanged.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import sys
from collections.abc import Callable

from .emulator import Emulator
from .generator import generate_enterprise

__all__ = ["build_parser", "emulator_from_args", "main"]

_ENTERPRISE_ID = re.compile(r"ent[A-Za-z0-9]{14}")


def _enterprise_id(text: str) -> str:
    if not _ENTERPRISE_ID.fullmatch(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not an enterprise ID (ent + 14 characters)")
    return text


def _non_negative(kind: type[int] | type[float]) -> Callable[[str], int | float]:
    def convert(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if value < 0:
            raise argparse.ArgumentTypeError(f"{text!r} must not be negative")
        return value

    return convert


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="airtable-enterprise emulator",
        description="An in-memory Airtable Enterprise API for tests, demos and benchmarks.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve a generated enterprise over HTTP")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=_non_negative(int), default=8787, help="0 picks a port")
    serve.add_argument("--token", required=True, help="the bearer token clients must send")
    serve.add_argument("--enterprise-id", type=_enterprise_id, default=None)
    serve.add_argument("--users", type=_non_negative(int), default=5000)
    serve.add_argument("--events", type=_non_negative(int), default=100_000)
    serve.add_argument("--seed", type=int, default=1)
    serve.add_argument("--descendants", type=_non_negative(int), default=1)
    serve.add_argument("--latency-ms", type=_non_negative(float), default=0.0)
    serve.add_argument("--jitter-ms", type=_non_negative(float), default=0.0)
    serve.add_argument(
        "--rps",
        type=_non_negative(float),
        default=None,
        help="rate limit per token per second (Airtable: 50); off by default",
    )
    serve.add_argument(
        "--penalty",
        type=_non_negative(float),
        default=30.0,
        help="seconds of 429 after a rate-limit breach",
    )
    serve.add_argument(
        "--retry-after", action="store_true", help="send Retry-After with rate-limit 429s"
    )
    serve.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )
    return parser


def emulator_from_args(args: argparse.Namespace) -> Emulator:
    """The emulator the parsed ``serve`` arguments describe."""
    world = generate_enterprise(
        seed=args.seed,
        users=max(2, args.users),
        events=args.events,
        enterprise_id=args.enterprise_id,
        descendants=args.descendants,
    )
    return Emulator(
        world,
        token=args.token,
        latency=args.latency_ms / 1000,
        jitter=args.jitter_ms / 1000,
        rate_limit=args.rps or None,
        rate_limit_penalty=args.penalty,
        retry_after_header=args.retry_after,
    )


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    from .server import serve_forever

    args = build_parser().parse_args(argv)
    emulator = emulator_from_args(args)
    print(
        f"Airtable Enterprise emulator: enterprise {emulator.enterprise_id}, "
        f"{len(emulator.world.users)} users, {len(emulator.world.audit)} events, "
        f"on http://{args.host}:{args.port}",
        file=sys.stderr,
    )
    with contextlib.suppress(KeyboardInterrupt):
        serve_forever(emulator, args.host, args.port, args.log_level)
    return 0
