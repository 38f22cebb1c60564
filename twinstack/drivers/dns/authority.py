"""The authoritative answer to one DNS query, from zones a ``Zones`` source holds.

The source is the pack's state (read at each query, so a change is answered at once by every process
sharing it); this module knows the protocol only: the zone of a name by its longest served suffix,
SOA and NS synthesised at the apex (the API's records added to the NS set), CNAME followed through
the served zones, NODATA and NXDOMAIN with the SOA in the authority section (a name with nothing but
records below it exists: an empty non-terminal is NODATA), ``*`` records for names that do not exist,
REFUSED for names outside every zone, and RRSIGs on every RRset of a signing zone when the query
sets the DO bit (denial of existence carries a signed SOA but no NSEC chain).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset

from twinstack.drivers.dns import keys
from twinstack.drivers.dns.values import Row, Zone, Zones

SOA_TTL = 3600
SOA_TIMERS = (3600, 600, 604800, 300)
"""Refresh, retry, expire and negative-answer TTL of every synthesised SOA."""
MAX_CHAIN = 8
"""CNAMEs followed at most, so a loop of aliases ends."""


@dataclass(slots=True)
class Outcome:
    """An answer and what it was about, for the server's statistics."""

    response: dns.message.Message
    zone: Zone | None
    qtype: str


def answer(query: dns.message.Message, zones: Zones, now: float) -> Outcome:
    """The response to ``query``; ``now`` is the time signatures are made at."""
    response = dns.message.make_response(query)
    response.flags &= ~dns.flags.RA
    if query.opcode() != dns.opcode.QUERY:
        response.set_rcode(dns.rcode.NOTIMP)
        return Outcome(response, None, "")
    if len(query.question) != 1:
        response.set_rcode(dns.rcode.FORMERR)
        return Outcome(response, None, "")
    question = query.question[0]
    qtype = dns.rdatatype.to_text(question.rdtype)
    owner = _text(question.name)
    zone = zones.zone_for(owner) if question.rdclass == dns.rdataclass.IN else None
    if zone is None or question.rdtype in (dns.rdatatype.AXFR, dns.rdatatype.IXFR):
        response.set_rcode(dns.rcode.REFUSED)
        return Outcome(response, zone, qtype)
    response.flags |= dns.flags.AA
    _resolve(response, zones, zone, owner, question.rdtype)
    key = keys.load(zone.key_pem) if zone.key_pem and query.ednsflags & dns.flags.DO else None
    if key is not None:
        _sign(response, zones, now)
    return Outcome(response, zone, qtype)


def _resolve(response: dns.message.Message, zones: Zones, zone: Zone, owner: str, rdtype: int) -> None:
    for _ in range(MAX_CHAIN):
        found = _rrsets_at(zones, zone, owner)
        if not found and not zones.occupied(zone, owner):
            matched = _wildcard(zones, zone, owner)
            if matched is None:
                if not response.answer:
                    response.set_rcode(dns.rcode.NXDOMAIN)
                response.authority.append(soa(zone))
                return
            found = matched
        alias = found.get(dns.rdatatype.CNAME)
        if alias is not None and rdtype not in (dns.rdatatype.CNAME, dns.rdatatype.ANY):
            response.answer.append(alias)
            target = _text(next(iter(alias)).target)
            next_zone = zones.zone_for(target)
            if next_zone is None:
                return
            zone, owner = next_zone, target
            continue
        wanted = list(found.values()) if rdtype == dns.rdatatype.ANY else [r for t, r in found.items() if t == rdtype]
        if wanted:
            response.answer.extend(wanted)
        else:
            response.authority.append(soa(zone))
        return


def _wildcard(zones: Zones, zone: Zone, owner: str) -> dict[int, dns.rrset.RRset] | None:
    """The records of ``*.<closest encloser>`` renamed to ``owner``; None when the name does not exist."""
    labels = owner.split(".")
    apex_labels = zone.name.count(".") + 1
    for cut in range(1, len(labels) - apex_labels + 1):
        encloser = ".".join(labels[cut:])
        if encloser == zone.name or zones.occupied(zone, encloser):
            rows = zones.rows(zone, f"*.{encloser}")
            return _group(owner, rows) if rows else None
    return None


def _rrsets_at(zones: Zones, zone: Zone, owner: str) -> dict[int, dns.rrset.RRset]:
    found = _group(owner, zones.rows(zone, owner))
    if owner == zone.name:
        found[dns.rdatatype.SOA] = soa(zone)
        ns = _group(owner, [Row("NS", SOA_TTL, _fqdn(n)) for n in zone.nameservers]).get(dns.rdatatype.NS)
        if ns is not None:
            for extra in found.get(dns.rdatatype.NS, ()):
                ns.add(extra)
            found[dns.rdatatype.NS] = ns
        if zone.key_pem:
            dnskey = dns.rrset.from_rdata(_fqdn(zone.name), SOA_TTL, keys.load(zone.key_pem).dnskey)
            found[dns.rdatatype.DNSKEY] = dnskey
    return found


def _group(owner: str, rows: Sequence[Row]) -> dict[int, dns.rrset.RRset]:
    name = dns.name.from_text(_fqdn(owner))
    sets: dict[int, dns.rrset.RRset] = {}
    for row in rows:
        try:
            rdata = dns.rdata.from_text(dns.rdataclass.IN, row.rdtype, row.rdata, origin=dns.name.root,
                                        relativize=False)
        except Exception:  # a row the source could not have validated is left out, never answered half-read
            continue
        rrset = sets.get(rdata.rdtype)
        if rrset is None:
            rrset = sets[rdata.rdtype] = dns.rrset.RRset(name, dns.rdataclass.IN, rdata.rdtype)
        rrset.add(rdata, row.ttl)
    return sets


def soa(zone: Zone) -> dns.rrset.RRset:
    """The zone's synthesised SOA: primary nameserver, ``hostmaster.<zone>``, the zone's serial."""
    primary = _fqdn(zone.nameservers[0]) if zone.nameservers else _fqdn(f"ns1.{zone.name}")
    refresh, retry, expire, minimum = SOA_TIMERS
    text = f"{primary} {_fqdn('hostmaster.' + zone.name)} {zone.serial} {refresh} {retry} {expire} {minimum}"
    return dns.rrset.from_text(_fqdn(zone.name), SOA_TTL, "IN", "SOA", text)


def _sign(response: dns.message.Message, zones: Zones, now: float) -> None:
    for section in (response.answer, response.authority):
        for rrset in list(section):
            if rrset.rdtype == dns.rdatatype.RRSIG:
                continue
            zone = zones.zone_for(_text(rrset.name))
            if zone is None or not zone.key_pem:
                continue  # an alias into a zone that does not sign stays unsigned
            rrsig = keys.load(zone.key_pem).sign(rrset, zone.name, now)
            section.append(dns.rrset.from_rdata(rrset.name, rrset.ttl, rrsig))


def _text(name: dns.name.Name) -> str:
    return name.to_text(omit_final_dot=True).lower() if name != dns.name.root else ""


def _fqdn(name: str) -> str:
    return name.rstrip(".") + "."
