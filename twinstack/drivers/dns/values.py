"""What a pack hands the DNS server and reads back, free of dnspython: zones, records, the source of both.

A pack imports these with itself; dnspython (about 60 ms to load) comes with the modules that speak the
protocol (``authority``, ``keys``, ``server``), on the first query answered, record checked or server
started.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

ALGORITHM_NAME = "ECDSAP256SHA256"
"""The DNSSEC algorithm of every zone key, as DS records and the API name it."""


@dataclass(frozen=True, slots=True)
class Zone:
    """A served zone as the source describes it."""

    name: str
    """Lower case, no final dot (``example.test``)."""
    serial: int
    nameservers: tuple[str, ...]
    key_pem: str | None = None
    """The DNSSEC signing key (PKCS#8 PEM) while DNSSEC is on."""
    ref: str = ""
    """The source's own handle on the zone (its owner), passed back to it untouched."""


@dataclass(frozen=True, slots=True)
class Row:
    """One record: type, TTL and data in presentation format with absolute names (``10 mail.example.test.``)."""

    rdtype: str
    ttl: int
    rdata: str


class Zones(Protocol):
    """What the server reads; every call is an indexed look-up in the source, never a scan."""

    def zone_for(self, name: str) -> Zone | None:
        """The zone whose name is the longest suffix of ``name`` (lower case, no final dot)."""

    def rows(self, zone: Zone, owner: str) -> Sequence[Row]:
        """The records stored at exactly ``owner``."""

    def occupied(self, zone: Zone, owner: str) -> bool:
        """Whether any record is stored at ``owner`` or below it."""
