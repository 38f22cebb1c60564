"""Where the WAYSCloud IoT broker runs: one among ``--workers 2``, or an external broker (Mosquitto).

With two workers only one holds the embedded broker (a lock under the data dir), both report it in
health, and what a device publishes through it is served by either. With ``--mqtt-url
mqtt://127.0.0.1:1883`` the twin subscribes to the machine's Mosquitto (where one runs): a message
published there on a registered device's topic is stored, and the device counts as online while it
is heard from.
"""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import Callable

import paho.mqtt.client as mqtt
import pytest

from tests.conftest import LiveServer, free_port
from tests.packs.wayscloud.iot_devices import IOT, Device, eventually, new_tenant


def _mosquitto() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 1883), timeout=1):
            return True
    except OSError:
        return False


def test_two_workers_share_one_broker(make_server: Callable[..., LiveServer]) -> None:
    port = free_port()
    server = make_server("--services", "wayscloud", "--speed", "instant", "--workers", "2",
                         "--mqtt-url", f"embedded://127.0.0.1:{port}")
    with server.http() as http:
        for _ in range(6):
            assert http.get("/_twinstack/health").json()["endpoints"]["mqtt"] == f"mqtt://127.0.0.1:{port}"
        h = new_tenant(http)
        device = http.post(f"{IOT}/devices", headers=h, json={"device_id": "w-1", "name": "W"}).json()
        assert device["mqtt_broker"] == {"host": "127.0.0.1", "port": port, "protocol": "mqtt"}
        sensor = Device.of(device)
        assert sensor.admitted
        sensor.publish("devices/w-1/telemetry", json.dumps({"temperature": 21.5}))
        for _ in range(4):
            latest = eventually(lambda: http.get(f"{IOT}/devices/w-1/telemetry/latest", headers=h).json())
            assert [row["value"] for row in latest] == [21.5]
        sensor.close()


@pytest.mark.skipif(not _mosquitto(), reason="no MQTT broker on 127.0.0.1:1883")
def test_an_external_broker_feeds_the_twin(make_server: Callable[..., LiveServer]) -> None:
    server = make_server("--services", "wayscloud", "--speed", "instant", "--mqtt-url", "mqtt://127.0.0.1:1883")
    with server.http() as http:
        assert http.get("/_twinstack/health").json()["endpoints"]["mqtt"] == "mqtt://127.0.0.1:1883"
        h = new_tenant(http)
        device_id = f"ext-{uuid.uuid4().hex[:12]}"
        http.post(f"{IOT}/devices", headers=h, json={"device_id": device_id, "name": "External"}).raise_for_status()
        publisher = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
        publisher.connect("127.0.0.1", 1883)
        publisher.loop_start()
        try:
            def stored() -> list[object]:
                publisher.publish(f"devices/{device_id}/telemetry", json.dumps({"humidity": 44}), qos=1).wait_for_publish(5)
                return list(http.get(f"{IOT}/devices/{device_id}/telemetry/latest", headers=h).json())
            latest = eventually(stored, timeout=20)
        finally:
            publisher.disconnect()
            publisher.loop_stop()
        assert latest[0]["value"] == 44  # type: ignore[index]
        seen = http.get(f"{IOT}/devices/{device_id}", headers=h).json()
        assert seen["is_online"] is True and seen["last_seen"]


def test_a_reset_ends_every_device_session(make_server: Callable[..., LiveServer]) -> None:
    server = make_server("--services", "wayscloud", "--speed", "instant",
                         "--mqtt-url", f"embedded://127.0.0.1:{free_port()}")
    with server.http() as http:
        h = new_tenant(http)
        device = http.post(f"{IOT}/devices", headers=h, json={"device_id": "r-1", "name": "R"}).json()
        sensor = Device.of(device)
        sensor.client.reconnect_delay_set(30, 60)
        eventually(lambda: http.get(f"{IOT}/devices/r-1", headers=h).json()["is_online"])
        http.post("/_twinstack/reset").raise_for_status()
        eventually(lambda: not sensor.client.is_connected())
        sensor.client.loop_stop()
        again = Device.of(device)
        assert not again.admitted
        again.close()
