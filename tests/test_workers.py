"""One shared state over PostgreSQL: ``--workers 2``, and two servers on one database.

To know which worker answered, each test keeps HTTP connections open and
looks up, in ``/proc``, which worker process holds the server end of each
(Linux only; elsewhere these tests are skipped).
"""

from __future__ import annotations

import http.client
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.store.notes_api import SERVE_ARGS
from tests.store.pg import scratch_database, terminate_backends


pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="finding a connection's worker needs Linux /proc"),
]


@pytest.fixture
def pg_url() -> Iterator[str]:
    with scratch_database("twinstack_workers") as url:
        yield url


@dataclass
class Conn:
    """One kept-alive HTTP connection and the server process answering on it."""

    http: http.client.HTTPConnection
    pid: int

    def call(self, method: str, path: str, body: Any = None, key: str | None = None) -> tuple[int, Any]:
        headers = {"content-type": "application/json"}
        if key:
            headers["X-API-Key"] = key
        port = self.http.sock.getsockname()[1] if self.http.sock else None
        self.http.request(method, path, None if body is None else json.dumps(body), headers)
        response = self.http.getresponse()
        data = response.read()
        assert self.http.sock is not None and self.http.sock.getsockname()[1] == port, "the connection was reopened"
        return response.status, json.loads(data) if data else None


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == pid and b"spawn_main" in cmdline:
                found.append(int(entry.name))
    return found


def _owner(server_port: int, client_port: int, pids: list[int]) -> int | None:
    """The process holding the server end of the TCP connection from ``client_port``."""
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = int(fields[1].split(":")[1], 16), int(fields[2].split(":")[1], 16)
        if local == server_port and remote == client_port:
            inode = fields[9]
    if inode is None:
        return None
    target = f"socket:[{inode}]"
    for pid in pids:
        try:
            if any(os.readlink(f"/proc/{pid}/fd/{fd}") == target for fd in os.listdir(f"/proc/{pid}/fd")):
                return pid
        except OSError:
            continue
    return None


def connections_to_each(port: int, pids: list[int] | None, seconds: float = 60.0) -> dict[int, Conn]:
    """At least one open connection per process in ``pids`` (or to the one server, if ``None``).

    A worker still starting accepts nothing yet, so keep connecting until each has answered.
    """
    found: dict[int, Conn] = {}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/_twinstack/health")
        conn.getresponse().read()
        assert conn.sock is not None
        owner = 0 if pids is None else _owner(port, conn.sock.getsockname()[1], pids)
        if owner is not None and owner not in found:
            found[owner] = Conn(conn, owner)
            if len(found) == (1 if pids is None else len(pids)):
                return found
        else:
            conn.close()
            time.sleep(0.02)
    raise AssertionError(f"connections reached only {sorted(found)} of workers {pids}")


def _workers(server: Any, expected: int) -> list[int]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        pids = _children(server.proc.pid)
        if len(pids) == expected:
            return pids
        time.sleep(0.1)
    raise AssertionError(f"expected {expected} workers, found {_children(server.proc.pid)}")


def _key(conn: Conn) -> str:
    status, tenant = conn.call("GET", "/_twinstack/tenants/default")
    assert status == 200
    return str(tenant["credentials"]["notes"]["api_key"])


def _epoch(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def _eventually(check: Callable[[], bool], seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


def test_two_workers_serve_one_state_and_one_clock(make_server: Any, pg_url: str) -> None:
    server = make_server(*SERVE_ARGS, "--workers", "2", "--database-url", pg_url)
    workers = _workers(server, 2)
    [any_worker] = connections_to_each(server.port, None).values()
    key = _key(any_worker)
    any_worker.http.close()

    # Creates spread over many short connections, from several threads.
    created: list[str] = []
    lock = threading.Lock()

    def create(worker: int) -> None:
        for n in range(15):
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            conn.request("POST", "/notes/notes", json.dumps({"title": f"t{worker}-{n}"}),
                         {"content-type": "application/json", "X-API-Key": key, "connection": "close"})
            response = conn.getresponse()
            body = json.loads(response.read())
            conn.close()
            assert response.status == 201, body
            with lock:
                created.append(body["id"])

    threads = [threading.Thread(target=create, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(created) == 60
    # Connections are opened only now: an idle kept-alive one is closed by the server after a few seconds.
    first, second = connections_to_each(server.port, workers).values()
    assert _key(first) == _key(second) == key
    for conn in (first, second):
        status, listed = conn.call("GET", "/notes/notes", key=key)
        assert status == 200 and sorted(n["id"] for n in listed) == sorted(created)

    # What one worker writes, the other reads and deletes.
    status, note = first.call("POST", "/notes/notes", {"title": "from the first worker"}, key)
    assert status == 201
    assert second.call("GET", f"/notes/notes/{note['id']}", key=key) == (200, note)
    assert second.call("DELETE", f"/notes/notes/{note['id']}", key=key)[0] == 204
    assert first.call("GET", f"/notes/notes/{note['id']}", key=key)[0] == 404

    # A tenant made through one worker's control plane works on the other.
    status, tenant = second.call("POST", "/_twinstack/tenants", {"name": "shared"})
    assert status == 201
    assert first.call("GET", f"/_twinstack/tenants/{tenant['id']}") == (200, tenant)
    assert first.call("GET", "/notes/notes", key=tenant["credentials"]["notes"]["api_key"]) == (200, [])

    _assert_clock_is_shared(first, second)


def test_two_servers_on_one_database_see_each_others_writes(make_server: Any, pg_url: str, tmp_path: Path) -> None:
    # Started together, the two also race to create the schema and the default tenant.
    with ThreadPoolExecutor(2) as pool:
        one, two = pool.map(
            lambda n: make_server(*SERVE_ARGS, "--database-url", pg_url, data_dir=tmp_path / f"server-{n}"), range(2)
        )
    [a] = connections_to_each(one.port, None).values()
    [b] = connections_to_each(two.port, None).values()
    key = _key(a)
    assert _key(b) == key

    status, note = a.call("POST", "/notes/notes", {"title": "written on one"}, key)
    assert status == 201
    assert b.call("GET", "/notes/notes", key=key) == (200, [note])
    status, other = b.call("POST", "/notes/notes", {"title": "written on two"}, key)
    assert status == 201
    assert a.call("GET", "/notes/notes", key=key) == (200, [note, other])
    assert a.call("DELETE", f"/notes/notes/{other['id']}", key=key)[0] == 204
    assert b.call("GET", f"/notes/notes/{other['id']}", key=key)[0] == 404

    status, tenant = b.call("POST", "/_twinstack/tenants", {"name": "made on two"})
    assert status == 201
    assert a.call("GET", "/notes/notes", key=tenant["credentials"]["notes"]["api_key"]) == (200, [])
    _assert_clock_is_shared(a, b)

    # PostgreSQL dropping every connection (a restart, a failover) costs the servers nothing.
    assert terminate_backends(pg_url) >= 2
    assert a.call("GET", "/notes/notes", key=key)[0] == 200
    assert b.call("POST", "/notes/notes", {"title": "after the drop"}, key)[0] == 201


def _assert_clock_is_shared(mover: Conn, watcher: Conn) -> None:
    key = _key(mover)
    status, advanced = mover.call("POST", "/_twinstack/clock/advance", {"seconds": 30 * 86_400})
    assert status == 200
    target = _epoch(advanced["now"]) - 60

    def watcher_sees_it() -> bool:
        status, note = watcher.call("POST", "/notes/notes", {"title": "what time is it?"}, key)
        assert status == 201
        return _epoch(note["created_at"]) >= target

    assert _eventually(watcher_sees_it), "the other process never saw the advanced clock"
