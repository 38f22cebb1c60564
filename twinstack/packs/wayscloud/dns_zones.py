"""Where the DNS twin keeps zones and records, and how the DNS server and domain checks read them.

- A zone is a row of its owner's ``/v1/dns/zones`` collection, keyed by its name (the account's
  service list reads it there); zone names are global, so a shared ``dns_zone_owners`` row keyed by
  the name, taken with ``insert``, says whose it is.
- Records are rows of the owner's ``dns_records`` collection, indexed by ``zone`` and ``fqdn``.
- A guarded counter per name (``<zone>|<name>`` in ``wayscloud:dns-names``) counts the records at or
  below it, so the server tells an empty non-terminal (NODATA) from a name that does not exist
  (NXDOMAIN) with one read.
- Query statistics are counters per zone (``wayscloud:dns-queries``): total, per day and month of the
  twin clock, per type, and the microseconds spent answering.

Nothing is cached: each query reads the state (the zone by all suffixes of the name in one
``get_many``, then its row and the records at the name), so a change made through any server
process, or any server on a shared PostgreSQL, is answered at once.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from twinstack.drivers.dns import Row, Zone
from twinstack.engine.state import SHARED_TENANT
from twinstack.engine.twin import Twin
from twinstack.packs.wayscloud import dns_records

ZONES = "/v1/dns/zones"
RECORDS = "dns_records"
OWNERS = "dns_zone_owners"
NAMES = "wayscloud:dns-names"
QUERIES = "wayscloud:dns-queries"
INDEXES: dict[str, tuple[str, ...]] = {RECORDS: ("zone", "fqdn")}
NAMESERVERS = ("grieg.wayscloud.no", "bohr.wayscloud.dk", "lindgren.wayscloud.se", "aalto.wayscloud.fi")
MAX_LABELS = 127


class StoreZones:
    """The driver's ``Zones`` over a twin's state."""

    def __init__(self, twin: Twin) -> None:
        self.twin = twin

    def zone_for(self, name: str) -> Zone | None:
        labels = name.split(".")[-MAX_LABELS:] if name else []
        suffixes = [".".join(labels[i:]) for i in range(len(labels))]
        if not suffixes:
            return None
        owners = self.twin.collection(SHARED_TENANT, OWNERS).get_many(suffixes)
        for suffix in suffixes:  # longest first
            owner = owners.get(suffix)
            if owner is not None:
                record = self.twin.collection(str(owner["tenant"]), ZONES).get(suffix)
                if record is not None:
                    return zone_of(record, str(owner["tenant"]))
        return None

    def rows(self, zone: Zone, owner: str) -> Sequence[Row]:
        found = self.twin.collection(zone.ref, RECORDS).find({"zone": zone.name, "fqdn": owner}, limit=500).items
        return [dns_records.row(r) for r in found]

    def occupied(self, zone: Zone, owner: str) -> bool:
        return self.twin.store.counters(NAMES, f"{zone.name}|{owner}").get("n", 0) > 0


def zone_of(record: dict[str, Any], tenant: str) -> Zone:
    key = record.get("_dnssec_key") if record.get("dnssec_enabled") else None
    return Zone(str(record["name"]), int(record.get("serial") or 1), tuple(record.get("nameservers") or NAMESERVERS),
                str(key) if key else None, tenant)


def count_names(twin: Twin, zone: str, owner: str, delta: int) -> None:
    """Move the at-or-below counters of ``owner`` and each of its ancestors inside ``zone``."""
    labels = owner.split(".")
    depth = len(labels) - (zone.count(".") + 1)
    for cut in range(depth + 1):
        twin.store.adjust(NAMES, f"{zone}|{'.'.join(labels[cut:])}", {"n": delta})


def count_query(twin: Twin, zone: Zone, qtype: str, micros: int) -> None:
    day = time.strftime("%Y-%m-%d", time.gmtime(twin.clock.now()))
    twin.store.adjust(QUERIES, zone.name, {"total": 1, "us": micros, f"d:{day}": 1, f"m:{day[:7]}": 1,
                                           f"t:{qtype}": 1})


def statistics(twin: Twin, zone: str) -> dict[str, Any]:
    counted = twin.store.counters(QUERIES, zone)
    day = time.strftime("%Y-%m-%d", time.gmtime(twin.clock.now()))
    total = counted.get("total", 0)
    types = sorted(((k[2:], v) for k, v in counted.items() if k.startswith("t:") and v), key=lambda kv: (-kv[1], kv[0]))
    return {
        "queries_today": counted.get(f"d:{day}", 0), "queries_this_month": counted.get(f"m:{day[:7]}", 0),
        "top_record_types": dict(types[:10]),
        "response_time_ms_avg": round(counted.get("us", 0) / total / 1000, 3) if total else 0.0,
        "total_queries": total,
    }


def forget_statistics(twin: Twin, zone: str) -> None:
    twin.store.drop_counters(QUERIES, zone)


def lookup(twin: Twin, name: str, rdtype: str) -> list[str]:
    """What the twin's DNS answers for ``name``/``rdtype`` (CNAMEs followed), as texts: TXT strings joined,
    names without the final dot. Asked of the answering code directly, so it is not counted as a query."""
    # dnspython on first use, as in ``dns_records``.
    import dns.message
    import dns.name
    import dns.rdatatype

    from twinstack.drivers.dns import answer

    query = dns.message.make_query(dns.name.from_text(name.rstrip(".") + "."), rdtype)
    outcome = answer(query, StoreZones(twin), twin.clock.now())
    wanted = dns.rdatatype.from_text(rdtype)
    found: list[str] = []
    for rrset in outcome.response.answer:
        if rrset.rdtype != wanted:
            continue
        for rdata in rrset:
            if wanted == dns.rdatatype.TXT:
                found.append(b"".join(rdata.strings).decode("utf-8", "replace"))
            else:
                found.append(rdata.to_text().rstrip("."))
    return found
