"""The engine inside a real app: the server's own scheduler delivers, and the control plane sees it.

The engine is wired by hand on the app's runtime (store, clock, scheduler), as
a pack will wire it at start; the event is emitted on the app's event loop,
where a pack's handler would emit it. Time moves by ``POST /_twinstack/clock/advance``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.testclient import TestClient

from tests.drivers.webhooks.conftest import SERVICE
from tests.drivers.webhooks.receiver import Receiver
from twinstack.drivers.webhooks import CreatedEndpoint, Delivery, WebhookSettings, Webhooks, verify
from twinstack.engine.tenants import DEFAULT_TENANT


def test_clock_advance_runs_the_retries_and_the_outbox_and_export_show_the_deliveries(
    make_client: Callable[..., TestClient], receive: Callable[..., Receiver]
) -> None:
    client = make_client(services=[])
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    hooks = Webhooks(runtime.store, runtime.clock, runtime.scheduler)
    hooks.configure(SERVICE, WebhookSettings(header_prefix="Polykomos", timeout=2.0))
    receiver = receive(script=[500])
    assert client.portal is not None

    created: CreatedEndpoint = client.portal.call(hooks.create_endpoint, SERVICE, DEFAULT_TENANT, receiver.url)
    emitted: list[Delivery] = client.portal.call(_emit, hooks)
    [delivery] = emitted

    assert client.post("/_twinstack/clock/advance", json={"seconds": 0}).status_code == 200
    assert len(receiver.requests) == 1
    pending = hooks.get_delivery(SERVICE, DEFAULT_TENANT, delivery.id)
    assert pending is not None and (pending.status, pending.attempt_count) == ("pending", 1)

    # The server's own scheduler loop may take the retry first; advance waits for its pass either way.
    assert client.post("/_twinstack/clock/advance", json={"seconds": 60}).status_code == 200
    done = hooks.get_delivery(SERVICE, DEFAULT_TENANT, delivery.id)
    assert done is not None and (done.status, done.attempt_count) == ("delivered", 2)
    verify(created.secret, receiver.header(1, "Polykomos-Signature"), receiver.requests[1].body, tolerance=60)

    outbox = client.get("/_twinstack/outbox", params={"channel": "webhook", "service": SERVICE})
    messages = outbox.json()["messages"]
    assert [(m["metadata"]["attempt"], m["metadata"]["status_code"]) for m in messages] == [(2, 200), (1, 500)]
    assert {m["recipient"] for m in messages} == {receiver.url}

    exported = client.get("/_twinstack/state/export").text
    assert delivery.id in exported and "webhooks:deliveries" in exported and created.secret in exported


def _emit(hooks: Webhooks) -> Any:
    return hooks.emit(SERVICE, DEFAULT_TENANT, "database.provisioned", {"object": "database"})
