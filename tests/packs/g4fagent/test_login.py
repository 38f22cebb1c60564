"""Login flows for real: password and API-key login, JWT access, refresh rotation, logout, /me."""

from __future__ import annotations

import base64
import json
from typing import Any

from starlette.testclient import TestClient

from tests.packs.g4fagent.conftest import API, Tenant, assert_error, bearer, login


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return decoded


def test_password_login_gives_an_hs256_jwt_and_a_refresh_token(client: TestClient, tenant: Tenant) -> None:
    body = login(client, tenant.email, tenant.password)
    assert set(body) == {"access_token", "refresh_token", "expires_in"}
    assert body["expires_in"] == 3600
    head = body["access_token"].split(".")[0]
    assert json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))["alg"] == "HS256"
    claims = _claims(body["access_token"])
    assert claims["sub"] == "user_admin" and claims["tenant"] == tenant.id
    assert claims["exp"] - claims["iat"] == 3600
    assert body["refresh_token"].startswith("rtk_") and len(body["refresh_token"]) == 20


def test_the_access_token_opens_me(client: TestClient, tenant: Tenant) -> None:
    response = client.get(f"{API}/me", headers=tenant.headers)
    assert response.status_code == 200
    user = response.json()["user"]
    assert set(user) == {"id", "name", "email", "roles", "created_at"}
    assert user["email"] == tenant.email and "admin" in user["roles"]
    assert user["created_at"].endswith("+00:00")


def test_login_email_is_trimmed_and_case_insensitive(client: TestClient, tenant: Tenant) -> None:
    assert login(client, f"  {tenant.email.upper()} ", tenant.password)["access_token"]


def test_wrong_password_is_401_invalid_credentials(client: TestClient, tenant: Tenant) -> None:
    response = client.post(f"{API}/auth/login", json={"method": "password", "email": tenant.email, "password": "nope"})
    assert_error(response, 401, "invalid_credentials")


def test_wrong_api_key_is_401_invalid_credentials(client: TestClient) -> None:
    response = client.post(f"{API}/auth/login", json={"method": "api_key", "api_key": "not-the-key"})
    assert_error(response, 401, "invalid_credentials")


def test_unknown_login_method_is_400_invalid_method(client: TestClient) -> None:
    assert_error(client.post(f"{API}/auth/login", json={"method": "magic"}), 400, "invalid_method", "method")


def test_empty_login_body_is_400_missing_body(client: TestClient) -> None:
    assert_error(client.post(f"{API}/auth/login", json={}), 400, "missing_body")
    assert_error(client.post(f"{API}/auth/login"), 400, "missing_body")


def test_refresh_rotates_and_the_old_refresh_token_stops_working(client: TestClient, tenant: Tenant) -> None:
    first = client.post(f"{API}/auth/refresh", json={"refresh_token": tenant.refresh_token})
    assert first.status_code == 200, first.text
    pair = first.json()
    assert pair["refresh_token"] != tenant.refresh_token and pair["expires_in"] == 3600
    assert client.get(f"{API}/me", headers=bearer(pair["access_token"])).status_code == 200
    again = client.post(f"{API}/auth/refresh", json={"refresh_token": tenant.refresh_token})
    assert_error(again, 401, "invalid_refresh_token")
    assert client.post(f"{API}/auth/refresh", json={"refresh_token": pair["refresh_token"]}).status_code == 200


def test_refresh_without_a_token_is_400_naming_it(client: TestClient) -> None:
    assert_error(client.post(f"{API}/auth/refresh", json={"refresh_token": ""}), 400, "invalid_request", "refresh_token")


def test_refresh_token_expires_after_a_day(client: TestClient, tenant: Tenant) -> None:
    client.post("/_twinstack/clock/advance", json={"seconds": 86_401})
    response = client.post(f"{API}/auth/refresh", json={"refresh_token": tenant.refresh_token})
    assert_error(response, 401, "invalid_refresh_token")


def test_access_token_expires_after_an_hour(client: TestClient, tenant: Tenant) -> None:
    client.post("/_twinstack/clock/advance", json={"seconds": 3601})
    assert_error(client.get(f"{API}/me", headers=tenant.headers), 401, "unauthorized")


def test_logout_revokes_its_own_tokens_and_only_those(client: TestClient, tenant: Tenant) -> None:
    second = login(client, tenant.email, tenant.password)
    response = client.post(f"{API}/auth/logout", headers=tenant.headers, json={"refresh_token": tenant.refresh_token})
    assert response.status_code == 200 and response.json() == {"ok": True}
    assert_error(client.post(f"{API}/auth/refresh", json={"refresh_token": tenant.refresh_token}), 401,
                 "invalid_refresh_token")
    assert_error(client.get(f"{API}/me", headers=tenant.headers), 401, "unauthorized")
    # The same user's other login is untouched.
    assert client.get(f"{API}/me", headers=bearer(second["access_token"])).status_code == 200
    assert client.post(f"{API}/auth/refresh", json={"refresh_token": second["refresh_token"]}).status_code == 200


def test_logout_accepts_an_empty_object_and_ends_the_calling_token(client: TestClient, tenant: Tenant) -> None:
    response = client.post(f"{API}/auth/logout", headers=tenant.headers, json={})
    assert response.status_code == 200 and response.json() == {"ok": True}
    assert_error(client.get(f"{API}/projects", headers=tenant.headers), 401, "unauthorized")
    assert client.post(f"{API}/auth/refresh", json={"refresh_token": tenant.refresh_token}).status_code == 200


def test_a_tenant_token_sees_only_its_own_projects(client: TestClient, tenant: Tenant) -> None:
    created = client.post(f"{API}/projects", headers=tenant.headers, json={"name": "mine"}).json()["project"]
    other = login(client, "admin@g4fagent.local", "admin")["access_token"]
    assert client.get(f"{API}/projects", headers=bearer(other)).json()["items"] == []
    assert_error(client.get(f"{API}/projects/{created['id']}", headers=bearer(other)), 404, "project_not_found")
