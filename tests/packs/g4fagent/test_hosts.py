"""G4FAgent at its own host name (in-process and on a real server), and its tokens across a restart."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from starlette.testclient import TestClient

from tests.conftest import LiveServer
from tests.packs.g4fagent.conftest import login

HOST = {"Host": "g4fagent.local"}


def test_host_header_reaches_the_twin_without_the_slug(client: TestClient) -> None:
    response = client.get("/api/v1/capabilities", headers=HOST)
    assert response.status_code == 200
    assert response.json()["limits"]["max_file_size_bytes"] == 2 * 1024 * 1024


def test_login_and_me_through_the_host_name(client: TestClient) -> None:
    token = client.post("/api/v1/auth/login", headers=HOST,
                        json={"method": "password", "email": "admin@g4fagent.local", "password": "admin"}).json()
    me = client.get("/api/v1/me", headers={**HOST, "Authorization": f"Bearer {token['access_token']}"})
    assert me.status_code == 200 and me.json()["user"]["id"] == "user_admin"
    assert client.get("/api/v1/", headers=HOST).json()["base_path"] == "/api/v1"


def test_host_routing_on_a_real_server(live_server: LiveServer) -> None:
    with live_server.http() as http:
        response = http.get("/api/v1/capabilities", headers=HOST)
        assert response.status_code == 200 and response.json()["features"]["diffs"] is True
        missing = http.get("/api/v1/me", headers=HOST)
        assert missing.status_code == 401 and missing.json()["error"]["code"] == "unauthorized"


def test_tokens_survive_a_restart(make_server: Callable[..., LiveServer]) -> None:
    server = make_server("--speed", "instant", "--services", "g4fagent")
    with server.http() as http:
        tokens = login(http, "admin@g4fagent.local", "admin")
    server.restart()
    with httpx.Client(base_url=server.url, timeout=30) as http:
        me = http.get("/g4fagent/api/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
        assert me.status_code == 200
        assert http.post("/g4fagent/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}).status_code == 200
