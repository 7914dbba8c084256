"""Over loopback: the uvicorn server in a thread, and the command line."""

from __future__ import annotations

import asyncio
import gc
import socket
from collections.abc import Iterator

import httpx
import pytest
from click.testing import CliRunner

from airtable_enterprise.testing import BackgroundServer, DropConnection, Emulator, cli
from airtable_enterprise.testing import server as server_module


def test_background_server_serves_one_request_and_stops(emulator: Emulator) -> None:
    with BackgroundServer(emulator) as server:
        assert server.port > 0
        response = httpx.get(
            f"{server.url}/v0/meta/enterpriseAccounts/{emulator.enterprise_id}",
            headers={"Authorization": f"Bearer {emulator.token}"},
        )
        assert response.json()["id"] == emulator.enterprise_id
        emulator.faults.add("^/v0/meta/workspaces$", DropConnection())
        with pytest.raises(httpx.RemoteProtocolError):
            httpx.post(
                f"{server.url}/v0/meta/workspaces",
                json={"enterpriseAccountId": emulator.enterprise_id, "name": "Dropped"},
                headers={"Authorization": f"Bearer {emulator.token}"},
            )
    assert any(w.name == "Dropped" for w in emulator.world.workspaces.values())
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.url)


def test_server_connections_send_without_nagle_delay() -> None:
    # asyncio disables Nagle's algorithm only on sockets created as IPPROTO_TCP; with it
    # on, each keep-alive response under 64 KiB stalled ~40 ms on the delayed ACK.
    async def accepted_nodelay() -> int:
        listener = server_module._bind("127.0.0.1", 0)
        seen: list[int] = []
        accepted = asyncio.Event()

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            sock = writer.get_extra_info("socket")
            seen.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            accepted.set()
            writer.close()

        server = await asyncio.start_server(handle, sock=listener)
        async with server:
            port = listener.getsockname()[1]
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            await asyncio.wait_for(accepted.wait(), timeout=10)
            writer.close()
        return seen[0]

    assert asyncio.run(accepted_nodelay()) != 0


@pytest.mark.anyio
async def test_async_api_over_loopback(emulator: Emulator) -> None:
    from airtable_enterprise import AsyncApi

    with BackgroundServer(emulator) as server:
        async with AsyncApi(emulator.token, endpoint_url=server.url) as api:
            page = await api.request(
                "GET",
                f"/v0/meta/enterpriseAccounts/{emulator.enterprise_id}/auditLogEvents",
                params={"pageSize": 2},
            )
    assert len(page["events"]) == 2


def test_cli_options_build_the_described_emulator() -> None:
    emulator = cli.emulator_from_options(
        token="TOKEN",
        enterprise_id="entAAAAAAAAAAAAAA",
        users=40,
        events=100,
        seed=3,
        latency_ms=120,
        rps=50,
    )
    assert emulator.enterprise_id == "entAAAAAAAAAAAAAA"
    assert emulator.token == "TOKEN"
    assert len(emulator.world.users) == 40
    assert len(emulator.world.audit) == 100
    assert emulator.latency == pytest.approx(0.12)
    assert emulator.limiter is not None
    assert emulator.limiter.rps == 50
    defaults = cli.emulator_from_options(token="T", users=10, events=0)
    assert defaults.limiter is None
    assert defaults.latency == 0


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["serve"],
        ["serve", "--token", "T", "--enterprise-id", "nope"],
        ["serve", "--token", "T", "--port", "-1"],
        ["serve", "--token", "T", "--rps", "fast"],
    ],
)
def test_cli_rejects_bad_arguments(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(argv) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_serve_help_documents_every_option_with_its_default() -> None:
    result = CliRunner().invoke(cli.main_group, ["serve", "--help"], terminal_width=200)
    assert result.exit_code == 0
    for option, default in [
        ("--users", "5000"),
        ("--events", "100000"),
        ("--seed", "1"),
        ("--port", "8787"),
        ("--penalty", "30.0"),
    ]:
        [line] = [line for line in result.stdout.splitlines() if line.strip().startswith(option)]
        assert f"[default: {default}" in line, line


class FakeServer:
    """Stands in for uvicorn: notes the socket it was given, then "gets" Ctrl-C."""

    def __init__(self) -> None:
        self.ports: list[int] = []

    def run(self, sockets: list[socket.socket]) -> None:
        self.ports.append(sockets[0].getsockname()[1])
        raise KeyboardInterrupt


@pytest.fixture
def fake_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeServer]:
    fake = FakeServer()
    monkeypatch.setattr(server_module, "_server", lambda emulator, log_level: fake)
    try:
        yield fake
    finally:
        gc.unfreeze()  # serve_forever froze the world


SERVE = ["serve", "--token", "T", "--users", "5", "--events", "5"]


def test_port_0_prints_the_real_port_after_binding(fake_server: FakeServer) -> None:
    from airtable_enterprise.cli import cli as tool

    result = CliRunner().invoke(tool, ["emulator", *SERVE, "--port", "0"])
    assert result.exit_code == 0, result.output
    [port] = fake_server.ports
    assert port != 0
    banner = result.stderr.strip()
    assert f"on http://127.0.0.1:{port}, job files on http://127.0.0.1:" in banner
    files_port = int(banner.rsplit(":", 1)[1])
    assert files_port not in (0, port)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_files_port_puts_the_job_file_host_on_a_chosen_port(fake_server: FakeServer) -> None:
    from airtable_enterprise.cli import cli as tool

    wanted = _free_port()
    args = ["emulator", *SERVE, "--port", "0", "--files-port", str(wanted)]
    result = CliRunner().invoke(tool, args)
    assert result.exit_code == 0, result.output
    assert result.stderr.strip().endswith(f"job files on http://127.0.0.1:{wanted}")


def test_background_server_takes_a_files_port(emulator: Emulator) -> None:
    wanted = _free_port()
    with BackgroundServer(emulator, files_port=wanted) as server:
        assert server.files_url == f"http://127.0.0.1:{wanted}"
        assert emulator.files.base_url == server.files_url
        # The file host answers there (an unsigned request is refused, not unreachable).
        assert httpx.get(f"{server.files_url}/files/nothing").status_code in (403, 404)


def test_main_serves_until_interrupted(fake_server: FakeServer) -> None:
    assert cli.main([*SERVE, "--port", "0"]) == 0
    assert len(fake_server.ports) == 1


def test_an_address_in_use_is_one_line_and_exit_1(fake_server: FakeServer) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli.main_group, [*SERVE, "--port", str(port)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    [line] = result.stderr.strip().splitlines()
    assert f"127.0.0.1:{port} is already in use" in line
    assert "emulator:" not in result.output  # no banner: nothing was bound
    assert fake_server.ports == []


def test_serve_forever_prepares_the_world_before_serving(
    monkeypatch: pytest.MonkeyPatch, emulator: Emulator
) -> None:
    frozen: list[int] = []
    built: list[bool] = []

    class FakeServer:
        def run(self, sockets: list[socket.socket]) -> None:
            frozen.append(gc.get_freeze_count())
            built.append(emulator.world._holders_built_for is not None)

    monkeypatch.setattr(server_module, "_server", lambda emulator, log_level: FakeServer())
    try:
        server_module.serve_forever(emulator, "127.0.0.1", 0)
    finally:
        gc.unfreeze()
    assert len(frozen) == 1
    assert frozen[0] > 0
    assert built == [True]  # the grant index, built before the first request
