"""Service keys and PATs made through the API are real credentials: scoped to a service, listed, revoked."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import tenant_credentials
from tests.packs.wayscloud.conftest import API, Tenant, api_key, bearer
from twinstack.packs.wayscloud.permissions import MINTABLE_SERVICES

CREATED_KEY = re.compile(r"^wayscloud_[A-Za-z0-9]{15}_[A-Za-z0-9]{36}$")


def test_a_vps_key_works_on_vps_is_refused_elsewhere_and_dies_when_revoked(
    client: TestClient, tenant: Tenant, service_key: Callable[[str], dict[str, Any]]
) -> None:
    created = service_key("vps")
    assert CREATED_KEY.match(created["key"])
    assert created["key_prefix"] == created["key"][:17]
    assert created["key_type"] == "service"
    assert created["warning"]

    for headers in (api_key(created["key"]), bearer(created["key"])):
        assert client.get(f"{API}/vps", headers=headers).status_code == 200
        refused = client.get(f"{API}/dns/zones", headers=headers)
        assert refused.status_code == 403
        assert set(refused.json()) == {"detail"}

    revoked = client.delete(f"{API}/account/api-keys/{created['id']}", headers=tenant.account)
    assert revoked.status_code == 200
    assert revoked.json()["success"] is True

    response = client.get(f"{API}/vps", headers=api_key(created["key"]))
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid or missing API key"}


def test_the_key_list_shows_prefixes_and_activity_but_never_a_full_key(
    client: TestClient, tenant: Tenant, service_key: Callable[[str], dict[str, Any]]
) -> None:
    created = service_key("database")
    listed = client.get(f"{API}/account/api-keys", headers=tenant.account)
    assert listed.status_code == 200
    items = {item["id"]: item for item in listed.json()}
    mine = items[created["id"]]
    assert mine == {
        "id": created["id"], "key_prefix": created["key"][:17], "key_type": "service", "service": "database",
        "description": "database automation", "scopes": ["database:read", "database:write"], "is_active": True,
        "created_at": mine["created_at"],
    }
    # The tenant's own service key and PAT are listed too.
    assert {item["key_type"] for item in items.values()} == {"service", "account"}
    assert created["key"] not in listed.text
    assert tenant.api_key not in listed.text and tenant.pat not in listed.text

    client.delete(f"{API}/account/api-keys/{created['id']}", headers=tenant.account)
    after = {item["id"]: item for item in client.get(f"{API}/account/api-keys", headers=tenant.account).json()}
    assert after[created["id"]]["is_active"] is False


def test_a_service_key_for_a_service_the_api_does_not_mint_is_400_naming_the_field(
    client: TestClient, tenant: Tenant
) -> None:
    response = client.post(f"{API}/account/api-keys/service", headers=tenant.account, json={"service": "iot"})
    assert response.status_code == 400
    assert response.json()["detail"].startswith("body.service: Input should be 'database'")


def test_a_pat_with_an_unknown_scope_is_400(client: TestClient, tenant: Tenant) -> None:
    response = client.post(f"{API}/account/api-keys/pat", headers=tenant.account, json={"scopes": ["root:all"]})
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Invalid scopes")
    assert "root:all" in response.json()["detail"]


def test_a_created_pat_is_shown_once_and_listed_as_an_account_key(client: TestClient, tenant: Tenant) -> None:
    response = client.post(f"{API}/account/api-keys/pat", headers=tenant.account,
                           json={"scopes": ["api_keys:write", "ssh_keys:read"], "description": "terraform",
                                 "expires_in_days": 90})
    assert response.status_code == 200
    created = response.json()
    assert re.match(r"^wayscloud_pat_[a-z0-9]{8}_[A-Za-z0-9]{32}$", created["key"])
    assert created["key_type"] == "account"
    listed = {i["id"]: i for i in client.get(f"{API}/account/api-keys", headers=tenant.account).json()}
    assert listed[created["id"]]["scopes"] == ["api_keys:write", "ssh_keys:read"]
    assert "service" not in listed[created["id"]]
    assert client.get(f"{API}/account/profile", headers=bearer(created["key"])).status_code == 200


def test_revoking_an_unknown_key_is_404_key_not_found(client: TestClient, tenant: Tenant) -> None:
    response = client.delete(f"{API}/account/api-keys/00000000-0000-4000-8000-000000000000", headers=tenant.account)
    assert response.status_code == 404
    assert response.json() == {"detail": "Key not found"}


@pytest.mark.parametrize("key_id", ["not-a-uuid", "null,null"])
def test_revoking_a_malformed_key_id_is_404_naming_the_field(client: TestClient, tenant: Tenant, key_id: str) -> None:
    response = client.delete(f"{API}/account/api-keys/{key_id}", headers=tenant.account)
    assert response.status_code == 404
    assert response.json() == {"detail": "path.key_id: Input should be a valid UUID, invalid character: found `n` at 1"}


def test_another_tenant_can_neither_see_nor_revoke_a_key(
    client: TestClient, service_key: Callable[[str], dict[str, Any]]
) -> None:
    created = service_key("vps")
    other = bearer(tenant_credentials(client)["credentials"]["wayscloud"]["pat"])
    assert created["id"] not in {i["id"] for i in client.get(f"{API}/account/api-keys", headers=other).json()}
    assert client.delete(f"{API}/account/api-keys/{created['id']}", headers=other).status_code == 404
    assert client.get(f"{API}/vps", headers=api_key(created["key"])).status_code == 200


def test_what_a_service_key_creates_belongs_to_its_tenant(
    client: TestClient, tenant: Tenant, service_key: Callable[[str], dict[str, Any]]
) -> None:
    key = api_key(service_key("dns")["key"])
    made = client.post(f"{API}/dns/zones", headers=key, json={"domain": "Twin-Example.test."})
    assert made.status_code == 201, made.text
    assert made.json()["name"] == "twin-example.test"
    names = [z["name"] for z in client.get(f"{API}/dns/zones", headers=tenant.service).json()["zones"]]
    assert names == ["twin-example.test"]
    other = api_key(tenant_credentials(client)["credentials"]["wayscloud"]["api_key"])
    assert client.get(f"{API}/dns/zones", headers=other).json()["zones"] == []


SERVICE_READS = {
    "database": "/databases/postgresql",
    "storage": "/storage/buckets",
    "llm-api": "/models",
    "dns": "/dns/zones",
    "vps": "/vps",
}


@pytest.mark.parametrize("service", MINTABLE_SERVICES)
def test_every_mintable_service_key_reads_its_own_service_and_nothing_else(
    client: TestClient, service_key: Callable[[str], dict[str, Any]], service: str
) -> None:
    key = api_key(service_key(service)["key"])
    assert client.get(f"{API}{SERVICE_READS[service]}", headers=key).status_code == 200
    for other, path in SERVICE_READS.items():
        if other != service:
            assert client.get(f"{API}{path}", headers=key).status_code == 403, other
    assert client.get(f"{API}/iot/devices", headers=key).status_code == 403
