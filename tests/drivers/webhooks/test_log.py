"""The delivery log's pages: newest first, a cursor that holds while the log grows, one endpoint's share."""

from __future__ import annotations

import pytest

from tests.drivers.webhooks.conftest import SERVICE, TENANT, Rig


def test_pages_run_newest_first_and_a_cursor_skips_nothing_while_new_deliveries_arrive(rig: Rig) -> None:
    rig.hooks.create_endpoint(SERVICE, TENANT, "http://127.0.0.1:9/hooks")
    emitted = [rig.hooks.emit(SERVICE, TENANT, "n.e", {"n": n})[0].id for n in range(5)]

    first = rig.hooks.deliveries(SERVICE, TENANT, limit=2)
    assert [d.id for d in first.items] == emitted[::-1][:2] and first.has_more
    late = rig.hooks.emit(SERVICE, TENANT, "n.e", {"n": 5})[0].id
    assert first.next_cursor is not None
    second = rig.hooks.deliveries(SERVICE, TENANT, limit=2, cursor=first.next_cursor)
    assert [d.id for d in second.items] == emitted[::-1][2:4]
    assert second.next_cursor is not None
    last = rig.hooks.deliveries(SERVICE, TENANT, limit=2, cursor=second.next_cursor)
    assert [d.id for d in last.items] == [emitted[0]] and not last.has_more and last.next_cursor is None
    assert rig.hooks.deliveries(SERVICE, TENANT, limit=1).items[0].id == late


def test_one_endpoints_log_holds_only_its_deliveries_and_pages_after_an_id(rig: Rig) -> None:
    mine = rig.hooks.create_endpoint(SERVICE, TENANT, "http://127.0.0.1:9/a", ["a.*"]).endpoint.id
    rig.hooks.create_endpoint(SERVICE, TENANT, "http://127.0.0.1:9/b", ["b.*"])
    ids = []
    for n in range(4):
        ids.append(rig.hooks.emit(SERVICE, TENANT, "a.x", {"n": n})[0].id)
        rig.hooks.emit(SERVICE, TENANT, "b.x", {"n": n})

    page = rig.hooks.deliveries(SERVICE, TENANT, endpoint_id=mine, limit=10)
    assert [d.id for d in page.items] == ids[::-1] and not page.has_more
    assert {d.endpoint_id for d in page.items} == {mine}
    after = rig.hooks.deliveries(SERVICE, TENANT, endpoint_id=mine, limit=2, starting_after=ids[3])
    assert [d.id for d in after.items] == [ids[2], ids[1]] and after.has_more
    assert rig.hooks.deliveries(SERVICE, TENANT, endpoint_id=mine, starting_after="no-such-id").items == []
    assert len(rig.hooks.deliveries(SERVICE, TENANT, limit=100).items) == 8


def test_a_delivery_is_listed_with_its_attempts_and_body(rig: Rig) -> None:
    rig.hooks.create_endpoint(SERVICE, TENANT, "http://127.0.0.1:9/hooks")
    [emitted] = rig.hooks.emit(SERVICE, TENANT, "database.provisioned", {"uuid": "u-9"}, event_id="evt_fixed")
    [listed] = rig.hooks.deliveries(SERVICE, TENANT).items
    assert (listed.id, listed.event_id, listed.status, listed.attempts) == (emitted.id, "evt_fixed", "pending", [])
    assert listed.event == {"id": "evt_fixed", "type": "database.provisioned", "created_at": listed.event["created_at"],
                            "data": {"uuid": "u-9"}}


def test_a_whole_body_may_replace_the_standard_envelope(rig: Rig) -> None:
    rig.hooks.create_endpoint(SERVICE, TENANT, "http://127.0.0.1:9/hooks")
    envelope = {"id": "e-1", "tenantId": TENANT, "type": "session.created", "payload": {"action": "created"}}
    [delivery] = rig.hooks.emit(SERVICE, TENANT, "session.created", None, event_id="e-1", body=envelope)
    assert delivery.event == envelope and delivery.event_id == "e-1"


@pytest.mark.parametrize("cursor", ["not base64!", "bm9wZQ", "LTE6Mg"])
def test_a_malformed_cursor_is_a_value_error(rig: Rig, cursor: str) -> None:
    with pytest.raises(ValueError, match="malformed cursor"):
        rig.hooks.deliveries(SERVICE, TENANT, cursor=cursor)


def test_a_limit_below_one_is_a_value_error(rig: Rig) -> None:
    with pytest.raises(ValueError, match="limit"):
        rig.hooks.deliveries(SERVICE, TENANT, limit=0)
