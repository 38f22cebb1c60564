"""Endpoints: secrets shown once, subscriptions, tenants kept apart, ids, validation, updates."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

import orjson
import pytest

from tests.drivers.webhooks.conftest import SERVICE, TENANT, Rig
from tests.drivers.webhooks.receiver import Receiver
from twinstack.drivers.webhooks import WebhookSettings, Webhooks, verify
from twinstack.errors import NotFound, ValidationFailed

Receive = Callable[..., Receiver]
OTHER = "tenant-b"


def test_the_secret_is_returned_once_and_kept_out_of_every_endpoint_document(rig: Rig) -> None:
    created = rig.hooks.create_endpoint(SERVICE, TENANT, "http://127.0.0.1:9/hooks", ["database.provisioned"])
    assert created.secret.startswith("whsec_") and len(created.secret) == 38
    assert created.endpoint.status == "active" and created.endpoint.events == ["database.provisioned"]
    shown = orjson.dumps(
        [e.to_dict() for e in rig.hooks.list_endpoints(SERVICE, TENANT)]
        + [rig.store.list(SERVICE, TENANT, "webhooks:endpoints")]
    ).decode()
    assert created.endpoint.id in shown and created.secret not in shown


def test_a_secret_chosen_by_the_caller_signs_the_deliveries(rig: Rig, receive: Receive) -> None:
    receiver = receive()
    rig.hooks.create_endpoint(SERVICE, TENANT, receiver.url, secret="my-own-secret")
    rig.hooks.emit(SERVICE, TENANT, "session.created", {})
    rig.run()
    verify("my-own-secret", receiver.header(0, "Polykomos-Signature"), receiver.requests[0].body, tolerance=60)


def test_events_reach_only_the_endpoints_subscribed_to_them(rig: Rig) -> None:
    url = "http://127.0.0.1:9/hooks"
    exact = rig.hooks.create_endpoint(SERVICE, TENANT, url, ["database.deleted"]).endpoint
    prefix = rig.hooks.create_endpoint(SERVICE, TENANT, url, ["database.*"]).endpoint
    every = rig.hooks.create_endpoint(SERVICE, TENANT, url, []).endpoint
    star = rig.hooks.create_endpoint(SERVICE, TENANT, url, ["*"]).endpoint
    other = rig.hooks.create_endpoint(SERVICE, TENANT, url, ["blueprint_application.completed"]).endpoint

    taken = {d.endpoint_id for d in rig.hooks.emit(SERVICE, TENANT, "database.deleted", {})}
    assert taken == {exact.id, prefix.id, every.id, star.id}
    assert {d.endpoint_id for d in rig.hooks.emit(SERVICE, TENANT, "databases", {})} == {every.id, star.id}
    assert {d.endpoint_id for d in rig.hooks.emit(SERVICE, TENANT, "blueprint_application.completed", {})} == {
        every.id, star.id, other.id
    }


def test_one_tenant_never_sees_or_touches_another_tenants_endpoints(rig: Rig) -> None:
    created = rig.hooks.create_endpoint(SERVICE, TENANT, "http://127.0.0.1:9/hooks")
    eid = created.endpoint.id
    assert rig.hooks.get_endpoint(SERVICE, OTHER, eid) is None
    assert rig.hooks.list_endpoints(SERVICE, OTHER, include_revoked=True) == []
    assert rig.hooks.emit(SERVICE, OTHER, "database.deleted", {}) == []
    assert rig.hooks.update_endpoint(SERVICE, OTHER, eid, active=False) is None
    assert rig.hooks.revoke_endpoint(SERVICE, OTHER, eid) is None
    with pytest.raises(NotFound) as caught:
        _test_delivery(rig, OTHER, eid)
    assert caught.value.status == 404 and caught.value.details == {"endpoint_id": eid}
    assert rig.hooks.deliveries(SERVICE, OTHER, endpoint_id=eid).items == []
    endpoint = rig.hooks.get_endpoint(SERVICE, TENANT, eid)
    assert endpoint is not None and endpoint.status == "active"


def test_sequence_ids_are_drawn_across_tenants_and_uuid_ids_are_uuids(make_rig: Callable[..., Rig]) -> None:
    rig = make_rig()
    first = rig.hooks.create_endpoint(SERVICE, TENANT, "http://127.0.0.1:9/a").endpoint
    second = rig.hooks.create_endpoint(SERVICE, OTHER, "http://127.0.0.1:9/b").endpoint
    assert (first.id, second.id) == ("1", "2")
    assert [d.id for d in rig.hooks.emit(SERVICE, OTHER, "x.y", {})] == ["1"]
    assert [d.id for d in rig.hooks.emit(SERVICE, TENANT, "x.y", {})] == ["2"]

    hooks = Webhooks(rig.store, rig.clock, rig.scheduler)
    hooks.configure("odin", WebhookSettings(ids="uuid"))
    created = hooks.create_endpoint("odin", TENANT, "http://127.0.0.1:9/c")
    assert str(uuid.UUID(created.endpoint.id)) == created.endpoint.id


@pytest.mark.parametrize("url", ["ftp://example.test/hook", "example.test/hook", "http://", ""])
def test_an_endpoint_url_must_be_absolute_http_and_the_error_names_the_field(rig: Rig, url: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        rig.hooks.create_endpoint(SERVICE, TENANT, url)
    [issue] = caught.value.issues
    assert (issue.location, issue.path, issue.kind) == ("body", ("url",), "format")
    assert rig.hooks.list_endpoints(SERVICE, TENANT) == []


@pytest.mark.parametrize(("events", "index"), [([""], 0), (["database.created", "data*base"], 1), (["*.created"], 0)])
def test_event_patterns_that_could_never_match_are_refused_naming_the_entry(
    rig: Rig, events: list[str], index: int
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        rig.hooks.create_endpoint(SERVICE, TENANT, "http://127.0.0.1:9/hooks", events)
    assert caught.value.issues[0].path == ("events", index)


def test_a_disabled_endpoint_takes_no_new_events_until_enabled_again(rig: Rig) -> None:
    eid = rig.hooks.create_endpoint(SERVICE, TENANT, "http://127.0.0.1:9/hooks").endpoint.id
    disabled = rig.hooks.update_endpoint(SERVICE, TENANT, eid, active=False)
    assert disabled is not None and disabled.status == "disabled"
    assert rig.hooks.emit(SERVICE, TENANT, "database.deleted", {}) == []
    rig.hooks.update_endpoint(SERVICE, TENANT, eid, active=True)
    assert len(rig.hooks.emit(SERVICE, TENANT, "database.deleted", {})) == 1


def test_a_changed_url_receives_the_pending_retries(rig: Rig, receive: Receive) -> None:
    failing, healthy = receive(script=[500]), receive()
    eid = rig.hooks.create_endpoint(SERVICE, TENANT, failing.url, metadata={"description": "ops"}).endpoint.id
    [delivery] = rig.hooks.emit(SERVICE, TENANT, "database.deleted", {})
    rig.run()
    moved = rig.hooks.update_endpoint(SERVICE, TENANT, eid, url=healthy.url.replace("/hooks", "/moved"))
    assert moved is not None and moved.metadata == {"description": "ops"}
    rig.run(advance=60)
    assert [r.path for r in healthy.requests] == ["/moved"]
    done = rig.hooks.get_delivery(SERVICE, TENANT, delivery.id)
    assert done is not None and [a.url for a in done.attempts] == [failing.url, healthy.url.replace("/hooks", "/moved")]


def test_revoked_endpoints_leave_the_list_but_stay_readable_as_revoked(rig: Rig) -> None:
    kept = rig.hooks.create_endpoint(SERVICE, TENANT, "http://127.0.0.1:9/a").endpoint
    gone = rig.hooks.create_endpoint(SERVICE, TENANT, "http://127.0.0.1:9/b").endpoint
    assert [e.id for e in rig.hooks.list_endpoints(SERVICE, TENANT)] == [gone.id, kept.id]
    rig.hooks.revoke_endpoint(SERVICE, TENANT, gone.id)
    assert [e.id for e in rig.hooks.list_endpoints(SERVICE, TENANT)] == [kept.id]
    assert [e.status for e in rig.hooks.list_endpoints(SERVICE, TENANT, include_revoked=True)] == ["revoked", "active"]
    assert rig.hooks.update_endpoint(SERVICE, TENANT, gone.id, url="http://127.0.0.1:9/c") is None


def test_a_service_that_was_never_configured_is_a_clear_error(rig: Rig) -> None:
    with pytest.raises(LookupError, match="not configured for service 'wayscloud'"):
        rig.hooks.create_endpoint("wayscloud", TENANT, "http://127.0.0.1:9/hooks")


def _test_delivery(rig: Rig, tenant: str, endpoint_id: str) -> None:
    asyncio.run(rig.hooks.send_test(SERVICE, tenant, endpoint_id))
