"""ODIN sanctions through HTTP: active on creation, listed, expiring on the twin clock, revoked with the audit kept."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.conftest import tenant_credentials
from tests.packs.odin.conftest import API, Tenant

HOUR = 3600


def _url(tenant: Tenant, rest: str = "") -> str:
    return f"{API}/projects/{tenant.project_id}/sanctions{rest}"


def _events(client: TestClient, tenant: Tenant, kind: str) -> list[dict[str, Any]]:
    store = client.app.state.runtime.store  # type: ignore[attr-defined]
    found = store.find("odin", tenant.id, "events", where={"projectId": tenant.project_id}).items
    return [e for e in found if e["type"] == kind]


def _later(client: TestClient, seconds: int) -> str:
    """The twin clock ``seconds`` from now, as ISO 8601."""
    from datetime import datetime, timedelta
    now = client.post("/_twinstack/clock/advance", json={"seconds": 0}).json()["now"]
    return (datetime.fromisoformat(now.replace("Z", "+00:00")) + timedelta(seconds=seconds)).isoformat()


def test_a_mute_is_active_listed_then_expired_once_the_clock_passes_its_end(client: TestClient, tenant: Tenant) -> None:
    created = client.post(_url(tenant), headers=tenant.key_headers, json={
        "externalUserId": "user_abc123", "type": "mute", "reason": "profanity", "endAt": _later(client, HOUR)})
    assert created.status_code == 201, created.text
    sanction = created.json()
    assert sanction["status"] == "active" and sanction["isActive"] is True
    assert sanction["tenantId"] == tenant.id and sanction["externalUserId"] == "user_abc123"
    assert sanction["createdByUserId"]

    active = client.get(_url(tenant), headers=tenant.key_headers, params={"activeOnly": "true"}).json()
    assert [s["id"] for s in active["sanctions"]] == [sanction["id"]] and active["total"] == 1
    by_user = client.get(_url(tenant, "/user/user_abc123/active"), headers=tenant.key_headers).json()
    assert [s["id"] for s in by_user] == [sanction["id"]]

    assert client.post("/_twinstack/clock/advance", json={"seconds": HOUR + 1}).status_code == 200
    after = client.get(_url(tenant, f"/{sanction['id']}"), headers=tenant.key_headers).json()
    assert after["status"] == "expired" and after["isActive"] is False
    assert client.get(_url(tenant), headers=tenant.key_headers, params={"activeOnly": "true"}).json() == {
        "sanctions": [], "total": 0}
    assert client.get(_url(tenant, "/user/user_abc123/active"), headers=tenant.key_headers).json() == []
    everything = client.get(_url(tenant), headers=tenant.key_headers).json()
    assert everything["total"] == 1 and everything["sanctions"][0]["status"] == "expired"
    assert len(_events(client, tenant, "sanction.created")) == 1


def test_a_revoked_sanction_stays_readable_as_its_audit_trail(client: TestClient, tenant: Tenant) -> None:
    kept = client.post(_url(tenant), headers=tenant.key_headers, json={"externalUserId": "u1", "type": "warn"}).json()
    other = client.post(_url(tenant), headers=tenant.key_headers, json={"externalUserId": "u1", "type": "perm_ban"}).json()
    revoked = client.post(_url(tenant, f"/{other['id']}/revoke"), headers=tenant.bearer_headers,
                          json={"reason": "False positive"})
    assert revoked.status_code == 200, revoked.text
    body = revoked.json()
    assert body["status"] == "revoked" and body["isActive"] is False and body["revokedAt"]
    assert body["revokedByUserId"] and body["metadata"]["revocationReason"] == "False positive"
    history = client.get(_url(tenant, "/user/u1"), headers=tenant.key_headers).json()
    assert {s["id"]: s["status"] for s in history} == {kept["id"]: "active", other["id"]: "revoked"}
    again = client.post(_url(tenant, f"/{other['id']}/revoke"), headers=tenant.key_headers, json={})
    assert again.status_code == 400
    [event] = _events(client, tenant, "sanction.revoked")
    assert event["payload"]["action"] == "occurred" and event["resourceId"] == f"sanction:{other['id']}"
    assert client.patch(_url(tenant, f"/{other['id']}"), headers=tenant.key_headers,
                        json={"reason": "x"}).status_code == 400


def test_an_update_is_an_event_with_the_previous_values(client: TestClient, tenant: Tenant) -> None:
    made = client.post(_url(tenant), headers=tenant.key_headers, json={"externalUserId": "u2", "type": "warn"}).json()
    changed = client.patch(_url(tenant, f"/{made['id']}"), headers=tenant.key_headers, json={"type": "mute"})
    assert changed.status_code == 200 and changed.json()["type"] == "mute"
    [event] = _events(client, tenant, "sanction.updated")
    assert event["payload"]["changes"] == {"type": "warn"} and event["payload"]["data"]["type"] == "mute"


def test_a_sanction_on_a_participant_carries_its_user_id_and_embeds_it(client: TestClient, tenant: Tenant) -> None:
    person = client.post(f"{API}/projects/{tenant.project_id}/participants", headers=tenant.key_headers,
                         json={"externalUserId": "player-7", "displayName": "Seven"})
    assert person.status_code == 201, person.text
    pid = person.json()["id"]
    made = client.post(_url(tenant), headers=tenant.key_headers, json={"participantId": pid, "type": "text_only"})
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["externalUserId"] == "player-7" and body["participant"]["displayName"] == "Seven"
    listed = client.get(_url(tenant, f"/participant/{pid}"), headers=tenant.key_headers).json()
    assert [s["id"] for s in listed] == [body["id"]]


def test_bad_sanctions_are_400s_in_the_nestjs_shape(client: TestClient, tenant: Tenant) -> None:
    neither = client.post(_url(tenant), headers=tenant.key_headers, json={"type": "mute"})
    assert neither.status_code == 400 and neither.json()["message"] == "Missing participant or user ID"
    bad_type = client.post(_url(tenant), headers=tenant.key_headers, json={"externalUserId": "u", "type": "slap"})
    assert bad_type.status_code == 400 and bad_type.json()["message"][0].startswith("type must be one of")
    bad_end = client.post(_url(tenant), headers=tenant.key_headers,
                          json={"externalUserId": "u", "type": "mute", "endAt": "tomorrow"})
    assert bad_end.status_code == 400 and bad_end.json()["message"] == ["endAt must be a valid ISO 8601 date string"]
    bad_limit = client.get(_url(tenant), headers=tenant.key_headers, params={"limit": "-3"})
    assert bad_limit.status_code == 400 and bad_limit.json()["message"][0].startswith("limit")


def test_sanctions_are_the_tenants_own(client: TestClient, tenant: Tenant) -> None:
    made = client.post(_url(tenant), headers=tenant.key_headers, json={"externalUserId": "u", "type": "mute"}).json()
    other = {"X-API-Key": tenant_credentials(client)["credentials"]["odin"]["api_key"]}
    assert client.get(_url(tenant, f"/{made['id']}"), headers=other).status_code == 403
    assert client.get(_url(tenant), headers=other).status_code == 403
    assert client.get(_url(tenant, "/00000000-0000-4000-8000-000000000000"), headers=tenant.key_headers).status_code == 404
    assert client.get(_url(tenant, "/not-a-uuid"), headers=tenant.key_headers).status_code == 404
