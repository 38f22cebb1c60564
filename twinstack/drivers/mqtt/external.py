"""An external broker (``--mqtt-url mqtt://host:port``, e.g. the machine's Mosquitto) the twin listens to.

The twin connects as an MQTT 3.1.1 client (``codec``), subscribes to the device topics the pack names
(``devices/#``) at QoS 1, hands every message to ``message(topic, payload)`` and acknowledges it after
that returned; it pings within its keep-alive and reconnects every 2 s while the broker is away.
Logins, topic permissions and sessions are that broker's business: the twin sees messages, not
connections, so a device's presence is the pack's inference from its messages.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import struct
import uuid
from collections.abc import Callable
from typing import Any

from twinstack.drivers.mqtt.address import MqttTarget
from twinstack.drivers.mqtt.codec import (
    CONNACK, CONNECT, PINGREQ, PUBACK, PUBCOMP, PUBLISH, PUBREC, PUBREL, SUBACK, SUBSCRIBE, Cursor, ProtocolError,
    ack, packet, read_packet, string,
)

log = logging.getLogger("twinstack.mqtt")

_RETRY_SECONDS = 2.0
_KEEPALIVE = 30


class ExternalFeed:
    def __init__(self, target: MqttTarget, topics: list[str], message: Callable[[str, bytes], Any]) -> None:
        self.target = target
        self.topics = topics
        self.message = message
        self.client_id = f"twinstack-{uuid.uuid4().hex[:12]}"
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> str:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self.target.url()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self._session()
            except asyncio.CancelledError:
                raise
            except (OSError, asyncio.IncompleteReadError, ProtocolError, TimeoutError) as exc:
                log.warning("external MQTT broker %s: %s", self.target.url(), exc)
            await asyncio.sleep(_RETRY_SECONDS)

    def _connect_packet(self) -> bytes:
        flags = 0x02
        tail = string(self.client_id)
        if self.target.username:
            flags |= 0x80
            tail += string(self.target.username)
            if self.target.password is not None:
                flags |= 0x40
                tail += string(self.target.password)
        return packet(CONNECT, string("MQTT") + bytes([4, flags]) + struct.pack("!H", _KEEPALIVE) + tail)

    async def _session(self) -> None:
        reader, writer = await asyncio.open_connection(self.target.host, self.target.port)
        try:
            writer.write(self._connect_packet())
            reply = await asyncio.wait_for(read_packet(reader), 10)
            if reply.kind != CONNACK or len(reply.body) < 2 or reply.body[1] != 0:
                raise ProtocolError(f"connection refused (CONNACK {reply.body[1:2].hex() or '?'})")
            body = struct.pack("!H", 1) + b"".join(string(t) + bytes([1]) for t in self.topics)
            writer.write(packet(SUBSCRIBE, body, flags=2))
            await writer.drain()
            while True:
                try:
                    got = await asyncio.wait_for(read_packet(reader), _KEEPALIVE / 2)
                except TimeoutError:
                    writer.write(packet(PINGREQ))
                    await writer.drain()
                    continue
                if got.kind == PUBLISH:
                    await self._take(writer, got.flags, got.body)
                elif got.kind == PUBREL:
                    writer.write(ack(PUBCOMP, Cursor(got.body).u16()))
                elif got.kind == SUBACK and b"\x80" in got.body[2:]:
                    log.warning("external MQTT broker refused a subscription to %s", self.topics)
                await writer.drain()
        finally:
            writer.close()

    async def _take(self, writer: asyncio.StreamWriter, flags: int, body: bytes) -> None:
        qos = (flags >> 1) & 0x03
        data = Cursor(body)
        topic = data.text()
        packet_id = data.u16() if qos else 0
        try:
            result = self.message(topic, data.rest())
            if inspect.isawaitable(result):
                await result
        except Exception:  # one bad message must not end the subscription
            log.exception("external MQTT message on %s failed", topic)
        if qos == 1:
            writer.write(ack(PUBACK, packet_id))
        elif qos == 2:
            writer.write(ack(PUBREC, packet_id))
