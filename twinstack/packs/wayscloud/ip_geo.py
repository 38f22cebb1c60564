"""Geolocation and network identity of an IP address, from a small built-in table (no GeoIP database).

Deterministic: the same address always gets the same answer.

- A few well-known networks are given as they are (Google Public DNS ``8.8.8.8`` → ``dns.google``, US,
  AS15169, the document's example; Cloudflare's and Quad9's resolvers).
- Any other global address falls into one of a dozen synthetic network profiles, chosen by a hash of
  its /16 (IPv4) or /32 (IPv6), so neighbours share a network. Their ASNs are from the private-use
  range 64512–65534, so nobody mistakes them for real registrations.
- Addresses that are not global (private, loopback, link-local, documentation ranges...) have no
  location: ``connection_type: unknown`` and no ASN.

``total_ips`` of an ASN counts the IPv4 addresses this table gives it (a synthetic profile: the /16s
the hash sends to it).
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
from dataclasses import dataclass

IP = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True, slots=True)
class Network:
    asn: int
    isp: str
    org: str
    connection_type: str
    country: str
    country_name: str
    city: str
    region: str
    latitude: float
    longitude: float
    timezone: str


@dataclass(frozen=True, slots=True)
class Geo:
    ip: IP
    network: Network | None
    hostname: str | None


_GOOGLE = Network(15169, "Google LLC", "Google LLC", "datacenter", "US", "United States", "Mountain View",
                  "California", 37.386, -122.0838, "America/Los_Angeles")
_CLOUDFLARE = Network(13335, "Cloudflare, Inc.", "APNIC and Cloudflare DNS Resolver project", "datacenter", "US",
                      "United States", "San Francisco", "California", 37.7749, -122.4194, "America/Los_Angeles")
_QUAD9 = Network(19281, "Quad9", "Quad9", "datacenter", "CH", "Switzerland", "Zurich", "Zurich", 47.3769, 8.5417,
                 "Europe/Zurich")

KNOWN: tuple[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, Network], ...] = (
    (ipaddress.ip_network("8.8.8.0/24"), _GOOGLE),
    (ipaddress.ip_network("8.8.4.0/24"), _GOOGLE),
    (ipaddress.ip_network("2001:4860::/32"), _GOOGLE),
    (ipaddress.ip_network("1.1.1.0/24"), _CLOUDFLARE),
    (ipaddress.ip_network("1.0.0.0/24"), _CLOUDFLARE),
    (ipaddress.ip_network("2606:4700::/32"), _CLOUDFLARE),
    (ipaddress.ip_network("9.9.9.0/24"), _QUAD9),
    (ipaddress.ip_network("149.112.112.0/24"), _QUAD9),
)
HOSTNAMES = {"8.8.8.8": "dns.google", "8.8.4.4": "dns.google", "1.1.1.1": "one.one.one.one",
             "1.0.0.1": "one.one.one.one", "9.9.9.9": "dns9.quad9.net"}

PROFILES: tuple[Network, ...] = (
    Network(64512, "Fjord Fiber", "Fjord Fiber AS", "residential", "NO", "Norway", "Oslo", "Oslo", 59.9139, 10.7522,
            "Europe/Oslo"),
    Network(64513, "Nordlys Mobil", "Nordlys Mobil AS", "mobile", "NO", "Norway", "Bergen", "Vestland", 60.3913,
            5.3221, "Europe/Oslo"),
    Network(64514, "Malaren Hosting", "Malaren Hosting AB", "hosting", "SE", "Sweden", "Stockholm", "Stockholm",
            59.3293, 18.0686, "Europe/Stockholm"),
    Network(64515, "Oresund Net", "Oresund Net A/S", "business", "DK", "Denmark", "Copenhagen", "Capital Region",
            55.6761, 12.5683, "Europe/Copenhagen"),
    Network(64516, "Saimaa Data", "Saimaa Data Oy", "datacenter", "FI", "Finland", "Helsinki", "Uusimaa", 60.1699,
            24.9384, "Europe/Helsinki"),
    Network(64517, "Rhein Kabel", "Rhein Kabel GmbH", "residential", "DE", "Germany", "Frankfurt am Main", "Hesse",
            50.1109, 8.6821, "Europe/Berlin"),
    Network(64518, "Polder Cloud", "Polder Cloud B.V.", "hosting", "NL", "Netherlands", "Amsterdam", "North Holland",
            52.3676, 4.9041, "Europe/Amsterdam"),
    Network(64519, "Thames Broadband", "Thames Broadband Ltd", "residential", "GB", "United Kingdom", "London",
            "England", 51.5074, -0.1278, "Europe/London"),
    Network(64520, "Seine Telecom", "Seine Telecom SAS", "mobile", "FR", "France", "Paris", "Ile-de-France", 48.8566,
            2.3522, "Europe/Paris"),
    Network(64521, "Vistula Networks", "Vistula Networks sp. z o.o.", "business", "PL", "Poland", "Warsaw",
            "Masovia", 52.2297, 21.0122, "Europe/Warsaw"),
    Network(64522, "Prairie Datacenters", "Prairie Datacenters Inc.", "datacenter", "US", "United States", "Chicago",
            "Illinois", 41.8781, -87.6298, "America/Chicago"),
    Network(64523, "Campus Research Net", "Campus Research Net", "education", "US", "United States", "Boston",
            "Massachusetts", 42.3601, -71.0589, "America/New_York"),
)
COUNTRY_NAMES = {n.country: n.country_name for n in (*PROFILES, _GOOGLE, _CLOUDFLARE, _QUAD9)}


def parse(raw: str) -> IP | None:
    try:
        return ipaddress.ip_address(raw.strip())
    except ValueError:
        return None


def _bucket(ip: IP) -> int:
    prefix = ip.packed[:2] if ip.version == 4 else ip.packed[:4]
    return int.from_bytes(hashlib.sha256(b"wayscloud-geo:" + prefix).digest()[:4], "big") % len(PROFILES)


def network_of(ip: IP) -> Network | None:
    if not ip.is_global:
        return None
    for net, network in KNOWN:
        if ip.version == net.version and ip in net:
            return network
    return PROFILES[_bucket(ip)]


def locate(ip: IP, reverse: str | None = None) -> Geo:
    """``reverse``: the PTR name the twin's own DNS gives the address, if any (it wins over the table's)."""
    return Geo(ip, network_of(ip), reverse or HOSTNAMES.get(str(ip)))


def by_asn(asn: int) -> Network | None:
    for network in (*PROFILES, _GOOGLE, _CLOUDFLARE, _QUAD9):
        if network.asn == asn:
            return network
    return None


@functools.cache
def _profile_sixteens() -> tuple[int, ...]:
    counts = [0] * len(PROFILES)
    for high in range(256):
        for low in range(256):
            counts[_bucket(ipaddress.IPv4Address(bytes((high, low, 0, 0))))] += 1
    return tuple(counts)


def total_ipv4(asn: int) -> int | None:
    """IPv4 addresses the table gives ``asn`` (None for an ASN it does not know)."""
    known = sum(net.num_addresses for net, network in KNOWN if network.asn == asn and net.version == 4)
    if known:
        return known
    index = asn - PROFILES[0].asn
    if 0 <= index < len(PROFILES):
        return _profile_sixteens()[index] * 65536
    return None


def country_ipv4(code: str) -> int:
    """IPv4 addresses the table places in country ``code``."""
    known = sum(net.num_addresses for net, network in KNOWN if network.country == code and net.version == 4)
    sixteens = _profile_sixteens()
    return known + sum(sixteens[i] * 65536 for i, p in enumerate(PROFILES) if p.country == code)


def geo_fields(geo: Geo) -> dict[str, object]:
    """The ``geo`` object of the summary (keys the document does not make nullable are left out when unknown)."""
    net = geo.network
    if net is None:
        return {"city": None, "region": None, "latitude": None, "longitude": None, "timezone": None}
    return {"country": net.country, "country_name": net.country_name, "city": net.city, "region": net.region,
            "latitude": net.latitude, "longitude": net.longitude, "timezone": net.timezone}


def network_fields(geo: Geo) -> dict[str, object]:
    net = geo.network
    if net is None:
        return {"asn": None, "isp": None, "org": None, "connection_type": "unknown"}
    return {"asn": net.asn, "isp": net.isp, "org": net.org, "connection_type": net.connection_type}
