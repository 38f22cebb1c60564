"""The DNS server: UDP and TCP on one port, each query answered by ``authority.answer`` and counted.

Several server processes (``--workers``) of one twin bind the same port with ``SO_REUSEPORT``, so the
kernel spreads queries over them; since every answer is read from the shared state, any process
answers any query alike. So that two unrelated twins never split one port's queries silently, the
first binder leaves a claim naming its state (``claim_dir/twinstack-dns-<port>.claim``); a process
finding the port taken binds beside the holder only when the claim names the state it serves too,
and otherwise fails as a port in use does.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import socket
import struct
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dns.exception
import dns.flags
import dns.message
import dns.rcode

from twinstack.drivers.dns.authority import Outcome, answer
from twinstack.drivers.dns.values import Zone, Zones

log = logging.getLogger("twinstack.dns")

UDP_DEFAULT_PAYLOAD = 512
"""The UDP size limit of a query without EDNS (RFC 1035); a longer answer is truncated (TC)."""
TCP_IDLE_S = 10.0
"""A TCP connection with no new query for this long is closed."""

Counter = Callable[[Zone, str, int], None]
"""``(zone, query type, microseconds spent)``: called once per answered query inside a zone."""


@dataclass(slots=True)
class DnsServer:
    """Answers queries for ``zones`` until ``stop``; ``counted`` records each one (statistics)."""

    zones: Zones
    now: Callable[[], float]
    """Twin time, for signature validity."""
    counted: Counter
    state_id: str = ""
    """Names the state served (the port claim compares it)."""
    claim_dir: Path = field(default_factory=lambda: Path(tempfile.gettempdir()))
    _udp: asyncio.DatagramTransport | None = None
    _tcp: asyncio.base_events.Server | None = None

    async def start(self, host: str, port: int) -> str:
        """Bind UDP and TCP on ``host:port``; raises ``OSError`` (``EADDRINUSE``) when the port is not ours."""
        self._claim(host, port)
        loop = asyncio.get_running_loop()
        udp, _ = await loop.create_datagram_endpoint(lambda: _Udp(self), local_addr=(host, port), reuse_port=True)
        self._udp = udp
        try:
            self._tcp = await asyncio.start_server(self._serve_tcp, host, port, reuse_port=True)
        except OSError:
            udp.close()
            self._udp = None
            raise
        return f"{host}:{port}"

    async def stop(self) -> None:
        if self._udp is not None:
            self._udp.close()
            self._udp = None
        if self._tcp is not None:
            self._tcp.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._tcp.wait_closed(), 2)
            self._tcp = None

    def _claim(self, host: str, port: int) -> None:
        claim = self.claim_dir / f"twinstack-dns-{port}.claim"
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        probe = socket.socket(family, socket.SOCK_DGRAM)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            with contextlib.suppress(OSError):
                if claim.read_text(encoding="utf-8") == self.state_id:
                    return  # a sibling serving the same state holds it: bind beside it
            raise
        finally:
            probe.close()
        with contextlib.suppress(OSError):
            claim.write_text(self.state_id, encoding="utf-8")

    def respond(self, wire: bytes, limit: int | None) -> bytes | None:
        """The response bytes to one query (``limit``: the UDP size allowed; None over TCP)."""
        started = time.perf_counter()
        try:
            query = dns.message.from_wire(wire)
        except dns.exception.DNSException:
            return _formerr(wire)
        try:
            outcome = answer(query, self.zones, self.now())
            data = _to_wire(outcome.response, query, limit)
        except Exception:  # never let one bad query stop the server: SERVFAIL, and say why in the log
            log.exception("DNS: answering %s failed", query.question)
            outcome = Outcome(dns.message.make_response(query), None, "")
            outcome.response.set_rcode(dns.rcode.SERVFAIL)
            data = outcome.response.to_wire()
        if outcome.zone is not None and outcome.qtype:
            try:
                self.counted(outcome.zone, outcome.qtype, int((time.perf_counter() - started) * 1e6))
            except Exception:  # statistics must not cost an answer
                log.exception("DNS: counting a query of %s failed", outcome.zone.name)
        return data

    async def _serve_tcp(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await asyncio.wait_for(reader.readexactly(2), TCP_IDLE_S)
                (length,) = struct.unpack("!H", head)
                wire = await asyncio.wait_for(reader.readexactly(length), TCP_IDLE_S)
                data = self.respond(wire, None)
                if data is None:
                    break
                writer.write(struct.pack("!H", len(data)) + data)
                await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, server: DnsServer) -> None:
        self.server = server
        self.transport: Any = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's datagram transport is no subclass of asyncio's, so it is taken as it comes.
        self.transport = transport

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        reply = self.server.respond(data, UDP_DEFAULT_PAYLOAD)
        if reply is not None and self.transport is not None:
            self.transport.sendto(reply, addr)


def _to_wire(response: dns.message.Message, query: dns.message.Message, limit: int | None) -> bytes:
    if limit is not None and query.edns >= 0:
        limit = max(UDP_DEFAULT_PAYLOAD, min(query.payload, 65535))
    try:
        return response.to_wire(max_size=limit or 65535)
    except dns.exception.TooBig:
        # Too big for UDP: the question alone with TC set, so the client asks again over TCP.
        truncated = dns.message.make_response(query)
        truncated.flags |= dns.flags.TC | (response.flags & dns.flags.AA)
        truncated.set_rcode(response.rcode())
        return truncated.to_wire(max_size=limit or 65535)


def _formerr(wire: bytes) -> bytes | None:
    """FORMERR for a query that does not parse, when at least its header does (else nothing is sent)."""
    if len(wire) < 12 or wire[2] & 0x80:
        return None  # not even a header, or a response: answering it could start a loop
    qid = struct.unpack("!H", wire[:2])[0]
    flags = dns.flags.QR | dns.rcode.FORMERR
    return struct.pack("!HHHHHH", qid, flags, 0, 0, 0, 0)
