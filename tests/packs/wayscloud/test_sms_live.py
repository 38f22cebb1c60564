"""SMS on a real ``twinstack serve``: the official SDK sends, the server's own scheduler delivers the message and
its status callbacks reach a receiver on a real socket, and an inbound SMS reaches a keyword's webhook."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from wayscloud import WaysCloudClient

from tests.conftest import LiveServer
from tests.drivers.webhooks.receiver import Receiver, RunningReceiver
from tests.packs.wayscloud.conftest import Tenant, api_key

_WAIT_SECONDS = 20.0


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made = Receiver()
    running = RunningReceiver(made)
    yield made
    running.stop()


def _received(receiver: Receiver, count: int) -> list[dict[str, Any]]:
    """The first ``count`` bodies the receiver got, waiting for the server's scheduler to send them."""
    deadline = time.monotonic() + _WAIT_SECONDS
    while len(receiver.requests) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return [json.loads(r.body) for r in receiver.requests[:count]]


def test_the_sdk_sends_and_the_server_delivers_with_callbacks(live_twin: LiveServer, cloud_tenant: Tenant,
                                                             receiver: Receiver) -> None:
    sdk = WaysCloudClient(token=cloud_tenant.api_key, base_url=f"{live_twin.url}/wayscloud")
    sent = sdk.sms.send(to="+4791234567", message="Sent from the SDK")
    assert sent["to"] == ["+4791234567"] and sdk.sms.get(sent["sms_message_id"])["status"] == "DELIVERED"
    with live_twin.http() as http:
        [entry] = http.get("/_twinstack/outbox", params={"channel": "sms", "tenant": cloud_tenant.id}).json()["messages"]
        assert entry["body"] == "Sent from the SDK"
        answer = http.post("/wayscloud/v1/sms/send", headers=api_key(cloud_tenant.api_key), json={
            "to": ["+4791234568"], "message": "with a callback", "callback_url": receiver.url})
        assert answer.status_code == 200, answer.text
        bodies = _received(receiver, 3)
        assert [b["status"] for b in bodies] == ["SENDING", "SENT", "DELIVERED"]
        assert {b["message_id"] for b in bodies} == {answer.json()["sms_message_id"]}


def test_an_inbound_sms_reaches_the_keyword_webhook(live_twin: LiveServer, cloud_tenant: Tenant,
                                                    receiver: Receiver) -> None:
    with live_twin.http() as http:
        made = http.post("/wayscloud/v1/sms/keywords", headers=api_key(cloud_tenant.api_key),
                         json={"keyword": "LIVE", "webhook_url": receiver.url, "auto_reply_message": "Got it"})
        assert made.status_code == 201, made.text
        arrived = http.post("/_twinstack/wayscloud/inbound-sms", json={"from": "+4791234569", "body": "live now"})
        assert arrived.status_code == 200, arrived.text
        [hook] = _received(receiver, 1)
        assert hook["message_id"] == arrived.json()["message"]["id"] and hook["body"] == "live now"
        replies = http.get("/_twinstack/outbox", params={"channel": "sms", "recipient": "+4791234569"}).json()
        assert [m["body"] for m in replies["messages"]] == ["Got it"]
