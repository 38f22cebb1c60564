"""ODIN's NestJS error bodies, as a client sees them, and the renderer's other statuses."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.packs.odin.conftest import API, Tenant
from twinstack.errors import Conflict, FieldIssue, TwinError, ValidationFailed
from twinstack.packs.odin.errors import render_error


def test_missing_fields_are_400_with_one_message_per_field(client: TestClient, tenant: Tenant) -> None:
    response = client.post(f"{API}/projects/{tenant.project_id}/sessions", json={}, headers=tenant.key_headers)
    assert response.status_code == 400
    body = response.json()
    assert body["statusCode"] == 400 and body["error"] == "Bad Request"
    assert sorted(body["message"]) == ["externalRoomId should not be empty", "title should not be empty"]


def test_absent_body_names_the_required_fields(client: TestClient, tenant: Tenant) -> None:
    response = client.post(f"{API}/projects/{tenant.project_id}/sessions", headers=tenant.key_headers)
    assert response.status_code == 400
    assert sorted(response.json()["message"]) == ["externalRoomId should not be empty", "title should not be empty"]


def test_wrong_type_names_the_field(client: TestClient, tenant: Tenant) -> None:
    response = client.post(f"{API}/projects/{tenant.project_id}/sessions", json={"title": 3, "externalRoomId": "r"},
                           headers=tenant.key_headers)
    assert response.status_code == 400
    assert response.json()["message"] == ["title must be a string"]


def test_enum_and_range_messages_name_the_field(client: TestClient, tenant: Tenant) -> None:
    response = client.post(f"{API}/projects/{tenant.project_id}/gatherings", headers=tenant.key_headers,
                           json={"name": "Game night", "type": "party", "maxMembers": 500})
    assert response.status_code == 400
    assert sorted(response.json()["message"]) == [
        "maxMembers must not be greater than 100",
        "type must be one of the following values: lobby, appointment, open",
    ]


def test_bad_query_parameter_names_it(client: TestClient, tenant: Tenant) -> None:
    response = client.get(f"{API}/projects/{tenant.project_id}/gatherings/g1?includeMembers=maybe",
                          headers=tenant.key_headers)
    assert response.status_code == 400
    assert response.json()["message"] == ["includeMembers must be a boolean value"]


def test_malformed_json_is_400_with_a_single_message(client: TestClient, tenant: Tenant) -> None:
    response = client.post(f"{API}/projects/{tenant.project_id}/sessions", content=b"{not json",
                           headers={**tenant.key_headers, "Content-Type": "application/json"})
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "Bad Request" and isinstance(body["message"], str) and "JSON" in body["message"]


def test_unknown_path_is_404_in_express_words(client: TestClient) -> None:
    response = client.get(f"{API}/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"statusCode": 404, "message": "Cannot GET /api/nothing-here", "error": "Not Found"}


def test_unknown_resource_is_404(client: TestClient, tenant: Tenant) -> None:
    response = client.get(f"{API}/projects/{tenant.project_id}/sessions/8a1c0f5e-4b7e-4c1e-9a57-3f1f0c2d9b10",
                          headers=tenant.key_headers)
    assert response.status_code == 404
    body = response.json()
    assert body["statusCode"] == 404 and body["error"] == "Not Found" and "not found" in body["message"]


def test_wrong_method_is_405_with_allow(client: TestClient, tenant: Tenant) -> None:
    response = client.delete(f"{API}/projects", headers=tenant.key_headers)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"
    assert response.json()["error"] == "Method Not Allowed"


def test_conflict_is_rendered_with_its_message() -> None:
    body = render_error(Conflict("Function with this slug already exists"), 409, "req_1", None)
    assert body == {"statusCode": 409, "message": "Function with this slug already exists", "error": "Conflict"}


def test_server_error_carries_no_details() -> None:
    body = render_error(TwinError("Internal error: KeyError", status=500), 500, "req_1", None)
    assert body == {"statusCode": 500, "message": "Internal server error"}


def test_bad_element_of_a_list_reads_each_value() -> None:
    issue = FieldIssue("body", ("messageIds", 1), '3 is not of type "string"', "type", 3, {"types": ["string"]})
    body = render_error(ValidationFailed([issue]), 400, "req_1", None)
    assert body["message"] == ["each value in messageIds must be a string"]


def test_unexpected_property_is_named() -> None:
    top = FieldIssue("body", ("foo",), "Additional properties are not allowed ('foo' was unexpected)", "extra_forbidden", 1)
    nested = FieldIssue("body", ("settings", "bar"), "Additional properties are not allowed ('bar' was unexpected)",
                        "extra_forbidden", 2)
    body = render_error(ValidationFailed([top, nested]), 400, "req_1", None)
    assert body["message"] == ["property foo should not exist", "settings.property bar should not exist"]


def test_nested_field_is_named_by_its_path() -> None:
    issue = FieldIssue("body", ("webserviceConfig", "method"), '"PUT" is not one of "GET" or "POST"', "enum", "PUT",
                       {"options": ["GET", "POST"]})
    body = render_error(ValidationFailed([issue]), 400, "req_1", None)
    assert body["message"] == ["webserviceConfig.method must be one of the following values: GET, POST"]
