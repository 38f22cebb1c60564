"""Webhooks through the API, delivered to a real receiver on loopback, with the signature checked by hand."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.packs.polykomos.conftest import API, Receive, Tenant, create_database, new_tenant
from tests.packs.polykomos.servers import db_name
from tests.packs.polykomos.test_errors import api_error

def check_signature(secret: str, header: str, body: bytes) -> None:
    """The documented scheme: ``t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>``."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(expected, parts["v1"]), "signature does not verify"
    assert abs(time.time() - int(parts["t"])) < 300


def subscribe(client: Any, tenant: Tenant, url: str, events: list[str] | None = None) -> dict[str, Any]:
    response = client.post(f"{API}/webhook_endpoints", headers=tenant.idempotent(), json={"url": url, "events": events or []})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def deliveries(client: Any, tenant: Tenant, endpoint_id: int) -> list[dict[str, Any]]:
    response = client.get(f"{API}/webhook_endpoints/{endpoint_id}/deliveries", headers=tenant.headers)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["data"]
    return found


def advance(client: Any, seconds: float) -> None:
    assert client.post("/_twinstack/clock/advance", json={"seconds": seconds}).status_code == 200


def test_an_endpoint_shows_its_secret_once(client: TestClient, tenant: Tenant) -> None:
    created = subscribe(client, tenant, "http://127.0.0.1:9/hooks", ["database.provisioned", "database.deleted"])
    assert created["secret"].startswith("whsec_") and len(created["secret"]) == 38
    endpoint = created["data"]
    assert endpoint["object"] == "webhook_endpoint" and isinstance(endpoint["id"], int)
    assert (endpoint["status"], endpoint["events"]) == ("active", ["database.provisioned", "database.deleted"])
    assert endpoint["last_success_at"] is None and endpoint["last_failure_at"] is None
    listed = client.get(f"{API}/webhook_endpoints", headers=tenant.headers)
    assert listed.json()["data"] == [endpoint] and created["secret"] not in listed.text


def test_a_test_delivery_reaches_the_receiver_correctly_signed(
    client: TestClient, tenant: Tenant, receive: Receive
) -> None:
    receiver = receive()
    created = subscribe(client, tenant, receiver.url)
    endpoint_id = created["data"]["id"]
    response = client.post(f"{API}/webhook_endpoints/{endpoint_id}/test_deliveries", headers=tenant.headers)
    assert response.status_code == 200, response.text
    delivery = response.json()["data"]
    assert (delivery["status"], delivery["response_code"], delivery["attempt_count"]) == ("delivered", 200, 1)
    assert delivery["event_type"] == "webhook.test" and delivery["endpoint_id"] == endpoint_id
    [request] = receiver.requests
    check_signature(created["secret"], receiver.header(0, "Polykomos-Signature"), request.body)
    assert receiver.header(0, "Polykomos-Event") == "webhook.test"
    assert receiver.header(0, "Polykomos-Delivery-Id") == str(delivery["id"])
    assert json.loads(request.body)["type"] == "webhook.test"
    assert deliveries(client, tenant, endpoint_id)[0]["id"] == delivery["id"]
    assert client.get(f"{API}/webhook_endpoints", headers=tenant.headers).json()["data"][0]["last_success_at"]


def test_a_failed_test_delivery_is_still_200_and_not_retried(client: TestClient, tenant: Tenant, receive: Receive) -> None:
    receiver = receive(script=[503])
    endpoint_id = subscribe(client, tenant, receiver.url)["data"]["id"]
    response = client.post(f"{API}/webhook_endpoints/{endpoint_id}/test_deliveries", headers=tenant.headers)
    assert (response.status_code, response.json()["data"]["status"]) == (200, "failed")
    assert response.json()["data"]["response_code"] == 503
    advance(client, 3600)
    assert len(receiver.requests) == 1


def test_database_lifecycle_events_arrive_signed(db_client: TestClient, db_tenant: Tenant, receive: Receive) -> None:
    receiver = receive()
    created = subscribe(db_client, db_tenant, receiver.url, ["database.*"])
    database = create_database(db_client, db_tenant, db_name("events"))
    db_client.delete(f"{API}/databases/{database['uuid']}", headers=db_tenant.headers)
    advance(db_client, 0)
    events = [json.loads(r.body) for r in receiver.requests]
    assert [e["type"] for e in events] == ["database.provisioned", "database.deleted"]
    assert events[0]["data"]["uuid"] == database["uuid"] and events[0]["data"]["status"] == "active"
    assert events[1]["data"]["status"] == "deleted"
    assert all(database["db_password"] not in r.body.decode() for r in receiver.requests)
    for index, request in enumerate(receiver.requests):
        check_signature(created["secret"], receiver.header(index, "Polykomos-Signature"), request.body)
    logged = deliveries(db_client, db_tenant, created["data"]["id"])
    assert [(d["event_type"], d["status"]) for d in logged] == [
        ("database.deleted", "delivered"), ("database.provisioned", "delivered"),
    ]


def test_a_receiver_failing_twice_gets_the_event_on_the_third_attempt(
    db_client: TestClient, db_tenant: Tenant, receive: Receive
) -> None:
    receiver = receive(script=[500, 500])
    endpoint_id = subscribe(db_client, db_tenant, receiver.url, ["database.provisioned"])["data"]["id"]
    database = create_database(db_client, db_tenant, db_name("retried"))
    advance(db_client, 0)
    [first] = deliveries(db_client, db_tenant, endpoint_id)
    assert (first["status"], first["attempt_count"], first["response_code"]) == ("pending", 1, 500)
    advance(db_client, 60)
    [second] = deliveries(db_client, db_tenant, endpoint_id)
    assert (second["status"], second["attempt_count"]) == ("pending", 2)
    advance(db_client, 300)
    [done] = deliveries(db_client, db_tenant, endpoint_id)
    assert (done["status"], done["attempt_count"], done["response_code"]) == ("delivered", 3, 200)
    assert [a["status_code"] for a in done["attempts"]] == [500, 500, 200]
    assert len(receiver.requests) == 3 and len({r.body for r in receiver.requests}) == 1
    endpoint = db_client.get(f"{API}/webhook_endpoints", headers=db_tenant.headers).json()["data"][0]
    assert endpoint["last_failure_at"] and endpoint["last_success_at"]
    db_client.delete(f"{API}/databases/{database['uuid']}", headers=db_tenant.headers)


def test_a_revoked_endpoint_receives_nothing_more_and_is_gone(
    db_client: TestClient, db_tenant: Tenant, receive: Receive
) -> None:
    receiver = receive(script=[500])
    endpoint_id = subscribe(db_client, db_tenant, receiver.url)["data"]["id"]
    database = create_database(db_client, db_tenant, db_name("revoked"))
    advance(db_client, 0)
    assert len(receiver.requests) == 1
    revoked = db_client.delete(f"{API}/webhook_endpoints/{endpoint_id}", headers=db_tenant.idempotent())
    assert revoked.status_code == 200 and revoked.json()["data"] == {"id": endpoint_id}
    db_client.delete(f"{API}/databases/{database['uuid']}", headers=db_tenant.headers)
    advance(db_client, 3600)
    assert len(receiver.requests) == 1
    assert db_client.get(f"{API}/webhook_endpoints", headers=db_tenant.headers).json()["data"] == []
    for method, path in (("DELETE", ""), ("GET", "/deliveries"), ("POST", "/test_deliveries")):
        response = db_client.request(method, f"{API}/webhook_endpoints/{endpoint_id}{path}", headers=db_tenant.headers)
        assert api_error(response, 404, "not_found")["error"]["details"]["field"] == "id"


def test_another_tenants_endpoint_is_404(client: TestClient, tenant: Tenant) -> None:
    endpoint_id = subscribe(client, tenant, "http://127.0.0.1:9/x")["data"]["id"]
    other = new_tenant(client)
    api_error(client.get(f"{API}/webhook_endpoints/{endpoint_id}/deliveries", headers=other.headers), 404, "not_found")
    assert client.get(f"{API}/webhook_endpoints", headers=other.headers).json()["data"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://example.com/hook"}, "url"),
        ({"url": "not a url"}, "url"),
        ({"url": "http://127.0.0.1/x", "events": ["database.provisioned", "database.exploded"]}, "events.1"),
    ],
)
def test_bad_endpoints_are_422_naming_the_field(client: TestClient, tenant: Tenant, body: dict[str, Any], field: str) -> None:
    response = client.post(f"{API}/webhook_endpoints", headers=tenant.idempotent(), json=body)
    assert api_error(response, 422, "invalid_field")["error"]["details"]["field"] == field


def test_endpoints_page_by_integer_id_newest_first(client: TestClient, tenant: Tenant) -> None:
    ids = [subscribe(client, tenant, f"http://127.0.0.1:9/{i}")["data"]["id"] for i in range(3)]
    first = client.get(f"{API}/webhook_endpoints?limit=2", headers=tenant.headers).json()
    assert [e["id"] for e in first["data"]] == [ids[2], ids[1]] and first["has_more"] is True
    rest = client.get(f"{API}/webhook_endpoints?limit=2&starting_after={ids[1]}", headers=tenant.headers).json()
    assert [e["id"] for e in rest["data"]] == [ids[0]] and rest["has_more"] is False


def test_the_delivery_log_and_pending_retries_survive_a_restart(
    make_server: Callable[..., Any], database_servers: dict[str, str], receive: Receive
) -> None:
    server = make_server("--speed", "instant", "--strict", "--services", "polykomos",
                         "--postgres-admin-url", database_servers["postgres"])
    receiver = receive(script=[500])
    with server.http() as http:
        tenant = new_tenant(http)
        endpoint_id = subscribe(http, tenant, receiver.url, ["database.provisioned"])["data"]["id"]
        database = create_database(http, tenant, db_name("restart"))
        advance(http, 0)
        [pending] = deliveries(http, tenant, endpoint_id)
        assert (pending["status"], pending["attempt_count"]) == ("pending", 1)
    server.restart()
    with server.http() as http:
        [kept] = deliveries(http, tenant, endpoint_id)
        assert kept == pending
        advance(http, 60)
        [done] = deliveries(http, tenant, endpoint_id)
        assert (done["status"], done["attempt_count"]) == ("delivered", 2)
        http.delete(f"{API}/databases/{database['uuid']}", headers=tenant.headers)
    assert len(receiver.requests) == 2
