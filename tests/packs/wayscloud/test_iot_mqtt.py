"""WAYSCloud IoT end to end over real MQTT: a live twin, its embedded broker, paho-mqtt devices.

Register a device, connect with the credentials it was issued (a wrong password is refused by the
broker), publish telemetry, see it served, have a threshold rule raise an alarm that a webhook policy
POSTs, signed, to a real local receiver and an e-mail policy puts in the outbox; acknowledge and
resolve it; disconnect and let the twin clock pass the offline rule's silence window. And tenant
isolation: another tenant's device credentials cannot publish into this tenant's devices.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.drivers.webhooks.receiver import Receiver, RunningReceiver
from tests.packs.wayscloud.iot_devices import IOT, Device, eventually, iot_server, new_tenant


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = RunningReceiver(Receiver())
    yield running.receiver
    running.stop()


@pytest.fixture(scope="module")
def twin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """One live twin for the module; each test works in tenants of its own."""
    server = iot_server(tmp_path_factory.mktemp("iot-live") / "state")
    try:
        with server.http() as http:
            yield http
    finally:
        server.stop()


def test_health_lists_the_broker(twin: httpx.Client) -> None:
    endpoints = twin.get("/_twinstack/health").json()["endpoints"]
    assert endpoints["mqtt"].startswith("mqtt://127.0.0.1:")
    headers = new_tenant(twin)
    broker = twin.get(f"{IOT}/credentials", headers=headers).json()["mqtt_broker"]
    assert endpoints["mqtt"] == f"mqtt://{broker['host']}:{broker['port']}"


def test_device_to_alarm_to_notifications_and_offline(twin: httpx.Client, receiver: Receiver) -> None:
    h = new_tenant(twin)
    dp = twin.post(f"{IOT}/datapoints", headers=h, json={"key": "temperature", "label": "Temperature",
                                                          "unit": "°C"}).json()
    hot = twin.post(f"{IOT}/rules", headers=h, json={
        "name": "High temperature", "rule_type": "threshold", "severity": "critical",
        "config": {"datapoint_id": dp["id"], "operator": "gt", "value": 35}}).json()
    offline = twin.post(f"{IOT}/rules", headers=h, json={
        "name": "Offline", "rule_type": "offline", "config": {"silence_seconds": 120}}).json()
    hook = twin.post(f"{IOT}/notifications/channels", headers=h, json={
        "name": "Ops webhook", "channel_type": "webhook",
        "config": {"url": receiver.url, "secret": "my-hmac-secret"}}).json()
    assert hook["config"] == {"url": receiver.url, "secret_configured": True}
    mail = twin.post(f"{IOT}/notifications/channels", headers=h, json={
        "name": "Ops mail", "channel_type": "email", "config": {"email": "ops@example.test"}}).json()
    policy = twin.post(f"{IOT}/notifications/policies", headers=h, json={
        "name": "Everything to ops", "channel_ids": [hook["id"], mail["id"]], "cooldown_seconds": 0,
        "event_types": ["triggered", "acknowledged", "resolved"]})
    assert policy.status_code == 201, policy.text

    created = twin.post(f"{IOT}/devices", headers=h, json={"device_id": "sensor-001", "name": "Sensor A"})
    assert created.status_code == 201, created.text
    device = created.json()
    assert device["is_online"] is False and device["connection_status"] == "disconnected"
    assert "last_seen" not in device and device["messages_24h"] == 0
    assert "mqtt_password" not in twin.get(f"{IOT}/devices/sensor-001", headers=h).json()

    intruder = Device.of(device, password="not-the-password")
    assert not intruder.admitted
    intruder.close()
    assert twin.get(f"{IOT}/devices/sensor-001", headers=h).json()["is_online"] is False

    sensor = Device.of(device)
    assert sensor.admitted
    seen = eventually(lambda: (d := twin.get(f"{IOT}/devices/sensor-001", headers=h).json())["is_online"] and d)
    assert seen["connection_status"] == "connected" and seen["last_seen"]

    sensor.publish("devices/sensor-001/telemetry", json.dumps({"temperature": 36.5, "humidity": 41}))
    latest = eventually(lambda: twin.get(f"{IOT}/devices/sensor-001/telemetry/latest", headers=h).json())
    values = {row["name"]: row for row in latest}
    assert values["temperature"]["value"] == 36.5 and values["temperature"]["unit"] == "°C"
    assert values["temperature"]["datapoint_id"] == dp["id"]
    assert values["humidity"]["value"] == 41
    history = twin.get(f"{IOT}/devices/sensor-001/telemetry", headers=h,
                       params={"datapoint_id": dp["id"], "hours": 1}).json()
    assert [p["value"] for p in history] == [36.5]

    alarm = eventually(lambda: twin.get(f"{IOT}/alarms", headers=h, params={"status": "active"}).json()["alarms"])[0]
    assert alarm["rule_id"] == hot["id"] and alarm["device_id"] == "sensor-001"
    assert alarm["severity"] == "critical" and alarm["occurrence_count"] == 1

    eventually(lambda: receiver.requests)
    posted = receiver.requests[0]
    signature = receiver.header(0, "X-WAYSCloud-Signature")
    assert signature == "sha256=" + hmac.new(b"my-hmac-secret", posted.body, hashlib.sha256).hexdigest()
    event = json.loads(posted.body)
    assert event["event"] == "alarm.triggered" and event["alarm"]["id"] == alarm["id"]
    mails = twin.get("/_twinstack/outbox", params={"channel": "email", "recipient": "ops@example.test"}).json()
    assert any(alarm["id"] in m["body"] for m in mails["messages"])
    deliveries = eventually(lambda: [d for d in twin.get(f"{IOT}/notifications/deliveries", headers=h).json()[
        "deliveries"] if d["status"] == "delivered"])
    assert {d["channel_type"] for d in deliveries} == {"webhook", "email"}

    acked = twin.post(f"{IOT}/alarms/{alarm['id']}/acknowledge", headers=h, json={"note": "On it"}).json()
    assert acked["status"] == "acknowledged" and acked["acknowledged_at"]
    resolved = twin.post(f"{IOT}/alarms/{alarm['id']}/resolve", headers=h, json={"note": "Fan replaced"}).json()
    assert resolved["status"] == "resolved" and resolved["resolution_note"] == "Fan replaced"
    timeline = twin.get(f"{IOT}/alarms/{alarm['id']}/timeline", headers=h).json()
    assert [e["event_type"] for e in timeline] == ["triggered", "acknowledged", "resolved"]
    assert timeline[0]["actor"] == "rule_engine" and timeline[1]["note"] == "On it"
    eventually(lambda: len(receiver.requests) == 3)
    assert [json.loads(r.body)["event"] for r in receiver.requests] == [
        "alarm.triggered", "alarm.acknowledged", "alarm.resolved"]

    sensor.close()
    eventually(lambda: not twin.get(f"{IOT}/devices/sensor-001", headers=h).json()["is_online"])
    assert twin.get(f"{IOT}/alarms", headers=h, params={"rule_id": offline["id"]}).json()["total"] == 0
    twin.post("/_twinstack/clock/advance", json={"seconds": 60})
    assert twin.get(f"{IOT}/alarms", headers=h, params={"rule_id": offline["id"]}).json()["total"] == 0
    twin.post("/_twinstack/clock/advance", json={"seconds": 61})
    down = eventually(lambda: twin.get(f"{IOT}/alarms", headers=h, params={"rule_id": offline["id"]}).json()["alarms"])
    assert down[0]["title"] == "Device offline: sensor-001" and down[0]["status"] == "active"
    health = twin.get(f"{IOT}/devices/sensor-001/health", headers=h).json()
    assert health["health_status"] == "offline" and health["components"]["alarm_burden"] < 100
    stats = twin.get(f"{IOT}/stats", headers=h).json()
    assert stats == {"total_devices": 1, "active_devices": 1, "connected_now": 0, "messages_24h": 1,
                     "data_points_24h": 2, "active_alarms": 1}


def test_another_tenants_credentials_cannot_publish_into_this_tenants_devices(twin: httpx.Client) -> None:
    mine, theirs = new_tenant(twin), new_tenant(twin)
    own = twin.post(f"{IOT}/devices", headers=mine, json={"device_id": "shared-id", "name": "Mine"}).json()
    other = twin.post(f"{IOT}/devices", headers=theirs, json={"device_id": "shared-id", "name": "Theirs"}).json()
    assert own["mqtt_username"] != other["mqtt_username"]

    stranger = Device(own["mqtt_broker"], own["mqtt_username"], other["mqtt_password"], "stranger")
    assert not stranger.admitted
    stranger.close()

    theirs_device = Device.of(other)
    assert theirs_device.admitted
    theirs_device.publish("devices/shared-id/telemetry", json.dumps({"temperature": 99}))
    eventually(lambda: twin.get(f"{IOT}/devices/shared-id/telemetry/latest", headers=theirs).json())
    assert twin.get(f"{IOT}/devices/shared-id/telemetry/latest", headers=mine).json() == []
    assert twin.get(f"{IOT}/devices/shared-id", headers=mine).json()["is_online"] is False

    third = twin.post(f"{IOT}/devices", headers=theirs, json={"device_id": "their-other", "name": "Other"}).json()
    sneaky = Device.of(third)
    sneaky.publish("devices/shared-id/telemetry", json.dumps({"temperature": -40}))
    sneaky.publish("devices/their-other/telemetry", json.dumps({"temperature": 20}))
    eventually(lambda: twin.get(f"{IOT}/devices/their-other/telemetry/latest", headers=theirs).json())
    latest = twin.get(f"{IOT}/devices/shared-id/telemetry/latest", headers=theirs).json()
    assert [row["value"] for row in latest] == [99]
    sneaky.close()
    theirs_device.close()


def test_a_deleted_or_deactivated_device_is_disconnected_and_can_no_longer_log_in(twin: httpx.Client) -> None:
    h = new_tenant(twin)
    first = twin.post(f"{IOT}/devices", headers=h, json={"device_id": "d1", "name": "One"}).json()
    second = twin.post(f"{IOT}/devices", headers=h, json={"device_id": "d2", "name": "Two"}).json()
    live = [Device.of(first), Device.of(second)]
    eventually(lambda: twin.get(f"{IOT}/stats", headers=h).json()["connected_now"] == 2)
    for device in live:
        device.client.reconnect_delay_set(30, 60)  # so that a dropped session stays dropped while we look
    assert twin.patch(f"{IOT}/devices/d1", headers=h, json={"is_active": False}).json()["is_active"] is False
    assert twin.delete(f"{IOT}/devices/d2", headers=h).status_code == 204
    eventually(lambda: not any(d.client.is_connected() for d in live))
    assert twin.get(f"{IOT}/devices/d1", headers=h).json()["is_online"] is False
    for device in live:
        device.client.loop_stop()
    for registered in (first, second):
        attempt = Device.of(registered)
        assert not attempt.admitted
        attempt.close()
    assert twin.get(f"{IOT}/subscription", headers=h).json()["device_count"] == 1


def test_missing_data_waits_for_the_last_message_and_auto_resolves(twin: httpx.Client) -> None:
    h = new_tenant(twin)
    quiet = twin.post(f"{IOT}/rules", headers=h, json={
        "name": "Quiet", "rule_type": "missing_data", "auto_resolve": True, "config": {"silence_seconds": 60}}).json()
    chatty = twin.post(f"{IOT}/rules", headers=h, json={
        "name": "Chatty", "rule_type": "message_rate", "severity": "info",
        "config": {"max_messages": 3, "window_seconds": 60}}).json()
    device = twin.post(f"{IOT}/devices", headers=h, json={"device_id": "meter-1", "name": "Meter"}).json()
    meter = Device.of(device)

    def alarms_of(rule: dict[str, Any]) -> list[dict[str, Any]]:
        return list(twin.get(f"{IOT}/alarms", headers=h, params={"rule_id": rule["id"]}).json()["alarms"])

    def sent(n: int) -> None:
        meter.publish("devices/meter-1/telemetry", json.dumps({"kwh": n}))
        eventually(lambda: twin.get(f"{IOT}/devices/meter-1", headers=h).json()["messages_24h"] == n)

    sent(1)
    twin.post("/_twinstack/clock/advance", json={"seconds": 30})
    sent(2)
    twin.post("/_twinstack/clock/advance", json={"seconds": 40})
    assert alarms_of(quiet) == []
    twin.post("/_twinstack/clock/advance", json={"seconds": 25})
    silent = eventually(lambda: alarms_of(quiet))
    assert silent[0]["title"] == "No data: meter-1" and silent[0]["status"] == "active"
    sent(3)
    assert eventually(lambda: alarms_of(quiet)[0]["status"] == "resolved")
    timeline = twin.get(f"{IOT}/alarms/{silent[0]['id']}/timeline", headers=h).json()
    assert [e["event_type"] for e in timeline] == ["triggered", "auto_resolved"]

    # The rate is counted in whole minutes: keep sending until a fourth message lands in one minute
    # (a minute boundary may fall between two of them once).
    assert alarms_of(chatty) == []
    for n in range(4, 12):
        sent(n)
        if alarms_of(chatty):
            break
    rate = alarms_of(chatty)
    assert rate and rate[0]["severity"] == "info" and rate[0]["context"]["messages"] == 4
    meter.close()


def test_a_failed_webhook_is_retried_on_the_clock_and_policies_filter(twin: httpx.Client) -> None:
    running = RunningReceiver(Receiver(script=[500]))
    receiver = running.receiver
    try:
        h = new_tenant(twin)
        rule = twin.post(f"{IOT}/rules", headers=h, json={
            "name": "Flappy", "rule_type": "reconnect_rate", "severity": "warning",
            "config": {"max_reconnects": 2, "window_seconds": 600}}).json()
        hook = twin.post(f"{IOT}/notifications/channels", headers=h, json={
            "name": "Hook", "channel_type": "webhook", "config": {"url": receiver.url, "secret": "s3cret"}}).json()
        group = twin.post(f"{IOT}/groups", headers=h, json={"name": "Watched"}).json()
        for name, scope in (("Critical only", {"severity_filter": ["critical"]}),
                            ("Other group", {"scope_type": "group", "scope_ids": [str(uuid.uuid4())]}),
                            ("Watched group", {"scope_type": "group", "scope_ids": [group["id"]]})):
            created = twin.post(f"{IOT}/notifications/policies", headers=h,
                                json={"name": name, "channel_ids": [hook["id"]], **scope})
            assert created.status_code == 201, created.text
        device = twin.post(f"{IOT}/devices", headers=h, json={"device_id": "flappy", "name": "Flappy"}).json()
        twin.post(f"{IOT}/groups/{group['id']}/devices", headers=h, json=["flappy"]).raise_for_status()

        for attempt in range(3):
            flappy = Device.of(device)
            assert flappy.admitted
            eventually(lambda: twin.get(f"{IOT}/devices/flappy", headers=h).json()["is_online"])
            flappy.close()
            eventually(lambda: not twin.get(f"{IOT}/devices/flappy", headers=h).json()["is_online"])
            if attempt < 2:
                assert twin.get(f"{IOT}/alarms", headers=h, params={"rule_id": rule["id"]}).json()["total"] == 0
        alarm = eventually(lambda: twin.get(f"{IOT}/alarms", headers=h, params={"rule_id": rule["id"]}).json()["alarms"])[0]
        assert alarm["context"]["connects"] == 3

        # Only the group policy matched: one delivery, whose first attempt got a 500.
        eventually(lambda: receiver.requests)
        failed = eventually(lambda: [d for d in twin.get(f"{IOT}/notifications/deliveries", headers=h).json()[
            "deliveries"] if d.get("error_message")])
        assert len(failed) == 1 and failed[0]["status"] == "queued" and failed[0]["alarm_id"] == alarm["id"]
        twin.post("/_twinstack/clock/advance", json={"seconds": 61})
        delivered = eventually(lambda: twin.get(f"{IOT}/notifications/deliveries", headers=h,
                                                params={"status": "delivered"}).json()["deliveries"])
        assert delivered[0]["id"] == failed[0]["id"] and delivered[0]["attempts"] == 2
        assert len(receiver.requests) == 2 and receiver.requests[0].body == receiver.requests[1].body
    finally:
        running.stop()


def test_a_mark_unhealthy_rule_holds_the_device_unhealthy_while_its_alarm_is_open(twin: httpx.Client) -> None:
    h = new_tenant(twin)
    rule = twin.post(f"{IOT}/rules", headers=h, json={
        "name": "Overload", "rule_type": "threshold", "severity": "info", "actions": ["create_alarm", "mark_unhealthy"],
        "config": {"datapoint_id": "load", "operator": "gte", "value": 90}}).json()
    device = twin.post(f"{IOT}/devices", headers=h, json={"device_id": "pump-1", "name": "Pump"}).json()
    pump = Device.of(device)
    pump.publish("devices/pump-1/telemetry", json.dumps({"load": 40}))
    eventually(lambda: twin.get(f"{IOT}/devices/pump-1/telemetry/latest", headers=h).json())
    assert twin.get(f"{IOT}/devices/pump-1/health", headers=h).json()["health_status"] == "healthy"
    pump.publish("devices/pump-1/telemetry", json.dumps({"load": 95}))
    alarm = eventually(lambda: twin.get(f"{IOT}/alarms", headers=h, params={"rule_id": rule["id"]}).json()["alarms"])[0]
    health = twin.get(f"{IOT}/devices/pump-1/health", headers=h).json()
    assert health["health_status"] == "unhealthy" and health["components"]["alarm_burden"] == 95
    twin.post(f"{IOT}/alarms/{alarm['id']}/resolve", headers=h, json={}).raise_for_status()
    assert twin.get(f"{IOT}/devices/pump-1/health", headers=h).json()["health_status"] == "healthy"
    pump.close()
