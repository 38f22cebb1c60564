"""API keys on secured operations: where they are read, what they may reach, revoking and expiry."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.testclient import TestClient

from tests.conftest import tenant_credentials
from tests.packs.odin.conftest import API, Tenant, login

UNAUTHORIZED = {"statusCode": 401, "message": "Unauthorized"}
NewKey = Callable[..., dict[str, Any]]


def sessions(tenant: Tenant, project_id: str | None = None) -> str:
    return f"{API}/projects/{project_id or tenant.project_id}/sessions"


def test_no_credential_is_401(client: TestClient, tenant: Tenant) -> None:
    response = client.get(sessions(tenant))
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED


def test_unknown_key_is_401(client: TestClient, tenant: Tenant) -> None:
    response = client.get(sessions(tenant), headers={"X-API-Key": "ots_live_" + "0" * 32})
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED


def test_key_is_read_from_x_api_key_or_authorization_apikey(client: TestClient, tenant: Tenant) -> None:
    assert client.get(sessions(tenant), headers=tenant.key_headers).status_code == 200
    assert client.get(sessions(tenant), headers={"Authorization": f"ApiKey {tenant.api_key}"}).status_code == 200


def test_key_sent_as_bearer_is_401(client: TestClient, tenant: Tenant) -> None:
    response = client.get(sessions(tenant), headers={"Authorization": f"Bearer {tenant.api_key}"})
    assert response.status_code == 401


def test_jwt_sent_as_api_key_is_401(client: TestClient, tenant: Tenant) -> None:
    assert client.get(sessions(tenant), headers={"X-API-Key": tenant.token}).status_code == 401


def test_bearer_only_operations_refuse_an_api_key(client: TestClient, tenant: Tenant) -> None:
    for path in ("/auth/me", "/api-keys", "/api-keys/scopes"):
        response = client.get(API + path, headers=tenant.key_headers)
        assert response.status_code == 401, path
        assert response.json() == UNAUTHORIZED


def test_key_without_the_scope_is_403(client: TestClient, tenant: Tenant, make_key: NewKey) -> None:
    key = {"X-API-Key": make_key("sessions")["key"]}
    assert client.get(sessions(tenant), headers=key).status_code == 200
    response = client.get(f"{API}/projects/{tenant.project_id}/gatherings", headers=key)
    assert response.status_code == 403
    assert response.json() == {"statusCode": 403, "message": "API key does not have the required scope: gatherings",
                               "error": "Forbidden"}


def test_message_annotations_need_the_messages_scope(client: TestClient, make_key: NewKey) -> None:
    path = f"{API}/plugins/annotations/messages/batch"
    body = {"messageIds": []}
    assert client.post(path, json=body, headers={"X-API-Key": make_key("plugins")["key"]}).status_code == 403
    assert client.post(path, json=body, headers={"X-API-Key": make_key("messages")["key"]}).status_code == 200


def test_project_is_checked_before_the_body(client: TestClient, tenant: Tenant, make_key: NewKey) -> None:
    key = {"X-API-Key": make_key("sessions", projectId=tenant.project_id)["key"]}
    response = client.post(sessions(tenant, "another-project"), json={"title": 5}, headers=key)
    assert response.status_code == 403


def test_scope_is_checked_before_the_body(client: TestClient, tenant: Tenant, make_key: NewKey) -> None:
    key = {"X-API-Key": make_key("sessions")["key"]}
    response = client.post(f"{API}/projects/{tenant.project_id}/gatherings", json={"type": 5}, headers=key)
    assert response.status_code == 403


def test_families_without_a_scope_are_open_to_any_key(client: TestClient, tenant: Tenant, make_key: NewKey) -> None:
    key = {"X-API-Key": make_key()["key"]}
    response = client.get(f"{API}/projects/{tenant.project_id}/webhooks/subscriptions", headers=key)
    assert response.status_code == 200


def test_project_restricted_key_is_403_on_another_project(client: TestClient, tenant: Tenant, make_key: NewKey) -> None:
    key = {"X-API-Key": make_key("sessions", projectId=tenant.project_id)["key"]}
    assert client.get(sessions(tenant), headers=key).status_code == 200
    response = client.get(sessions(tenant, "another-project"), headers=key)
    assert response.status_code == 403
    assert response.json() == {"statusCode": 403, "message": "No access to this project", "error": "Forbidden"}
    assert [p["id"] for p in client.get(f"{API}/projects", headers=key).json()] == [tenant.project_id]


def test_key_for_a_project_outside_the_tenant_is_refused(client: TestClient, tenant: Tenant) -> None:
    response = client.post(f"{API}/api-keys", headers=tenant.bearer_headers,
                           json={"name": "k", "scopes": [], "projectId": "not-mine"})
    assert response.status_code == 403


def test_created_key_works_and_stops_working_once_revoked(client: TestClient, tenant: Tenant, make_key: NewKey) -> None:
    created = make_key("sessions", name="CI")
    assert created["key"].startswith("ots_live_") and created["keyPrefix"] == created["key"][:13] + "..."
    key = {"X-API-Key": created["key"]}
    assert client.get(sessions(tenant), headers=key).status_code == 200

    listed = client.get(f"{API}/api-keys", headers=tenant.bearer_headers).json()
    mine = next(k for k in listed if k["id"] == created["id"])
    assert "key" not in mine and mine["name"] == "CI" and mine["scopes"] == ["sessions"]
    assert mine["lastUsedAt"]

    revoked = client.delete(f"{API}/api-keys/{created['id']}", headers=tenant.bearer_headers)
    assert revoked.status_code == 200
    assert client.get(sessions(tenant), headers=key).status_code == 401
    assert created["id"] not in [k["id"] for k in client.get(f"{API}/api-keys", headers=tenant.bearer_headers).json()]
    again = client.delete(f"{API}/api-keys/{created['id']}", headers=tenant.bearer_headers)
    assert again.status_code == 404
    assert again.json() == {"statusCode": 404, "message": "API key not found", "error": "Not Found"}


def test_revoking_the_tenant_key_shuts_it_out(client: TestClient, tenant: Tenant) -> None:
    default = client.get(f"{API}/api-keys", headers=tenant.bearer_headers).json()[0]
    assert client.delete(f"{API}/api-keys/{default['id']}", headers=tenant.bearer_headers).status_code == 200
    assert client.get(sessions(tenant), headers=tenant.key_headers).status_code == 401


def test_key_expires_at_its_expiry(client: TestClient, tenant: Tenant, make_key: NewKey) -> None:
    key = {"X-API-Key": make_key("sessions", expiresAt="2099-01-01T00:00:00Z")["key"]}
    assert client.get(sessions(tenant), headers=key).status_code == 200
    past = {"X-API-Key": make_key("sessions", expiresAt="2020-01-01T00:00:00Z")["key"]}
    assert client.get(sessions(tenant), headers=past).status_code == 401


def test_unknown_scope_is_400_naming_scopes(client: TestClient, tenant: Tenant) -> None:
    response = client.post(f"{API}/api-keys", headers=tenant.bearer_headers, json={"name": "k", "scopes": ["admin"]})
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "Bad Request"
    assert body["message"] == ["each value in scopes must be one of the following values: sessions, messages, "
                               "plugins, plugin-endpoints, gatherings, functions"]


def test_blank_name_and_bad_expiry_are_400_naming_each_field(client: TestClient, tenant: Tenant) -> None:
    response = client.post(f"{API}/api-keys", headers=tenant.bearer_headers,
                           json={"name": " ", "scopes": [], "expiresAt": "next week"})
    assert response.status_code == 400
    assert response.json()["message"] == ["name should not be empty",
                                          "expiresAt must be a valid ISO 8601 date string"]


def test_one_tenant_cannot_revoke_anothers_key(client: TestClient, tenant: Tenant, make_key: NewKey) -> None:
    created = make_key("sessions")
    other = tenant_credentials(client)["credentials"]["odin"]
    token = login(client, other["email"], other["password"])["accessToken"]
    response = client.delete(f"{API}/api-keys/{created['id']}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404
    assert client.get(sessions(tenant), headers={"X-API-Key": created["key"]}).status_code == 200


def test_the_key_list_is_the_live_keys_oldest_first(client: TestClient, tenant: Tenant, make_key: NewKey) -> None:
    made = [make_key("sessions", name=f"k{i}") for i in range(3)]
    client.delete(f"{API}/api-keys/{made[1]['id']}", headers=tenant.bearer_headers)
    for _ in range(3):  # each login opens another Fusion session credential; none of them is a key
        login(client, tenant.email, tenant.password)
    listed = client.get(f"{API}/api-keys", headers=tenant.bearer_headers).json()
    assert [k["name"] for k in listed] == ["Default key", "k0", "k2"]
    assert all(set(k) >= {"id", "name", "keyPrefix", "scopes", "createdAt"} and "key" not in k for k in listed)


def test_last_used_moves_on_by_the_minute(client: TestClient, tenant: Tenant, make_key: NewKey) -> None:
    created = make_key("sessions", name="poller")
    key = {"X-API-Key": created["key"]}

    def last_used() -> str | None:
        listed = client.get(f"{API}/api-keys", headers=tenant.bearer_headers).json()
        found: str | None = next(k for k in listed if k["id"] == created["id"]).get("lastUsedAt")
        return found

    assert last_used() is None
    client.get(sessions(tenant), headers=key)
    first = last_used()
    assert first is not None
    client.post("/_twinstack/clock/advance", json={"seconds": 30})
    client.get(sessions(tenant), headers=key)
    assert last_used() == first
    client.post("/_twinstack/clock/advance", json={"seconds": 61})
    client.get(sessions(tenant), headers=key)
    later = last_used()
    assert later is not None and later > first
