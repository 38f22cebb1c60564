"""The embedded broker with paho-mqtt clients: logins, topic permissions, acknowledgements, events.

Each test runs the broker on a free loopback port in its own event loop thread, with hooks that
record what they were asked and told. The external-broker subscriber is tested against the
machine's Mosquitto on 127.0.0.1:1883 where one runs.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest

from twinstack.drivers.mqtt import BrokerLock, EmbeddedBroker, ExternalFeed, MqttTarget, parse_target


def _mosquitto() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 1883), timeout=1):
            return True
    except OSError:
        return False


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


def test_every_acknowledged_message_was_handed_over_first(broker: tuple[EmbeddedBroker, Hooks]) -> None:
    server, hooks = broker
    client, _ = connect(server.port, "dev-1", "secret", "c-burst")
    infos = [client.publish("devices/dev-1/telemetry", f'{{"n": {n}}}'.encode(), qos=1) for n in range(300)]
    infos[-1].wait_for_publish(20)
    client.disconnect()
    client.loop_stop()
    assert all(info.is_published() for info in infos)
    # Acknowledged means handed to the hook: nothing may be missing even right after the disconnect.
    assert [json.loads(m[2])["n"] for m in hooks.messages] == list(range(300))


def test_qos_2_is_handed_over_once(broker: tuple[EmbeddedBroker, Hooks]) -> None:
    server, hooks = broker
    client, _ = connect(server.port, "dev-1", "secret", "c-q2")
    client.publish("devices/dev-1/telemetry", b"exactly-once", qos=2).wait_for_publish(10)
    client.disconnect()
    client.loop_stop()
    wait_for(lambda: ("disconnected", "c-q2") in hooks.events)
    assert [m[2] for m in hooks.messages] == [b"exactly-once"]


def test_subscribers_get_what_others_publish(broker: tuple[EmbeddedBroker, Hooks]) -> None:
    server, hooks = broker
    hooks.logins["dev-2"] = "other"
    listener, _ = connect(server.port, "dev-1", "secret", "listener")
    got: list[bytes] = []
    listener.on_message = lambda c, userdata, message: got.append(message.payload)
    listener.subscribe("devices/dev-1/#", 1)
    time.sleep(0.2)
    hooks.may_publish = lambda client_id, username, topic: True  # type: ignore[method-assign]
    talker, _ = connect(server.port, "dev-2", "other", "talker")
    talker.publish("devices/dev-1/commands", b"reboot", qos=1).wait_for_publish(10)
    wait_for(lambda: got)
    assert got == [b"reboot"]
    for client in (talker, listener):
        client.disconnect()
        client.loop_stop()


def test_a_second_connection_with_the_client_id_takes_over(broker: tuple[EmbeddedBroker, Hooks]) -> None:
    server, hooks = broker
    first, _ = connect(server.port, "dev-1", "secret", "same-id")
    second, _ = connect(server.port, "dev-1", "secret", "same-id")
    wait_for(lambda: hooks.events.count(("connected", "same-id", "dev-1")) == 2)
    assert server.clients == ["same-id"]
    for client in (first, second):
        client.loop_stop()


@pytest.mark.skipif(not _mosquitto(), reason="no MQTT broker on 127.0.0.1:1883")
def test_an_external_broker_is_subscribed_to() -> None:
    got: list[tuple[str, bytes]] = []
    loop = LoopThread()
    feed = ExternalFeed(MqttTarget("external", "127.0.0.1", 1883), ["twinstack-test/+/telemetry"],
                        lambda topic, payload: got.append((topic, payload)))
    loop.run(feed.start())
    try:
        publisher = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
        publisher.connect("127.0.0.1", 1883)
        publisher.loop_start()
        deadline = time.monotonic() + 10
        while not got and time.monotonic() < deadline:
            publisher.publish("twinstack-test/dev-9/telemetry", b'{"t": 1}', qos=1).wait_for_publish(5)
            time.sleep(0.2)
        publisher.disconnect()
        publisher.loop_stop()
        assert got and got[0] == ("twinstack-test/dev-9/telemetry", b'{"t": 1}')
    finally:
        loop.run(feed.stop())
        loop.close()


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
