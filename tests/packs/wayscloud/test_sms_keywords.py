"""SMS keywords: reserved cloud-wide without regard to case, released by delete, checked for availability; an
inbound SMS (the twin's control) reaches the keyword's owner, its webhook and its auto-reply."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import tenant_credentials
from tests.drivers.webhooks.receiver import Receiver, RunningReceiver
from tests.packs.wayscloud.conftest import API, Tenant, api_key

KEYWORDS = f"{API}/sms/keywords"


def _reserve(client: TestClient, headers: dict[str, str], keyword: str) -> Any:
    return client.post(KEYWORDS, headers=headers, json={"keyword": keyword, "description": "test"})


def _available(client: TestClient, headers: dict[str, str], keyword: str) -> bool:
    response = client.get(f"{KEYWORDS}/check/{keyword}", headers=headers)
    assert response.status_code == 200, response.text
    return bool(response.json()["available"])


def test_a_reserved_keyword_is_taken_in_any_case(client: TestClient, tenant: Tenant) -> None:
    assert _available(client, tenant.service, "support")
    created = _reserve(client, tenant.service, "Support")
    assert created.status_code == 201, created.text
    assert created.json()["keyword"] == "SUPPORT"
    for spelling in ("support", "SUPPORT", "sUpPoRt"):
        assert not _available(client, tenant.service, spelling)
    again = _reserve(client, tenant.service, " support ")
    assert again.status_code == 409 and again.json() == {"detail": "Keyword already reserved"}


def test_another_customer_cannot_reserve_it(client: TestClient, tenant: Tenant) -> None:
    other = api_key(tenant_credentials(client)["credentials"]["wayscloud"]["api_key"])
    assert _reserve(client, tenant.service, "PIZZA").status_code == 201
    assert not _available(client, other, "pizza")
    response = _reserve(client, other, "pizza")
    assert response.status_code == 409
    assert response.json() == {"detail": "Keyword already reserved by another customer"}
    assert client.get(KEYWORDS, headers=other).json() == []


def test_delete_releases_the_keyword(client: TestClient, tenant: Tenant) -> None:
    other = api_key(tenant_credentials(client)["credentials"]["wayscloud"]["api_key"])
    created = _reserve(client, tenant.service, "promo").json()
    assert client.delete(f"{KEYWORDS}/{created['id']}", headers=tenant.service).status_code == 204
    assert _available(client, tenant.service, "PROMO")
    assert _reserve(client, other, "Promo").status_code == 201


def test_an_update_keeps_the_reserved_keyword(client: TestClient, tenant: Tenant) -> None:
    created = _reserve(client, tenant.service, "INFO").json()
    response = client.patch(f"{KEYWORDS}/{created['id']}", headers=tenant.service,
                            json={"keyword": "OTHER", "description": "changed"})
    assert response.status_code == 200, response.text
    assert response.json()["keyword"] == "INFO" and response.json()["description"] == "changed"
    assert _available(client, tenant.service, "OTHER") and not _available(client, tenant.service, "INFO")


def test_a_malformed_keyword_is_400_and_reserves_nothing(client: TestClient, tenant: Tenant) -> None:
    for bad in ("x", "two words", "ÆØÅ"):
        response = _reserve(client, tenant.service, bad)
        assert response.status_code == 400, response.text
        assert response.json() == {"detail": "Invalid keyword format. Must be alphanumeric, 2-20 characters."}
    assert client.get(KEYWORDS, headers=tenant.service).json() == []


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made = Receiver()
    running = RunningReceiver(made)
    yield made
    running.stop()


def _inbound(client: TestClient, **body: Any) -> Any:
    return client.post("/_twinstack/wayscloud/inbound-sms", json=body)


def test_an_inbound_sms_reaches_the_keyword_its_webhook_and_its_auto_reply(
        client: TestClient, tenant: Tenant, receiver: Receiver) -> None:
    other = api_key(tenant_credentials(client)["credentials"]["wayscloud"]["api_key"])
    assert _reserve(client, other, "PIZZA").status_code == 201
    created = client.post(KEYWORDS, headers=tenant.service, json={
        "keyword": "support", "webhook_url": receiver.url, "auto_reply_message": "Thanks, we will call you."})
    assert created.status_code == 201 and created.json()["auto_reply_enabled"] is True
    assert created.json()["messages_received"] == 0
    arrived = _inbound(client, **{"from": "+4798765432", "body": "Support my order is late"})
    assert arrived.status_code == 200, arrived.text
    inbound_id = arrived.json()["message"]["id"]

    inbox = client.get(f"{API}/sms/messages", headers=tenant.service, params={"direction": "INBOUND"}).json()
    [stored] = inbox["messages"]
    assert stored["id"] == inbound_id and stored["status"] == "RECEIVED" and stored["from_number"] == "+4798765432"
    assert stored["body"] == "Support my order is late"
    keyword = client.get(f"{KEYWORDS}/{created.json()['id']}", headers=tenant.service).json()
    assert keyword["messages_received"] == 1 and keyword["last_message_at"] == stored["created_at"]
    assert client.get(f"{API}/sms/messages", headers=other).json()["total"] == 0

    client.post("/_twinstack/clock/advance", json={"seconds": 0})
    [hook] = receiver.requests
    sent = json.loads(hook.body)
    assert sent["message_id"] == inbound_id and sent["keyword"] == "SUPPORT" and sent["from"] == "+4798765432"

    outbound = client.get(f"{API}/sms/messages", headers=tenant.service, params={"direction": "OUTBOUND"}).json()
    [reply] = outbound["messages"]
    assert reply["message_type"] == "REPLY" and reply["related_message_id"] == inbound_id
    assert reply["to_number"] == "+4798765432" and reply["body"] == "Thanks, we will call you."
    [entry] = client.get("/_twinstack/outbox", params={"channel": "sms", "recipient": "+4798765432"}).json()["messages"]
    assert entry["metadata"]["related_message_id"] == inbound_id and entry["tenant"] == tenant.id
    stats = client.get(f"{API}/sms/stats", headers=tenant.service).json()
    assert stats["today"]["messages_received"] == 1 and stats["today"]["messages_sent"] == 1


def test_an_inbound_sms_without_a_keyword_is_refused(client: TestClient, tenant: Tenant) -> None:
    assert _inbound(client, **{"from": "+4798765432", "body": "NOBODY here"}).status_code == 404
    assert _inbound(client, **{"from": "not a number", "body": "x"}).status_code == 400
    muted = client.post(KEYWORDS, headers=tenant.service, json={"keyword": "QUIET", "auto_reply_message": "hi"}).json()
    client.patch(f"{KEYWORDS}/{muted['id']}", headers=tenant.service, json={"auto_reply_enabled": False})
    assert _inbound(client, **{"from": "+4798765432", "body": "quiet"}).json()["reply"] is None
    assert client.get("/_twinstack/outbox", params={"channel": "sms", "tenant": tenant.id}).json()["messages"] == []
