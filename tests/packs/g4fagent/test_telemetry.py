"""Telemetry: two streams per project, the host's recorded samples by time range, anomalies, alerts that fire."""

from __future__ import annotations

from datetime import datetime, timedelta

from starlette.testclient import TestClient

from tests.packs.g4fagent.conftest import API, Tenant, assert_error


def _project(client: TestClient, tenant: Tenant) -> str:
    return str(client.post(f"{API}/projects", headers=tenant.headers, json={"name": "t"}).json()["project"]["id"])


def _now(client: TestClient) -> datetime:
    stamp = client.post("/_twinstack/clock/advance", json={"seconds": 0}).json()["now"]
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def test_each_project_has_a_cpu_and_a_ram_stream(client: TestClient, tenant: Tenant) -> None:
    pid = _project(client, tenant)
    items = client.get(f"{API}/projects/{pid}/telemetry/streams", headers=tenant.headers).json()["items"]
    assert items == [
        {"id": f"telem_{pid}_cpu", "label": "CPU", "type": "system.cpu", "bands": ["pct"], "status": "online"},
        {"id": f"telem_{pid}_ram", "label": "RAM", "type": "system.ram", "bands": ["used_bytes"], "status": "online"}]


def test_a_query_returns_recorded_samples_and_synthetic_history(client: TestClient, tenant: Tenant) -> None:
    pid = _project(client, tenant)
    client.get(f"{API}/projects/{pid}/telemetry/streams", headers=tenant.headers)
    now = _now(client)
    recent = client.post(f"{API}/telemetry/query", headers=tenant.headers, json={
        "stream_id": f"telem_{pid}_ram", "time_range": {"from": (now - timedelta(seconds=30)).isoformat(),
                                                       "to": (now + timedelta(seconds=1)).isoformat()}}).json()
    assert recent["series"], "the sample taken for this query is in range"
    assert all(100 * 1024 ** 2 < p["value"] for p in recent["series"]), "real memory in use, in bytes"
    old = {"from": "2020-01-01T00:00:00Z", "to": "2020-01-02T00:00:00Z"}
    first = client.post(f"{API}/telemetry/query", headers=tenant.headers,
                        json={"stream_id": f"telem_{pid}_cpu", "time_range": old, "limit": 50}).json()
    again = client.post(f"{API}/telemetry/query", headers=tenant.headers,
                        json={"stream_id": f"telem_{pid}_cpu", "time_range": old, "limit": 50}).json()
    assert len(first["series"]) == 50 and first == again
    assert first["series"][0]["ts"] == "2020-01-01T00:00:00+00:00"
    assert all(30 <= p["value"] <= 70 for p in first["series"]) and first["anomalies"] == []


def test_query_input_is_checked(client: TestClient, tenant: Tenant) -> None:
    pid = _project(client, tenant)
    stream = f"telem_{pid}_cpu"
    for span, field in (({"from": "2020-01-02T00:00:00Z", "to": "2020-01-01T00:00:00Z"}, "time_range.to"),
                        ({"from": "soon", "to": "2020-01-01T00:00:00Z"}, "time_range.from"), ("x", "time_range")):
        response = client.post(f"{API}/telemetry/query", headers=tenant.headers, json={"stream_id": stream, "time_range": span})
        assert_error(response, 400, "invalid_request", field)
    unknown = client.post(f"{API}/telemetry/query", headers=tenant.headers, json={
        "stream_id": "telem_proj_0000000000000000_cpu", "time_range": {"from": "2020-01-01T00:00:00Z", "to": "2020-01-02T00:00:00Z"}})
    assert_error(unknown, 404, "stream_not_found")


def test_an_alert_fires_once_while_its_condition_holds(client: TestClient, tenant: Tenant) -> None:
    pid = _project(client, tenant)
    made = client.post(f"{API}/telemetry/alerts", headers=tenant.headers, json={
        "name": "memory in use", "stream_id": f"telem_{pid}_ram", "condition": {"op": ">", "value": 0, "for_s": 0},
        "actions": ["notify"]})
    assert made.status_code == 200 and made.json()["alert_id"].startswith("alert_")
    for _ in range(2):
        client.post("/_twinstack/clock/advance", json={"seconds": 10})
        client.get(f"{API}/projects/{pid}/telemetry/streams", headers=tenant.headers)
    titles = [n["title"] for n in client.get(f"{API}/notifications", headers=tenant.headers).json()["items"]]
    assert titles.count("Alert fired: memory in use") == 1 and titles[-1] == "Alert created"
    bad = client.post(f"{API}/telemetry/alerts", headers=tenant.headers, json={
        "name": "x", "stream_id": f"telem_{pid}_cpu", "condition": {"op": "~", "value": 1}, "actions": []})
    assert_error(bad, 400, "invalid_request", "condition.op")
