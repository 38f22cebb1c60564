"""Admin users: create, list (disabled left out), patch, delete, and the guards around the last admin."""

from __future__ import annotations

import re
from typing import Any

from starlette.testclient import TestClient

from tests.conftest import tenant_credentials
from tests.packs.g4fagent.conftest import API, Tenant, assert_error, login


def _user(client: TestClient, tenant: Tenant, email: str, **fields: Any) -> dict[str, Any]:
    body = {"name": email.split("@")[0], "email": email, "roles": ["developer"], **fields}
    response = client.post(f"{API}/admin/users", headers=tenant.headers, json=body)
    assert response.status_code == 200, response.text
    user: dict[str, Any] = response.json()["user"]
    return user


def test_create_returns_the_user_without_secrets(client: TestClient, tenant: Tenant) -> None:
    user = _user(client, tenant, "ann@example.com", password="pw")
    assert re.fullmatch(r"user_[0-9a-f]{16}", user["id"])
    assert set(user) == {"id", "name", "email", "roles", "created_at"}
    assert login(client, "ann@example.com", "pw")["access_token"]


def test_create_names_the_missing_field(client: TestClient, tenant: Tenant) -> None:
    response = client.post(f"{API}/admin/users", headers=tenant.headers, json={"name": "x", "email": "x@example.com"})
    assert_error(response, 400, "invalid_request", "roles")


def test_a_user_without_a_password_cannot_log_in(client: TestClient, tenant: Tenant) -> None:
    _user(client, tenant, "nopw@example.com")
    response = client.post(f"{API}/auth/login", json={"method": "password", "email": "nopw@example.com", "password": ""})
    assert_error(response, 401, "invalid_credentials")


def test_list_searches_and_leaves_out_disabled_users(client: TestClient, tenant: Tenant) -> None:
    ann = _user(client, tenant, "ann@example.com")
    bob = _user(client, tenant, "bob@example.com")
    client.patch(f"{API}/admin/users/{bob['id']}", headers=tenant.headers, json={"disabled": True})
    listed = client.get(f"{API}/admin/users", headers=tenant.headers).json()
    assert [u["id"] for u in listed["items"]] == ["user_admin", ann["id"]]
    assert [u["id"] for u in client.get(f"{API}/admin/users?q=ANN", headers=tenant.headers).json()["items"]] == [ann["id"]]


def test_patch_changes_name_roles_and_password(client: TestClient, tenant: Tenant) -> None:
    user = _user(client, tenant, "cy@example.com", password="old")
    response = client.patch(f"{API}/admin/users/{user['id']}", headers=tenant.headers,
                            json={"name": "Cy", "roles": ["viewer"], "password": "new"})
    assert response.json() == {"ok": True}
    listed = client.get(f"{API}/admin/users?q=cy@", headers=tenant.headers).json()["items"]
    assert listed[0]["name"] == "Cy" and listed[0]["roles"] == ["viewer"]
    assert login(client, "cy@example.com", "new")["access_token"]
    old = client.post(f"{API}/auth/login", json={"method": "password", "email": "cy@example.com", "password": "old"})
    assert_error(old, 401, "invalid_credentials")


def test_delete_then_gone(client: TestClient, tenant: Tenant) -> None:
    user = _user(client, tenant, "dee@example.com")
    assert client.delete(f"{API}/admin/users/{user['id']}", headers=tenant.headers).json() == {"ok": True}
    assert_error(client.delete(f"{API}/admin/users/{user['id']}", headers=tenant.headers), 404, "user_not_found")
    assert_error(client.patch(f"{API}/admin/users/{user['id']}", headers=tenant.headers, json={"name": "x"}), 404,
                 "user_not_found")


def test_you_cannot_delete_yourself(client: TestClient, tenant: Tenant) -> None:
    assert_error(client.delete(f"{API}/admin/users/user_admin", headers=tenant.headers), 400, "invalid_state")


def test_the_last_admin_cannot_be_disabled_or_demoted(client: TestClient, tenant: Tenant) -> None:
    for change in ({"disabled": True}, {"roles": ["developer"]}):
        response = client.patch(f"{API}/admin/users/user_admin", headers=tenant.headers, json=change)
        assert_error(response, 400, "invalid_state")
    assert client.get(f"{API}/me", headers=tenant.headers).json()["user"]["roles"] == ["admin", "developer"]


def test_an_email_is_taken_whatever_its_case(client: TestClient, tenant: Tenant) -> None:
    _user(client, tenant, "Eve@Example.com")
    for spelling in ("eve@example.com", " EVE@EXAMPLE.COM ", tenant.email.upper()):
        response = client.post(f"{API}/admin/users", headers=tenant.headers,
                               json={"name": "again", "email": spelling, "roles": []})
        assert_error(response, 409, "conflict", field="email")
    assert _user(client, tenant, "eve@example.org")["email"] == "eve@example.org"


def test_a_deleted_users_email_is_free_again(client: TestClient, tenant: Tenant) -> None:
    user = _user(client, tenant, "fay@example.com")
    client.delete(f"{API}/admin/users/{user['id']}", headers=tenant.headers)
    assert _user(client, tenant, "FAY@example.com")["email"] == "FAY@example.com"


def test_an_email_is_unique_within_its_tenant_only(client: TestClient, tenant: Tenant) -> None:
    other = login(client, "admin@g4fagent.local", "admin")["access_token"]
    _user(client, tenant, "gus@example.com")
    response = client.post(f"{API}/admin/users", headers={"Authorization": f"Bearer {other}"},
                           json={"name": "gus", "email": "gus@example.com", "roles": []})
    assert response.status_code == 200, response.text


def test_any_admin_but_the_last_enabled_one_may_go(client: TestClient, tenant: Tenant) -> None:
    second = _user(client, tenant, "hal@example.com", roles=["admin"])
    third = _user(client, tenant, "ida@example.com", roles=["admin"])
    assert client.patch(f"{API}/admin/users/{second['id']}", headers=tenant.headers, json={"disabled": True}).json() == {"ok": True}
    assert client.delete(f"{API}/admin/users/{third['id']}", headers=tenant.headers).json() == {"ok": True}
    # Only the caller is an enabled admin now; the disabled one does not count.
    assert_error(client.patch(f"{API}/admin/users/user_admin", headers=tenant.headers, json={"roles": []}),
                 400, "invalid_state")
    assert client.patch(f"{API}/admin/users/{second['id']}", headers=tenant.headers, json={"disabled": False}).json() == {"ok": True}
    assert client.patch(f"{API}/admin/users/user_admin", headers=tenant.headers, json={"roles": []}).json() == {"ok": True}


def test_another_tenants_admin_neither_sees_nor_changes_the_users(client: TestClient, tenant: Tenant) -> None:
    user = _user(client, tenant, "dev@example.com", password="s3cret-pass")
    made = tenant_credentials(client)["credentials"]["g4fagent"]
    other = {"Authorization": f"Bearer {login(client, made['email'], made['password'])['access_token']}"}
    listed = client.get(f"{API}/admin/users", headers=other).json()["items"]
    assert [u["email"] for u in listed] == [made["email"]]
    assert_error(client.patch(f"{API}/admin/users/{user['id']}", headers=other, json={"disabled": True}), 404, "user_not_found")
    assert_error(client.delete(f"{API}/admin/users/{user['id']}", headers=other), 404, "user_not_found")
    # The user still logs in: nothing the other tenant did reached it.
    assert login(client, "dev@example.com", "s3cret-pass")["access_token"]
