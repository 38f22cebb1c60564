"""Who may call what: open operations, 401 without or with a bad token, 403 for admin operations."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tests.packs.g4fagent.conftest import API, Tenant, assert_error, bearer, login

OPEN = [("GET", "/"), ("GET", "/health"), ("GET", "/capabilities"), ("GET", "/server/stats")]
SECURED = [("GET", "/me"), ("GET", "/projects"), ("POST", "/projects"), ("GET", "/settings"), ("GET", "/admin/users"),
           ("POST", "/auth/logout"), ("GET", "/projects/proj_0000000000000000/diffs")]


@pytest.mark.parametrize(("method", "path"), OPEN)
def test_open_operations_need_no_token(client: TestClient, method: str, path: str) -> None:
    assert client.request(method, API + path).status_code == 200


@pytest.mark.parametrize(("method", "path"), SECURED)
def test_secured_operations_without_a_token_are_401(client: TestClient, method: str, path: str) -> None:
    error = assert_error(client.request(method, API + path, json={"x": 1}), 401, "unauthorized")
    assert error["message"] == "Missing bearer token."


@pytest.mark.parametrize("header", ["Bearer atk_0123456789abcdef", "Bearer eyJhbGciOiJIUzI1NiJ9.e30.bad", "Basic YTpi"])
def test_a_wrong_token_is_401(client: TestClient, header: str) -> None:
    response = client.get(f"{API}/projects", headers={"Authorization": header})
    assert_error(response, 401, "unauthorized")


def test_a_token_signed_with_another_key_is_401(client: TestClient, tenant: Tenant) -> None:
    head, payload, _ = tenant.access_token.split(".")
    assert_error(client.get(f"{API}/me", headers=bearer(f"{head}.{payload}.c2lnbmF0dXJl")), 401, "unauthorized")


def test_the_root_lists_every_operation_under_the_mounted_base_path(client: TestClient) -> None:
    body = client.get(f"{API}/").json()
    assert body["ok"] is True and body["name"] == "G4FAgent Dev Platform API"
    assert body["base_path"] == API
    assert len(body["endpoints"]) == 81
    assert {"method": "POST", "path": "/auth/login"} in body["endpoints"]


def test_server_stats_does_not_require_the_phantom_default_parameter(client: TestClient) -> None:
    assert client.get(f"{API}/server/stats?window_s=60").status_code == 200


def _developer(client: TestClient, tenant: Tenant, email: str = "dev@example.com") -> str:
    created = client.post(f"{API}/admin/users", headers=tenant.headers,
                          json={"name": "Dev", "email": email, "roles": ["developer"], "password": "s3cret"})
    assert created.status_code == 200, created.text
    return str(login(client, email, "s3cret")["access_token"])


def test_admin_operations_need_the_admin_role(client: TestClient, tenant: Tenant) -> None:
    token = _developer(client, tenant)
    assert_error(client.get(f"{API}/admin/users", headers=bearer(token)), 403, "forbidden")
    assert_error(client.post(f"{API}/admin/users", headers=bearer(token), json={"name": "x"}), 403, "forbidden")
    assert client.get(f"{API}/projects", headers=bearer(token)).status_code == 200


def test_disabling_a_user_locks_out_its_tokens_and_login(client: TestClient, tenant: Tenant) -> None:
    token = _developer(client, tenant)
    user_id = client.get(f"{API}/me", headers=bearer(token)).json()["user"]["id"]
    assert client.patch(f"{API}/admin/users/{user_id}", headers=tenant.headers, json={"disabled": True}).json() == {"ok": True}
    assert_error(client.get(f"{API}/me", headers=bearer(token)), 401, "unauthorized")
    response = client.post(f"{API}/auth/login", json={"method": "password", "email": "dev@example.com", "password": "s3cret"})
    assert_error(response, 403, "forbidden")


def test_deleting_a_user_locks_out_its_tokens_and_login(client: TestClient, tenant: Tenant) -> None:
    token = _developer(client, tenant)
    user_id = client.get(f"{API}/me", headers=bearer(token)).json()["user"]["id"]
    assert client.delete(f"{API}/admin/users/{user_id}", headers=tenant.headers).json() == {"ok": True}
    assert_error(client.get(f"{API}/projects", headers=bearer(token)), 401, "unauthorized")
    response = client.post(f"{API}/auth/login", json={"method": "password", "email": "dev@example.com", "password": "s3cret"})
    assert_error(response, 401, "invalid_credentials")


def test_a_role_change_applies_to_tokens_already_issued(client: TestClient, tenant: Tenant) -> None:
    token = _developer(client, tenant)
    user_id = client.get(f"{API}/me", headers=bearer(token)).json()["user"]["id"]
    client.patch(f"{API}/admin/users/{user_id}", headers=tenant.headers, json={"roles": ["admin"]})
    assert client.get(f"{API}/admin/users", headers=bearer(token)).status_code == 200
