"""The DNS driver on its own: a ``DnsServer`` over a source held in memory, queried with dnspython over the
loopback — the port claim between processes, malformed queries, and a source that fails."""

from __future__ import annotations

import asyncio
import errno
import socket
from collections.abc import Sequence
from pathlib import Path

import dns.asyncquery
import dns.message
import dns.rcode
import pytest

from twinstack.drivers.dns import DnsServer, Row, Zone

ZONE = Zone("mem.test", 7, ("ns1.mem.test",))


class Memory:
    """A ``Zones`` source of one zone with one A record; ``broken`` makes every read fail."""

    def __init__(self, broken: bool = False) -> None:
        self.broken = broken
        self.counted: list[tuple[str, str]] = []

    def zone_for(self, name: str) -> Zone | None:
        if self.broken:
            raise RuntimeError("the source is down")
        return ZONE if name == ZONE.name or name.endswith("." + ZONE.name) else None

    def rows(self, zone: Zone, owner: str) -> Sequence[Row]:
        return [Row("A", 60, "192.0.2.1")] if owner == f"www.{zone.name}" else []

    def occupied(self, zone: Zone, owner: str) -> bool:
        return owner == f"www.{zone.name}"

    def count(self, zone: Zone, qtype: str, micros: int) -> None:
        self.counted.append((zone.name, qtype))


def _server(source: Memory, state: str, claims: Path) -> DnsServer:
    return DnsServer(source, lambda: 1_800_000_000.0, source.count, state_id=state, claim_dir=claims)


def _port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_processes_of_one_state_share_a_port_and_another_state_is_refused(tmp_path: Path) -> None:
    async def scenario() -> None:
        port = _port()
        first, sibling, stranger = Memory(), Memory(), Memory()
        one = _server(first, "state-a", tmp_path)
        two = _server(sibling, "state-a", tmp_path)
        await one.start("127.0.0.1", port)
        await two.start("127.0.0.1", port)
        try:
            with pytest.raises(OSError) as refused:
                await _server(stranger, "state-b", tmp_path).start("127.0.0.1", port)
            assert refused.value.errno == errno.EADDRINUSE
            for _ in range(20):
                reply = await dns.asyncquery.udp(dns.message.make_query("www.mem.test", "A"), "127.0.0.1", port=port,
                                                 timeout=5)
                assert [r.to_text() for rrset in reply.answer for r in rrset] == ["192.0.2.1"]
            assert len(first.counted) + len(sibling.counted) == 20 and not stranger.counted
        finally:
            await one.stop()
            await two.stop()

    asyncio.run(scenario())


def test_a_port_held_by_something_else_is_refused_whatever_the_claim(tmp_path: Path) -> None:
    async def scenario() -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as other:
            other.bind(("127.0.0.1", 0))
            port = int(other.getsockname()[1])
            (tmp_path / f"twinstack-dns-{port}.claim").write_text("state-a")
            with pytest.raises(OSError):
                await _server(Memory(), "state-a", tmp_path).start("127.0.0.1", port)

    asyncio.run(scenario())


def test_garbage_is_formerr_and_a_failing_source_servfail(tmp_path: Path) -> None:
    good = _server(Memory(), "s", tmp_path)
    garbage = bytes.fromhex("1234 0100 0001 0000 0000 0000") + b"\x07mem"
    reply = good.respond(garbage, 512)
    assert reply is not None and reply[:2] == b"\x12\x34" and reply[3] & 0x0F == dns.rcode.FORMERR
    assert good.respond(b"\x00", 512) is None
    broken = _server(Memory(broken=True), "s", tmp_path)
    wire = broken.respond(dns.message.make_query("www.mem.test", "A").to_wire(), 512)
    assert wire is not None and dns.message.from_wire(wire).rcode() == dns.rcode.SERVFAIL
