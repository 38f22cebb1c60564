"""The MQTT side of the IoT twin: who may connect and publish, and what the broker's events change.

The embedded broker (``twinstack.drivers.mqtt``) asks ``BrokerLink`` about every client: a CONNECT
must carry a device's current MQTT username and password, of a device that is still registered and
active; a client id in use by another device's session is refused. A device may publish under
``devices/<its own id>/...`` (and on topics outside ``devices/``, which are its own by its login) and
subscribe only under its own ``devices/<id>/``. So another tenant's credentials can never publish into
this tenant's devices: the tenant is the one of the login, the device the login's own.

Behind an external broker (``--mqtt-url mqtt://...``) the twin subscribes to ``devices/#`` and takes
the device from the topic, its tenant from the first registration of that id; presence is then
inferred from messages (``devices.SILENT_AFTER``).
"""

from __future__ import annotations

import logging
import weakref
from pathlib import Path
from dataclasses import dataclass, field
from typing import Any

from twinstack.config import Settings
from twinstack.drivers.mqtt import BrokerLock, EmbeddedBroker, ExternalFeed, MqttTarget, parse_target
from twinstack.engine.parts import Endpoint
from twinstack.engine.state import SHARED_TENANT
from twinstack.engine.twin import Twin
from twinstack.packs.wayscloud.iot import devices, rules, telemetry
from twinstack.packs.wayscloud.iot.model import DEVICES, OWNERS, Scope
from twinstack.packs.wayscloud.iot.notify import hooks_of

log = logging.getLogger("twinstack.wayscloud.iot")


@dataclass(frozen=True, slots=True)
class Identity:
    tenant: str
    device_id: str
    username: str


def ingest(scope: Scope, device_id: str, topic: str, payload: bytes, presence: str | None = None) -> bool:
    """One published message: values stored, the device seen, rules evaluated. False when dropped."""
    record = scope.col(DEVICES).get(device_id)
    if record is None or not record.get("is_active", True):
        return False
    values = telemetry.readings(scope, device_id, topic, payload)
    telemetry.store(scope, record, values)
    stamp = scope.iso()
    record["last_seen"] = record["last_message_at"] = stamp
    if presence is not None:
        record["_presence"] = presence
    scope.col(DEVICES).put(device_id, record)
    devices.tally_message(scope, device_id, len(values))
    rules.count_minute(scope, "m", device_id)
    rules.on_message(scope, record, values, rules.enabled(scope))
    return True


@dataclass
class BrokerLink:
    """``BrokerHooks`` of one twin: logins checked against its state, events written to it."""

    twin: Twin
    sessions: dict[str, Identity] = field(default_factory=dict)

    def authenticate(self, client_id: str, username: str | None, password: str | None) -> bool:
        login = devices.check_login(self.twin, username, password)
        if login is None or username is None:
            return False
        scope = Scope(self.twin, str(login["tenant"]))
        record = scope.col(DEVICES).get(str(login["device_id"]))
        if record is None or not record.get("is_active", True) or record.get("_mqtt_username") != username:
            return False
        held = self.sessions.get(client_id)
        if held is not None and held.username != username:
            return False
        self.sessions[client_id] = Identity(scope.tenant, str(login["device_id"]), username)
        return True

    def may_publish(self, client_id: str, username: str | None, topic: str) -> bool:
        ident = self.sessions.get(client_id)
        if ident is None:
            return False
        parts = topic.split("/")
        return parts[0] != "devices" or (len(parts) >= 3 and parts[1] == ident.device_id)

    def may_subscribe(self, client_id: str, username: str | None, topic: str) -> bool:
        ident = self.sessions.get(client_id)
        parts = topic.split("/")
        return ident is not None and len(parts) >= 3 and parts[0] == "devices" and parts[1] == ident.device_id

    def connected(self, client_id: str, username: str | None) -> None:
        ident = self.sessions.get(client_id)
        if ident is None:
            return
        scope = Scope(self.twin, ident.tenant)
        record = scope.col(DEVICES).get(ident.device_id)
        if record is None:
            return
        devices.mark(scope, record, "connected")
        devices.tally_connect(scope, ident.device_id)
        rules.count_minute(scope, "c", ident.device_id)
        rules.on_connect(scope, record)

    def disconnected(self, client_id: str) -> None:
        ident = self.sessions.pop(client_id, None)
        if ident is None:
            return
        scope = Scope(self.twin, ident.tenant)
        record = scope.col(DEVICES).get(ident.device_id)
        if record is None or record.get("connection_status") != "connected":
            return
        devices.mark(scope, record, "disconnected")
        rules.on_disconnect(scope, record)

    async def message(self, client_id: str, topic: str, payload: bytes) -> None:
        ident = self.sessions.get(client_id)
        if ident is not None:
            ingest(Scope(self.twin, ident.tenant), ident.device_id, topic, payload)
            await self._durable()

    async def external(self, topic: str, payload: bytes) -> None:
        parts = topic.split("/")
        if len(parts) < 3 or parts[0] != "devices":
            return
        owner = self.twin.collection(SHARED_TENANT, OWNERS).get(parts[1])
        if owner is not None:
            ingest(Scope(self.twin, str(owner["tenant"])), parts[1], topic, payload, presence="messages")
            await self._durable()

    async def _durable(self) -> None:
        # The broker acknowledges the message once this returns: only after its writes are committed.
        waiting = self.twin.store.committed()
        if waiting is not None:
            await waiting


@dataclass
class _Running:
    server: EmbeddedBroker | ExternalFeed
    lock: BrokerLock | None
    address: str
    link: BrokerLink | None = None


_OPEN: weakref.WeakKeyDictionary[Twin, _Running] = weakref.WeakKeyDictionary()


def _target(settings: Any) -> MqttTarget:
    try:
        return parse_target(getattr(settings, "mqtt_url", None))
    except ValueError as exc:
        log.error("%s; MQTT is off", exc)
        return MqttTarget("off")


def describe(settings: Settings) -> str | None:
    target = _target(settings)
    if target.mode == "off":
        return None
    return target.url() + (" (external broker)" if target.mode == "external" else "")


def _settle_sessions(twin: Twin) -> None:
    """A broker starting knows no client: devices a previous process left connected are not any more."""
    for tenant in twin.store.list_tenants():
        scope = Scope(twin, str(tenant["id"]))
        for record in scope.col(DEVICES).find({"connection_status": "connected"}, limit=10000).items:
            if record.get("_presence") != "messages":
                devices.mark(scope, record, "disconnected")
                rules.on_disconnect(scope, record)


def prepare(twin: Twin) -> None:
    """At start, before the scheduler runs: the channels' delivery engine, so retries pending at a restart resume."""
    hooks_of(twin)


async def start(twin: Twin) -> str | None:
    settings = twin.settings
    target = _target(settings)
    link = BrokerLink(twin)
    if target.mode == "off":
        return None
    if target.mode == "external":
        feed = ExternalFeed(target, ["devices/#"], link.external)
        _OPEN[twin] = _Running(feed, None, await feed.start())
        return _OPEN[twin].address
    lock = None
    if target.port != 0:
        lock = BrokerLock(Path(getattr(settings, "data_dir", None) or ".twinstack"), target.port)
        if not lock.acquire():
            # Another worker of this server holds the broker; it answers for all of them.
            return target.url()
    broker = EmbeddedBroker(link, target.host, target.port)
    try:
        address = await broker.start()
    except OSError as exc:
        log.error("%s; MQTT is off in this process", exc)
        if lock is not None:
            lock.release()
        return None
    _settle_sessions(twin)
    _OPEN[twin] = _Running(broker, lock, address, link)
    return address


async def stop(twin: Twin) -> None:
    running = _OPEN.pop(twin, None)
    if running is None:
        return
    await running.server.stop()
    if running.lock is not None:
        running.lock.release()


ENDPOINT = Endpoint("mqtt", describe, start, stop)


def disconnect_device(twin: Twin, tenant: str, device_id: str) -> int:
    """End the MQTT sessions of a device that was deleted or deactivated; how many there were."""
    running = _OPEN.get(twin)
    if running is None or not isinstance(running.server, EmbeddedBroker) or running.link is None:
        return 0
    held = [cid for cid, who in running.link.sessions.items() if (who.tenant, who.device_id) == (tenant, device_id)]
    return running.server.kick(held) if held else 0


def release(twin: Twin) -> None:
    """Before a reset: every device session ends (their tenants are about to go), pending checks are forgotten."""
    for name in [k for k in twin.memo if isinstance(k, str) and k.startswith("iot-watch:")]:
        twin.memo.pop(name, None)
    running = _OPEN.get(twin)
    if running is not None and isinstance(running.server, EmbeddedBroker):
        running.server.kick()


def broker_address(twin: Twin) -> tuple[str, int]:
    """Where devices connect: the broker this process opened, else the one the settings name."""
    running = _OPEN.get(twin)
    if running is not None:
        host, _, port = running.address.removeprefix("mqtt://").rpartition(":")
        return host, int(port)
    target = _target(twin.settings)
    return target.host, target.port
