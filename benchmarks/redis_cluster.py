"""A real Redis Cluster (3 masters + 3 replicas) on loopback, in a temp dir.

Used by the tests of the shared rate limiter on a cluster. Each node is a
:class:`~benchmarks.redis_server.RedisServer` with ``--cluster-enabled yes`` and a
short node timeout (a failover takes a couple of seconds); ``redis-cli --cluster
create`` joins them. Every node started is stopped on every path, a failed start
included.
"""

from __future__ import annotations

import random
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .redis_server import RedisServer, RedisServerMissing

__all__ = ["RedisClusterNodes", "running_redis_cluster"]

#: A node that does not hear from a master for this long (ms) starts a failover.
NODE_TIMEOUT_MS = 1000
MASTERS = 3


def _free_cluster_port(taken: set[int]) -> int:
    """A loopback port free for the node and for its cluster bus (port + 10000), and
    not one of ``taken`` (nor their buses)."""
    while True:
        port = random.randint(20000, 50000)
        if {port, port + 10000, port - 10000} & taken:
            continue
        try:
            with socket.socket() as one, socket.socket() as bus:
                one.bind(("127.0.0.1", port))
                bus.bind(("127.0.0.1", port + 10000))
        except OSError:
            continue
        return port


class RedisClusterNodes:
    """Six ``redis-server`` nodes joined as one cluster (3 masters, 1 replica each)."""

    def __init__(self, directory: Path, server: str, cli: str) -> None:
        self.nodes: list[RedisServer] = []
        self._cli = cli
        for index in range(2 * MASTERS):
            folder = directory / f"node{index}"
            folder.mkdir()
            node = RedisServer(
                folder,
                server,
                extra_args=(
                    "--cluster-enabled", "yes",
                    "--cluster-config-file", "nodes.conf",
                    "--cluster-node-timeout", str(NODE_TIMEOUT_MS),
                ),
            )  # fmt: skip
            node.port = _free_cluster_port({n.port for n in self.nodes})
            self.nodes.append(node)

    @property
    def url(self) -> str:
        """The first node's URL (any node's would do)."""
        return self.nodes[0].url

    def start(self, timeout: float = 60.0) -> None:
        """Start the nodes, join them, wait until every slot is served and replicated."""
        deadline = time.monotonic() + timeout
        for node in self.nodes:
            node.start(max(1.0, deadline - time.monotonic()))
        addresses = [f"127.0.0.1:{node.port}" for node in self.nodes]
        subprocess.run(
            [
                self._cli,
                "--cluster",
                "create",
                *addresses,
                "--cluster-replicas",
                "1",
                "--cluster-yes",
            ],
            check=True,
            capture_output=True,
            timeout=max(1.0, deadline - time.monotonic()),
        )
        while not self._settled():
            if time.monotonic() > deadline:
                raise RuntimeError(f"the cluster did not settle within {timeout:g} s")
            time.sleep(0.1)

    def ask(self, node: RedisServer, *words: str) -> str:
        """One command to ``node`` through ``redis-cli``; its answer as text."""
        done = subprocess.run(
            [self._cli, "-h", "127.0.0.1", "-p", str(node.port), *words],
            capture_output=True,
            text=True,
            timeout=10,
        )
        if done.returncode != 0:
            raise RuntimeError(f"redis-cli failed: {done.stderr.strip()}")
        return done.stdout

    def _settled(self) -> bool:
        alive = self.alive()
        if not all("cluster_state:ok" in self.ask(node, "CLUSTER", "INFO") for node in alive):
            return False
        links = [self.ask(node, "INFO", "replication") for node in alive]
        return sum("master_link_status:up" in info for info in links) >= len(alive) - MASTERS

    def alive(self) -> list[RedisServer]:
        """The nodes whose process runs."""
        return [n for n in self.nodes if n.process is not None and n.process.poll() is None]

    def master_of(self, key: str) -> RedisServer:
        """The node serving ``key``'s slot now."""
        some = self.alive()[0]
        slot = int(self.ask(some, "CLUSTER", "KEYSLOT", key))
        for line in self.ask(some, "CLUSTER", "NODES").splitlines():
            fields = line.split()
            if "master" not in fields[2] or "fail" in fields[2]:
                continue
            for served in fields[8:]:
                low, _, high = served.partition("-")
                if low.isdigit() and int(low) <= slot <= int(high or low):
                    port = int(fields[1].split("@")[0].rsplit(":", 1)[1])
                    return next(node for node in self.nodes if node.port == port)
        raise RuntimeError(f"no live master serves slot {slot}")

    def wait_for_failover(self, key: str, dead: RedisServer, timeout: float = 30.0) -> RedisServer:
        """Wait until a replica took over ``key``'s slot from ``dead``; the new master."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                master = self.master_of(key)
                if master is not dead and b"cluster_state:ok" in master.command("CLUSTER", "INFO"):
                    return master
            except (RuntimeError, OSError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"no failover within {timeout:g} s")
            time.sleep(0.1)

    def stop(self) -> None:
        """Stop every node."""
        for node in self.nodes:
            node.stop()


@contextmanager
def running_redis_cluster(start_timeout: float = 60.0) -> Iterator[RedisClusterNodes]:
    """A started cluster, stopped afterwards; :class:`RedisServerMissing` without
    ``redis-server`` or ``redis-cli``."""
    server, cli = shutil.which("redis-server"), shutil.which("redis-cli")
    if server is None or cli is None:
        raise RedisServerMissing(
            "redis-server/redis-cli are not installed (apt-get install redis-server)"
        )
    with tempfile.TemporaryDirectory(prefix="airtable-redis-cluster-") as scratch:
        cluster = RedisClusterNodes(Path(scratch), server, cli)
        try:
            cluster.start(start_timeout)
            yield cluster
        finally:
            cluster.stop()
