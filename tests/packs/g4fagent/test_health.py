"""The public health answer: ok, the API's version and build, uptime and the twin's time."""

from __future__ import annotations

from datetime import datetime

from starlette.testclient import TestClient

from tests.packs.g4fagent.conftest import API


def test_health_reports_ok_version_uptime_and_time(client: TestClient) -> None:
    response = client.get(f"{API}/health")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True and body["version"] == "1.0.0" and body["build"] == "dev"
    assert isinstance(body["uptime_s"], int) and body["uptime_s"] >= 0
    assert datetime.fromisoformat(body["time"]).utcoffset() is not None and body["time"].endswith("+00:00")
    advanced = client.post("/_twinstack/clock/advance", json={"seconds": 7200})
    assert advanced.status_code == 200
    later = client.get(f"{API}/health").json()
    assert (datetime.fromisoformat(later["time"]) - datetime.fromisoformat(body["time"])).total_seconds() >= 7200
