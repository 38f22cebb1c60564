"""Credentials a tenant gets for the odin twin, and the state it starts with."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from tests.conftest import tenant_credentials
from tests.packs.odin.conftest import API, Tenant, login

KEY = re.compile(r"^ots_live_[a-z0-9]{32}$")
ALL_SCOPES = ["sessions", "messages", "plugins", "plugin-endpoints", "gatherings", "functions"]


def test_tenant_gets_the_contract_credentials_in_odins_formats(client: TestClient) -> None:
    creds = tenant_credentials(client)["credentials"]["odin"]
    assert sorted(creds) == ["api_key", "email", "password"]
    assert KEY.match(creds["api_key"]), creds["api_key"]
    assert re.match(r"^[^@\s]+@[^@\s]+\.[a-z]+$", creds["email"])
    assert len(creds["password"]) >= 6


def test_default_tenant_credentials_survive_a_reset_unchanged(client: TestClient) -> None:
    before = client.get("/_twinstack/tenants/default").json()["credentials"]["odin"]
    assert client.post("/_twinstack/reset").status_code == 200
    after = client.get("/_twinstack/tenants/default").json()["credentials"]["odin"]
    assert before == after
    assert client.get(f"{API}/projects", headers={"X-API-Key": after["api_key"]}).status_code == 200
    assert login(client, after["email"], after["password"])["accessToken"]


def test_two_tenants_get_different_keys_and_see_only_their_own(client: TestClient) -> None:
    first = tenant_credentials(client)["credentials"]["odin"]
    second = tenant_credentials(client)["credentials"]["odin"]
    assert first["api_key"] != second["api_key"]
    token = login(client, first["email"], first["password"])["accessToken"]
    keys = client.get(f"{API}/api-keys", headers={"Authorization": f"Bearer {token}"}).json()
    assert [k["keyPrefix"] for k in keys] == [first["api_key"][:13] + "..."]


def test_tenant_starts_with_one_project_and_one_key_holding_every_scope(client: TestClient, tenant: Tenant) -> None:
    projects = client.get(f"{API}/projects", headers=tenant.key_headers).json()
    assert [p["name"] for p in projects] == ["Default Project"]
    keys = client.get(f"{API}/api-keys", headers=tenant.bearer_headers).json()
    assert len(keys) == 1
    assert keys[0]["scopes"] == ALL_SCOPES
    assert keys[0]["keyPrefix"] == tenant.api_key[:13] + "..."
    assert "key" not in keys[0] and "projectId" not in keys[0]


def test_scopes_lists_the_six_resource_families(client: TestClient, tenant: Tenant) -> None:
    response = client.get(f"{API}/api-keys/scopes", headers=tenant.bearer_headers)
    assert response.status_code == 200
    assert response.json() == ALL_SCOPES
