"""Databases: the per-engine list names the tenant's databases of that engine, and only those."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.conftest import tenant_credentials
from tests.packs.wayscloud.conftest import API, Tenant, api_key


def _create(client: TestClient, headers: dict[str, str], db_type: str, name: str) -> str:
    response = client.post(f"{API}/databases", headers=headers, json={"db_type": db_type, "requested_name": name})
    assert response.status_code == 201, response.text
    listed = client.get(f"{API}/databases/{db_type}", headers=headers).json()["databases"]
    return str(listed[-1])


def test_each_engine_lists_its_own_databases(client: TestClient, tenant: Tenant) -> None:
    assert client.get(f"{API}/databases/postgresql", headers=tenant.service).json() == {
        "db_type": "postgresql", "databases": [],
    }
    pg = _create(client, tenant.service, "postgresql", "webapp")
    maria = _create(client, tenant.service, "mariadb", "shop")
    assert client.get(f"{API}/databases/postgresql", headers=tenant.service).json() == {
        "db_type": "postgresql", "databases": [pg],
    }
    assert client.get(f"{API}/databases/mariadb", headers=tenant.service).json() == {
        "db_type": "mariadb", "databases": [maria],
    }


def test_another_tenants_databases_are_not_listed(client: TestClient, tenant: Tenant) -> None:
    other = api_key(tenant_credentials(client)["credentials"]["wayscloud"]["api_key"])
    _create(client, other, "postgresql", "theirs")
    assert client.get(f"{API}/databases/postgresql", headers=tenant.service).json()["databases"] == []
