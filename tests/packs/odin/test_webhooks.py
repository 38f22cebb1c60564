"""ODIN webhooks against a real receiver on 127.0.0.1: signature, auth header, retries on the twin clock."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import tenant_credentials
from tests.packs.odin.conftest import API, Tenant
from tests.packs.odin.test_events import flush, project_events, sse_frames

SECRET = "my_secret_key"


class Receiver:
    """An HTTP server that answers with the given statuses in turn (then 200) and keeps every request."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = list(statuses)
        self.requests: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.requests.append(({k: v for k, v in self.headers.items()}, body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok" if status == 200 else b"try again")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made = Receiver([500, 503])
    yield made
    made.close()


def _subs(tenant: Tenant) -> str:
    return f"{API}/projects/{tenant.project_id}/webhooks/subscriptions"


def _advance(client: TestClient, seconds: float) -> None:
    assert client.post("/_twinstack/clock/advance", json={"seconds": seconds}).status_code == 200


def test_signed_delivery_is_retried_until_delivered(client: TestClient, tenant: Tenant, receiver: Receiver) -> None:
    made = client.post(_subs(tenant), headers=tenant.key_headers, json={
        "url": receiver.url, "secret": SECRET, "events": ["participant.*"], "authType": "api_key",
        "apiKey": "sk_live_receiver", "apiKeyHeader": "X-Receiver-Key", "description": "local"})
    assert made.status_code == 201, made.text
    sub = made.json()
    assert sub["isActive"] is True and sub["projectId"] == tenant.project_id and sub["tenantId"] == tenant.id
    assert "secret" not in sub and "apiKey" not in sub and sub["authType"] == "api_key"
    person = client.post(f"{API}/projects/{tenant.project_id}/participants", headers=tenant.key_headers,
                         json={"externalUserId": "hooked"}).json()
    flush(client)
    assert len(receiver.requests) == 1
    _advance(client, 30)
    assert len(receiver.requests) == 2
    _advance(client, 119)
    assert len(receiver.requests) == 2, "the third attempt waits 2 minutes after the second"
    _advance(client, 1)
    assert len(receiver.requests) == 3
    for headers, body in receiver.requests:
        expected = hmac.new(SECRET.encode(), headers["X-Timestamp"].encode() + body, hashlib.sha256).hexdigest()
        assert headers["X-Signature"] == expected
        assert headers["X-Receiver-Key"] == "sk_live_receiver"
        assert headers["X-Event-Type"] == "participant.created"
    envelope = json.loads(receiver.requests[0][1])
    assert envelope["type"] == "participant.created" and envelope["payload"]["data"]["id"] == person["id"]
    assert {json.loads(b)["id"] for _, b in receiver.requests} == {envelope["id"]}, "one event id on every attempt"

    listed = client.get(f"{API}/projects/{tenant.project_id}/webhooks/events", headers=tenant.key_headers).json()
    [row] = listed
    assert row["status"] == "delivered" and row["attemptsCount"] == 3 and row["eventType"] == "participant.created"
    assert row["payload"]["id"] == envelope["id"] and row["projectId"] == tenant.project_id
    detail = client.get(f"{API}/projects/{tenant.project_id}/webhooks/events/{row['id']}", headers=tenant.key_headers)
    assert [d["statusCode"] for d in detail.json()["deliveries"]] == [500, 503, 200]
    assert detail.json()["deliveries"][0]["requestBody"] == receiver.requests[0][1].decode()
    assert client.get(f"{API}/projects/{tenant.project_id}/webhooks/events", headers=tenant.key_headers,
                      params={"status": "failed"}).json() == []
    updates = project_events(client, tenant, "webhook.delivery.updated")
    assert [(u["payload"]["data"]["status"], u["payload"]["data"]["attemptsCount"]) for u in updates] == [
        ("pending", 1), ("pending", 2), ("delivered", 3)]
    assert updates[0]["payload"]["action"] == "occurred" and updates[0]["payload"]["data"]["lastError"]
    assert len(receiver.requests) == 3, "webhook.delivery.updated is never itself delivered"
    first = project_events(client, tenant)[0]
    stream = client.get(f"{API}/projects/{tenant.project_id}/events/stream", params={"types": "webhook.*"},
                        headers={**tenant.key_headers, "Last-Event-ID": first["id"]})
    assert [json.loads(f["data"])["payload"]["data"]["status"] for f in sse_frames(stream.text)] == [
        "pending", "pending", "delivered"]
    exported = client.get("/_twinstack/state/export")
    assert exported.status_code == 200 and SECRET not in exported.text, "the secret is sealed at rest"


def test_inactive_and_deleted_subscriptions_receive_nothing(client: TestClient, tenant: Tenant,
                                                            receiver: Receiver) -> None:
    receiver.statuses = []
    sub = client.post(_subs(tenant), headers=tenant.key_headers,
                      json={"url": receiver.url, "secret": SECRET, "events": ["*"]}).json()
    off = client.put(f"{_subs(tenant)}/{sub['id']}", headers=tenant.key_headers, json={"isActive": False})
    assert off.status_code == 200 and off.json()["isActive"] is False
    client.post(f"{API}/projects/{tenant.project_id}/participants", headers=tenant.key_headers,
                json={"externalUserId": "quiet"})
    flush(client)
    assert receiver.requests == []
    on = client.put(f"{_subs(tenant)}/{sub['id']}", headers=tenant.key_headers,
                    json={"isActive": True, "events": ["participant.updated"], "secret": "rotated"})
    assert on.json()["events"] == ["participant.updated"]
    person = client.get(f"{API}/projects/{tenant.project_id}/participants", headers=tenant.key_headers).json()
    client.patch(f"{API}/projects/{tenant.project_id}/participants/{person['participants'][0]['id']}",
                 headers=tenant.key_headers, json={"displayName": "Loud"})
    flush(client)
    [(headers, body)] = receiver.requests
    expected = hmac.new(b"rotated", headers["X-Timestamp"].encode() + body, hashlib.sha256).hexdigest()
    assert headers["X-Signature"] == expected and json.loads(body)["type"] == "participant.updated"
    basic = client.put(f"{_subs(tenant)}/{sub['id']}", headers=tenant.key_headers,
                       json={"authType": "basic_auth", "basicAuthUsername": "hook", "basicAuthPassword": "pw"})
    assert basic.json()["authType"] == "basic_auth"
    client.patch(f"{API}/projects/{tenant.project_id}/participants/{person['participants'][0]['id']}",
                 headers=tenant.key_headers, json={"displayName": "Louder"})
    flush(client)
    headers, body = receiver.requests[-1]
    assert headers["Authorization"] == "Basic " + base64.b64encode(b"hook:pw").decode()
    assert headers["X-Signature"] == hmac.new(b"rotated", headers["X-Timestamp"].encode() + body,
                                              hashlib.sha256).hexdigest(), "the secret outlives an auth change"
    listed = client.get(_subs(tenant), headers=tenant.key_headers).json()
    assert [s["id"] for s in listed] == [sub["id"]]
    deleted = client.delete(f"{_subs(tenant)}/{sub['id']}", headers=tenant.key_headers)
    assert deleted.status_code == 200 and deleted.json() == {"message": "Subscription deleted"}
    assert client.get(f"{_subs(tenant)}/{sub['id']}", headers=tenant.key_headers).status_code == 404


def test_bad_subscriptions_name_the_field_and_tenants_are_apart(client: TestClient, tenant: Tenant) -> None:
    missing = client.post(_subs(tenant), headers=tenant.key_headers, json={"url": "http://127.0.0.1:9/x", "events": ["*"]})
    assert missing.status_code == 400 and any("secret" in m for m in missing.json()["message"])
    no_key = client.post(_subs(tenant), headers=tenant.key_headers, json={
        "url": "http://127.0.0.1:9/x", "events": ["*"], "secret": "s", "authType": "api_key"})
    assert no_key.status_code == 400 and no_key.json()["message"] == ["apiKey should not be empty"]
    empty = client.post(_subs(tenant), headers=tenant.key_headers, json={"url": "http://127.0.0.1:9/x", "events": [],
                                                                          "secret": "s"})
    assert empty.status_code == 400 and empty.json()["message"] == ["events should not be empty"]
    bad_url = client.post(_subs(tenant), headers=tenant.key_headers, json={"url": "ftp://x", "events": ["*"], "secret": "s"})
    assert bad_url.status_code == 400 and "url" in bad_url.json()["message"][0]
    sub = client.post(_subs(tenant), headers=tenant.key_headers,
                      json={"url": "http://127.0.0.1:9/x", "events": ["*"], "secret": "s"}).json()
    other = {"X-API-Key": tenant_credentials(client)["credentials"]["odin"]["api_key"]}
    assert client.get(f"{_subs(tenant)}/{sub['id']}", headers=other).status_code == 403
    theirs = client.get(f"{API}/projects", headers=other).json()[0]["id"]
    assert client.get(f"{API}/projects/{theirs}/webhooks/subscriptions/{sub['id']}", headers=other).status_code == 404
    assert client.get(f"{API}/projects/{theirs}/webhooks/subscriptions", headers=other).json() == []
