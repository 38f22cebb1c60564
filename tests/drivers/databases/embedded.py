"""Helpers of the embedded-server tests: a factory that stops what it starts, and a process that dies holding one.

Every ``DatabaseServers`` a test makes through ``make_servers`` is stopped after
the test, failed or not, so no private server outlives its test; every wait
here is bounded.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT
from twinstack.drivers.databases.servers import DatabaseServers

MakeServers = Callable[..., DatabaseServers]


def servers_factory(tmp_path: Path) -> Iterator[MakeServers]:
    made: list[DatabaseServers] = []

    def make(data_dir: Path | None = None, **options: object) -> DatabaseServers:
        servers = DatabaseServers(data_dir or tmp_path / "state", **options)  # type: ignore[arg-type]
        made.append(servers)
        return servers

    yield make
    for servers in made:
        servers.stop()
    for data_dir in {servers.data_dir for servers in made}:
        stop_leftovers(data_dir)


def stop_leftovers(data_dir: Path) -> None:
    """Stop any server still running on ``data_dir`` (one a failed test left to a killed process)."""
    sweeper = DatabaseServers(data_dir)
    for engine in sweeper.engines:
        found = sweeper.provisioner(engine)
        if found is not None and found.server.engine.running_pid(found.server.root) is not None:
            found.server.admin_url()
    sweeper.stop()


def refuses_connections(port: int) -> bool:
    """Whether nothing accepts a TCP connection on ``127.0.0.1:port``."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError:
        return True
    return False


HOLDER = """
import sys, time
from pathlib import Path
from twinstack.drivers.databases.servers import DatabaseServers
servers = DatabaseServers(Path(sys.argv[1]))
servers.provisioner(sys.argv[2]).exists("postgres")
print(servers.endpoints()[sys.argv[2]], flush=True)
time.sleep(120)
"""


def start_and_die(data_dir: Path, engine: str) -> str:
    """Have another process start ``engine``'s server, then kill it with SIGKILL; the endpoint it printed."""
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(data_dir), engine], stdout=subprocess.PIPE,
                              cwd=ROOT, text=True)
    try:
        assert holder.stdout is not None
        line = holder.stdout.readline().strip()  # bounded by the server's own start timeout
    finally:
        holder.kill()
        holder.wait(timeout=10)
    if not line:
        pytest.fail("the holding process did not start the server")
    return line
