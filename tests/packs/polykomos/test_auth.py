"""Polykomos API keys through HTTP: format, 401 for missing or unknown keys, 403 for scopes and revoked keys."""

from __future__ import annotations

import re
from datetime import datetime
from collections.abc import Callable
from typing import Any

from starlette.testclient import TestClient

from tests.packs.polykomos.conftest import API, Tenant, bearer, idempotent

KEY = re.compile(r"^pk_live_[A-Za-z0-9]{32}$")


def assert_api_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    assert body["request_id"] == response.headers["X-Request-Id"]
    return body


def test_a_new_tenant_gets_one_api_key_in_the_live_format(client: TestClient) -> None:
    made = client.post("/_twinstack/tenants", json={"name": "fmt"}).json()
    assert set(made["credentials"]["polykomos"]) == {"api_key"}
    assert KEY.match(made["credentials"]["polykomos"]["api_key"])


def test_the_default_tenants_key_is_the_same_on_every_fresh_start(make_client: Callable[..., TestClient]) -> None:
    first = make_client().get("/_twinstack/tenants/default").json()["credentials"]["polykomos"]["api_key"]
    second = make_client().get("/_twinstack/tenants/default").json()["credentials"]["polykomos"]["api_key"]
    assert KEY.match(first)
    assert first == second


def test_the_default_tenants_key_works(client: TestClient) -> None:
    key = client.get("/_twinstack/tenants/default").json()["credentials"]["polykomos"]["api_key"]
    assert client.get(f"{API}/databases", headers=bearer(key)).status_code == 200


def test_two_tenants_get_different_keys(client: TestClient) -> None:
    one = client.post("/_twinstack/tenants", json={}).json()["credentials"]["polykomos"]["api_key"]
    two = client.post("/_twinstack/tenants", json={}).json()["credentials"]["polykomos"]["api_key"]
    assert one != two


def test_no_authorization_header_is_401_missing_api_key(client: TestClient) -> None:
    assert_api_error(client.get(f"{API}/databases"), 401, "missing_api_key")


def test_database_types_is_secured_too(client: TestClient) -> None:
    assert_api_error(client.get(f"{API}/database_types"), 401, "missing_api_key")


def test_a_non_bearer_scheme_is_401(client: TestClient, tenant: Tenant) -> None:
    response = client.get(f"{API}/me", headers={"Authorization": f"Basic {tenant.api_key}"})
    assert_api_error(response, 401, "missing_api_key")


def test_an_unknown_key_in_the_right_format_is_401(client: TestClient) -> None:
    response = client.get(f"{API}/me", headers=bearer("pk_live_" + "A" * 32))
    assert_api_error(response, 401, "invalid_api_key")


def test_a_malformed_key_is_401(client: TestClient) -> None:
    assert_api_error(client.get(f"{API}/me", headers=bearer("garbage")), 401, "invalid_api_key")


def test_another_services_token_is_not_a_polykomos_key(client: TestClient) -> None:
    made = client.post("/_twinstack/tenants", json={}).json()["credentials"]
    other = made["bluelobster"]["api_key"]
    assert_api_error(client.get(f"{API}/me", headers=bearer(other)), 401, "invalid_api_key")


def test_me_lists_every_scope_of_the_tenants_own_key(client: TestClient, tenant: Tenant) -> None:
    response = client.get(f"{API}/me", headers=tenant.headers)
    assert response.status_code == 200, response.text
    key = response.json()["data"]["api_key"]
    assert key["object"] == "api_key"
    assert key["status"] == "active"
    assert key["preview"] == "pk_live_..." + tenant.api_key[-4:]
    assert set(key["permissions"]) == {
        "blueprints:read", "blueprints:write", "databases:read", "databases:write",
        "queries:write", "webhooks:read", "webhooks:write",
    }
    assert key["controls"]["requests_per_minute"] == 600
    assert response.json()["data"]["user"]["email"].endswith("@users.polykomos.test")


def test_me_shows_when_the_key_was_last_used_by_the_twin_clock(client: TestClient, tenant: Tenant) -> None:
    first = client.get(f"{API}/me", headers=tenant.headers).json()["data"]["api_key"]["last_used_at"]
    client.post("/_twinstack/clock/advance", json={"seconds": 7200})
    assert client.get(f"{API}/databases", headers=tenant.headers).status_code == 200
    later = client.get(f"{API}/me", headers=tenant.headers).json()["data"]["api_key"]["last_used_at"]
    gap = datetime.fromisoformat(later.replace("Z", "+00:00")) - datetime.fromisoformat(first.replace("Z", "+00:00"))
    assert gap.total_seconds() >= 7200


def test_a_key_without_blueprints_write_gets_403_on_create_blueprint(
    client: TestClient, key_with: Callable[..., str]
) -> None:
    key = key_with("blueprints:read")
    response = client.post(f"{API}/blueprints", headers=idempotent(key), json={"name": "b", "sql_content": "select 1"})
    body = assert_api_error(response, 403, "insufficient_scope")
    assert body["error"]["message"] == "This API key lacks the required scope: blueprints:write"
    assert body["error"]["details"]["scopes"] == ["blueprints:write"]
    assert client.get(f"{API}/blueprints", headers=bearer(key)).status_code == 200


def test_the_scope_check_comes_before_body_validation(client: TestClient, key_with: Callable[..., str]) -> None:
    key = key_with("blueprints:read")
    assert_api_error(client.post(f"{API}/blueprints", headers=idempotent(key), json={}), 403, "insufficient_scope")


def test_applying_a_blueprint_needs_both_databases_write_and_blueprints_read(
    client: TestClient, key_with: Callable[..., str]
) -> None:
    path = f"{API}/databases/00000000-0000-4000-8000-000000000000/blueprint_applications"
    body = {"blueprint_uuid": "00000000-0000-4000-8000-000000000001"}
    for key in (key_with("databases:write"), key_with("blueprints:read")):
        assert_api_error(client.post(path, headers=idempotent(key), json=body), 403, "insufficient_scope")
    both = key_with("databases:write", "blueprints:read")
    assert client.post(path, headers=idempotent(both), json=body).status_code != 403


def test_queries_need_queries_write(client: TestClient, key_with: Callable[..., str]) -> None:
    key = key_with("databases:read", "databases:write")
    body = {"database_uuid": "00000000-0000-4000-8000-000000000000", "query": "show all users"}
    assert_api_error(client.post(f"{API}/query_executions", headers=bearer(key), json=body), 403, "insufficient_scope")


def test_me_needs_no_scope(client: TestClient, key_with: Callable[..., str]) -> None:
    key = key_with()
    response = client.get(f"{API}/me", headers=bearer(key))
    assert response.status_code == 200, response.text
    assert response.json()["data"]["api_key"]["permissions"] == []


def test_a_revoked_key_is_403_where_an_unknown_one_is_401(client: TestClient, key_with: Callable[..., str]) -> None:
    key = key_with("databases:read")
    assert client.get(f"{API}/databases", headers=bearer(key)).status_code == 200
    revoked = client.post("/_twinstack/polykomos/api_keys/revoke", json={"api_key": key})
    assert revoked.status_code == 200, revoked.text
    assert_api_error(client.get(f"{API}/databases", headers=bearer(key)), 403, "inactive_api_key")


def test_the_key_control_refuses_unknown_scopes_and_tenants(client: TestClient, tenant: Tenant) -> None:
    bad_scope = client.post("/_twinstack/polykomos/api_keys", json={"tenant": tenant.id, "scopes": ["root"]})
    assert bad_scope.status_code == 400
    assert bad_scope.json()["field"] == "scopes"
    no_tenant = client.post("/_twinstack/polykomos/api_keys", json={"tenant": "nobody"})
    assert no_tenant.status_code == 404
    assert no_tenant.json()["field"] == "tenant"
