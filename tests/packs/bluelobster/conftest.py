"""Fixtures for the bluelobster twin: a fresh tenant and keys with chosen permissions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import tenant_credentials

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
