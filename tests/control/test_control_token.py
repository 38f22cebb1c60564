"""The control token: on a non-loopback ``--host`` every ``/_twinstack/`` call needs it; service traffic never does.

A real ``twinstack serve --host 0.0.0.0`` is reached on 127.0.0.1: the rule follows the address the
twin listens on, not the address a caller comes from.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, free_port


class Served:
    def __init__(self, tmp: Path, *extra: str, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tmp / f"serve-{self.port}.log"
        cmd = [sys.executable, "-m", "twinstack", "serve", "--host", "0.0.0.0", "--port", str(self.port),
               "--data-dir", str(tmp / "state"), "--dns-port", "0", "--mqtt-url", "none", "--services", "wayscloud",
               "--speed", "instant", *extra]
        environment = {k: v for k, v in os.environ.items() if k != "TWINSTACK_CONTROL_TOKEN"}
        environment.update(env or {}, PYTHONUNBUFFERED="1")
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, env=environment,
                                         start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text()[-3000:]
            try:
                if httpx.get(self.url + "/_twinstack/health", timeout=1).status_code == 401:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("twinstack serve did not answer in 60 s")

    def stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        self.proc.wait(timeout=20)


@pytest.fixture
def given(tmp_path: Path) -> Iterator[Served]:
    served = Served(tmp_path, "--control-token", "s3cret-token")
    yield served
    served.stop()


def test_every_control_call_needs_the_token_on_a_non_loopback_host(given: Served) -> None:
    for method, path in (("GET", "/_twinstack/health"), ("POST", "/_twinstack/reset"),
                         ("GET", "/_twinstack/state/export"), ("GET", "/_twinstack/faults"),
                         ("GET", "/_twinstack/openapi.json"), ("POST", "/_twinstack/wayscloud/anything")):
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "s3cret-token"}):
            refused = httpx.request(method, given.url + path, headers=headers, timeout=10)
            assert refused.status_code == 401, (method, path, headers)
            assert refused.headers["www-authenticate"].startswith("Bearer")
    ok = httpx.get(given.url + "/_twinstack/health", headers={"Authorization": "Bearer s3cret-token"}, timeout=10)
    assert ok.status_code == 200 and ok.json()["status"] == "ok"


def test_service_traffic_needs_no_control_token(given: Served) -> None:
    auth = {"Authorization": "Bearer s3cret-token"}
    tenant = httpx.post(given.url + "/_twinstack/tenants", headers=auth, timeout=30).json()
    key = tenant["credentials"]["wayscloud"]["api_key"]
    listed = httpx.get(given.url + "/wayscloud/v1/vps", headers={"X-API-Key": key}, timeout=10)
    assert listed.status_code == 200
    assert httpx.get(given.url + "/wayscloud/v1/vps", timeout=10).status_code == 401  # its own auth, as ever


def test_the_environment_variable_sets_the_token(tmp_path: Path) -> None:
    served = Served(tmp_path, env={"TWINSTACK_CONTROL_TOKEN": "from-env"})
    try:
        ok = httpx.get(served.url + "/_twinstack/health", headers={"Authorization": "Bearer from-env"}, timeout=10)
        assert ok.status_code == 200
    finally:
        served.stop()


def test_a_token_is_generated_and_printed_when_none_is_given(tmp_path: Path) -> None:
    served = Served(tmp_path)
    try:
        printed = re.search(r"control token \(.*\): (\S+)", served.log.read_text())
        assert printed is not None, served.log.read_text()
        token = printed.group(1)
        assert len(token) >= 24
        ok = httpx.get(served.url + "/_twinstack/health", headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert ok.status_code == 200
        # The control-plane CLI sends TWINSTACK_CONTROL_TOKEN.
        env = {**os.environ, "TWINSTACK_CONTROL_TOKEN": token}
        cli = subprocess.run([sys.executable, "-m", "twinstack", "health", "--url", served.url, "--json"],
                             capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
        assert cli.returncode == 0, cli.stderr
        env.pop("TWINSTACK_CONTROL_TOKEN")
        cli = subprocess.run([sys.executable, "-m", "twinstack", "health", "--url", served.url],
                             capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
        assert cli.returncode == 1 and "401" in cli.stderr
    finally:
        served.stop()


def test_loopback_stays_open(tmp_path: Path) -> None:
    from starlette.testclient import TestClient

    from twinstack.app import create_app
    from twinstack.config import Settings

    for host in ("127.0.0.1", "localhost", "::1"):
        assert Settings(host=host).control_open
    assert not Settings(host="0.0.0.0").control_open
    with TestClient(create_app(Settings(data_dir=tmp_path / "s", services=["wayscloud"], dns_port=0,
                                        mqtt_url="none"))) as client:
        assert client.get("/_twinstack/health").status_code == 200
