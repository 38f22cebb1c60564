"""Status callbacks a receiver refused are retried after a restart of the server, on the twin clock."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.conftest import LiveServer
from tests.drivers.webhooks.receiver import Receiver, RunningReceiver
from tests.packs.wayscloud.conftest import Tenant, api_key


@pytest.fixture
def refusing() -> Iterator[Receiver]:
    made = Receiver(script=[503, 503, 503])
    running = RunningReceiver(made)
    yield made
    running.stop()


def _wait_for(receiver: Receiver, count: int, seconds: float = 20.0) -> int:
    deadline = time.monotonic() + seconds
    while len(receiver.requests) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return len(receiver.requests)


def test_pending_callback_retries_survive_a_restart(live_twin: LiveServer, cloud_tenant: Tenant,
                                                    refusing: Receiver) -> None:
    with live_twin.http() as http:
        sent = http.post("/wayscloud/v1/sms/send", headers=api_key(cloud_tenant.api_key), json={
            "to": ["+4791234570"], "message": "callback after restart", "callback_url": refusing.url})
        assert sent.status_code == 200, sent.text
    assert _wait_for(refusing, 3) == 3, "each status change is tried once and refused"
    live_twin.restart()
    with live_twin.http() as http:
        assert http.post("/_twinstack/clock/advance", json={"seconds": 3600}).status_code == 200
    assert _wait_for(refusing, 6) == 6
    # The retries carry the very documents first refused.
    assert sorted(r.body for r in refusing.requests[3:]) == sorted(r.body for r in refusing.requests[:3])
