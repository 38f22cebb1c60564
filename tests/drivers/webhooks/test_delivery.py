"""Deliveries end to end: real signed POSTs to a loopback receiver, retries on the twin clock, restarts.

Every test drives time only through ``Rig.run(advance=...)``; a retry never
runs before the clock reaches it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import orjson
import pytest

from tests.conftest import free_port
from tests.drivers.webhooks.conftest import SERVICE, TENANT, Rig
from tests.drivers.webhooks.receiver import Receiver
from twinstack.drivers.webhooks import DEFAULT_SCHEDULE, Delivery, TargetPolicy, job_kind, verify
from twinstack.errors import NotFound

Receive = Callable[..., Receiver]


def test_an_event_is_posted_once_signed_with_the_endpoint_secret_and_logged_delivered(
    rig: Rig, receive: Receive
) -> None:
    receiver = receive()
    created = rig.hooks.create_endpoint(SERVICE, TENANT, receiver.url, ["database.provisioned"])
    [pending] = rig.hooks.emit(SERVICE, TENANT, "database.provisioned", {"object": "database", "uuid": "u-1"})
    assert pending.status == "pending" and pending.attempt_count == 0 and receiver.requests == []

    assert rig.run() == 1
    [request] = receiver.requests
    assert request.path == "/hooks"
    assert verify(created.secret, receiver.header(0, "Polykomos-Signature"), request.body, tolerance=60) > 0
    assert receiver.header(0, "Polykomos-Event") == "database.provisioned"
    assert receiver.header(0, "Polykomos-Delivery-Id") == pending.id
    assert receiver.header(0, "Content-Type") == "application/json"
    event = orjson.loads(request.body)
    assert set(event) == {"id", "type", "created_at", "data"}
    assert event["id"].startswith("evt_") and event["type"] == "database.provisioned"
    assert event["created_at"] == rig.clock.iso(pending.created_at)
    assert event["data"] == {"object": "database", "uuid": "u-1"}

    delivered = rig.hooks.get_delivery(SERVICE, TENANT, pending.id)
    assert delivered is not None and delivered.status == "delivered"
    assert (delivered.attempt_count, delivered.response_code, delivered.error_message) == (1, 200, None)
    [attempt] = delivered.attempts
    assert attempt.status_code == 200 and attempt.url == receiver.url and attempt.response_body == "received"
    endpoint = rig.hooks.get_endpoint(SERVICE, TENANT, created.endpoint.id)
    assert endpoint is not None and endpoint.last_success_at is not None and endpoint.last_failure_at is None

    [sent] = rig.outbox()
    assert (sent["channel"], sent["recipient"], sent["subject"], sent["body"]) == (
        "webhook", receiver.url, "database.provisioned", request.body.decode()
    )
    assert sent["metadata"]["delivery_id"] == pending.id and sent["metadata"]["status_code"] == 200
    assert rig.run(advance=86_400) == 0 and len(receiver.requests) == 1


def test_a_receiver_failing_twice_gets_it_on_the_third_attempt_as_the_clock_reaches_each_retry(
    rig: Rig, receive: Receive
) -> None:
    receiver = receive(script=[500, 503])
    created = rig.hooks.create_endpoint(SERVICE, TENANT, receiver.url)
    [delivery] = rig.hooks.emit(SERVICE, TENANT, "database.deleted", {"uuid": "u-2"})

    rig.run()
    first = _reload(rig, delivery)
    assert (first.status, first.attempt_count, first.response_code) == ("pending", 1, 500)
    assert first.error_message == "HTTP 500"
    assert first.next_attempt_at == pytest.approx(first.updated_at + 60)
    assert rig.run(advance=59) == 0 and len(receiver.requests) == 1

    rig.run(advance=1)
    second = _reload(rig, delivery)
    assert (second.status, second.attempt_count, second.response_code) == ("pending", 2, 503)
    assert second.next_attempt_at == pytest.approx(second.updated_at + 300)

    rig.run(advance=300)
    third = _reload(rig, delivery)
    assert (third.status, third.attempt_count, third.response_code, third.error_message) == ("delivered", 3, 200, None)
    assert [(a.number, a.status_code, a.error) for a in third.attempts] == [
        (1, 500, "HTTP 500"), (2, 503, "HTTP 503"), (3, 200, None)
    ]
    assert all(a.duration_ms >= 0 for a in third.attempts)
    assert [r.body for r in receiver.requests] == [third.body.encode()] * 3
    for index in range(3):
        header = receiver.header(index, "Polykomos-Signature")
        verify(created.secret, header, receiver.requests[index].body, tolerance=60)
    endpoint = rig.hooks.get_endpoint(SERVICE, TENANT, created.endpoint.id)
    assert endpoint is not None and endpoint.last_failure_at is not None and endpoint.last_success_at is not None
    assert [m["metadata"]["attempt"] for m in rig.outbox()] == [3, 2, 1]


def test_exhausting_the_schedule_fails_the_delivery_after_six_attempts(rig: Rig, receive: Receive) -> None:
    receiver = receive(script=[500] * 10)
    rig.hooks.create_endpoint(SERVICE, TENANT, receiver.url)
    [delivery] = rig.hooks.emit(SERVICE, TENANT, "database.updated", {})

    for delay in DEFAULT_SCHEDULE:
        rig.run(advance=delay)
    failed = _reload(rig, delivery)
    assert (failed.status, failed.attempt_count, failed.max_attempts, failed.next_attempt_at) == ("failed", 6, 6, None)
    assert len(receiver.requests) == 6
    assert rig.store.next_job_due() is None
    assert rig.run(advance=7 * 86_400) == 0 and len(receiver.requests) == 6


def test_a_revoked_endpoint_receives_nothing_more_and_its_pending_retries_fail(rig: Rig, receive: Receive) -> None:
    receiver = receive(script=[500])
    created = rig.hooks.create_endpoint(SERVICE, TENANT, receiver.url)
    [delivery] = rig.hooks.emit(SERVICE, TENANT, "database.updated", {})
    rig.run()
    assert _reload(rig, delivery).status == "pending"

    revoked = rig.hooks.revoke_endpoint(SERVICE, TENANT, created.endpoint.id)
    assert revoked is not None and revoked.status == "revoked" and revoked.revoked_at is not None
    stopped = _reload(rig, delivery)
    assert (stopped.status, stopped.error_message, stopped.next_attempt_at) == ("failed", "endpoint revoked", None)
    assert rig.hooks.emit(SERVICE, TENANT, "database.updated", {}) == []

    for delay in DEFAULT_SCHEDULE:
        rig.run(advance=delay)
    assert len(receiver.requests) == 1
    assert rig.store.next_job_due() is None
    assert rig.hooks.revoke_endpoint(SERVICE, TENANT, created.endpoint.id) is None
    with pytest.raises(NotFound):
        _run(rig.hooks.send_test(SERVICE, TENANT, created.endpoint.id))


def test_the_log_survives_a_restart_and_a_pending_retry_resumes(rig: Rig, receive: Receive) -> None:
    receiver = receive(script=[502])
    created = rig.hooks.create_endpoint(SERVICE, TENANT, receiver.url)
    [delivery] = rig.hooks.emit(SERVICE, TENANT, "database.provisioned", {"uuid": "u-3"})
    rig.run()

    after = rig.restart()
    [logged] = after.hooks.deliveries(SERVICE, TENANT).items
    assert (logged.id, logged.status, logged.attempt_count, logged.response_code) == (delivery.id, "pending", 1, 502)
    assert after.run() == 0

    after.run(advance=60)
    done = _reload(after, delivery)
    assert (done.status, done.attempt_count) == ("delivered", 2)
    assert [a.status_code for a in done.attempts] == [502, 200]
    verify(created.secret, receiver.header(1, "Polykomos-Signature"), receiver.requests[1].body, tolerance=60)


def test_a_target_refused_by_the_policy_fails_at_once_without_a_request(
    make_rig: Callable[..., Rig], receive: Receive
) -> None:
    rig = make_rig(policy=TargetPolicy.parse("public"))
    receiver = receive()
    rig.hooks.create_endpoint(SERVICE, TENANT, receiver.url)
    [delivery] = rig.hooks.emit(SERVICE, TENANT, "database.provisioned", {})
    rig.run()

    refused = _reload(rig, delivery)
    assert (refused.status, refused.attempt_count, refused.response_code) == ("failed", 1, None)
    assert refused.error_message is not None and "refused by the webhook target policy" in refused.error_message
    assert "127.0.0.1, loopback address" in refused.error_message
    assert receiver.requests == [] and rig.outbox() == []
    assert rig.store.next_job_due() is None


def test_a_test_delivery_is_one_synchronous_attempt_logged_and_never_retried(rig: Rig, receive: Receive) -> None:
    receiver = receive(script=[500])
    created = rig.hooks.create_endpoint(SERVICE, TENANT, receiver.url, ["database.provisioned"])

    failed = _run(rig.hooks.send_test(SERVICE, TENANT, created.endpoint.id))
    assert (failed.status, failed.attempt_count, failed.test, failed.event_type) == ("failed", 1, True, "webhook.test")
    assert len(receiver.requests) == 1 and failed.response_code == 500
    verify(created.secret, receiver.header(0, "Polykomos-Signature"), receiver.requests[0].body, tolerance=60)
    assert rig.run(advance=86_400) == 0 and len(receiver.requests) == 1

    delivered = _run(rig.hooks.send_test(SERVICE, TENANT, created.endpoint.id, data={"hello": "world"}))
    assert delivered.status == "delivered" and delivered.event["data"] == {"hello": "world"}
    assert [d.id for d in rig.hooks.deliveries(SERVICE, TENANT, endpoint_id=created.endpoint.id).items] == [
        delivered.id, failed.id
    ]


def test_a_receiver_slower_than_the_timeout_fails_the_attempt_and_is_retried(
    make_rig: Callable[..., Rig], receive: Receive
) -> None:
    rig = make_rig(timeout=0.2)
    receiver = receive(hang=True)
    rig.hooks.create_endpoint(SERVICE, TENANT, receiver.url)
    [delivery] = rig.hooks.emit(SERVICE, TENANT, "database.provisioned", {})
    rig.run()

    slow = _reload(rig, delivery)
    assert (slow.status, slow.attempt_count, slow.response_code) == ("pending", 1, None)
    assert slow.error_message == "timed out after 0.2 s"


def test_a_job_claimed_twice_while_its_attempt_is_under_way_sends_once(
    make_rig: Callable[..., Rig], receive: Receive
) -> None:
    # Two workers holding one job: the second claimed it after the first's lease ran out mid-request.
    rig = make_rig(timeout=0.3)
    receiver = receive(hang=True)
    rig.hooks.create_endpoint(SERVICE, TENANT, receiver.url)
    [delivery] = rig.hooks.emit(SERVICE, TENANT, "database.provisioned", {})
    [job] = rig.store.claim_due_jobs(rig.clock.now())
    handler = rig.scheduler.handlers[job_kind(SERVICE)]

    async def both_workers() -> None:
        await asyncio.gather(_awaitable(handler(job)), _awaitable(handler(job)))

    asyncio.run(both_workers())
    assert len(receiver.requests) == 1
    once = _reload(rig, delivery)
    assert (once.attempt_count, once.status, once.in_flight_until) == (1, "pending", None)


def test_a_state_reset_while_a_request_is_out_keeps_nothing_of_it(rig: Rig, receive: Receive) -> None:
    receiver = receive(before_reply=rig.store.reset)
    created = rig.hooks.create_endpoint(SERVICE, TENANT, receiver.url)
    reported = _run(rig.hooks.send_test(SERVICE, TENANT, created.endpoint.id))
    assert (reported.status, reported.attempt_count, reported.response_code) == ("delivered", 1, 200)
    assert rig.hooks.deliveries(SERVICE, TENANT).items == [] and rig.outbox() == []
    assert rig.hooks.get_endpoint(SERVICE, TENANT, created.endpoint.id) is None


def test_redirects_are_not_followed_and_count_as_failures(rig: Rig, receive: Receive) -> None:
    receiver = receive(script=[302])
    rig.hooks.create_endpoint(SERVICE, TENANT, receiver.url)
    [delivery] = rig.hooks.emit(SERVICE, TENANT, "database.provisioned", {})
    rig.run()
    moved = _reload(rig, delivery)
    assert (moved.status, moved.response_code) == ("pending", 302)
    assert moved.error_message == "HTTP 302 (redirects are not followed)"
    assert [r.path for r in receiver.requests] == ["/hooks"]


def test_a_receiver_that_is_down_is_a_failed_attempt_not_an_error(rig: Rig) -> None:
    rig.hooks.create_endpoint(SERVICE, TENANT, f"http://127.0.0.1:{free_port()}/hooks")
    [delivery] = rig.hooks.emit(SERVICE, TENANT, "database.provisioned", {})
    rig.run()
    down = _reload(rig, delivery)
    assert down.status == "pending" and down.response_code is None
    assert down.error_message is not None and down.error_message.startswith("connection failed")
    assert rig.outbox()[0]["metadata"]["error"] == down.error_message


def test_the_change_hook_hears_each_attempt_after_it_is_committed(
    make_rig: Callable[..., Rig], receive: Receive
) -> None:
    heard: list[tuple[str, str, int, str | None]] = []
    rig = make_rig(on_change=lambda tenant, d: heard.append((tenant, d.status, d.attempt_count, d.error_message)))
    receiver = receive(script=[500])
    rig.hooks.create_endpoint(SERVICE, TENANT, receiver.url)
    rig.hooks.emit(SERVICE, TENANT, "database.provisioned", {})
    rig.run()
    rig.run(advance=60)
    assert heard == [(TENANT, "pending", 1, "HTTP 500"), (TENANT, "delivered", 2, None)]


def _reload(rig: Rig, delivery: Delivery) -> Delivery:
    found = rig.hooks.get_delivery(SERVICE, TENANT, delivery.id)
    assert found is not None
    return found


async def _awaitable(result: Awaitable[None] | None) -> None:
    if result is not None:
        await result


def _run(coroutine: Coroutine[Any, Any, Delivery]) -> Delivery:
    return asyncio.run(coroutine)
