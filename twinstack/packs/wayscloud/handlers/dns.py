"""DNS (11 operations and the SDK's ``GET …/dnssec``): zones, records, DNSSEC and statistics, served for real.

Zones and records live in the owner's state (``dns_zones``) and are answered by the twin's DNS server
(``ENDPOINTS``: UDP and TCP on ``--dns-port``) from the moment a call returns. An invalid domain, or one
that is already a zone of anyone (names are global), is 400 "Invalid domain format" / "Zone ... already
exists" (the operation declares 400 and no 409). Records are checked per type (``dns_records``); a CNAME
may not share its name with other data. DNSSEC activation makes a real ECDSAP256SHA256 key, signs
answers to queries with the DO bit and returns the DS record (digest type 2); deactivation drops the key.
Statistics are the server's own query counts. The SDK's and CLI's spellings (``zone_name``, ``type`` /
``name`` / ``content``) are read as the document's (``BODY_ADAPTERS``).
"""

from __future__ import annotations

import copy
import logging
import re
import uuid
from pathlib import Path
from typing import Any

from twinstack.drivers.dns import ALGORITHM_NAME
from twinstack.engine.context import Reply, RequestContext
from twinstack.engine.pack import Handler
from twinstack.engine.parts import Endpoint
from twinstack.engine.twin import Twin
from twinstack.errors import NotFound, TwinError
from twinstack.packs.wayscloud import dns_records as rec
from twinstack.packs.wayscloud import dns_zones as zones
from twinstack.spec.model import Operation

log = logging.getLogger("twinstack.wayscloud.dns")

_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_DOMAIN = re.compile(rf"^(?:{_LABEL}\.)+(?:[a-z]{{2,63}}|xn--[a-z0-9-]{{1,59}}|arpa)$")
_REVERSE_DOMAIN = re.compile(r"^(?:[0-9a-f]{1,3}\.)+(?:in-addr|ip6)\.arpa$")
NAMESERVERS = list(zones.NAMESERVERS)
DS_TTL = 3600
_MEMO = "wayscloud-dns-server"


def normalise_domain(raw: str) -> str | None:
    """``Example.COM.`` → ``example.com`` (IDNs as punycode); None when it is not a domain name."""
    domain = raw.strip().rstrip(".").lower()
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    if len(domain) > 253:
        return None
    return domain if _DOMAIN.match(domain) or _REVERSE_DOMAIN.match(domain) else None


def _zone(ctx: RequestContext) -> dict[str, Any]:
    raw = str(ctx.path.get("zone_name", ""))
    name = normalise_domain(raw) or raw.lower()
    record = ctx.collection(zones.ZONES).get(name)
    if record is None:
        raise NotFound(f"Zone {raw} not found", details={"detail": "Zone not found"})
    return record


def _record(ctx: RequestContext, zone: dict[str, Any]) -> dict[str, Any]:
    rid = str(ctx.path.get("record_id", ""))
    found = ctx.collection(zones.RECORDS).get(rid)
    if found is None or found.get("zone") != zone["name"]:
        raise NotFound(f"Record {rid} not found", details={"detail": "Record not found"})
    return found


def _zone_view(ctx: RequestContext, record: dict[str, Any]) -> dict[str, Any]:
    return {"name": record["name"], "status": record["status"], "dnssec_enabled": bool(record["dnssec_enabled"]),
            "record_count": ctx.collection(zones.RECORDS).count(zone=record["name"]),
            "nameservers": list(record["nameservers"]), "created_at": record["created_at"],
            "zone_type": record.get("zone_type", "master")}


def _bump(ctx: RequestContext, zone: dict[str, Any]) -> None:
    """A change to the zone: a new SOA serial, so secondaries and caches see a new version."""
    zone["serial"] = int(zone.get("serial") or 1) + 1
    zone["updated_at"] = ctx.clock.iso()
    ctx.collection(zones.ZONES).put(zone["name"], zone)


async def list_dns_zones(ctx: RequestContext) -> Any:
    found = ctx.collection(zones.ZONES).find().items
    return {"zones": [_zone_view(ctx, z) for z in found], "total": len(found)}


async def create_dns_zone(ctx: RequestContext) -> Any:
    body = ctx.body or {}
    raw = body.get("domain") or body.get("zone_name")
    domain = normalise_domain(raw) if isinstance(raw, str) else None
    if domain is None:
        raise TwinError("Invalid domain format", status=400, field="body.domain",
                        details={"detail": "Invalid domain format"})
    if not ctx.shared(zones.OWNERS).insert(domain, {"tenant": ctx.tenant, "name": domain}):
        raise TwinError("Zone already exists", status=400, field="body.domain",
                        details={"detail": f"Zone {domain} already exists"})
    stamp = ctx.clock.iso()
    zone_type = body.get("zone_type") if isinstance(body.get("zone_type"), str) else "master"
    record = {"name": domain, "status": "active", "dnssec_enabled": False, "nameservers": list(NAMESERVERS),
              "created_at": stamp, "updated_at": stamp, "zone_type": zone_type,
              "serial": int(stamp[:10].replace("-", "")) * 100 + 1}
    ctx.collection(zones.ZONES).put(domain, record)
    return Reply(_zone_view(ctx, record), status=201)


async def get_dns_zone(ctx: RequestContext) -> Any:
    return _zone_view(ctx, _zone(ctx))


async def delete_dns_zone(ctx: RequestContext) -> Any:
    zone = _zone(ctx)
    name = zone["name"]
    records = ctx.collection(zones.RECORDS)
    while True:
        batch = records.find({"zone": name}, limit=200).items
        if not batch:
            break
        for found in batch:
            records.delete(str(found["id"]))
            zones.count_names(ctx.twin, name, str(found["fqdn"]), -1)
    ctx.collection(zones.ZONES).delete(name)
    ctx.shared(zones.OWNERS).delete(name)
    zones.forget_statistics(ctx.twin, name)
    return {"success": True, "message": f"Zone {name} deleted"}


async def list_dns_records(ctx: RequestContext) -> Any:
    zone = _zone(ctx)
    found = ctx.collection(zones.RECORDS).find({"zone": zone["name"]}).items
    return {"records": [rec.public(r) for r in found], "total": len(found)}


def _beside_cname(ctx: RequestContext, zone: str, name: str, rtype: str, rid: str | None) -> None:
    """A CNAME owns its name alone: refuse one beside other data, or data beside one."""
    here = [r for r in ctx.collection(zones.RECORDS).find({"zone": zone, "fqdn": name}, limit=500).items
            if r["id"] != rid]
    if here and (rtype == "CNAME" or any(r["type"] == "CNAME" for r in here)):
        raise rec.invalid("host", f"{name} already has {'other records' if rtype == 'CNAME' else 'a CNAME'}; "
                                  "a CNAME cannot share its name with other data")


async def create_dns_record(ctx: RequestContext) -> Any:
    zone = _zone(ctx)
    body = ctx.body or {}
    name = zone["name"]
    host = rec.host_of(body.get("host"), name)
    ttl = body.get("ttl", rec.DEFAULT_TTL)
    record = rec.check(str(body.get("record_type") or ""), host, body.get("record"), ttl, body.get("priority"), name)
    fqdn = rec.fqdn(host, name)
    _beside_cname(ctx, name, fqdn, record["type"], None)
    rid = str(uuid.uuid4())
    stamp = ctx.clock.iso()
    record.update({"id": rid, "zone": name, "fqdn": fqdn, "created_at": stamp, "updated_at": stamp})
    ctx.collection(zones.RECORDS).put(rid, record)
    zones.count_names(ctx.twin, name, fqdn, 1)
    _bump(ctx, zone)
    return Reply(rec.public(record), status=201)


async def update_dns_record(ctx: RequestContext) -> Any:
    zone = _zone(ctx)
    found = _record(ctx, zone)
    body = ctx.body or {}
    name = zone["name"]
    host = rec.host_of(body["host"], name) if "host" in body else str(found["name"])
    priority = body["priority"] if body.get("priority") is not None else found.get("priority")
    record = rec.check(str(found["type"]), host, body.get("record", found["content"]), body.get("ttl", found["ttl"]),
                       priority, name)
    fqdn = rec.fqdn(host, name)
    _beside_cname(ctx, name, fqdn, record["type"], str(found["id"]))
    record.update({"id": found["id"], "zone": name, "fqdn": fqdn, "created_at": found["created_at"],
                   "updated_at": ctx.clock.iso()})
    ctx.collection(zones.RECORDS).put(str(found["id"]), record)
    if fqdn != found["fqdn"]:
        zones.count_names(ctx.twin, name, str(found["fqdn"]), -1)
        zones.count_names(ctx.twin, name, fqdn, 1)
    _bump(ctx, zone)
    return rec.public(record)


async def delete_dns_record(ctx: RequestContext) -> Any:
    zone = _zone(ctx)
    found = _record(ctx, zone)
    ctx.collection(zones.RECORDS).delete(str(found["id"]))
    zones.count_names(ctx.twin, zone["name"], str(found["fqdn"]), -1)
    _bump(ctx, zone)
    return {"success": True, "message": f"Record {found['id']} deleted"}


def _dnssec_view(zone: dict[str, Any]) -> dict[str, Any]:
    pem = zone.get("_dnssec_key") if zone.get("dnssec_enabled") else None
    if not pem:
        return {"enabled": False, "ds_records": [], "algorithm": ALGORITHM_NAME, "key_tag": None}
    # With dnspython, on first use (see ``_start``).
    from twinstack.drivers.dns import load

    key = load(str(pem))
    return {"enabled": True, "ds_records": [key.ds_text(zone["name"], DS_TTL)], "algorithm": ALGORITHM_NAME,
            "key_tag": key.key_tag}


async def activate_dnssec(ctx: RequestContext) -> Any:
    zone = _zone(ctx)
    if not zone.get("dnssec_enabled"):
        from twinstack.drivers.dns import new_private_key

        zone["dnssec_enabled"] = True
        zone["_dnssec_key"] = new_private_key()
        zone["dnssec_activated_at"] = ctx.clock.iso()
        _bump(ctx, zone)
    view = _dnssec_view(zone)
    if view["key_tag"] is None:
        view.pop("key_tag")
    return view


async def deactivate_dnssec(ctx: RequestContext) -> Any:
    zone = _zone(ctx)
    if zone.get("dnssec_enabled"):
        zone["dnssec_enabled"] = False
        zone.pop("_dnssec_key", None)
        zone.pop("dnssec_activated_at", None)
        _bump(ctx, zone)
    return {"success": True, "message": f"DNSSEC disabled for {zone['name']}"}


async def get_dnssec_status(ctx: RequestContext) -> Any:
    return _dnssec_view(_zone(ctx))


async def get_dns_statistics(ctx: RequestContext) -> Any:
    zone = _zone(ctx)
    stats = zones.statistics(ctx.twin, zone["name"])
    stats["record_count"] = ctx.collection(zones.RECORDS).count(zone=zone["name"])
    return stats


HANDLERS: dict[str, Handler] = {
    "listDnsZones": list_dns_zones, "createDnsZone": create_dns_zone, "getDnsZone": get_dns_zone,
    "deleteDnsZone": delete_dns_zone, "listDnsRecords": list_dns_records, "createDnsRecord": create_dns_record,
    "updateDnsRecord": update_dns_record, "deleteDnsRecord": delete_dns_record, "activateDnssec": activate_dnssec,
    "deactivateDnssec": deactivate_dnssec, "getDnssecStatus": get_dnssec_status,
    "getDnsStatistics": get_dns_statistics,
}

INDEXES = zones.INDEXES
"""What these handlers and the DNS server look records up by."""


# -- the SDK's spellings and the path it calls that the document lacks -----------------------------
_RENAMES: dict[str, dict[str, str]] = {
    "createDnsZone": {"zone_name": "domain"},
    "createDnsRecord": {"type": "record_type", "name": "host", "content": "record"},
    "updateDnsRecord": {"content": "record", "name": "host"},
}


def adapt_body(op: Operation, body: Any) -> Any:
    """``{zone_name}`` → ``{domain}``; ``{type, name, content}`` → ``{record_type, host, record}``. The
    document's own spelling wins where both are sent."""
    renames = _RENAMES.get(op.operation_id)
    if renames is None or not isinstance(body, dict):
        return body
    out = dict(body)
    for theirs, ours in renames.items():
        if theirs in out:
            value = out.pop(theirs)
            if theirs == "type" and isinstance(value, str):
                value = value.upper()  # the SDK passes the caller's ``record_type`` as typed ("a", "mx")
            out.setdefault(ours, value)
    return out


def patch_document(doc: dict[str, Any]) -> None:
    """``GET /v1/dns/zones/{zone_name}/dnssec`` (the SDK's ``dnssec_status``), and PTR among the record
    types a ``DNSRecord`` may show (the create operation accepts PTR, in reverse zones)."""
    dnssec = doc["paths"]["/v1/dns/zones/{zone_name}/dnssec"]
    params = copy.deepcopy(dnssec["delete"].get("parameters", []))
    info = {"allOf": [{"$ref": "#/components/schemas/DNSSECInfo"},
                      {"type": "object", "properties": {"key_tag": {"type": ["integer", "null"]}}}]}
    dnssec["get"] = {
        "tags": ["DNS"], "summary": "DNSSEC status of a zone", "operationId": "getDnssecStatus",
        "security": [{"ServiceAuth": []}], "parameters": params,
        "responses": {"200": {"description": "DNSSEC status", "content": {"application/json": {"schema": info}}},
                      "404": {"description": "Zone not found", "content": {"application/json": {
                          "schema": {"$ref": "#/components/schemas/Error"}}}}},
    }
    kinds = doc["components"]["schemas"]["DNSRecord"]["properties"]["type"]
    if "PTR" not in kinds.get("enum", []):
        kinds["enum"] = [*kinds.get("enum", []), "PTR"]


BODY_ADAPTERS = (adapt_body,)
DOCUMENT_PATCHES = (patch_document,)


# -- the DNS server ------------------------------------------------------------------------------------
def _describe(settings: Any) -> str | None:
    port = int(getattr(settings, "dns_port", 0) or 0)
    return f"dns://{settings.host}:{port}" if port else None


async def _start(twin: Twin) -> str | None:
    settings = twin.settings
    port = int(getattr(settings, "dns_port", 0) or 0)
    if not port:
        return None
    # The server (and dnspython, about 60 ms to load) is imported here, when DNS is on, not with the pack.
    from twinstack.drivers.dns import DnsServer

    state = str(settings.database_url or Path(settings.data_dir).resolve())
    server = DnsServer(zones.StoreZones(twin), twin.clock.now,
                       lambda zone, qtype, micros: zones.count_query(twin, zone, qtype, micros), state_id=state)
    try:
        await server.start(settings.host, port)
    except OSError as exc:
        log.error("DNS: cannot listen on %s port %d (%s); choose a free one with --dns-port "
                  "(TWINSTACK_DNS_PORT), or --dns-port 0 to run without DNS. Serving HTTP without DNS.",
                  settings.host, port, exc.strerror or exc)
        return None
    twin.memo[_MEMO] = server
    return f"dns://{settings.host}:{port}"


async def _stop(twin: Twin) -> None:
    server = twin.memo.pop(_MEMO, None)
    if server is None:
        return
    from twinstack.drivers.dns import DnsServer

    if isinstance(server, DnsServer):
        await server.stop()


ENDPOINTS = (Endpoint("dns", _describe, _start, _stop),)
