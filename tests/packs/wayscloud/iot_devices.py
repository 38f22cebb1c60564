"""Helpers of the IoT tests: a live WAYSCloud twin with its embedded broker, and paho-mqtt devices."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import paho.mqtt.client as mqtt

from tests.conftest import LiveServer, free_port, tenant_credentials

IOT = "/wayscloud/v1/iot"


def iot_server(data_dir: Path) -> LiveServer:
    """``twinstack serve --services wayscloud`` with the embedded broker on a free port (started)."""
    server = LiveServer(data_dir, ["--services", "wayscloud", "--speed", "instant", "--strict",
                                   "--mqtt-url", f"embedded://127.0.0.1:{free_port()}"])
    server.start()
    return server


def new_tenant(http: httpx.Client) -> dict[str, str]:
    """Headers of a fresh tenant's service key, as the SDK sends a ``wayscloud_api_`` key."""
    made = tenant_credentials(http)
    return {"X-API-Key": made["credentials"]["wayscloud"]["api_key"]}


def eventually(probe: Callable[[], Any], timeout: float = 15.0) -> Any:
    """The first truthy value of ``probe()``, polled until ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached in {timeout} s (last: {value!r})")
        time.sleep(0.05)


class Device:
    """A paho-mqtt client logged in as a registered device (``reason`` is its CONNACK)."""

    def __init__(self, broker: dict[str, Any], username: str, password: str, client_id: str) -> None:
        self.reasons: list[Any] = []
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id)
        self.client.username_pw_set(username, password)
        self.client.on_connect = lambda c, userdata, flags, reason, props: self.reasons.append(reason)
        self.client.connect(str(broker["host"]), int(broker["port"]))
        self.client.loop_start()
        eventually(lambda: self.reasons)

    @classmethod
    def of(cls, registered: dict[str, Any], password: str | None = None) -> Device:
        return cls(registered["mqtt_broker"], registered["mqtt_username"],
                   registered["mqtt_password"] if password is None else password, registered["mqtt_client_id"])

    @property
    def admitted(self) -> bool:
        return not self.reasons[0].is_failure

    def publish(self, topic: str, payload: str) -> None:
        self.client.publish(topic, payload, qos=1).wait_for_publish(10)

    def close(self) -> None:
        if self.admitted:
            self.client.disconnect()
        self.client.loop_stop()
