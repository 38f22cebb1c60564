"""An authoritative DNS server over UDP and TCP, answering from zones a pack keeps in its state.

``DnsServer`` owns the sockets and the statistics hook; ``authority.answer`` builds each response
from a ``Zones`` source (SOA/NS synthesised, CNAME, wildcards, NXDOMAIN/NODATA, REFUSED outside every
zone); ``keys`` makes the DNSSEC key, DNSKEY, DS and RRSIGs. Nothing here imports HTTP or the engine.

The values a pack declares its zones with (``values``) load with the package; the modules that speak
the protocol load on first use of one of their names, with dnspython, which costs the start about 60 ms.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from twinstack.drivers.dns.values import ALGORITHM_NAME, Row, Zone, Zones

if TYPE_CHECKING:
    from twinstack.drivers.dns.authority import answer, soa
    from twinstack.drivers.dns.keys import ZoneKey, load, new_private_key
    from twinstack.drivers.dns.server import DnsServer

__all__ = ["ALGORITHM_NAME", "DnsServer", "Row", "Zone", "ZoneKey", "Zones", "answer", "load", "new_private_key",
           "soa"]

_ON_FIRST_USE = {"answer": "authority", "soa": "authority", "ZoneKey": "keys", "load": "keys",
                 "new_private_key": "keys", "DnsServer": "server"}


def __getattr__(name: str) -> Any:
    module = _ON_FIRST_USE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
