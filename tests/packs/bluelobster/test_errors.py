"""Blue Lobster's error bodies: pydantic's HTTPValidationError on 422, ``{"error", "message"}`` otherwise."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.packs.bluelobster.conftest import API, Tenant
from twinstack.errors import NotFound, TwinError
from twinstack.packs.bluelobster.errors import render_error

SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq9 dev@laptop"
LAUNCH = {"region": "us-east-1", "instance_type": "v1_cpu_medium", "username": "ubuntu", "ssh_key": SSH_KEY}
CUSTOM = {
    "name": "my-vm", "instance_type": "v1_cpu_medium", "host": "px1", "cores": 4, "memory": 16, "disk_size": 100,
    "gpu_count": 0, "username": "ubuntu", "template_name": "UBUNTU-22-04", "ssh_key": SSH_KEY,
}
USERNAME_PATTERN = "^[a-zA-Z][a-zA-Z0-9-]*$"


def detail(*items: dict[str, Any]) -> dict[str, Any]:
    return {"detail": list(items)}


def post(client: TestClient, tenant: Tenant, path: str, body: Any) -> Any:
    return client.post(API + path, headers=tenant.headers, json=body)


def test_a_missing_body_field_is_422_naming_it_with_the_body_as_input(client: TestClient, tenant: Tenant) -> None:
    body = {"region": "us-east-1", "instance_type": "v1_cpu_medium"}
    response = post(client, tenant, "/instances/launch-instance", body)
    assert response.status_code == 422
    assert response.json() == detail(
        {"type": "missing", "loc": ["body", "username"], "msg": "Field required", "input": body}
    )


@pytest.mark.parametrize(
    ("field", "value", "item"),
    [
        ("cores", 65, {"type": "less_than_equal", "msg": "Input should be less than or equal to 64", "ctx": {"le": 64}}),
        ("memory", 7, {"type": "greater_than_equal", "msg": "Input should be greater than or equal to 8",
                       "ctx": {"ge": 8}}),
        ("cores", "four", {"type": "int_parsing",
                           "msg": "Input should be a valid integer, unable to parse string as an integer"}),
        ("cores", 4.5, {"type": "int_from_float",
                        "msg": "Input should be a valid integer, got a number with a fractional part"}),
        ("cores", None, {"type": "int_type", "msg": "Input should be a valid integer"}),
        ("username", "1st", {"type": "string_pattern_mismatch", "msg": f"String should match pattern '{USERNAME_PATTERN}'",
                             "ctx": {"pattern": USERNAME_PATTERN}}),
        ("username", "", {"type": "string_too_short", "msg": "String should have at least 1 character",
                          "ctx": {"min_length": 1}}),
        ("name", "a" * 65, {"type": "string_too_long", "msg": "String should have at most 64 characters",
                            "ctx": {"max_length": 64}}),
        ("host", 7, {"type": "string_type", "msg": "Input should be a valid string"}),
        ("password", "short", {"type": "string_too_short", "msg": "String should have at least 8 characters",
                               "ctx": {"min_length": 8}}),
        ("password", 12345678, {"type": "string_type", "msg": "Input should be a valid string"}),
        ("metadata", ["a"], {"type": "dict_type", "msg": "Input should be a valid dictionary"}),
    ],
    ids=[
        "above maximum", "below minimum", "integer from text", "integer from fraction", "integer from null",
        "pattern", "too short", "too long", "string from number", "nullable too short", "nullable wrong type",
        "object from list",
    ],
)
def test_a_bad_body_field_is_422_exactly_as_pydantic_words_it(
    client: TestClient, tenant: Tenant, field: str, value: Any, item: dict[str, Any]
) -> None:
    response = post(client, tenant, "/instances/launch-custom", {**CUSTOM, field: value})
    assert response.status_code == 422
    assert response.json() == detail({"loc": ["body", field], "input": value, **item})


def test_a_nested_field_is_named_by_its_full_location(client: TestClient, tenant: Tenant) -> None:
    response = post(client, tenant, "/instances/launch-instance", {**LAUNCH, "metadata": {"team": 7}})
    assert response.status_code == 422
    assert response.json() == detail(
        {"type": "string_type", "loc": ["body", "metadata", "team"], "msg": "Input should be a valid string", "input": 7}
    )


def test_every_bad_field_is_listed(client: TestClient, tenant: Tenant) -> None:
    response = post(client, tenant, "/instances/launch-custom", {**CUSTOM, "cores": 65, "memory": 7, "gpu_count": 9})
    assert response.status_code == 422
    named = sorted(tuple(item["loc"]) for item in response.json()["detail"])
    assert named == [("body", "cores"), ("body", "gpu_count"), ("body", "memory")]


def test_a_body_that_is_not_an_object_is_model_attributes_type(client: TestClient, tenant: Tenant) -> None:
    response = post(client, tenant, "/instances/launch-instance", [1])
    assert response.status_code == 422
    assert response.json() == detail({
        "type": "model_attributes_type", "loc": ["body"],
        "msg": "Input should be a valid dictionary or object to extract fields from", "input": [1],
    })


def test_a_missing_body_is_422_field_required(client: TestClient, tenant: Tenant) -> None:
    response = client.post(f"{API}/instances/launch-instance", headers=tenant.headers)
    assert response.status_code == 422
    assert response.json() == detail({"type": "missing", "loc": ["body"], "msg": "Field required", "input": None})


def test_a_body_that_is_not_json_is_json_invalid(client: TestClient, tenant: Tenant) -> None:
    headers = {**tenant.headers, "Content-Type": "application/json"}
    response = client.post(f"{API}/instances/launch-instance", headers=headers, content=b"{region: 1}")
    assert response.status_code == 422
    [item] = response.json()["detail"]
    assert item["type"] == "json_invalid"
    assert item["msg"] == "JSON decode error"
    assert item["loc"][0] == "body"
    assert item["ctx"] == {"error": "Expecting property name enclosed in double quotes"}


def test_a_bad_datetime_is_worded_as_pydantics_parser_does(client: TestClient, tenant: Tenant) -> None:
    body = {"start_time": "2024-13-01T00:00:00Z", "end_time": "2024-01-31T23:59:59Z"}
    response = post(client, tenant, "/instances/log", body)
    assert response.status_code == 422
    problem = "month value is outside expected range of 1-12"
    assert response.json() == detail({
        "type": "datetime_from_date_parsing", "loc": ["body", "start_time"],
        "msg": f"Input should be a valid datetime or date, {problem}", "input": "2024-13-01T00:00:00Z",
        "ctx": {"error": problem},
    })


def test_a_boolean_field_given_a_number_is_bool_parsing(client: TestClient, tenant: Tenant) -> None:
    response = client.put(f"{API}/instances/vm-1/firewall", headers=tenant.headers, json={"enable": 5})
    assert response.status_code == 422
    assert response.json() == detail({
        "type": "bool_parsing", "loc": ["body", "enable"],
        "msg": "Input should be a valid boolean, unable to interpret input", "input": 5,
    })


def test_a_bad_query_parameter_is_422_naming_it(client: TestClient, tenant: Tenant) -> None:
    response = client.get(f"{API}/tasks?limit=ten", headers=tenant.headers)
    assert response.status_code == 422
    assert response.json() == detail({
        "type": "int_parsing", "loc": ["query", "limit"],
        "msg": "Input should be a valid integer, unable to parse string as an integer", "input": "ten",
    })


def test_a_missing_query_parameter_is_422_with_no_input(client: TestClient, tenant: Tenant) -> None:
    response = client.delete(f"{API}/backups", headers=tenant.headers)
    assert response.status_code == 422
    assert response.json() == detail({"type": "missing", "loc": ["query", "volid"], "msg": "Field required", "input": None})


def test_a_bad_path_parameter_is_422_naming_it(client: TestClient, tenant: Tenant) -> None:
    response = client.get(f"{API}/instances/vm-1/firewall/rules/first", headers=tenant.headers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "pos"]
    assert response.json()["detail"][0]["type"] == "int_parsing"


def test_an_unknown_path_is_404_in_the_ad_hoc_shape(client: TestClient, tenant: Tenant) -> None:
    response = client.get(f"{API}/volumes", headers=tenant.headers)
    assert response.status_code == 404
    body = response.json()
    assert set(body) == {"error", "message"}
    assert body["error"] == "not_found"


def test_a_get_on_a_post_only_path_is_405_not_the_instance_route(client: TestClient, tenant: Tenant) -> None:
    # FastAPI would fall through to GET /instances/{id} (404); the twin answers what the document says
    # the path is: POST only. Schemathesis' unsupported-method check expects exactly this.
    response = client.get(f"{API}/instances/log", headers=tenant.headers)
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


def test_a_wrong_method_is_405_with_allow_in_the_ad_hoc_shape(client: TestClient, tenant: Tenant) -> None:
    response = client.patch(f"{API}/instances", headers=tenant.headers)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"
    assert response.json() == {"error": "method_not_allowed", "message": "Method Not Allowed"}


def test_error_details_become_top_level_members_as_in_the_documents_examples() -> None:
    error = NotFound("Task not found", code="task_not_found", details={"task_id": "5f1c"})
    assert render_error(error, 404, "req_1", None) == {"error": "task_not_found", "message": "Task not found", "task_id": "5f1c"}


def test_a_500_carries_the_request_id() -> None:
    error = TwinError("Internal error: KeyError", code="internal_error", status=500)
    assert render_error(error, 500, "req_abc123", None) == {
        "error": "internal_error", "message": "Internal error: KeyError", "request_id": "req_abc123",
    }


@pytest.mark.parametrize(
    ("path", "code", "members"),
    [("/instances/3f7a9c1e-0000-4000-8000-0000000000ff", "instance_not_found", {"error", "message"}),
     ("/tasks/5f1c0000", "task_not_found", {"error", "message", "task_id"})],
)
def test_a_404_uses_the_code_and_members_of_the_operations_own_example(
    client: TestClient, tenant: Tenant, path: str, code: str, members: set[str],
) -> None:
    response = client.get(API + path, headers=tenant.headers)
    assert response.status_code == 404
    assert response.json()["error"] == code
    assert set(response.json()) == members
