"""The production host name reaches the twin without the slug prefix, in process and in a real server."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.conftest import LiveServer, tenant_credentials
from tests.packs.polykomos.conftest import Tenant


def test_host_polykomos_com_reaches_the_twin_without_the_slug(client: TestClient, tenant: Tenant) -> None:
    response = client.get("/api/v1/me", headers={**tenant.headers, "Host": "polykomos.com"})
    assert response.status_code == 200, response.text
    assert response.json()["data"]["api_key"]["object"] == "api_key"


def test_the_host_route_still_requires_a_key(client: TestClient) -> None:
    response = client.get("/api/v1/databases", headers={"Host": "polykomos.com"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "missing_api_key"


def test_a_real_server_answers_on_the_production_host(live_server: LiveServer) -> None:
    with live_server.http() as http:
        key = tenant_credentials(http)["credentials"]["polykomos"]["api_key"]
        by_host = http.get("/api/v1/databases", headers={"Host": "polykomos.com:443", "Authorization": f"Bearer {key}"})
        by_slug = http.get("/polykomos/api/v1/databases", headers={"Authorization": f"Bearer {key}"})
    assert by_host.status_code == 200, by_host.text
    assert by_slug.status_code == 200, by_slug.text
    assert by_host.json()["data"] == by_slug.json()["data"] == []
    assert by_host.json()["request_id"] == by_host.headers["X-Request-Id"]
