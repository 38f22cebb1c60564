"""Fixtures for the g4fagent twin: a fresh tenant, logged in as its admin; a live server for streaming.

``live_twin`` is a real ``twinstack serve --services g4fagent --speed realistic`` (shared by the session,
reset before each test), for what an in-process client cannot show, such as Server-Sent Events arriving
while a run is still going; ``live_tenant`` is a fresh tenant of it, logged in.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import LiveServer, served, tenant_credentials
from tests.packs.no_scans import no_whole_collection_reads  # noqa: F401  (autouse: no scans on request paths)

API = "/g4fagent/api/v1"


@dataclass(slots=True)
class Tenant:
    id: str
    email: str
    password: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


def login(client: Any, email: str, password: str) -> dict[str, Any]:
    response = client.post(f"{API}/auth/login", json={"method": "password", "email": email, "password": password})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_error(response: Any, status: int, code: str, field: str | None = None) -> dict[str, Any]:
    """The API's error envelope, with this status and code (and the field at fault, when named)."""
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code
    assert error["request_id"].startswith("req_") and len(error["request_id"]) == 20
    assert error["retryable"] is False
    assert isinstance(error["message"], str) and error["message"]
    if field is not None:
        assert error["details"]["field"] == field
        assert field in error["message"]
    return error


@pytest.fixture
def tenant(client: TestClient) -> Tenant:
    made = tenant_credentials(client)
    creds = made["credentials"]["g4fagent"]
    tokens = login(client, creds["email"], creds["password"])
    return Tenant(made["id"], creds["email"], creds["password"], tokens["access_token"], tokens["refresh_token"])


# Workspace helpers: a project, its folder on disk, files written and read through HTTP.


def make_project(client: TestClient, tenant: Tenant, name: str = "demo", **fields: Any) -> dict[str, Any]:
    response = client.post(f"{API}/projects", headers=tenant.headers, json={"name": name, **fields})
    assert response.status_code == 200, response.text
    project: dict[str, Any] = response.json()["project"]
    return project


def workspaces_root(client: TestClient) -> Path:
    return Path(client.app.state.runtime.settings.data_dir) / "g4fagent-workspaces"  # type: ignore[attr-defined]


def folder_of(client: TestClient, project: dict[str, Any]) -> Path:
    """The project's folder, found as a user would: upstream's ``<slug>-<last 8 of id>`` under the data dir."""
    slug = project["name"].lower().replace(" ", "-")
    found = list(workspaces_root(client).glob(f"*/{slug}-{project['id'][-8:]}"))
    assert len(found) == 1, found
    return found[0]


def write_file(client: TestClient, tenant: Tenant, pid: str, path: str, text: str) -> str:
    response = client.put(f"{API}/projects/{pid}/files/content", headers=tenant.headers, json={"path": path, "text": text})
    assert response.status_code == 200, response.text
    etag: str = response.json()["etag"]
    return etag


def read_file(client: TestClient, tenant: Tenant, pid: str, path: str) -> str:
    response = client.get(f"{API}/projects/{pid}/files/content", headers=tenant.headers, params={"path": path})
    assert response.status_code == 200, response.text
    text: str = response.json()["text"]
    return text


@pytest.fixture(scope="session")
def _g4fagent_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    yield from served(tmp_path_factory, "g4fagent-live", "--speed", "realistic", "--strict", "--services", "g4fagent")


@pytest.fixture
def live_twin(_g4fagent_server: LiveServer) -> LiveServer:
    """A real ``twinstack serve`` of G4FAgent alone at realistic speed (shared by the session), reset for this test."""
    _g4fagent_server.reset()
    return _g4fagent_server


@pytest.fixture
def live_tenant(live_twin: LiveServer) -> Tenant:
    """A fresh tenant of the live twin, logged in as its admin."""
    with live_twin.http() as http:
        made = tenant_credentials(http)
        creds = made["credentials"]["g4fagent"]
        tokens = login(http, creds["email"], creds["password"])
    return Tenant(made["id"], creds["email"], creds["password"], tokens["access_token"], tokens["refresh_token"])
