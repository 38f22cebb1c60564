"""Which URLs webhooks may be delivered to, decided before any request is made.

A target is classified by the addresses its host resolves to: *loopback*
(127.0.0.0/8, ::1, 0.0.0.0, and ``localhost`` names without a DNS lookup),
*private* (RFC 1918, link-local, carrier-grade NAT, IPv6 unique-local) or
*public* (globally routable). A policy allows some of these classes, plus an
allow-list of host names (``hooks.example.com``, ``*.example.com``),
addresses and CIDR ranges that pass whatever they resolve to. Every address
of a host must pass, so a name cannot smuggle a private address in beside a
public one. Anything else (multicast, reserved ranges) passes only by the
allow-list.

The default allows all three classes: a twin usually delivers to a receiver
on the developer's own machine. ``TargetPolicy.parse`` reads the short form a
setting or command-line option would carry, e.g. ``"loopback"`` or
``"loopback,public,10.20.0.0/16"``.

The check resolves the name itself and httpx resolves it again to connect,
so a DNS answer that changes in between is not caught: a twin's policy keeps
mistakes out, it is not a defence against a hostile resolver.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_CLASSES = ("loopback", "private", "public")
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT: not global, yet not is_private either


def address_class(address: IPAddress) -> str | None:
    """``loopback``, ``private``, ``public``, or None for ranges no class covers."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback or address.is_unspecified:
        # Connecting to 0.0.0.0 or :: reaches this host, so it is loopback in effect.
        return "loopback"
    if address.is_multicast or address.is_reserved:
        return None
    if address.is_private or address.is_link_local or (address.version == 4 and address in _SHARED):
        return "private"
    if address.is_global:
        return "public"
    return None


@dataclass(frozen=True, slots=True)
class TargetPolicy:
    """Where deliveries may go; see the module docstring."""

    loopback: bool = True
    private: bool = True
    public: bool = True
    allow: tuple[str, ...] = ()
    """Host names (``*.`` wildcards), addresses and CIDR ranges allowed whatever their class."""

    @classmethod
    def parse(cls, spec: str) -> TargetPolicy:
        """``"any"`` or a comma list of classes and allow-list entries; ``ValueError`` on a bad entry.

        Only the classes named are allowed: ``"hooks.example.com"`` alone
        allows that host and nothing else.
        """
        tokens = [t.strip() for t in spec.split(",") if t.strip()]
        if not tokens:
            raise ValueError("a target policy names at least one class, host or range")
        if any(t.lower() in ("any", "*") for t in tokens):
            return cls()
        classes = {t.lower() for t in tokens if t.lower() in _CLASSES}
        allow = tuple(t for t in tokens if t.lower() not in _CLASSES)
        for entry in allow:
            _check_entry(entry)
        return cls("loopback" in classes, "private" in classes, "public" in classes, allow)

    @property
    def allows_everything(self) -> bool:
        return self.loopback and self.private and self.public

    async def refusal(self, url: str) -> str | None:
        """Why ``url`` may not be delivered to, or None when it may."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return f"target {url!r} is not an absolute http(s) URL"
        host = parts.hostname.lower().rstrip(".")
        if self.allows_everything or self._host_listed(host):
            return None
        try:
            addresses = await _addresses(host, parts.port or (443 if parts.scheme == "https" else 80))
        except OSError as exc:
            return f"target host {host!r} does not resolve: {exc}"
        for address in addresses:
            if self._address_listed(address):
                continue
            kind = address_class(address)
            if kind is None or not getattr(self, kind):
                described = f"{address}, {kind or 'special-purpose'} address"
                return f"target {host!r} ({described}) is refused by the webhook target policy"
        return None

    def _host_listed(self, host: str) -> bool:
        for entry in self.allow:
            entry = entry.lower()
            if entry == host or (entry.startswith("*.") and host.endswith(entry[1:])):
                return True
        return False

    def _address_listed(self, address: IPAddress) -> bool:
        for entry in self.allow:
            network = _network(entry)
            if network is not None and address.version == network.version and address in network:
                return True
        return False


def _network(entry: str) -> IPNetwork | None:
    try:
        return ipaddress.ip_network(entry.strip("[]"), strict=False)
    except ValueError:
        return None


def _check_entry(entry: str) -> None:
    if _network(entry) is not None:
        return
    name = entry[2:] if entry.startswith("*.") else entry
    labels = name.rstrip(".").split(".")
    if not name or not all(label and len(label) < 64 and label.replace("-", "").isalnum() for label in labels):
        raise ValueError(
            f"{entry!r} is neither a class (loopback, private, public), a host name, an address nor a CIDR range"
        )


async def _addresses(host: str, port: int) -> list[IPAddress]:
    literal = _network(host)
    if literal is not None and literal.num_addresses == 1:
        return [literal.network_address]
    if host == "localhost" or host.endswith(".localhost"):
        # RFC 6761: localhost names are loopback and are never sent to DNS.
        return [ipaddress.ip_address("127.0.0.1")]
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    # getaddrinfo appends a %zone to link-local IPv6 results; the address is what is classified.
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
