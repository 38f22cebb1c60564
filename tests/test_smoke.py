"""The server starts with all five seeds and the control plane answers."""

from starlette.testclient import TestClient


def test_health_lists_every_builtin_service(client: TestClient) -> None:
    body = client.get("/_twinstack/health").json()
    assert body["status"] == "ok"
    assert set(body["services"]) == {"bluelobster", "g4fagent", "odin", "polykomos", "wayscloud"}


def test_secured_operation_without_credentials_is_401(client: TestClient) -> None:
    assert client.get("/bluelobster/api/v1/instances").status_code == 401
