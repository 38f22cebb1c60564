"""Shared fixtures: ``client`` (in-process, strict) and ``live_server`` (a real ``twinstack serve``).

``client`` runs the ASGI app with its lifespan in this process against a fresh
data dir, with strict response validation on and server exceptions re-raised.
``live_server`` starts ``twinstack serve`` in a subprocess on a free port, waits
for ``/_twinstack/health``, and is reset through ``/_twinstack/reset`` before
each test that uses it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from twinstack.app import create_app
from twinstack.config import Settings

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("TWINSTACK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path / "state", speed="instant", strict=True, dns_port=0, mqtt_url="none")
    with TestClient(create_app(settings), raise_server_exceptions=True) as c:
        yield c


@pytest.fixture
def make_client(tmp_path: Path) -> Iterator[Any]:
    """Factory: an in-process client with chosen settings (e.g. a --spec document)."""
    opened: list[TestClient] = []

    def make(**kwargs: Any) -> TestClient:
        kwargs.setdefault("data_dir", tmp_path / f"state{len(opened)}")
        kwargs.setdefault("speed", "instant")
        kwargs.setdefault("strict", True)
        kwargs.setdefault("dns_port", 0)
        # No MQTT broker unless a test asks for one (``mqtt_url="embedded://127.0.0.1:<port>"``).
        kwargs.setdefault("mqtt_url", "none")
        c = TestClient(create_app(Settings(**kwargs)), raise_server_exceptions=True)
        c.__enter__()
        opened.append(c)
        return c

    yield make
    for c in opened:
        c.__exit__(None, None, None)


@dataclass
class LiveServer:
    """A ``twinstack serve`` process; ``restart``/``kill`` keep its data dir."""

    data_dir: Path
    args: list[str] = field(default_factory=list)
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.port = self.port or free_port()
        self.log_path = self.data_dir.parent / f"serve-{self.port}.log"
        cmd = [sys.executable, "-m", "twinstack", "serve", "--port", str(self.port), "--data-dir", str(self.data_dir),
               "--dns-port", "0", "--mqtt-url", "none", *self.args]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, env=env, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"twinstack serve exited: {self.log_path.read_text()[-3000:]}")
            try:
                if httpx.get(self.url + "/_twinstack/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("twinstack serve did not become healthy in 60 s")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.proc = None

    def kill(self) -> None:
        self.stop(signal.SIGKILL)

    def restart(self) -> None:
        self.stop()
        self.start()

    def reset(self) -> None:
        httpx.post(self.url + "/_twinstack/reset", timeout=30).raise_for_status()

    def http(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30)


PETSTORE = ROOT / "tests" / "data" / "petstore.yaml"


def served(tmp_path_factory: pytest.TempPathFactory, name: str, *args: str) -> Iterator[LiveServer]:
    """For a fixture to ``yield from``: a ``twinstack serve`` with ``args``, in a fresh folder, stopped after."""
    server = LiveServer(tmp_path_factory.mktemp(name) / "state", list(args))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def _live_server_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    yield from served(tmp_path_factory, "live", "--speed", "instant", "--strict", "--spec", f"{PETSTORE}:petstore")


@pytest.fixture
def live_server(_live_server_session: LiveServer) -> LiveServer:
    _live_server_session.reset()
    return _live_server_session


@pytest.fixture(params=["inprocess", "live"])
def any_client(request: pytest.FixtureRequest) -> Iterator[httpx.Client]:
    """The same test body against the in-process app and a real ``twinstack serve`` (both with Petstore)."""
    if request.param == "inprocess":
        yield request.getfixturevalue("make_client")(specs=[f"{PETSTORE}:petstore"])
    else:
        server: LiveServer = request.getfixturevalue("live_server")
        with server.http() as http:
            yield http


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[Any]:
    """Factory: a private ``twinstack serve`` with chosen arguments, stopped after the test."""
    servers: list[LiveServer] = []

    def make(*args: str, data_dir: Path | None = None) -> LiveServer:
        server = LiveServer(data_dir or tmp_path / f"state{len(servers)}", list(args))
        server.start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop(signal.SIGKILL)


def tenant_credentials(base: Any) -> dict[str, Any]:
    """Create a fresh tenant through the control plane (``base`` is a client)."""
    response = base.post("/_twinstack/tenants", json={"name": "test"})
    assert response.status_code == 201, response.text
    return dict(response.json())
