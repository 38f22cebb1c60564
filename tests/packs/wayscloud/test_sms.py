"""SMS: sends through the SDK and HTTP, recipients from contacts and groups, the delivery lifecycle on the twin
clock, the outbox, scheduled sends, cancels, status callbacks to a real receiver, the failing test range."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient
from wayscloud import WaysCloudClient

from tests.conftest import tenant_credentials
from tests.drivers.webhooks.receiver import Receiver, RunningReceiver
from tests.packs.wayscloud.conftest import API, Tenant, bearer

SMS = f"{API}/sms"


def outbox(client: TestClient, tenant: Tenant, **filters: str) -> list[dict[str, Any]]:
    response = client.get("/_twinstack/outbox", params={"channel": "sms", "tenant": tenant.id, **filters})
    assert response.status_code == 200, response.text
    messages: list[dict[str, Any]] = response.json()["messages"]
    return messages


def advance(client: TestClient, seconds: float) -> None:
    assert client.post("/_twinstack/clock/advance", json={"seconds": seconds}).status_code == 200


def send(client: TestClient, tenant: Tenant, **body: Any) -> dict[str, Any]:
    response = client.post(f"{SMS}/send", headers=tenant.service, json=body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def message(client: TestClient, tenant: Tenant, mid: str) -> dict[str, Any]:
    response = client.get(f"{SMS}/messages/{mid}", headers=tenant.service)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def _tenant(client: TestClient) -> Tenant:
    made = tenant_credentials(client)
    creds = made["credentials"]["wayscloud"]
    return Tenant(made["id"], creds["api_key"], creds["pat"])


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made = Receiver()
    running = RunningReceiver(made)
    yield made
    running.stop()


def test_the_sdk_sends_to_one_number_as_a_string(client: TestClient, tenant: Tenant,
                                                 sdk: Callable[..., WaysCloudClient]) -> None:
    sent = sdk(token=tenant.api_key).sms.send(to="+4799999999", message="Your order has shipped.")
    assert sent["to"] == ["+4799999999"] and sent["status"] == "QUEUED" and sent["units_estimate"] == 1
    listed = sdk(token=tenant.api_key).sms.list()
    assert [m["id"] for m in listed] == [sent["sms_message_id"]]
    shown = listed[0]
    assert shown["to_number"] == "+4799999999" and shown["body"] == "Your order has shipped."
    assert shown["direction"] == "OUTBOUND" and shown["status"] == "DELIVERED"
    [entry] = outbox(client, tenant)
    assert entry["recipient"] == "+4799999999" and entry["body"] == "Your order has shipped."
    assert entry["sender"] == "WAYSCloud" and entry["metadata"]["message_id"] == sent["sms_message_id"]


def test_http_sends_to_numbers_contacts_and_groups_each_once(client: TestClient, tenant: Tenant) -> None:
    def contact(name: str, phone: str) -> str:
        made = client.post(f"{API}/contacts", headers=tenant.account, json={"name": name, "phone_number": phone})
        assert made.status_code == 201, made.text
        return str(made.json()["id"])

    ada, bob, cy = contact("Ada", "+4790000001"), contact("Bob", "+47 900 00 002"), contact("Cy", "+4790000003")
    group = client.post(f"{API}/contacts/groups", headers=tenant.account, json={"name": "team"}).json()["id"]
    client.post(f"{API}/contacts/groups/{group}/members", headers=tenant.account, json={"contact_ids": [bob, cy]})
    text = "Møte i morgen 🚀 " * 12  # emoji: UCS-2, 204 code units -> 4 parts of 67
    sent = send(client, tenant, to=["+4790000001", "+4790000009"], to_contacts=[ada], to_groups=[group],
                message=text, customer_ref="team-1")
    assert sent["to"] == ["+4790000001", "+4790000009", "+4790000002", "+4790000003"]
    assert sent["units_estimate"] == 4 * 4 and sent["customer_ref"] == "team-1"
    listed = client.get(f"{SMS}/messages", headers=tenant.service).json()
    assert listed["total"] == 4 and {m["units_count"] for m in listed["messages"]} == {4}
    assert {m["customer_ref"] for m in listed["messages"]} == {"team-1"}
    assert sorted(e["recipient"] for e in outbox(client, tenant)) == sorted(sent["to"])


def test_bad_input_is_a_400_naming_the_field(client: TestClient, tenant: Tenant) -> None:
    bad_phone = client.post(f"{SMS}/send", headers=tenant.service, json={"to": ["+4799999999", "12ab"], "message": "x"})
    assert bad_phone.status_code == 400 and bad_phone.json()["detail"].startswith("body.to[1]: Invalid phone number")
    empty = client.post(f"{SMS}/send", headers=tenant.service, json={"to": ["+4799999999"], "message": ""})
    assert empty.status_code == 400 and "message" in empty.json()["detail"]
    blank = client.post(f"{SMS}/send", headers=tenant.service, json={"to": ["+4799999999"], "message": "   "})
    assert blank.status_code == 400 and blank.json()["detail"].startswith("body.message:")
    nobody = client.post(f"{SMS}/send", headers=tenant.service, json={"message": "hi"})
    assert nobody.status_code == 400 and nobody.json()["detail"].startswith("body.to:")
    plain_http = client.post(f"{SMS}/send", headers=tenant.service,
                             json={"to": ["+4799999999"], "message": "hi", "callback_url": "http://example.com/x"})
    assert plain_http.status_code == 400 and plain_http.json()["detail"].startswith("body.callback_url:")
    assert outbox(client, tenant) == []
    assert client.get(f"{SMS}/messages", headers=tenant.service).json()["total"] == 0


def test_status_only_moves_forward_on_the_twin_clock_with_callbacks(make_client: Callable[..., TestClient],
                                                                     receiver: Receiver) -> None:
    client = make_client(speed="realistic")
    tenant = _tenant(client)
    sent = send(client, tenant, to=["+4791111111"], message="hello", callback_url=receiver.url, customer_ref="r1")
    mid = sent["sms_message_id"]
    seen = [message(client, tenant, mid)["status"]]
    for step in (0.6, 0.6, 1.0, 1.0):
        advance(client, step)
        seen.append(message(client, tenant, mid)["status"])
    assert seen == ["QUEUED", "SENDING", "SENT", "SENT", "DELIVERED"]
    done = message(client, tenant, mid)
    assert done["created_at"] < done["sent_at"] < done["delivered_at"]
    assert len(outbox(client, tenant)) == 1
    advance(client, 0)
    bodies = [json.loads(r.body) for r in receiver.requests]
    assert [b["status"] for b in bodies] == ["SENDING", "SENT", "DELIVERED"]
    assert {(b["message_id"], b["to"], b["customer_ref"]) for b in bodies} == {(mid, "+4791111111", "r1")}
    assert receiver.header(0, "WAYSCloud-Signature").startswith("t=")


def test_a_scheduled_message_waits_for_the_clock(client: TestClient, tenant: Tenant) -> None:
    now = client.post("/_twinstack/clock/advance", json={"seconds": 0}).json()["now"]
    later = send(client, tenant, to=["+4792222222"], message="Reminder", scheduled_at=now[:19] + "Z")
    assert later["status"] == "QUEUED"  # a time not in the future sends now
    ahead = send(client, tenant, to=["+4792222223"], message="Tomorrow", scheduled_at=_plus_hours(now, 24))
    assert ahead["status"] == "SCHEDULED" and ahead["scheduled_at"] == _plus_hours(now, 24)
    assert message(client, tenant, ahead["sms_message_id"])["status"] == "SCHEDULED"
    assert [e["recipient"] for e in outbox(client, tenant)] == ["+4792222222"]
    advance(client, 23 * 3600)
    assert [e["recipient"] for e in outbox(client, tenant)] == ["+4792222222"]
    advance(client, 3601)
    assert message(client, tenant, ahead["sms_message_id"])["status"] == "DELIVERED"
    assert sorted(e["recipient"] for e in outbox(client, tenant)) == ["+4792222222", "+4792222223"]
    too_far = client.post(f"{SMS}/send", headers=tenant.service,
                          json={"to": ["+4792222224"], "message": "x", "scheduled_at": _plus_hours(now, 24 * 40)})
    assert too_far.status_code == 400 and too_far.json()["detail"].startswith("body.scheduled_at:")


def test_naive_times_are_read_in_the_timezone(client: TestClient, tenant: Tenant) -> None:
    now = client.post("/_twinstack/clock/advance", json={"seconds": 0}).json()["now"]
    ahead = _plus_hours(now, 48)
    naive = ahead[:19]
    sent = send(client, tenant, to=["+4792222225"], message="x", scheduled_at=naive, timezone="Asia/Tokyo")
    assert sent["scheduled_at"] == _plus_hours(ahead, -9)
    bad = client.post(f"{SMS}/send", headers=tenant.service,
                      json={"to": ["+4792222225"], "message": "x", "scheduled_at": naive, "timezone": "Mars/Base"})
    assert bad.status_code == 400 and bad.json()["detail"].startswith("body.timezone:")


def _plus_hours(iso: str, hours: int) -> str:
    from datetime import datetime, timedelta

    at = datetime.fromisoformat(iso.replace("Z", "+00:00")) + timedelta(hours=hours)
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_cancel_only_what_has_not_left(client: TestClient, tenant: Tenant) -> None:
    now = client.post("/_twinstack/clock/advance", json={"seconds": 0}).json()["now"]
    ahead = send(client, tenant, to=["+4793333333"], message="later", scheduled_at=_plus_hours(now, 2))
    mid = ahead["sms_message_id"]
    cancelled = client.post(f"{SMS}/messages/{mid}/cancel", headers=tenant.service)
    assert cancelled.status_code == 200 and cancelled.json() == {"message": "Message cancelled", "message_id": mid}
    advance(client, 3 * 3600)
    assert message(client, tenant, mid)["status"] == "CANCELLED" and outbox(client, tenant) == []
    again = client.post(f"{SMS}/messages/{mid}/cancel", headers=tenant.service)
    assert again.status_code == 400 and again.json() == {"detail": "Message cannot be cancelled. Status: CANCELLED"}
    gone = send(client, tenant, to=["+4793333334"], message="now")["sms_message_id"]
    assert message(client, tenant, gone)["status"] == "DELIVERED"
    late = client.post(f"{SMS}/messages/{gone}/cancel", headers=tenant.service)
    assert late.status_code == 400 and late.json() == {"detail": "Message cannot be cancelled. Status: DELIVERED"}
    unknown = client.post(f"{SMS}/messages/00000000-0000-4000-8000-000000000000/cancel", headers=tenant.service)
    assert unknown.status_code == 404


def test_the_reserved_range_fails_and_the_counts_follow(client: TestClient, tenant: Tenant) -> None:
    send(client, tenant, to=["+4799999991", "+4700000001"], message="a" * 161)
    listed = client.get(f"{SMS}/messages", headers=tenant.service, params={"status": "FAILED"}).json()
    [failed] = listed["messages"]
    assert failed["to_number"] == "+4700000001" and failed["error_message"] and "sent_at" in failed
    delivered = client.get(f"{SMS}/messages", headers=tenant.service, params={"status": "DELIVERED"}).json()
    assert [m["to_number"] for m in delivered["messages"]] == ["+4799999991"]
    stats = client.get(f"{SMS}/stats", headers=tenant.service).json()
    assert stats["today"] == {"messages_sent": 2, "messages_received": 0, "units_used": 4, "delivery_rate": 0.5}
    assert stats["status_breakdown"] == {"DELIVERED": 1, "FAILED": 1}
    usage = client.get(f"{SMS}/usage", headers=tenant.service).json()
    assert usage["messages_sent"] == 2 and usage["messages_failed"] == 1 and usage["units_used"] == 4
    assert usage["cost"] == round(4 * 0.99, 2) and usage["currency"] == "NOK"
    other = client.get(f"{SMS}/usage", headers=tenant.service, params={"period": "2020-01"}).json()
    assert other["units_used"] == 0 and other["period_end"] == "2020-01-31"
    status = client.get(f"{SMS}/status", headers=tenant.service).json()
    assert status["messages_today"] == 2 and status["default_sender"]["sender_id"] == "WAYSCloud"
    today = client.post("/_twinstack/clock/advance", json={"seconds": 0}).json()["now"][:10]
    window = client.get(f"{SMS}/messages", headers=tenant.service, params={"from_date": today, "to_date": today})
    assert window.json()["total"] == 2
    before = client.get(f"{SMS}/messages", headers=tenant.service, params={"to_date": "2020-01-01"})
    assert before.json()["total"] == 0


def test_sender_profiles_are_validated_and_approved(client: TestClient, tenant: Tenant) -> None:
    profiles = f"{SMS}/sender-profiles"
    [default] = client.get(profiles, headers=tenant.service).json()
    assert default["is_default"] and default["approval_status"] == "approved"
    only = client.delete(f"{profiles}/{default['id']}", headers=tenant.service)
    assert only.status_code == 409 and only.json() == {"detail": "Cannot delete: this is your only sender profile"}
    for bad in ("1Brand", "TooLongBrand12", "BrandÅ"):
        refused = client.post(profiles, headers=tenant.service,
                              json={"name": bad, "sender_id": bad, "brand_confirmation": True})
        assert refused.status_code == 400, bad
    unconfirmed = client.post(profiles, headers=tenant.service, json={"name": "m", "sender_id": "MyBrand"})
    assert unconfirmed.status_code == 400 and "brand_confirmation" in unconfirmed.json()["detail"]
    brand = client.post(profiles, headers=tenant.service,
                        json={"name": "marketing", "sender_id": "MyBrand", "brand_confirmation": True})
    assert brand.status_code == 201 and brand.json()["approval_status"] == "approved"  # instant speed
    twice = client.post(profiles, headers=tenant.service, json={"name": "marketing", "sender_id": "4799999999"})
    assert twice.status_code == 409
    phone = client.post(profiles, headers=tenant.service,
                        json={"name": "support", "sender_id": "4799999999", "is_default": True}).json()
    assert phone["is_custom_sender"] is False and phone["is_default"] is True
    listed = client.get(profiles, headers=tenant.service).json()
    assert [p["name"] for p in listed if p["is_default"]] == ["support"]
    sent = send(client, tenant, to=["+4794444444"], message="from brand", sender_profile_id=brand.json()["id"])
    assert message(client, tenant, sent["sms_message_id"])["from_number"] == "MyBrand"
    by_sender = client.post(f"{SMS}/send", headers=bearer(tenant.api_key),
                            json={"to": "+4794444445", "message": "sdk spelling", "sender_id": "MyBrand"})
    assert by_sender.status_code == 200, by_sender.text
    assert message(client, tenant, by_sender.json()["sms_message_id"])["from_number"] == "MyBrand"
    assert client.delete(f"{profiles}/{default['id']}", headers=tenant.service).status_code == 204


def test_a_custom_sender_waits_for_approval(make_client: Callable[..., TestClient]) -> None:
    client = make_client(speed="realistic")
    tenant = _tenant(client)
    brand = client.post(f"{SMS}/sender-profiles", headers=tenant.service,
                        json={"name": "brand", "sender_id": "Brand", "brand_confirmation": True}).json()
    assert brand["approval_status"] == "pending" and brand["monthly_price"] == 99.0
    early = client.post(f"{SMS}/send", headers=tenant.service,
                        json={"to": ["+4795555555"], "message": "x", "sender_profile_id": brand["id"]})
    assert early.status_code == 400 and early.json()["detail"].startswith("body.sender_profile_id:")
    advance(client, 3600)
    [shown] = [p for p in client.get(f"{SMS}/sender-profiles", headers=tenant.service).json() if p["id"] == brand["id"]]
    assert shown["approval_status"] == "approved"


def test_odd_dates_and_periods_are_named_not_failed(client: TestClient, tenant: Tenant) -> None:
    usage = client.get(f"{SMS}/usage", headers=tenant.service, params={"period": "9999-12"})
    assert usage.status_code == 200 and usage.json()["period_end"] == "9999-12-31"
    bad = client.get(f"{SMS}/usage", headers=tenant.service, params={"period": "2025-13"})
    assert bad.status_code == 422 and "period" in bad.json()["detail"]
    early = client.get(f"{SMS}/messages", headers=tenant.service, params={"to_date": "0001-01-02"})
    assert early.status_code == 200 and early.json()["total"] == 0
    leap = client.post(f"{SMS}/send", headers=tenant.service,
                       json={"to": ["+4799999999"], "message": "x", "scheduled_at": "2016-12-31T23:59:60Z"})
    assert leap.status_code == 400 and "scheduled_at" in leap.json()["detail"]
