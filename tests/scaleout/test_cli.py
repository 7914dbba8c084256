"""``--redis-url`` / ``AIRTABLE_REDIS_URL``: the CLI shares the token's limit through a store."""

from __future__ import annotations

from click.testing import CliRunner

from airtable_enterprise.cli import cli
from airtable_enterprise.ratelimit.store import key_prefix
from airtable_enterprise.testing import BackgroundServer, Emulator, generate_enterprise
from benchmarks.redis_server import RedisServer

TOKEN = "patCliRedisSecret.0123456789abcdef0123456789abcdef"


def test_the_cli_books_its_requests_in_the_store(shared_redis: RedisServer) -> None:
    emulator = Emulator(generate_enterprise(seed=5, users=20, events=0), token=TOKEN)
    with BackgroundServer(emulator) as running:
        args = ["--endpoint-url", running.url, "--enterprise", emulator.enterprise_id, "info"]
        for options, env in (
            (["--redis-url", shared_redis.url], {}),
            ([], {"AIRTABLE_REDIS_URL": shared_redis.url}),
        ):
            shared_redis.command("FLUSHALL")
            runner = CliRunner(env={"AIRTABLE_TOKEN": TOKEN, **env})
            result = runner.invoke(cli, [*options, *args])
            assert result.exit_code == 0, result.output
            keys = shared_redis.command("KEYS", "*").decode()
            assert key_prefix(TOKEN) in keys
            assert TOKEN not in keys
