"""The ODIN event bus through HTTP: envelopes, signed ingest, SSE replay (in process), the schema sample."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

from starlette.testclient import TestClient

from tests.conftest import tenant_credentials
from tests.packs.odin.conftest import API, Tenant


def flush(client: TestClient) -> None:
    """Run every job due now (the bus's fan-out, first webhook attempts) before looking."""
    assert client.post("/_twinstack/clock/advance", json={"seconds": 0}).status_code == 200


def project_events(client: TestClient, tenant: Tenant, kind: str | None = None) -> list[dict[str, Any]]:
    flush(client)
    params = {"tenant": tenant.id, "projectId": tenant.project_id, **({"type": kind} if kind else {})}
    response = client.get("/_twinstack/odin/events", params=params)
    assert response.status_code == 200, response.text
    events: list[dict[str, Any]] = response.json()["events"]
    return events


def ingest_headers(secret: str, project_id: str, body: bytes, stamp: str | None = None) -> dict[str, str]:
    stamp = stamp or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    signature = hmac.new(secret.encode(), stamp.encode() + body, hashlib.sha256).hexdigest()
    return {"X-Project-Id": project_id, "X-Timestamp": stamp, "X-Signature": signature,
            "Content-Type": "application/json"}


def project_secret(client: TestClient, tenant: Tenant) -> str:
    """Configure the project (rooms provider) and cache its secret; the secret."""
    base = f"{API}/projects/{tenant.project_id}/settings"
    assert client.put(base, headers=tenant.key_headers, json={"tokenProviderType": "rooms"}).status_code == 200
    assert client.post(f"{base}/sync-secret", headers=tenant.key_headers).status_code in (200, 201)
    secret: str = client.get(f"{base}/secret", headers=tenant.key_headers).json()["secret"]
    return secret


def sse_frames(text: str) -> list[dict[str, str]]:
    frames = []
    for block in text.split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.splitlines():
            if line.startswith(":") or ":" not in line:
                continue
            name, _, value = line.partition(":")
            fields[name] = value.lstrip(" ")
        if "id" in fields:
            frames.append(fields)
    return frames


def test_a_change_is_one_event_in_the_documented_envelope(client: TestClient, tenant: Tenant) -> None:
    made = client.post(f"{API}/projects/{tenant.project_id}/participants", headers=tenant.key_headers,
                       json={"externalUserId": "env-1"}).json()
    [event] = project_events(client, tenant, "participant.created")
    assert event["tenantId"] == tenant.id and event["projectId"] == tenant.project_id
    assert event["resourceId"] == f"participant:{made['id']}" and event["source"] == "cortex:api"
    assert event["payload"] == {"action": "created", "data": made}
    assert event["timestamp"].endswith("Z") and len(event["id"]) == 36


def test_signed_ingest_is_published_and_refused_when_unsigned(client: TestClient, tenant: Tenant) -> None:
    secret = project_secret(client, tenant)
    body = json.dumps({"type": "server.started", "source": "fleet:server", "resourceId": "server:s-1",
                       "payload": {"action": "occurred", "data": {"serverId": "s-1"}}}).encode()
    accepted = client.post(f"{API}/events/ingest", content=body, headers=ingest_headers(secret, tenant.project_id, body))
    assert accepted.status_code == 201, accepted.text
    [event] = project_events(client, tenant, "server.started")
    assert event["id"] == accepted.json()["id"] and event["source"] == "fleet:server"
    assert event["payload"]["data"] == {"serverId": "s-1"}
    wrong = ingest_headers("not-the-secret", tenant.project_id, body)
    assert client.post(f"{API}/events/ingest", content=body, headers=wrong).status_code == 401
    old = ingest_headers(secret, tenant.project_id, body, stamp="2020-01-01T00:00:00.000Z")
    assert client.post(f"{API}/events/ingest", content=body, headers=old).status_code == 401
    bad = json.dumps({"type": "server.started", "source": "cortex:api", "resourceId": "x", "payload": {}}).encode()
    refused = client.post(f"{API}/events/ingest", content=bad, headers=ingest_headers(secret, tenant.project_id, bad))
    assert refused.status_code == 400 and any("source" in m for m in refused.json()["message"])
    odd = json.dumps({"type": "server.started", "source": "fleet:server", "resourceId": "server:s-1",
                      "payload": {}, "timestamp": "yesterday"}).encode()
    refused = client.post(f"{API}/events/ingest", content=odd, headers=ingest_headers(secret, tenant.project_id, odd))
    assert refused.status_code == 400 and refused.json()["message"] == ["timestamp must be a valid ISO 8601 date string"]
    assert client.delete(f"{API}/projects/{tenant.project_id}/settings/revoke-secret",
                         headers=tenant.key_headers).status_code == 200
    again = client.post(f"{API}/events/ingest", content=body, headers=ingest_headers(secret, tenant.project_id, body))
    assert again.status_code == 401


def test_stream_replays_after_last_event_id_with_filters(client: TestClient, tenant: Tenant) -> None:
    base = f"{API}/projects/{tenant.project_id}/participants"
    first = client.post(base, headers=tenant.key_headers, json={"externalUserId": "r-1"}).json()
    client.post(base, headers=tenant.key_headers, json={"externalUserId": "r-2"})
    client.patch(f"{base}/{first['id']}", headers=tenant.key_headers, json={"displayName": "R One"})
    events = project_events(client, tenant)
    response = client.get(f"{API}/projects/{tenant.project_id}/events/stream", params={"types": "participant.*"},
                          headers={**tenant.key_headers, "Last-Event-ID": events[0]["id"]})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
    frames = sse_frames(response.text)
    assert [f["event"] for f in frames] == ["participant.created", "participant.updated"]
    assert [f["id"] for f in frames] == [e["id"] for e in events[1:]]
    assert json.loads(frames[1]["data"])["payload"]["changes"] == {"displayName": "r-1"}
    only = client.get(f"{API}/events/stream", params={"resources": first["id"]},
                      headers={**tenant.key_headers, "Last-Event-ID": events[0]["id"]})
    assert [f["event"] for f in sse_frames(only.text)] == ["participant.updated"]


def test_event_schema_is_a_sample_envelope(client: TestClient, tenant: Tenant) -> None:
    sample = client.get(f"{API}/events/schema", headers=tenant.key_headers).json()
    assert sample["type"] == "session.created" and sample["tenantId"] == tenant.id
    assert sample["projectId"] == sample["payload"]["data"]["projectId"] == tenant.project_id
    assert sample["payload"]["action"] == "created"


def test_streams_stay_within_their_tenant(client: TestClient, tenant: Tenant) -> None:
    client.post(f"{API}/projects/{tenant.project_id}/participants", headers=tenant.key_headers,
                json={"externalUserId": "mine"})
    [event] = project_events(client, tenant)
    other = {"X-API-Key": tenant_credentials(client)["credentials"]["odin"]["api_key"]}
    assert client.get(f"{API}/projects/{tenant.project_id}/events/stream", headers=other).status_code == 403
    theirs = client.get(f"{API}/events/stream", headers={**other, "Last-Event-ID": event["id"]})
    assert theirs.status_code == 200 and sse_frames(theirs.text) == []
    assert client.get(f"{API}/events/stream").status_code == 401
