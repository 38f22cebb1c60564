"""WAYSCloud's error bodies: ``{"detail": "<text naming the field>"}``, or FastAPI's list where declared."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.packs.wayscloud.conftest import API, Tenant
from twinstack.errors import Conflict, TwinError
from twinstack.packs.wayscloud.errors import render_error

UNKNOWN = "00000000-0000-4000-8000-000000000000"


def test_a_missing_body_field_is_400_naming_it(client: TestClient, tenant: Tenant) -> None:
    response = client.post(f"{API}/account/api-keys/service", headers=tenant.account, json={})
    assert response.status_code == 400
    assert response.json() == {"detail": "body.service: Field required"}
    assert response.headers["x-request-id"]


def test_an_iot_query_out_of_range_is_422_in_fastapis_list_shape(client: TestClient, tenant: Tenant) -> None:
    response = client.get(f"{API}/iot/devices", params={"page_size": 1000}, headers=tenant.service)
    assert response.status_code == 422
    assert response.json() == {"detail": [
        {"loc": ["query", "page_size"], "msg": "Input should be less than or equal to 100", "type": "less_than_equal"}
    ]}


def test_a_database_422_declared_as_error_is_a_string_naming_the_field(client: TestClient, tenant: Tenant) -> None:
    response = client.get(f"{API}/databases/oracle", headers=tenant.service)
    assert response.status_code == 422
    assert response.json() == {"detail": "path.db_type: Input should be 'postgresql' or 'mariadb'"}


def test_an_operation_without_a_bad_input_status_still_answers_422_naming_the_field(
    client: TestClient, tenant: Tenant
) -> None:
    response = client.get(f"{API}/apps", params={"page_size": 101}, headers=tenant.service)
    assert response.status_code == 422
    assert response.json() == {"detail": "query.page_size: Input should be less than or equal to 100"}


def test_an_unknown_vps_is_404_vps_not_found(client: TestClient, tenant: Tenant) -> None:
    response = client.get(f"{API}/vps/{UNKNOWN}", headers=tenant.service)
    assert response.status_code == 404
    assert response.json() == {"detail": "VPS not found"}


def test_an_unknown_path_is_404_not_found(client: TestClient, tenant: Tenant) -> None:
    response = client.get(f"{API}/kubernetes/clusters", headers=tenant.service)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


def test_a_method_the_path_does_not_have_is_405_with_allow(client: TestClient, tenant: Tenant) -> None:
    response = client.put(f"{API}/account/profile", headers=tenant.account, json={})
    assert response.status_code == 405
    assert response.json() == {"detail": "Method Not Allowed"}
    assert response.headers["allow"] == "GET"


def test_an_action_on_a_missing_vps_is_the_declared_409(client: TestClient, tenant: Tenant) -> None:
    response = client.post(f"{API}/vps/{UNKNOWN}/backups", headers=tenant.service)
    assert response.status_code == 409
    assert response.json() == {"detail": "VPS not found"}


def test_reading_backups_of_a_missing_vps_reports_none(client: TestClient, tenant: Tenant) -> None:
    response = client.get(f"{API}/vps/{UNKNOWN}/backups", headers=tenant.service)
    assert response.status_code == 200
    assert response.json() == {"vps_id": UNKNOWN, "backups": [], "total": 0}


def test_a_zone_that_exists_or_is_not_a_domain_is_400(client: TestClient, tenant: Tenant) -> None:
    assert client.post(f"{API}/dns/zones", headers=tenant.service, json={"domain": "example.test"}).status_code == 201
    again = client.post(f"{API}/dns/zones", headers=tenant.service, json={"domain": "EXAMPLE.test"})
    assert again.status_code == 400
    assert again.json() == {"detail": "Zone example.test already exists"}
    bad = client.post(f"{API}/dns/zones", headers=tenant.service, json={"domain": "not a domain"})
    assert bad.status_code == 400
    assert bad.json() == {"detail": "Invalid domain format"}


def test_a_bad_ip_is_422_naming_the_path_parameter(client: TestClient, tenant: Tenant) -> None:
    response = client.get(f"{API}/ip/999.1.1.1", headers=tenant.service)
    assert response.status_code == 422
    assert response.json() == {"detail": "path.ip: Input is not a valid IPv4 or IPv6 address"}


def test_the_renderer_words_a_server_fault_and_a_conflict_as_wayscloud_does() -> None:
    fault = TwinError("Internal error: KeyError", code="internal_error", status=500)
    assert render_error(fault, 500, "req_1", None) == {"detail": "Internal server error"}
    conflict = Conflict("Hostname already in use by another VPS")
    assert render_error(conflict, 409, "req_1", {"$ref": "#/components/schemas/Error"}) == {
        "detail": "Hostname already in use by another VPS"
    }
    listed = render_error(conflict, 422, "req_1", {"$ref": "#/components/schemas/HTTPValidationError"})
    assert listed == {
        "detail": [{"loc": ["body"], "msg": "Hostname already in use by another VPS", "type": "conflict"}]
    }
