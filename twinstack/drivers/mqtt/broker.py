"""The embedded MQTT broker: MQTT 3.1.1 on asyncio, every client checked by the twin.

A small broker of its own rather than amqtt (measured first, see README.md): amqtt acknowledges a
QoS 1/2 PUBLISH as soon as it reads it and hands it to plugins later, and drops what is still queued
when the client disconnects, so acknowledged telemetry was lost. Here a PUBLISH is acknowledged
(PUBACK, or PUBREC for QoS 2) only after ``BrokerHooks.message`` returned, and the hook may return
an awaitable that ends when the message is durable.

What it does: CONNECT with username/password checked by ``hooks.authenticate`` (CONNACK 5 "not
authorised" otherwise), MQTT 3.1 and 3.1.1 (others get CONNACK 1); PUBLISH at QoS 0, 1 and 2 (QoS 2
delivered once per packet id until PUBREL); topic permissions by ``hooks.may_publish`` (a refused
PUBLISH is acknowledged and dropped, as MQTT 3.1.1 has no negative acknowledgement) and
``may_subscribe`` (SUBACK 0x80); messages forwarded at QoS 0 to matching subscribers; PINGREQ;
keep-alive (a client silent for 1.5 × its keep-alive is disconnected); a second connection with a
client id in use takes the session over. Sessions are clean: no persistent sessions, no retained
messages, no will messages (listed in README.md).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import uuid
from typing import Any, Protocol

from twinstack.drivers.mqtt.codec import (
    CONNACK, CONNECT, DISCONNECT, PINGREQ, PINGRESP, PUBACK, PUBCOMP, PUBLISH, PUBREC, PUBREL, SUBACK, SUBSCRIBE,
    UNSUBACK, UNSUBSCRIBE, Cursor, ProtocolError, ack, packet, publish, read_packet, topic_matches,
)

log = logging.getLogger("twinstack.mqtt")

CONNECT_TIMEOUT = 10.0
"""Seconds a new connection has to send its CONNECT."""


class BrokerHooks(Protocol):
    """What the twin decides and learns about the broker's clients (``client_id`` names a session).

    Each may return its value or an awaitable of it.
    """

    def authenticate(self, client_id: str, username: str | None, password: str | None) -> Any:
        """True to let the client in."""

    def may_publish(self, client_id: str, username: str | None, topic: str) -> Any: ...

    def may_subscribe(self, client_id: str, username: str | None, topic: str) -> Any: ...

    def connected(self, client_id: str, username: str | None) -> Any: ...

    def disconnected(self, client_id: str) -> Any: ...

    def message(self, client_id: str, topic: str, payload: bytes) -> Any:
        """Take one accepted message; the broker acknowledges it once this (and its awaitable) returned."""


async def _call(what: str, hook: Any, *args: Any) -> Any:
    try:
        result = hook(*args)
        return await result if inspect.isawaitable(result) else result
    except Exception:  # a hook failing must not take the broker or the connection down
        log.exception("mqtt %s hook failed", what)
        return None


class _Client:
    def __init__(self, broker: EmbeddedBroker, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.broker, self.reader, self.writer = broker, reader, writer
        self.client_id = ""
        self.username: str | None = None
        self.subscriptions: set[str] = set()
        self.qos2_pending: set[int] = set()
        self.keepalive = 0
        self.closed = asyncio.Event()

    def send(self, data: bytes) -> None:
        if not self.writer.is_closing():
            self.writer.write(data)

    async def run(self) -> None:
        admitted = False
        try:
            first = await asyncio.wait_for(read_packet(self.reader), CONNECT_TIMEOUT)
            if first.kind != CONNECT:
                return
            admitted = await self._connect(first.body)
            if not admitted:
                return
            await self._serve()
        except (asyncio.IncompleteReadError, ConnectionError, TimeoutError, ProtocolError) as exc:
            if admitted:
                log.debug("mqtt client %s: %s", self.client_id, exc)
        finally:
            if admitted:
                await self.broker._left(self)
            self.writer.close()
            self.closed.set()

    async def _connect(self, body: bytes) -> bool:
        data = Cursor(body)
        name, level, flags = data.text(), data.u8(), data.u8()
        self.keepalive = data.u16()
        if (name, level) not in (("MQTT", 4), ("MQIsdp", 3)):
            self.send(packet(CONNACK, bytes([0, 1])))
            return False
        client_id = data.text()
        if flags & 0x04:
            data.text()
            data.raw()
        username = data.text() if flags & 0x80 else None
        password = data.raw().decode("utf-8", "replace") if flags & 0x40 else None
        if not client_id:
            if not flags & 0x02:
                self.send(packet(CONNACK, bytes([0, 2])))
                return False
            client_id = f"auto-{uuid.uuid4().hex[:16]}"
        if not await _call("authenticate", self.broker.hooks.authenticate, client_id, username, password):
            self.send(packet(CONNACK, bytes([0, 5])))
            await self.writer.drain()
            return False
        self.client_id, self.username = client_id, username
        await self.broker._joined(self)
        self.send(packet(CONNACK, bytes([0, 0])))
        await _call("connected", self.broker.hooks.connected, client_id, username)
        return True

    async def _serve(self) -> None:
        hooks = self.broker.hooks
        idle = self.keepalive * 1.5 if self.keepalive else None
        while True:
            got = await asyncio.wait_for(read_packet(self.reader), idle)
            if got.kind == PUBLISH:
                await self._publish(got.flags, got.body)
            elif got.kind == PUBREL:
                packet_id = Cursor(got.body).u16()
                self.qos2_pending.discard(packet_id)
                self.send(ack(PUBCOMP, packet_id))
            elif got.kind == SUBSCRIBE:
                data = Cursor(got.body)
                packet_id, codes = data.u16(), bytearray()
                while data.left:
                    pattern, _ = data.text(), data.u8()
                    allowed = await _call("may_subscribe", hooks.may_subscribe, self.client_id, self.username, pattern)
                    if allowed:
                        self.subscriptions.add(pattern)
                    codes.append(0 if allowed else 0x80)
                self.send(packet(SUBACK, packet_id.to_bytes(2, "big") + bytes(codes)))
            elif got.kind == UNSUBSCRIBE:
                data = Cursor(got.body)
                packet_id = data.u16()
                while data.left:
                    self.subscriptions.discard(data.text())
                self.send(ack(UNSUBACK, packet_id))
            elif got.kind == PINGREQ:
                self.send(packet(PINGRESP))
            elif got.kind == DISCONNECT:
                return
            elif got.kind in (PUBACK, PUBREC, PUBCOMP):
                continue
            else:
                raise ProtocolError(f"unexpected packet type {got.kind}")
            await self.writer.drain()

    async def _publish(self, flags: int, body: bytes) -> None:
        qos = (flags >> 1) & 0x03
        if qos == 3:
            raise ProtocolError("QoS 3")
        data = Cursor(body)
        topic = data.text()
        packet_id = data.u16() if qos else 0
        payload = data.rest()
        if not topic or "+" in topic or "#" in topic:
            raise ProtocolError("a PUBLISH topic may not be empty or hold wildcards")
        fresh = not (qos == 2 and packet_id in self.qos2_pending)
        if fresh and await _call("may_publish", self.broker.hooks.may_publish, self.client_id, self.username, topic):
            await _call("message", self.broker.hooks.message, self.client_id, topic, payload)
            self.broker._forward(self, topic, payload)
        if qos == 1:
            self.send(ack(PUBACK, packet_id))
        elif qos == 2:
            self.qos2_pending.add(packet_id)
            self.send(ack(PUBREC, packet_id))


class EmbeddedBroker:
    """One broker on ``host:port`` (port 0: a free one, known after ``start``)."""

    def __init__(self, hooks: BrokerHooks, host: str = "127.0.0.1", port: int = 11883) -> None:
        self.hooks = hooks
        self.host = host
        self.port = port
        self._server: asyncio.Server | None = None
        self._clients: dict[str, _Client] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> str:
        """Listen; the broker's ``mqtt://host:port``. ``OSError`` when the port is taken."""
        self._server = await asyncio.start_server(self._accept, self.host, self.port)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return f"mqtt://{self.host}:{self.port}"

    async def stop(self) -> None:
        """Stop listening and end every session (each client's ``disconnected`` hook runs)."""
        if self._server is None:
            return
        self._server.close()
        for client in list(self._clients.values()):
            client.writer.close()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=10)
        await self._server.wait_closed()
        self._server = None

    @property
    def clients(self) -> list[str]:
        """Client ids connected now."""
        return list(self._clients)

    def kick(self, client_ids: list[str] | None = None) -> int:
        """Close these clients' connections (all when None); their ``disconnected`` hooks follow. How many."""
        chosen = [c for cid, c in self._clients.items() if client_ids is None or cid in client_ids]
        for client in chosen:
            client.writer.close()
        return len(chosen)

    def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.get_running_loop().create_task(_Client(self, reader, writer).run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _joined(self, client: _Client) -> None:
        earlier = self._clients.get(client.client_id)
        self._clients[client.client_id] = client
        if earlier is not None:
            # MQTT 3.1.1 §3.1.4: a new connection with the same client id ends the old one.
            earlier.writer.close()
            await earlier.closed.wait()

    async def _left(self, client: _Client) -> None:
        if self._clients.get(client.client_id) is client:
            del self._clients[client.client_id]
            await _call("disconnected", self.hooks.disconnected, client.client_id)

    def _forward(self, sender: _Client, topic: str, payload: bytes) -> None:
        message: bytes | None = None
        for client in self._clients.values():
            if client is not sender and any(topic_matches(p, topic) for p in client.subscriptions):
                message = message or publish(topic, payload)
                client.send(message)
