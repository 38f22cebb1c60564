"""Fixtures for the bluelobster twin: a fresh tenant, keys with chosen permissions, and ``Cloud``.

``Cloud`` drives one account through HTTP only (launch, wait for the task,
read back, advance the twin clock), the way a user's script does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import tenant_credentials
from tests.packs.no_scans import no_whole_collection_reads  # noqa: F401  (autouse: no scans on request paths)

API = "/bluelobster/api/v1"


def key_header(key: str) -> dict[str, str]:
    return {"X-API-Key": key}


@dataclass(slots=True)
class Tenant:
    id: str
    api_key: str

    @property
    def headers(self) -> dict[str, str]:
        return key_header(self.api_key)


@pytest.fixture
def tenant(client: TestClient) -> Tenant:
    made = tenant_credentials(client)
    return Tenant(made["id"], made["credentials"]["bluelobster"]["api_key"])


@pytest.fixture
def key_with(client: TestClient, tenant: Tenant) -> Callable[..., str]:
    """Factory: another key of ``tenant`` with the given permissions (issued through the control plane)."""

    def make(**permissions: Any) -> str:
        response = client.post("/_twinstack/bluelobster/api_keys", json={"tenant": tenant.id, **permissions})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return str(body["api_key"])

    return make


SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq9 dev@laptop"
LAUNCH = {"region": "us-east-1", "instance_type": "v1_cpu_medium", "username": "ubuntu", "ssh_key": SSH_KEY}
CUSTOM = {
    "name": "my-vm", "instance_type": "v1_cpu_medium", "host": "px1", "cores": 4, "memory": 16, "disk_size": 100,
    "gpu_count": 0, "username": "ubuntu", "template_name": "UBUNTU-22-04", "ssh_key": SSH_KEY,
}


class Cloud:
    """One account of the Blue Lobster twin, driven through HTTP as a client script would."""

    def __init__(self, http: Any, api_key: str, tenant_id: str = "") -> None:
        self.http = http
        self.api_key = api_key
        self.tenant_id = tenant_id

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {**key_header(self.api_key), **kwargs.pop("headers", {})}
        return self.http.request(method, API + path, headers=headers, **kwargs)

    def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.call(method, path, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()

    def launch(self, **fields: Any) -> dict[str, Any]:
        """``launch-instance`` with ``LAUNCH`` overridden by ``fields``; the reply's ``data``."""
        body = {k: v for k, v in {**LAUNCH, **fields}.items() if v is not None}
        return dict(self.ok("POST", "/instances/launch-instance", json=body)["data"])

    def running(self, **fields: Any) -> str:
        """Launch and wait for the creation task (settled by the next read at ``--speed instant``); the id."""
        data = self.launch(**fields)
        assert self.task(data["task_id"])["status"] == "COMPLETED"
        return str(data["instance_ids"][0])

    def task(self, task_id: str) -> dict[str, Any]:
        return dict(self.ok("GET", f"/tasks/{task_id}"))

    def instance(self, instance_id: str) -> dict[str, Any]:
        return dict(self.ok("GET", f"/instances/{instance_id}"))

    def advance(self, seconds: float) -> None:
        response = self.http.post("/_twinstack/clock/advance", json={"seconds": seconds})
        assert response.status_code == 200, response.text

    def now(self) -> datetime:
        """The twin clock's time (an advance of nothing reports it)."""
        stamp = self.http.post("/_twinstack/clock/advance", json={"seconds": 0}).json()["now"]
        return datetime.fromisoformat(stamp.replace("Z", "+00:00"))

    def log(self, start: datetime, end: datetime) -> dict[str, Any]:
        """``POST /instances/log`` for [start, end]."""
        def iso(moment: datetime) -> str:
            return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

        return dict(self.ok("POST", "/instances/log", json={"start_time": iso(start), "end_time": iso(end)}))


def new_cloud(http: Any) -> Cloud:
    made = tenant_credentials(http)
    return Cloud(http, made["credentials"]["bluelobster"]["api_key"], made["id"])


@pytest.fixture
def cloud(client: TestClient, tenant: Tenant) -> Cloud:
    """The test tenant's account, on the in-process twin at ``--speed instant``."""
    return Cloud(client, tenant.api_key, tenant.id)


@pytest.fixture
def slow_cloud(make_client: Callable[..., TestClient]) -> Cloud:
    """An account on a twin at ``--speed realistic``: tasks move only as the twin clock is advanced."""
    return new_cloud(make_client(speed="realistic"))
