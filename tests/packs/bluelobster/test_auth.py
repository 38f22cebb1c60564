"""Blue Lobster keys: their format, where they are read, and the 401 that refuses a bad one."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from starlette.testclient import TestClient

from tests.conftest import tenant_credentials
from tests.packs.bluelobster.conftest import API, Tenant, key_header

UNAUTHORIZED = {"error": "unauthorized", "message": "Invalid or missing API key"}
KEY_FORMAT = re.compile(r"^[A-Za-z0-9]{40}$")


def test_a_new_tenant_gets_one_api_key_of_40_base62_characters(client: TestClient) -> None:
    made = tenant_credentials(client)
    credentials = made["credentials"]["bluelobster"]
    assert set(credentials) == {"api_key"}
    assert KEY_FORMAT.match(credentials["api_key"])


def test_two_tenants_get_different_keys(client: TestClient) -> None:
    first = tenant_credentials(client)["credentials"]["bluelobster"]["api_key"]
    second = tenant_credentials(client)["credentials"]["bluelobster"]["api_key"]
    assert first != second


def test_the_default_tenant_key_is_the_same_after_a_reset(client: TestClient) -> None:
    before = client.get("/_twinstack/tenants/default").json()["credentials"]["bluelobster"]["api_key"]
    assert client.post("/_twinstack/reset").status_code == 200
    after = client.get("/_twinstack/tenants/default").json()["credentials"]["bluelobster"]["api_key"]
    assert before == after
    assert KEY_FORMAT.match(after)
    assert after[32:] != after[:8], "a derived key must not repeat its own beginning"
    assert client.get(f"{API}/instances", headers=key_header(after)).status_code == 200


def test_the_key_is_accepted_in_x_api_key(client: TestClient, tenant: Tenant) -> None:
    response = client.get(f"{API}/instances", headers=tenant.headers)
    assert response.status_code == 200
    assert response.json() == []


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-API-Key": ""},
        {"X-API-Key": "AuSpn7JKnotarealkeynotarealkeynotarealke"},
    ],
    ids=["no key", "empty key", "unknown key"],
)
def test_a_missing_or_unknown_key_is_401_in_the_documents_shape(client: TestClient, headers: dict[str, str]) -> None:
    response = client.get(f"{API}/instances", headers=headers)
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED


def test_the_key_is_read_only_from_x_api_key(client: TestClient, tenant: Tenant) -> None:
    response = client.get(f"{API}/instances", headers={"Authorization": f"Bearer {tenant.api_key}"})
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED


def test_a_secured_operation_that_declares_no_401_still_refuses_with_401(client: TestClient) -> None:
    response = client.get(f"{API}/instances/3f7a9c1e-0000-4000-8000-000000000000/stats")
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED


def test_another_services_key_is_401(client: TestClient) -> None:
    made = tenant_credentials(client)
    polykomos_key = made["credentials"]["polykomos"]["api_key"]
    response = client.get(f"{API}/instances", headers=key_header(polykomos_key))
    assert response.status_code == 401


def test_a_revoked_key_is_401(client: TestClient, key_with: Callable[..., str]) -> None:
    key = key_with()
    assert client.get(f"{API}/tasks", headers=key_header(key)).status_code == 200
    revoked = client.post("/_twinstack/bluelobster/api_keys/revoke", json={"api_key": key})
    assert revoked.status_code == 200
    response = client.get(f"{API}/tasks", headers=key_header(key))
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED


def test_health_needs_no_key_and_reports_every_component_operational(client: TestClient) -> None:
    response = client.get(f"{API}/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "healthy"
    assert body["components"] == {
        "api": "operational", "redis": "operational", "postgresql": "operational", "proxmox": "operational",
    }
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", body["timestamp"])

