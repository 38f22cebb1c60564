"""Fixtures for the odin twin: a fresh tenant, its project, a logged-in user and scoped keys."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import tenant_credentials
from tests.packs.no_scans import no_whole_collection_reads  # noqa: F401  (autouse: no scans on request paths)

API = "/odin/api"


@dataclass(slots=True)
class Tenant:
    id: str
    api_key: str
    email: str
    password: str
    project_id: str
    token: str
    """An access token from ``POST /api/auth/login-credentials``."""

    @property
    def key_headers(self) -> dict[str, str]:
        return {"X-API-Key": self.api_key}

    @property
    def bearer_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def login(client: TestClient, email: str, password: str) -> dict[str, Any]:
    response = client.post(f"{API}/auth/login-credentials", json={"email": email, "password": password})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
def tenant(client: TestClient) -> Tenant:
    made = tenant_credentials(client)
    creds = made["credentials"]["odin"]
    projects = client.get(f"{API}/projects", headers={"X-API-Key": creds["api_key"]})
    assert projects.status_code == 200, projects.text
    token = login(client, creds["email"], creds["password"])["accessToken"]
    return Tenant(made["id"], creds["api_key"], creds["email"], creds["password"], projects.json()[0]["id"], token)


@pytest.fixture
def make_key(client: TestClient, tenant: Tenant) -> Callable[..., dict[str, Any]]:
    """Factory: a key created through ``POST /api/api-keys`` (the answer, with ``key`` shown once)."""

    def make(*scopes: str, **fields: Any) -> dict[str, Any]:
        response = client.post(f"{API}/api-keys", headers=tenant.bearer_headers,
                               json={"name": fields.pop("name", "test key"), "scopes": list(scopes), **fields})
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    return make
