"""The embedded broker with paho-mqtt clients: logins, topic permissions, events, and one broker per port.

Each test runs a real amqtt broker on a free loopback port in its own event loop thread, with hooks
that record what they were asked and told.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest

from twinstack.drivers.mqtt import BrokerLock, EmbeddedBroker, MqttTarget, parse_target


@dataclass
class Hooks:
    logins: dict[str, str] = field(default_factory=lambda: {"dev-1": "secret"})
    events: list[tuple[str, ...]] = field(default_factory=list)
    messages: list[tuple[str, str, bytes]] = field(default_factory=list)

    def authenticate(self, client_id: str, username: str | None, password: str | None) -> bool:
        return username is not None and self.logins.get(username) == password

    def may_publish(self, client_id: str, username: str | None, topic: str) -> bool:
        return topic.startswith(f"devices/{username}/")

    async def may_subscribe(self, client_id: str, username: str | None, topic: str) -> bool:
        return topic.startswith(f"devices/{username}/")

    def connected(self, client_id: str, username: str | None) -> None:
        self.events.append(("connected", client_id, str(username)))

    def disconnected(self, client_id: str) -> None:
        self.events.append(("disconnected", client_id))

    def message(self, client_id: str, topic: str, payload: bytes) -> None:
        if payload == b"boom":
            raise RuntimeError("a hook failing must not take the broker down")
        self.messages.append((client_id, topic, payload))


class LoopThread:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=30)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


@pytest.fixture
def broker() -> Iterator[tuple[EmbeddedBroker, Hooks]]:
    hooks = Hooks()
    loop = LoopThread()
    server = EmbeddedBroker(hooks, "127.0.0.1", 0)
    loop.run(server.start())
    yield server, hooks
    loop.run(server.stop())
    loop.close()


def wait_for(condition: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def connect(port: int, username: str, password: str, client_id: str) -> tuple[mqtt.Client, list[Any]]:
    results: list[Any] = []
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id)
    client.username_pw_set(username, password)
    client.on_connect = lambda c, userdata, flags, reason, props: results.append(reason)
    client.connect("127.0.0.1", port)
    client.loop_start()
    wait_for(lambda: results)
    return client, results


def test_a_wrong_password_is_refused_and_a_right_one_admitted(broker: tuple[EmbeddedBroker, Hooks]) -> None:
    server, hooks = broker
    bad, refused = connect(server.port, "dev-1", "wrong", "c-bad")
    assert refused[0].is_failure
    bad.loop_stop()
    good, accepted = connect(server.port, "dev-1", "secret", "c-good")
    assert not accepted[0].is_failure
    wait_for(lambda: ("connected", "c-good", "dev-1") in hooks.events)
    assert not any(e[1] == "c-bad" for e in hooks.events)
    good.disconnect()
    good.loop_stop()
    wait_for(lambda: ("disconnected", "c-good") in hooks.events)


def test_messages_reach_the_hook_only_on_permitted_topics(broker: tuple[EmbeddedBroker, Hooks]) -> None:
    server, hooks = broker
    client, _ = connect(server.port, "dev-1", "secret", "c-1")
    client.publish("devices/other/telemetry", b'{"t": 1}', qos=1).wait_for_publish(5)
    client.publish("devices/dev-1/telemetry", b"boom", qos=1).wait_for_publish(5)
    client.publish("devices/dev-1/telemetry", b'{"t": 2}', qos=1).wait_for_publish(5)
    wait_for(lambda: hooks.messages)
    assert hooks.messages == [("c-1", "devices/dev-1/telemetry", b'{"t": 2}')]
    granted: list[Any] = []
    client.on_subscribe = lambda c, userdata, mid, codes, props: granted.extend(codes)
    client.subscribe([("devices/dev-1/commands", 1), ("devices/other/#", 1)])
    wait_for(lambda: len(granted) == 2)
    assert not granted[0].is_failure and granted[1].is_failure
    client.disconnect()
    client.loop_stop()


def test_one_broker_per_port_among_processes(tmp_path: Path) -> None:
    first, second = BrokerLock(tmp_path, 11999), BrokerLock(tmp_path, 11999)
    assert first.acquire()
    assert not second.acquire()
    first.release()
    assert second.acquire()
    second.release()


@pytest.mark.parametrize(("raw", "expected"), [
    (None, MqttTarget("embedded", "127.0.0.1", 11883)),
    ("none", MqttTarget("off")),
    ("embedded://127.0.0.1:0", MqttTarget("embedded", "127.0.0.1", 0)),
    ("mqtt://127.0.0.1", MqttTarget("external", "127.0.0.1", 1883)),
    ("mqtt://twin:pw@127.0.0.1:1884", MqttTarget("external", "127.0.0.1", 1884, "twin", "pw")),
])
def test_mqtt_url_forms(raw: str | None, expected: MqttTarget) -> None:
    assert parse_target(raw) == expected


def test_a_malformed_mqtt_url_is_named() -> None:
    with pytest.raises(ValueError, match="--mqtt-url"):
        parse_target("http://127.0.0.1:1883")
