"""The audit trail records what happened: projects, sessions, runs (by the system) and settings, per tenant."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.conftest import tenant_credentials
from tests.packs.g4fagent.conftest import API, Tenant, login


def test_a_session_of_work_leaves_its_trail(client: TestClient, tenant: Tenant) -> None:
    pid = client.post(f"{API}/projects", headers=tenant.headers, json={"name": "audited"}).json()["project"]["id"]
    sid = client.post(f"{API}/projects/{pid}/sessions", headers=tenant.headers, json={"title": "s"}).json()["session"]["id"]
    rid = client.post(f"{API}/sessions/{sid}/runs", headers=tenant.headers,
                      json={"mode": "chat", "agent": {}, "input": {"text": "hi"}}).json()["run_id"]
    client.post("/_twinstack/clock/advance", json={"seconds": 60})
    client.put(f"{API}/settings", headers=tenant.headers, json={"telemetry_enabled": False})
    trail = client.get(f"{API}/audit", headers=tenant.headers).json()["items"]
    assert [(e["type"], e["actor_user_id"], e["project_id"]) for e in trail] == [
        ("project.created", "user_admin", pid), ("session.created", "user_admin", pid), ("run.completed", "system", pid),
        ("settings.updated", "user_admin", None)]
    assert trail[2]["data"] == {"run_id": rid, "session_id": sid}
    assert trail[3]["data"]["changes"] == [{"path": "/telemetry_enabled", "from": True, "to": False}]
    of_project = client.get(f"{API}/audit", headers=tenant.headers, params={"project_id": pid}).json()["items"]
    assert [e["type"] for e in of_project] == ["project.created", "session.created", "run.completed"]
    # A tenant that logs in after the clock moved: its token is issued (and checked) in twin time.
    creds = tenant_credentials(client)["credentials"]["g4fagent"]
    other = {"Authorization": f"Bearer {login(client, creds['email'], creds['password'])['access_token']}"}
    response = client.get(f"{API}/audit", headers=other)
    assert response.status_code == 200, response.text
    assert response.json()["items"] == []
