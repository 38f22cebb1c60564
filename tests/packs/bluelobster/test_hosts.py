"""The production host name reaches the twin without the slug prefix, in process and in a real server."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.conftest import LiveServer, tenant_credentials
from tests.packs.bluelobster.conftest import Tenant

HOST = "api.bluelobster.ai"


def test_the_production_host_reaches_the_open_health_check(client: TestClient) -> None:
    response = client.get("/api/v1/health", headers={"Host": HOST})
    assert response.status_code == 200
    assert response.json()["status"] == "healthy"


def test_the_production_host_reaches_secured_operations_with_the_key(client: TestClient, tenant: Tenant) -> None:
    response = client.get("/api/v1/instances", headers={"Host": HOST, **tenant.headers})
    assert response.status_code == 200
    assert response.json() == []


def test_the_production_host_with_a_port_is_the_same_service(client: TestClient, tenant: Tenant) -> None:
    response = client.get("/api/v1/tasks", headers={"Host": f"{HOST}:443", **tenant.headers})
    assert response.status_code == 200


def test_under_the_production_host_the_slug_is_not_part_of_the_path(client: TestClient, tenant: Tenant) -> None:
    response = client.get("/bluelobster/api/v1/instances", headers={"Host": HOST, **tenant.headers})
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_a_real_server_routes_by_host_and_refuses_without_a_key(live_server: LiveServer) -> None:
    with live_server.http() as http:
        key = tenant_credentials(http)["credentials"]["bluelobster"]["api_key"]
        refused = http.get("/api/v1/instances", headers={"Host": HOST})
        assert refused.status_code == 401
        assert refused.json() == {"error": "unauthorized", "message": "Invalid or missing API key"}
        listed = http.get("/api/v1/instances", headers={"Host": HOST, "X-API-Key": key})
        assert listed.status_code == 200
        assert listed.json() == []
