"""Notifications: raised by what happened (alerts, failed runs), newest first, acknowledged by id, in the outbox."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.conftest import tenant_credentials
from tests.packs.g4fagent.conftest import API, Tenant, assert_error, login


def _alert(client: TestClient, tenant: Tenant, pid: str, name: str) -> str:
    response = client.post(f"{API}/telemetry/alerts", headers=tenant.headers,
                           json={"name": name, "stream_id": f"telem_{pid}_ram", "condition": {"op": "<", "value": 0},
                                 "actions": ["notify"]})
    assert response.status_code == 200, response.text
    return str(response.json()["alert_id"])


def test_newest_first_and_acknowledged_by_id(client: TestClient, tenant: Tenant) -> None:
    pid = client.post(f"{API}/projects", headers=tenant.headers, json={"name": "p"}).json()["project"]["id"]
    first, second = _alert(client, tenant, pid, "one"), _alert(client, tenant, pid, "two")
    items = client.get(f"{API}/notifications", headers=tenant.headers).json()["items"]
    assert [(n["alert_id"], n["level"], n["title"], n["acked"]) for n in items] == [
        (second, "info", "Alert created", False), (first, "info", "Alert created", False)]
    assert all(n["id"].startswith("notif_") and n["ts"].endswith("+00:00") for n in items)
    ack = client.post(f"{API}/notifications/ack", headers=tenant.headers, json={"ids": [items[1]["id"], "notif_0000000000000000"]})
    assert ack.json() == {"ok": True}
    assert [n["acked"] for n in client.get(f"{API}/notifications", headers=tenant.headers).json()["items"]] == [False, True]
    page = client.get(f"{API}/notifications", headers=tenant.headers, params={"limit": 1}).json()
    assert [n["id"] for n in page["items"]] == [items[0]["id"]] and page["next_cursor"] == "1"
    outbox = client.get("/_twinstack/outbox", params={"channel": "notification"}).json()["messages"]
    assert {m["metadata"]["notification_id"] for m in outbox} >= {n["id"] for n in items}


def test_ack_needs_an_array_of_ids_and_touches_only_the_tenants_own(client: TestClient, tenant: Tenant) -> None:
    assert_error(client.post(f"{API}/notifications/ack", headers=tenant.headers, json={"ids": "x"}), 400, "invalid_request", "ids")
    pid = client.post(f"{API}/projects", headers=tenant.headers, json={"name": "p"}).json()["project"]["id"]
    _alert(client, tenant, pid, "mine")
    mine = client.get(f"{API}/notifications", headers=tenant.headers).json()["items"][0]["id"]
    creds = tenant_credentials(client)["credentials"]["g4fagent"]
    other = {"Authorization": f"Bearer {login(client, creds['email'], creds['password'])['access_token']}"}
    assert client.get(f"{API}/notifications", headers=other).json()["items"] == []
    assert client.post(f"{API}/notifications/ack", headers=other, json={"ids": [mine]}).json() == {"ok": True}
    assert client.get(f"{API}/notifications", headers=tenant.headers).json()["items"][0]["acked"] is False
