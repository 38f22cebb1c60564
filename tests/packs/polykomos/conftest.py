"""Fixtures for the polykomos twin: a fresh tenant and keys limited to chosen scopes."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import tenant_credentials

API = "/polykomos/api/v1"


@dataclass(slots=True)
class Tenant:
    id: str
    api_key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def idempotent(key: str) -> dict[str, str]:
    """Headers for an operation that requires an Idempotency-Key."""
    return {**bearer(key), "Idempotency-Key": str(uuid.uuid4())}


@pytest.fixture
def tenant(client: TestClient) -> Tenant:
    made = tenant_credentials(client)
    return Tenant(made["id"], made["credentials"]["polykomos"]["api_key"])


@pytest.fixture
def key_with(client: TestClient, tenant: Tenant) -> Callable[..., str]:
    """Factory: a key of ``tenant`` holding only the given scopes (issued through the control plane)."""

    def make(*scopes: str) -> str:
        response = client.post("/_twinstack/polykomos/api_keys", json={"tenant": tenant.id, "scopes": list(scopes)})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return str(body["api_key"])

    return make
