"""What a tenant is given for G4FAgent, and the upstream defaults of the default tenant."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from tests.conftest import tenant_credentials
from tests.packs.g4fagent.conftest import API, login


def test_new_tenant_gets_an_email_and_a_password(client: TestClient) -> None:
    creds = tenant_credentials(client)["credentials"]["g4fagent"]
    assert set(creds) == {"email", "password"}
    assert re.fullmatch(r"admin\+[0-9a-f]{8}@g4fagent\.local", creds["email"])
    assert len(creds["password"]) == 20


def test_two_tenants_get_different_logins(client: TestClient) -> None:
    first = tenant_credentials(client)["credentials"]["g4fagent"]
    second = tenant_credentials(client)["credentials"]["g4fagent"]
    assert first["email"] != second["email"] and first["password"] != second["password"]


def test_default_tenant_uses_the_upstream_admin_login(client: TestClient) -> None:
    default = client.get("/_twinstack/tenants/default").json()["credentials"]["g4fagent"]
    assert default == {"email": "admin@g4fagent.local", "password": "admin"}
    tokens = login(client, "admin@g4fagent.local", "admin")
    me = client.get(f"{API}/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}).json()["user"]
    assert me["id"] == "user_admin" and me["name"] == "Admin" and me["roles"] == ["admin", "developer"]


def test_default_api_key_logs_in_as_the_admin(client: TestClient) -> None:
    response = client.post(f"{API}/auth/login", json={"method": "api_key", "api_key": "dev-api-key"})
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    assert client.get(f"{API}/me", headers={"Authorization": f"Bearer {token}"}).json()["user"]["email"] == "admin@g4fagent.local"


def test_the_api_key_is_no_bearer_token(client: TestClient) -> None:
    response = client.get(f"{API}/projects", headers={"Authorization": "Bearer dev-api-key"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"

