"""Fixtures for the wayscloud twin: a fresh tenant, its headers, and keys made through the API itself."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import tenant_credentials
from tests.packs.no_scans import no_whole_collection_reads  # noqa: F401  (autouse: no scans on request paths)

API = "/wayscloud/v1"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def api_key(token: str) -> dict[str, str]:
    return {"X-API-Key": token}


@dataclass(slots=True)
class Tenant:
    id: str
    api_key: str
    """The tenant's service key (every service)."""
    pat: str
    """The tenant's Personal Access Token (every scope)."""

    @property
    def account(self) -> dict[str, str]:
        """Headers for the account operations (PAT only)."""
        return bearer(self.pat)

    @property
    def service(self) -> dict[str, str]:
        """Headers for the service operations, as the official SDK sends a ``wayscloud_api_`` key."""
        return api_key(self.api_key)


@pytest.fixture
def tenant(client: TestClient) -> Tenant:
    made = tenant_credentials(client)
    creds = made["credentials"]["wayscloud"]
    return Tenant(made["id"], creds["api_key"], creds["pat"])


@pytest.fixture
def service_key(client: TestClient, tenant: Tenant) -> Callable[[str], dict[str, Any]]:
    """Factory: ``POST /v1/account/api-keys/service`` with the tenant's PAT; returns the created key."""

    def make(service: str) -> dict[str, Any]:
        response = client.post(f"{API}/account/api-keys/service", headers=tenant.account,
                               json={"service": service, "description": f"{service} automation"})
        assert response.status_code == 200, response.text
        created: dict[str, Any] = response.json()
        return created

    return make


@pytest.fixture
def pat_with(client: TestClient, tenant: Tenant) -> Callable[..., dict[str, Any]]:
    """Factory: ``POST /v1/account/api-keys/pat`` with the given scopes; returns the created token."""

    def make(*scopes: str, **extra: Any) -> dict[str, Any]:
        response = client.post(f"{API}/account/api-keys/pat", headers=tenant.account,
                               json={"scopes": list(scopes), **extra})
        assert response.status_code == 200, response.text
        created: dict[str, Any] = response.json()
        return created

    return make
