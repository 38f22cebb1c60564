"""``cloud iot ...`` of the official CLI against a live twin: devices, groups, rules, alarms summary, MQTT
address, subscription (the fields the CLI prints: ``score``/``status``, flat summary counts, ``broker``)."""

from __future__ import annotations

from tests.packs.wayscloud.clients import CloudCLI
from tests.packs.wayscloud.conftest import Tenant


def test_cloud_iot_commands(cloud: CloudCLI, cloud_tenant: Tenant) -> None:
    assert cloud("login", "--token", cloud_tenant.pat).code == 0
    created = cloud("--json", "iot", "devices-create", "--device-id", "sensor-001", "--name", "Sensor A",
                    "--type", "ESP32")
    assert created.code == 0, created.stderr
    assert created.json()["device_id"] == "sensor-001"
    assert [d["device_id"] for d in cloud("--json", "iot", "devices").json()] == ["sensor-001"]
    health = cloud("--json", "iot", "devices-health", "sensor-001").json()
    assert health["status"] == "unknown" and health["score"] == health["health_score"]

    group = cloud("--json", "iot", "groups-create", "--name", "Floor 3")
    assert group.code == 0, group.stderr
    gid = group.json()["id"]
    assert cloud("iot", "groups-add-device", gid, "sensor-001").code == 0
    assert [g["device_count"] for g in cloud("--json", "iot", "groups").json()] == [1]

    rule = cloud("iot", "rules", "create", "--name", "Offline", "--type", "offline")
    assert rule.code == 0, rule.stderr
    rules = cloud("--json", "iot", "rules", "list").json()
    assert [(r["name"], r["config"]) for r in rules] == [("Offline", {})]

    summary = cloud("--json", "iot", "alarms", "summary").json()
    assert {k: summary[k] for k in ("active", "acknowledged", "resolved", "total")} == {
        "active": 0, "acknowledged": 0, "resolved": 0, "total": 0}
    broker = cloud("--json", "iot", "mqtt").json()
    assert broker["broker"] == broker["mqtt_broker"]["host"] and isinstance(broker["port"], int)
    subscription = cloud("--json", "iot", "subscription").json()
    assert subscription["plan"] == "iot-50" and subscription["device_count"] == 1
    assert cloud("iot", "devices-delete", "sensor-001", "--confirm").code == 0
    assert cloud("--json", "iot", "devices").json() == []
