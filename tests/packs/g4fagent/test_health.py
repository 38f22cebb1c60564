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


def test_server_stats_are_measured(client: TestClient) -> None:
    for _ in range(5):
        client.get(f"{API}/capabilities")
    client.app.state.runtime.flush_journal()  # type: ignore[attr-defined]
    response = client.get(f"{API}/server/stats", params={"window_s": 10})
    assert response.status_code == 200, response.text
    stats = response.json()
    assert 0 <= stats["cpu"]["pct"] <= 100
    assert 0 < stats["ram"]["used_bytes"] < stats["ram"]["total_bytes"]
    assert stats["gpu"] == {"pct": 0.0, "vram_used_bytes": 0, "vram_total_bytes": 0}
    assert stats["network"]["rx_bps"] >= 0 and stats["network"]["tx_bps"] >= 0
    assert stats["requests"]["rps"] >= 0.5  # at least the five requests above in ten seconds
    assert stats["requests"]["p95_ms"] > 0
    assert client.get(f"{API}/server/stats", params={"window_s": 99999}).json()["window_s"] == 3600
