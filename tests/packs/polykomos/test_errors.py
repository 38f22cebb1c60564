"""Polykomos' ApiError body through HTTP: field named on bad input, 400 vs 422, 404, 405, request ids."""

from __future__ import annotations

import re
from typing import Any

from starlette.testclient import TestClient

from tests.packs.polykomos.conftest import API, Tenant, create_database, idempotent
from tests.packs.polykomos.servers import db_name

REQUEST_ID = re.compile(r"^req_[0-9a-f]{12}$")


def api_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """The body of an ApiError answer, after checking its status, code and request id."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert set(body) == {"error", "request_id"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert REQUEST_ID.match(body["request_id"])
    assert body["request_id"] == response.headers["X-Request-Id"]
    return body


def test_a_missing_body_field_is_422_missing_required_field_naming_it(client: TestClient, tenant: Tenant) -> None:
    response = client.post(f"{API}/blueprints", headers=idempotent(tenant.api_key), json={"sql_content": "select 1"})
    body = api_error(response, 422, "missing_required_field")
    assert body["error"]["message"] == "Missing required field: name"
    assert body["error"]["details"]["field"] == "name"
    assert body["error"]["details"]["location"] == "body"


def test_a_field_breaking_its_pattern_is_422_invalid_field(client: TestClient, tenant: Tenant) -> None:
    response = client.post(f"{API}/databases", headers=idempotent(tenant.api_key), json={"name": "Not A Valid Name"})
    body = api_error(response, 422, "invalid_field")
    assert body["error"]["details"]["field"] == "name"


def test_a_nested_field_is_named_by_its_dotted_path(client: TestClient, tenant: Tenant) -> None:
    response = client.post(
        f"{API}/databases", headers=idempotent(tenant.api_key), json={"name": "app", "warning_threshold_pct": 0}
    )
    body = api_error(response, 422, "invalid_field")
    assert body["error"]["details"]["field"] == "warning_threshold_pct"


def test_every_bad_field_is_listed_in_details(client: TestClient, tenant: Tenant) -> None:
    response = client.post(f"{API}/webhook_endpoints", headers=idempotent(tenant.api_key), json={"events": "all"})
    body = api_error(response, 422, "missing_required_field")
    assert {e["field"] for e in body["error"]["details"]["errors"]} == {"url", "events"}


def test_create_database_without_idempotency_key_is_400(client: TestClient, tenant: Tenant) -> None:
    response = client.post(f"{API}/databases", headers=tenant.headers, json={"name": "app"})
    body = api_error(response, 400, "missing_idempotency_key")
    assert body["error"]["details"]["field"] == "Idempotency-Key"
    assert body["error"]["details"]["location"] == "header"


def test_create_database_with_a_non_uuid_idempotency_key_is_400(client: TestClient, tenant: Tenant) -> None:
    headers = {**tenant.headers, "Idempotency-Key": "not-a-uuid"}
    response = client.post(f"{API}/databases", headers=headers, json={"name": "app"})
    body = api_error(response, 400, "invalid_idempotency_key")
    assert body["error"]["details"]["field"] == "Idempotency-Key"


def test_create_blueprint_without_idempotency_key_is_422_where_no_400_is_declared(
    client: TestClient, tenant: Tenant
) -> None:
    response = client.post(f"{API}/blueprints", headers=tenant.headers, json={"name": "b", "sql_content": "select 1"})
    body = api_error(response, 422, "missing_idempotency_key")
    assert body["error"]["details"]["field"] == "Idempotency-Key"


def test_delete_database_accepts_a_request_without_idempotency_key(db_client: TestClient, db_tenant: Tenant) -> None:
    uuid = create_database(db_client, db_tenant, db_name("nokey"))["uuid"]
    assert db_client.delete(f"{API}/databases/{uuid}", headers=db_tenant.headers).status_code == 200
    assert db_client.get(f"{API}/databases/{uuid}", headers=db_tenant.headers).status_code == 404


def test_revoke_webhook_endpoint_without_idempotency_key_reaches_the_endpoint(client: TestClient, tenant: Tenant) -> None:
    api_error(client.delete(f"{API}/webhook_endpoints/987654", headers=tenant.headers), 404, "not_found")


def test_a_non_uuid_idempotency_key_on_delete_is_still_refused_naming_it(client: TestClient, tenant: Tenant) -> None:
    headers = {**tenant.headers, "Idempotency-Key": "nope"}
    response = client.delete(f"{API}/databases/00000000-0000-4000-8000-000000000000", headers=headers)
    body = api_error(response, 422, "invalid_idempotency_key")
    assert body["error"]["details"]["field"] == "Idempotency-Key"


def test_unparseable_json_on_create_database_is_400(client: TestClient, tenant: Tenant) -> None:
    headers = {**idempotent(tenant.api_key), "Content-Type": "application/json"}
    response = client.post(f"{API}/databases", headers=headers, content=b"{not json")
    body = api_error(response, 400, "invalid_json")
    assert body["error"]["details"]["field"] == "body"


def test_an_unknown_database_is_404_not_found(client: TestClient, tenant: Tenant) -> None:
    response = client.get(f"{API}/databases/00000000-0000-4000-8000-000000000000", headers=tenant.headers)
    body = api_error(response, 404, "not_found")
    assert body["error"]["details"]["field"] == "uuid"


def test_a_malformed_uuid_in_the_path_is_404_naming_it(client: TestClient, tenant: Tenant) -> None:
    body = api_error(client.get(f"{API}/blueprints/not-a-uuid", headers=tenant.headers), 404, "not_found")
    assert body["error"]["details"]["field"] == "uuid"


def test_a_malformed_uuid_is_422_where_the_operation_declares_422(client: TestClient, tenant: Tenant) -> None:
    response = client.patch(f"{API}/blueprints/not-a-uuid", headers=tenant.headers, json={"name": "x"})
    body = api_error(response, 422, "invalid_field")
    assert body["error"]["details"] == {
        "field": "uuid", "location": "path",
        "errors": [{"field": "uuid", "location": "path", "type": "format", "message": '"not-a-uuid" is not a "uuid"'}],
    }


def test_a_limit_beyond_100_is_422_naming_limit(client: TestClient, tenant: Tenant) -> None:
    body = api_error(client.get(f"{API}/databases?limit=101", headers=tenant.headers), 422, "invalid_field")
    assert body["error"]["details"]["field"] == "limit"
    assert body["error"]["details"]["location"] == "query"


def test_a_non_integer_webhook_cursor_is_422_naming_it(client: TestClient, tenant: Tenant) -> None:
    response = client.get(f"{API}/webhook_endpoints?starting_after=abc", headers=tenant.headers)
    assert api_error(response, 422, "invalid_field")["error"]["details"]["field"] == "starting_after"


def test_an_unknown_path_is_404_in_the_api_error_shape(client: TestClient, tenant: Tenant) -> None:
    api_error(client.get(f"{API}/no_such_thing", headers=tenant.headers), 404, "not_found")


def test_a_wrong_method_is_405_with_allow(client: TestClient, tenant: Tenant) -> None:
    response = client.put(f"{API}/databases", headers=tenant.headers, json={})
    api_error(response, 405, "method_not_allowed")
    assert set(response.headers["Allow"].split(", ")) == {"GET", "POST"}


def test_success_bodies_carry_the_request_id_of_the_header(client: TestClient, tenant: Tenant) -> None:
    for path in ("/me", "/databases", "/database_types", "/blueprints", "/webhook_endpoints"):
        response = client.get(f"{API}{path}", headers=tenant.headers)
        assert response.status_code == 200, response.text
        assert REQUEST_ID.match(response.headers["X-Request-Id"])
        assert response.json()["request_id"] == response.headers["X-Request-Id"]


def test_each_request_gets_its_own_id(client: TestClient, tenant: Tenant) -> None:
    ids = {client.get(f"{API}/me", headers=tenant.headers).headers["X-Request-Id"] for _ in range(3)}
    assert len(ids) == 3


def test_a_created_resource_reply_carries_the_request_id(client: TestClient, tenant: Tenant) -> None:
    response = client.post(
        f"{API}/blueprints", headers=idempotent(tenant.api_key), json={"name": "contacts", "sql_content": "select 1"}
    )
    assert response.status_code == 201, response.text
    assert response.json()["request_id"] == response.headers["X-Request-Id"]
    assert response.json()["data"]["name"] == "contacts"


def test_another_tenants_blueprint_is_404(client: TestClient, tenant: Tenant) -> None:
    created = client.post(
        f"{API}/blueprints", headers=idempotent(tenant.api_key), json={"name": "mine", "sql_content": "select 1"}
    )
    assert created.status_code == 201, created.text
    uuid = created.json()["data"]["uuid"]
    assert client.get(f"{API}/blueprints/{uuid}", headers=tenant.headers).status_code == 200
    other = client.post("/_twinstack/tenants", json={}).json()["credentials"]["polykomos"]["api_key"]
    body = api_error(client.get(f"{API}/blueprints/{uuid}", headers={"Authorization": f"Bearer {other}"}), 404, "not_found")
    assert body["error"]["details"]["field"] == "uuid"
