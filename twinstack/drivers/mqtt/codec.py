"""MQTT 3.1.1 packets as bytes: the fixed header, strings, and the packets the broker sends.

Only what a broker for devices needs: it reads CONNECT, PUBLISH, PUBACK/PUBREC/PUBREL/PUBCOMP,
SUBSCRIBE, UNSUBSCRIBE, PINGREQ and DISCONNECT, and writes CONNACK, PUBLISH, the acknowledgements,
SUBACK, UNSUBACK and PINGRESP (MQTT 3.1.1, OASIS standard, section 2-3).
"""

from __future__ import annotations

import asyncio
import struct
from dataclasses import dataclass

CONNECT, CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP = 1, 2, 3, 4, 5, 6, 7
SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, PINGREQ, PINGRESP, DISCONNECT = 8, 9, 10, 11, 12, 13, 14
MAX_PACKET = 256 * 1024
"""A device packet larger than this is refused (the connection is closed)."""


class ProtocolError(Exception):
    """The client broke the protocol; the connection is closed (MQTT 3.1.1 §4.8)."""


@dataclass(slots=True)
class Packet:
    kind: int
    flags: int
    body: bytes


async def read_packet(reader: asyncio.StreamReader) -> Packet:
    first = (await reader.readexactly(1))[0]
    length, multiplier = 0, 1
    for _ in range(4):
        byte = (await reader.readexactly(1))[0]
        length += (byte & 0x7F) * multiplier
        if not byte & 0x80:
            break
        multiplier *= 128
    else:
        raise ProtocolError("malformed remaining length")
    if length > MAX_PACKET:
        raise ProtocolError(f"packet of {length} bytes is over the limit")
    return Packet(first >> 4, first & 0x0F, await reader.readexactly(length) if length else b"")


def packet(kind: int, body: bytes = b"", flags: int = 0) -> bytes:
    out = bytearray([(kind << 4) | flags])
    length = len(body)
    while True:
        byte, length = length % 128, length // 128
        out.append(byte | (0x80 if length else 0))
        if not length:
            break
    return bytes(out) + body


class Cursor:
    """Reads the variable header and payload of one packet."""

    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def u8(self) -> int:
        if self.at >= len(self.data):
            raise ProtocolError("packet too short")
        self.at += 1
        return self.data[self.at - 1]

    def u16(self) -> int:
        if self.at + 2 > len(self.data):
            raise ProtocolError("packet too short")
        (value,) = struct.unpack_from("!H", self.data, self.at)
        self.at += 2
        return int(value)

    def raw(self) -> bytes:
        size = self.u16()
        if self.at + size > len(self.data):
            raise ProtocolError("string runs past the packet")
        self.at += size
        return self.data[self.at - size: self.at]

    def text(self) -> str:
        try:
            return self.raw().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ProtocolError("a string is not UTF-8") from exc

    def rest(self) -> bytes:
        out, self.at = self.data[self.at:], len(self.data)
        return out

    @property
    def left(self) -> int:
        return len(self.data) - self.at


def string(value: str) -> bytes:
    encoded = value.encode("utf-8")
    return struct.pack("!H", len(encoded)) + encoded


def ack(kind: int, packet_id: int) -> bytes:
    return packet(kind, struct.pack("!H", packet_id), flags=2 if kind == PUBREL else 0)


def publish(topic: str, payload: bytes) -> bytes:
    """A QoS 0 PUBLISH (what the broker forwards to subscribers)."""
    return packet(PUBLISH, string(topic) + payload)


def topic_matches(pattern: str, topic: str) -> bool:
    """MQTT filter matching with ``+`` (one level) and ``#`` (the rest)."""
    want, have = pattern.split("/"), topic.split("/")
    for i, part in enumerate(want):
        if part == "#":
            return True
        if i >= len(have) or (part != "+" and part != have[i]):
            return False
    return len(want) == len(have)
