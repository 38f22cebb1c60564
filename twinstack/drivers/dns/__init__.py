"""An authoritative DNS server over UDP and TCP, answering from zones a pack keeps in its state.

``DnsServer`` owns the sockets and the statistics hook; ``authority.answer`` builds each response
from a ``Zones`` source (SOA/NS synthesised, CNAME, wildcards, NXDOMAIN/NODATA, REFUSED outside every
zone); ``keys`` makes the DNSSEC key, DNSKEY, DS and RRSIGs. Nothing here imports HTTP or the engine.
"""

from twinstack.drivers.dns.authority import Row, Zone, Zones, answer, soa
from twinstack.drivers.dns.keys import ALGORITHM_NAME, ZoneKey, load, new_private_key
from twinstack.drivers.dns.server import DnsServer

__all__ = ["ALGORITHM_NAME", "DnsServer", "Row", "Zone", "ZoneKey", "Zones", "answer", "load", "new_private_key",
           "soa"]
