"""The production host name reaches the odin twin without the slug prefix."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.conftest import LiveServer, tenant_credentials
from tests.packs.odin.conftest import Tenant

HOST = {"Host": "ots.odin.4players.io"}


def test_production_host_serves_the_api_without_the_slug(client: TestClient, tenant: Tenant) -> None:
    assert client.get("/api", headers=HOST).json() == {"message": "Hello API"}
    response = client.get("/api/projects", headers={**HOST, **tenant.key_headers})
    assert response.status_code == 200
    assert [p["id"] for p in response.json()] == [tenant.project_id]


def test_production_host_answers_unknown_paths_in_odins_shape(client: TestClient) -> None:
    response = client.get("/api/nowhere", headers=HOST)
    assert response.status_code == 404
    assert response.json() == {"statusCode": 404, "message": "Cannot GET /api/nowhere", "error": "Not Found"}


def test_login_and_profile_through_the_host_on_a_real_server(live_server: LiveServer) -> None:
    with live_server.http() as http:
        creds = tenant_credentials(http)["credentials"]["odin"]
        login = http.post("/api/auth/login-credentials", headers=HOST,
                          json={"email": creds["email"], "password": creds["password"]})
        assert login.status_code == 201
        token = login.json()["accessToken"]
        me = http.get("/api/auth/me", headers={**HOST, "Authorization": f"Bearer {token}"})
        assert me.status_code == 200 and me.json()["username"] == "Cortex Admin"
        assert http.get("/odin/api/projects", headers={"X-API-Key": creds["api_key"]}).status_code == 200
