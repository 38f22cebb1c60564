"""Fixtures for the wayscloud twin: a fresh tenant, its headers, keys made through the API itself, and the
official clients (``tests/packs/wayscloud/clients.py``).

Driving the twin with the official clients:

- ``sdk`` (in-process, on ``client``): ``sdk()`` is a ``WaysCloudClient`` with the tenant's PAT as its
  token (Bearer); ``sdk(token=..., api_key=...)`` with other credentials, exactly as the SDK takes them
  (a ``wayscloud_api_`` token is sent as ``X-API-Key``). E.g. ``sdk().vps.list()``; errors are the SDK's
  own exceptions (``wayscloud.NotFoundError``...).
- ``cloud`` (subprocess, on a live ``twinstack serve --services wayscloud``, reset before each test):
  ``cloud("--json", "vps", "list")`` returns a ``CloudResult`` (``code``, ``stdout``, ``stderr``,
  ``json()``, ``error()``); ``HOME`` is a temporary directory, ``WAYSCLOUD_API_URL`` the twin's base.
  ``cloud_tenant`` is the live twin's fresh tenant (``Tenant``); log in first with
  ``cloud("login", "--token", cloud_tenant.pat)`` or pass ``env={"WAYSCLOUD_TOKEN": ...}``.
  ``live_twin`` is the server itself (``live_twin.http()`` for plain HTTP checks).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient
from wayscloud import WaysCloudClient

from tests.conftest import LiveServer, served, tenant_credentials
from tests.packs.no_scans import no_whole_collection_reads  # noqa: F401  (autouse: no scans on request paths)
from tests.packs.wayscloud.clients import CloudCLI, sdk_on

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


@pytest.fixture
def sdk(client: TestClient, tenant: Tenant) -> Callable[..., WaysCloudClient]:
    """Factory: the official SDK on the in-process twin; by default with the tenant's PAT as ``token``."""
    def make(token: str | None = None, api_key: str | None = None) -> WaysCloudClient:
        if token is None and api_key is None:
            token = tenant.pat
        return sdk_on(client, token=token, api_key=api_key)

    return make


@pytest.fixture(scope="session")
def _wayscloud_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    yield from served(tmp_path_factory, "wayscloud-live", "--speed", "instant", "--strict", "--services", "wayscloud")


@pytest.fixture
def live_twin(_wayscloud_server: LiveServer) -> LiveServer:
    """A real ``twinstack serve`` of WAYSCloud alone (shared by the session), reset for this test."""
    _wayscloud_server.reset()
    return _wayscloud_server


@pytest.fixture
def cloud_tenant(live_twin: LiveServer) -> Tenant:
    """A fresh tenant of the live twin."""
    with live_twin.http() as http:
        made = tenant_credentials(http)
    creds = made["credentials"]["wayscloud"]
    return Tenant(made["id"], creds["api_key"], creds["pat"])


@pytest.fixture
def cloud(live_twin: LiveServer, tmp_path: Path) -> CloudCLI:
    """The ``cloud`` command with its own ``HOME``, pointed at the live twin (not logged in)."""
    return CloudCLI(home=tmp_path / "home", api_url=f"{live_twin.url}/wayscloud")
