"""The API's error envelope on every kind of failure: bad input naming the field, 404, 405, 409."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.packs.g4fagent.conftest import API, Tenant, assert_error


def test_a_non_integer_limit_is_400_naming_the_parameter(client: TestClient, tenant: Tenant) -> None:
    error = assert_error(client.get(f"{API}/projects?limit=ten", headers=tenant.headers), 400, "invalid_request", "limit")
    assert error["details"]["location"] == "query"


def test_a_missing_required_field_is_400_naming_it(client: TestClient, tenant: Tenant) -> None:
    response = client.post(f"{API}/projects", headers=tenant.headers, json={"description": "no name"})
    error = assert_error(response, 400, "invalid_request", "name")
    assert error["message"] == "name is required."


def test_a_field_of_the_wrong_type_is_400_naming_it(client: TestClient, tenant: Tenant) -> None:
    response = client.post(f"{API}/projects", headers=tenant.headers, json={"name": "p", "repo": "not-an-object"})
    assert_error(response, 400, "invalid_request", "repo")


def test_an_absent_or_empty_body_is_400_missing_body(client: TestClient, tenant: Tenant) -> None:
    assert_error(client.post(f"{API}/projects", headers=tenant.headers), 400, "missing_body")
    assert_error(client.post(f"{API}/projects", headers=tenant.headers, json={}), 400, "missing_body")


def test_a_body_that_is_not_json_is_400_invalid_json(client: TestClient, tenant: Tenant) -> None:
    headers = {**tenant.headers, "Content-Type": "application/json"}
    assert_error(client.post(f"{API}/projects", headers=headers, content=b"{not json"), 400, "invalid_json")
    assert_error(client.post(f"{API}/projects", headers=headers, content=b"[1, 2]"), 400, "invalid_json")


def test_an_unknown_path_is_404_not_found_with_the_path(client: TestClient, tenant: Tenant) -> None:
    error = assert_error(client.get(f"{API}/no/such/thing", headers=tenant.headers), 404, "not_found")
    assert error["details"] == {"path": f"{API}/no/such/thing"}


def test_a_path_outside_the_base_path_is_404_not_found(client: TestClient) -> None:
    error = assert_error(client.get("/g4fagent/api/v2/health"), 404, "not_found")
    assert error["details"]["path"] == "/g4fagent/api/v2/health"


def test_a_wrong_method_is_405_with_allow(client: TestClient) -> None:
    response = client.delete(f"{API}/health")
    assert_error(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "GET"


def test_an_unknown_resource_is_404_named_for_its_kind(client: TestClient, tenant: Tenant) -> None:
    assert_error(client.get(f"{API}/projects/proj_0000000000000000", headers=tenant.headers), 404, "project_not_found")
    assert_error(client.get(f"{API}/sessions/sess_0000000000000000", headers=tenant.headers), 404, "session_not_found")
    assert_error(client.delete(f"{API}/admin/users/user_0000000000000000", headers=tenant.headers), 404, "user_not_found")


def test_a_sub_resource_of_an_unknown_project_is_404_project_not_found(client: TestClient, tenant: Tenant) -> None:
    response = client.get(f"{API}/projects/proj_0000000000000000/deployments", headers=tenant.headers)
    assert_error(response, 404, "project_not_found")


def test_a_duplicate_user_email_is_409_conflict(client: TestClient, tenant: Tenant) -> None:
    response = client.post(f"{API}/admin/users", headers=tenant.headers,
                           json={"name": "Twin", "email": tenant.email.upper(), "roles": ["developer"]})
    assert_error(response, 409, "conflict", "email")


def test_every_error_has_a_fresh_request_id(client: TestClient) -> None:
    first = client.get(f"{API}/me").json()["error"]["request_id"]
    second = client.get(f"{API}/me").json()["error"]["request_id"]
    assert first != second
