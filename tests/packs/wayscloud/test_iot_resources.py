"""WAYSCloud IoT resources through the official SDK and plain HTTP (in-process, no broker).

Tags and group members in both spellings (the document's bare arrays, the SDK's wrapped form),
groups, profiles, datapoints, rules, channels and policies; the plan's device limit; the errors
that name the field.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from starlette.testclient import TestClient
from wayscloud import WaysCloudClient
from wayscloud.exceptions import WaysCloudError

from tests.packs.wayscloud.conftest import Tenant

IOT = "/wayscloud/v1/iot"


def test_tags_and_groups_in_both_spellings(client: TestClient, tenant: Tenant,
                                           sdk: Callable[..., WaysCloudClient]) -> None:
    iot = sdk().iot
    device = iot.create_device(device_id="sensor-001", name="Sensor A", device_type="ESP32")
    assert device["device_id"] == "sensor-001" and device["mqtt_password"]
    iot.create_device(device_id="sensor-002", name="Sensor B")

    assert iot.add_device_tags("sensor-001", ["production", "floor-3"]) == {"added": ["production", "floor-3"]}
    bare = client.post(f"{IOT}/devices/sensor-001/tags", headers=tenant.service, json=["floor-3", "critical"])
    assert bare.status_code == 200 and bare.json() == {"added": ["critical"]}
    assert iot.device_tags("sensor-001") == ["production", "floor-3", "critical"]
    iot.remove_device_tag("sensor-001", "floor-3")
    assert client.get(f"{IOT}/devices/sensor-001/tags", headers=tenant.service).json() == {
        "tags": ["production", "critical"]}
    assert client.delete(f"{IOT}/devices/sensor-001/tags/nope", headers=tenant.service).status_code == 404

    group = iot.create_group("Floor 3", description="All sensors on floor 3")
    assert iot.add_devices_to_group(group["id"], ["sensor-001"]) == {"count": 1, "added": ["sensor-001"]}
    bare = client.post(f"{IOT}/groups/{group['id']}/devices", headers=tenant.service,
                       json=["sensor-001", "sensor-002", "ghost"])
    assert bare.json() == {"count": 1, "added": ["sensor-002"]}
    assert iot.get_group(group["id"])["device_count"] == 2
    iot.remove_device_from_group(group["id"], "sensor-002")
    assert [g["device_count"] for g in iot.groups()] == [1]
    assert iot.update_group(group["id"], name="Floor three")["name"] == "Floor three"
    iot.delete_group(group["id"])
    assert client.get(f"{IOT}/groups/{group['id']}", headers=tenant.service).status_code == 404


def test_profiles_and_datapoints(client: TestClient, tenant: Tenant, sdk: Callable[..., WaysCloudClient]) -> None:
    iot = sdk().iot
    iot.create_device(device_id="sensor-001", name="Sensor A")
    profile = iot.create_profile("DHT22", expected_topics=["devices/+/telemetry"], reporting_interval_seconds=60)
    assert profile["reporting_interval_seconds"] == 60
    assert iot.apply_profile(profile["id"], "sensor-001") == {"profile_id": profile["id"], "device_id": "sensor-001",
                                                              "applied": True}
    assert iot.update_profile(profile["id"], description="Temperature and humidity")["description"]
    assert [p["name"] for p in iot.profiles()] == ["DHT22"]

    dp = iot.create_datapoint("temperature", "Temperature", unit="°C")
    assert dp["name"] == "temperature" and dp["data_type"] == "number" and dp["is_chartable"] is True
    again = client.post(f"{IOT}/datapoints", headers=tenant.service, json={"key": "temperature"})
    assert again.status_code == 422 and again.json()["detail"][0]["loc"] == ["body", "key"]
    assert iot.update_datapoint(dp["id"], label="Air temperature")["label"] == "Air temperature"
    mapped = client.post(f"{IOT}/datapoints", headers=tenant.service, json={
        "key": "rssi", "source_topic": "devices/+/status", "json_path": "$.radio.rssi"}).json()
    assert mapped["source_topic"] == "devices/+/status" and "mapped" not in mapped
    assert {d["name"] for d in iot.datapoints()} == {"temperature", "rssi"}
    iot.delete_datapoint(dp["id"])
    assert client.get(f"{IOT}/datapoints/{dp['id']}", headers=tenant.service).status_code == 404
    iot.delete_profile(profile["id"])
    assert "profile_id" not in iot.get("sensor-001")


def test_rules_channels_and_policies_are_checked(client: TestClient, tenant: Tenant,
                                                 sdk: Callable[..., WaysCloudClient]) -> None:
    iot = sdk().iot
    h = tenant.service
    rule = iot.create_rule("Offline", "offline", severity="critical", config={"silence_seconds": 300})
    assert rule["scope_type"] == "fleet" and rule["cooldown_seconds"] == 300 and rule["is_enabled"] is True
    assert iot.disable_rule(rule["id"])["is_enabled"] is False
    # The CLI sends no config; it defaults to {}.
    bare = client.post(f"{IOT}/rules", headers=h, json={"name": "Quiet", "rule_type": "missing_data"})
    assert bare.status_code == 201 and bare.json()["config"] == {}
    wrong = client.post(f"{IOT}/rules", headers=h, json={"name": "x", "rule_type": "sometimes", "config": {}})
    assert wrong.status_code == 422 and wrong.json()["detail"][0]["loc"] == ["body", "rule_type"]
    no_point = client.post(f"{IOT}/rules", headers=h, json={"name": "x", "rule_type": "threshold",
                                                            "config": {"operator": "gt", "value": 1}})
    assert no_point.json()["detail"][0]["loc"] == ["body", "config", "datapoint_id"]
    no_device = client.post(f"{IOT}/rules", headers=h, json={"name": "x", "rule_type": "offline", "config": {},
                                                             "scope_type": "device", "scope_device_id": "ghost"})
    assert no_device.json()["detail"][0]["loc"] == ["body", "scope_device_id"]
    assert [r["name"] for r in iot.rules(scope_type="fleet")] == ["Offline", "Quiet"]

    mail = iot.create_notification_channel("Ops mail", "email", {"email": "ops@example.test"})
    dup = client.post(f"{IOT}/notifications/channels", headers=h, json={
        "name": "OPS MAIL", "channel_type": "email", "config": {"email": "x@example.test"}})
    assert dup.status_code == 409
    no_url = client.post(f"{IOT}/notifications/channels", headers=h, json={
        "name": "Hook", "channel_type": "webhook", "config": {}})
    assert no_url.json()["detail"][0]["loc"] == ["body", "config", "url"]
    hook = client.post(f"{IOT}/notifications/channels", headers=h, json={
        "name": "Hook", "channel_type": "webhook", "config": {"url": "http://127.0.0.1:9/hook"}}).json()
    assert hook["config"]["secret"].startswith("whsec_")
    assert "secret" not in iot.get_notification_channel(hook["id"])["config"]
    renamed = client.put(f"{IOT}/notifications/channels/{hook['id']}", headers=h, json={"name": "ops mail"})
    assert renamed.status_code == 422 and renamed.json()["detail"][0]["loc"] == ["body", "name"]

    result = iot.test_notification_channel(mail["id"])
    assert result["success"] is True and result["channel_id"] == mail["id"]
    sent = client.get("/_twinstack/outbox", params={"channel": "email", "recipient": "ops@example.test"}).json()
    assert sent["messages"][0]["subject"] == "WAYSCloud IoT test notification"

    ghost = client.post(f"{IOT}/notifications/policies", headers=h, json={"name": "p", "channel_ids": ["nope"]})
    assert ghost.status_code == 422 and ghost.json()["detail"][0]["loc"] == ["body", "channel_ids", 0]
    policy = iot.create_notification_policy("Critical to ops", [mail["id"]], severity_filter=["critical"])
    assert policy["event_types"] == ["triggered"] and policy["cooldown_seconds"] == 300
    assert iot.update_notification_policy(policy["id"], is_enabled=False)["is_enabled"] is False
    deliveries = client.get(f"{IOT}/notifications/deliveries", headers=h, params={"status": "sent"}).json()
    assert deliveries["total"] == 1 and deliveries["deliveries"][0]["channel_type"] == "email"


def test_the_plan_allows_fifty_devices(client: TestClient, tenant: Tenant) -> None:
    for n in range(50):
        assert client.post(f"{IOT}/devices", headers=tenant.service, json={"name": f"d{n}"}).status_code == 201
    over = client.post(f"{IOT}/devices", headers=tenant.service, json={"name": "one too many"})
    assert over.status_code == 403 and over.json() == {"detail": "Device limit reached"}
    subscription = client.get(f"{IOT}/subscription", headers=tenant.service).json()
    assert subscription["device_limit"] == 50 and subscription["device_count"] == 50
    first = client.get(f"{IOT}/devices", headers=tenant.service, params={"page_size": 100}).json()
    assert first["total"] == 50 and first["has_more"] is False
    assert client.delete(f"{IOT}/devices/{first['devices'][0]['device_id']}", headers=tenant.service).status_code == 204
    assert client.post(f"{IOT}/devices", headers=tenant.service, json={"name": "now it fits"}).status_code == 201


def test_a_device_id_is_unique_and_topic_safe(client: TestClient, tenant: Tenant) -> None:
    assert client.post(f"{IOT}/devices", headers=tenant.service, json={"device_id": "a", "name": "A"}).status_code == 201
    again = client.post(f"{IOT}/devices", headers=tenant.service, json={"device_id": "a", "name": "A"})
    assert again.status_code == 422 and again.json()["detail"][0]["loc"] == ["body", "device_id"]
    slash = client.post(f"{IOT}/devices", headers=tenant.service, json={"device_id": "a/b", "name": "AB"})
    assert slash.status_code == 422
    found = client.get(f"{IOT}/devices", headers=tenant.service, params={"search": "A"}).json()
    assert [d["device_id"] for d in found["devices"]] == ["a"]


@pytest.mark.parametrize("path", ["/alarms/summary", "/stats", "/usage"])
def test_empty_account_views_are_zero(client: TestClient, tenant: Tenant, path: str) -> None:
    body = client.get(f"{IOT}{path}", headers=tenant.service).json()
    numbers = [v for v in body.values() if isinstance(v, int)]
    assert numbers and not any(numbers)


def test_sdk_errors_are_the_sdks_own(sdk: Callable[..., WaysCloudClient]) -> None:
    with pytest.raises(WaysCloudError):
        sdk().iot.get("no-such-device")
