"""IP Intelligence (10 operations, X-API-Key): lookups, the threat feed and views, reports, reporters, delisting.

Geo and network identity come from the built-in table (``ip_geo``), the hostname from a PTR record in
the twin's own DNS when one exists (else the table's); threat data is the twin's own network
(``ip_threats``): what registered reporters reported, scored by their trust. Every operation counts
against the tenant's daily quota (1000, then 429). An address that does not parse is 422 naming the
field ("path.ip: Input is not a valid IPv4 or IPv6 address"); a country code that is not two letters,
or an ASN outside 0–4294967295, is 422 too.

Delisting needs the hostname to resolve to the IP in the twin's DNS (else 400) and the request to come
from that IP (else 403: locally only a loopback address can pass). The request is then
``ip_verified``; a durable job on the twin clock looks for the TXT ``wayscloud-delist=<request_id>`` at
the hostname every minute for 48 hours and, once it is there, clears the IP from the threat lists.
"""

from __future__ import annotations

import re
import secrets
import uuid
from typing import Any

from twinstack.engine.context import Reply, RequestContext
from twinstack.engine.pack import Handler
from twinstack.engine.twin import Twin
from twinstack.errors import FieldIssue, Forbidden, NotFound, TwinError, ValidationFailed
from twinstack.packs.wayscloud import dns_zones, ip_geo
from twinstack.packs.wayscloud import ip_threats as net
from twinstack.packs.wayscloud.handlers.dns import normalise_domain
from twinstack.store import Job

DELIST_JOB = "wayscloud-ip-delist"
DELIST_CHECK_S = 60.0
DELIST_WINDOW_S = 48 * 3600.0
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")


def _unprocessable(message: str, field: str) -> TwinError:
    """422 worded ``<field>: <message>`` (the field is prefixed unless the message already names it)."""
    return TwinError(message, status=422, field=field)


def _start(ctx: RequestContext) -> None:
    net.take_quota(ctx.twin, ctx.tenant)


def _ip(raw: Any, field: str) -> ip_geo.IP:
    ip = ip_geo.parse(raw) if isinstance(raw, str) else None
    if ip is None:
        location, name = field.split(".", 1)
        raise ValidationFailed([FieldIssue(location, (name,), "Input is not a valid IPv4 or IPv6 address",
                                           "ip_address", raw)])
    return ip


def _geo(ctx: RequestContext, ip: ip_geo.IP) -> ip_geo.Geo:
    pointers = dns_zones.lookup(ctx.twin, ip.reverse_pointer, "PTR")
    return ip_geo.locate(ip, pointers[0] if pointers else None)


def _score(threat: dict[str, Any] | None) -> float:
    return float((threat or {}).get("score", 0.0))


def _datacenter(geo: ip_geo.Geo) -> bool:
    return geo.network is not None and geo.network.connection_type in ("datacenter", "hosting")


async def get_ip_summary(ctx: RequestContext) -> Any:
    _start(ctx)
    ip = _ip(ctx.path.get("ip"), "path.ip")
    geo = _geo(ctx, ip)
    threat = net.threat_of(ctx.twin, str(ip))
    score = _score(threat)
    return {"ip": str(ip), "ip_version": ip.version, "hostname": geo.hostname, "geo": ip_geo.geo_fields(geo),
            "network": ip_geo.network_fields(geo),
            "threat": {"score": score, "level": net.level(score), "is_clean": score <= 0},
            "flags": net.flags_of(threat, _datacenter(geo))}


async def get_ip_geo(ctx: RequestContext) -> Any:
    _start(ctx)
    ip = _ip(ctx.path.get("ip"), "path.ip")
    geo = _geo(ctx, ip)
    return {"ip": str(ip), "ip_version": ip.version, "hostname": geo.hostname, **ip_geo.geo_fields(geo),
            **ip_geo.network_fields(geo)}


async def get_ip_threat(ctx: RequestContext) -> Any:
    _start(ctx)
    ip = _ip(ctx.path.get("ip"), "path.ip")
    geo = ip_geo.locate(ip)
    threat = net.threat_of(ctx.twin, str(ip))
    score = _score(threat)
    flags = net.flags_of(threat, _datacenter(geo))
    flags.pop("botnet")
    return {"ip": str(ip), "score": score, "level": net.level(score), "is_clean": score <= 0,
            "total_reports": int((threat or {}).get("total_reports", 0)),
            "categories": net.top_categories(threat["categories"], 100) if threat else None,
            "first_seen": (threat or {}).get("first_seen"), "last_seen": (threat or {}).get("last_seen"),
            "flags": flags}


async def get_live_threats(ctx: RequestContext) -> Any:
    _start(ctx)
    limit = min(max(int(ctx.query.get("limit") or 25), 1), 100)
    rows = ctx.shared(net.THREATS).find(newest_first=True, limit=limit).items
    threats = [{"ip": r["ip"], "score": r["score"], "level": net.level(float(r["score"])),
                "categories": net.top_categories(r["categories"], 100), "country": r.get("country"),
                "last_seen": r.get("last_seen")} for r in rows]
    updated = rows[0]["last_seen"] if rows else ctx.clock.iso()
    return {"updated_at": updated, "count": len(threats), "threats": threats}


async def get_country_intelligence(ctx: RequestContext) -> Any:
    _start(ctx)
    raw = str(ctx.path.get("code", ""))
    if not _COUNTRY.match(raw):
        raise _unprocessable("Invalid country code: use ISO 3166-1 alpha-2, e.g. NO", "path.code")
    code = raw.upper()
    view = net.country_view(ctx.twin, code)
    if view is None:
        raise NotFound("No threat data available for this country",
                       details={"detail": "No threat data available for this country"})
    addresses = ip_geo.country_ipv4(code)
    return {"country": code, "country_name": ip_geo.COUNTRY_NAMES.get(code), "total_threats": view["threats"],
            "threat_density": view["threats"] / addresses if addresses else None,
            "top_categories": view["top_categories"]}


async def get_asn_intelligence(ctx: RequestContext) -> Any:
    _start(ctx)
    asn = ctx.path.get("asn")
    if not isinstance(asn, int) or not 0 <= asn <= 4294967295:
        raise _unprocessable("Invalid ASN: a number from 0 to 4294967295", "path.asn")
    count = net.asn_threats(ctx.twin, asn)
    if count <= 0:
        raise NotFound("No threat data available for this ASN",
                       details={"detail": "No threat data available for this ASN"})
    network = ip_geo.by_asn(asn)
    total = ip_geo.total_ipv4(asn)
    return {"asn": asn, "name": network.org if network else None, "total_ips": total, "threat_count": count,
            "threat_ratio": count / total if total else None, "country": network.country if network else None}


def _reporter(ctx: RequestContext) -> dict[str, Any] | None:
    return ctx.collection(net.REPORTER).get("current")


async def submit_ip_report(ctx: RequestContext) -> Any:
    _start(ctx)
    body = ctx.body or {}
    reporter = _reporter(ctx)
    if reporter is None:
        raise Forbidden("Register as a reporter first (POST /v1/ip/reporters/register)",
                        details={"detail": "Reporter registration required: POST /v1/ip/reporters/register"})
    ip = _ip(body.get("ip"), "body.ip")
    category = str(body.get("category") or "").strip().lower()
    if not category:
        raise _unprocessable("body.category: a category is required (e.g. ssh_bruteforce)", "body.category")
    stamp, now = ctx.clock.iso(), ctx.now
    dedup_key = f"{ip}|{category}"
    earlier = ctx.shared(net.DEDUP).get(dedup_key)
    oid = f"{net.OID_ROOT}.report.{stamp[:10].replace('-', '')}.{net.ip_digits(str(ip))}"
    if earlier is not None and now - float(earlier["at"]) < net.DEDUP_WINDOW_S:
        return {"report_id": earlier["report_id"], "oid_record": earlier["oid_record"], "ip": str(ip),
                "category": category, "initial_score": _score(net.threat_of(ctx.twin, str(ip))),
                "message": "Duplicate report (same IP and category within 1 hour); not counted again"}
    severity = str(body.get("severity") or "medium")
    confidence = float(body.get("confidence", 1.0))
    points = round(net.SEVERITY[severity] * confidence * float(reporter["trust_score"]), 2)
    network = ip_geo.network_of(ip)
    report_id = net.next_report_id(ctx.twin)
    net.record_report(ctx.twin, str(ip), category, points, network.country if network else None,
                      network.asn if network else None, stamp)
    ctx.shared(net.REPORTS).put(str(report_id), {
        "report_id": report_id, "ip": str(ip), "category": category, "severity": severity, "confidence": confidence,
        "points": points, "comment": body.get("comment"), "session_id": body.get("session_id"),
        "reporter_id": reporter["reporter_id"], "tenant": ctx.tenant, "created_at": stamp, "oid_record": oid})
    ctx.shared(net.DEDUP).put(dedup_key, {"report_id": report_id, "at": now, "oid_record": oid})
    return {"report_id": report_id, "oid_record": oid, "ip": str(ip), "category": category, "initial_score": points,
            "message": "Abuse report submitted successfully"}


def _reporter_view(reporter: dict[str, Any]) -> dict[str, Any]:
    return {"reporter_id": reporter["reporter_id"], "reporter_token": reporter["reporter_token"],
            "oid": reporter["oid"], "trust_score": reporter["trust_score"], "status": reporter["status"],
            "usage": {"report_endpoint": "POST /v1/ip/report",
                      "auth": "Use your WAYSCloud API key (same X-API-Key header)"}}


async def register_reporter(ctx: RequestContext) -> Any:
    _start(ctx)
    body = ctx.body or {}
    name = str(body.get("name") or "").strip()
    if not name:
        raise _unprocessable("body.name: a reporter name is required", "body.name")
    domain = None
    if body.get("domain"):
        domain = normalise_domain(str(body["domain"]))
        if domain is None:
            raise _unprocessable("body.domain: Invalid domain format", "body.domain")
    source = str(body.get("source_type") or "automated")
    reporter = _reporter(ctx)
    if reporter is None:
        rid = str(uuid.uuid4())
        reporter = {"reporter_id": rid, "reporter_token": f"wayscloud_{secrets.token_hex(16)}",
                    "oid": f"{net.OID_ROOT}.reporter.{rid[:8]}", "status": "active", "created_at": ctx.clock.iso()}
    verified = reporter.get("verified_domain") is not None and reporter.get("verified_domain") == domain
    reporter.update({"name": name, "source_type": source, "contact": body.get("contact"),
                     "intent": body.get("intent"), "domain": domain,
                     "trust_score": net.VERIFIED_TRUST if verified else net.TRUST[source]})
    if not verified:
        reporter.pop("verified_domain", None)
    ctx.collection(net.REPORTER).put("current", reporter)
    return Reply(_reporter_view(reporter), status=201)


async def verify_reporter(ctx: RequestContext) -> Any:
    _start(ctx)
    body = ctx.body or {}
    reporter = _reporter(ctx)
    if reporter is None or (body.get("reporter_id") and body["reporter_id"] != reporter["reporter_id"]):
        raise NotFound("Reporter not found", details={"detail": "Reporter not found"})
    raw = body.get("domain") or reporter.get("domain")
    domain = normalise_domain(str(raw)) if raw else None
    if domain is None:
        raise TwinError("No domain to verify", status=400, field="body.domain",
                        details={"detail": "No domain to verify: register with a domain or send one"})
    wanted = f"wayscloud-verify={reporter['reporter_id']}"
    found = [*dns_zones.lookup(ctx.twin, domain, "TXT"), *dns_zones.lookup(ctx.twin, f"_wayscloud.{domain}", "TXT")]
    if wanted not in found:
        message = f"TXT record {wanted} not found at {domain} or _wayscloud.{domain}"
        raise TwinError(message, status=400, field="body.domain", details={"detail": message})
    reporter.update({"domain": domain, "verified_domain": domain, "trust_score": net.VERIFIED_TRUST,
                     "verified_at": ctx.clock.iso()})
    ctx.collection(net.REPORTER).put("current", reporter)
    return {"reporter_id": reporter["reporter_id"], "domain": domain, "trust_score": net.VERIFIED_TRUST,
            "message": "Domain ownership verified successfully"}


async def request_delist(ctx: RequestContext) -> Any:
    _start(ctx)
    body = ctx.body or {}
    ip = _ip(body.get("ip_address"), "body.ip_address")
    hostname = normalise_domain(str(body.get("hostname") or ""))
    if hostname is None:
        raise TwinError("Invalid hostname", status=400, field="body.hostname", details={"detail": "Invalid hostname"})
    resolved = dns_zones.lookup(ctx.twin, hostname, "A" if ip.version == 4 else "AAAA")
    if str(ip) not in resolved:
        message = f"Hostname {hostname} does not resolve to {ip} (it resolves to {', '.join(resolved) or 'nothing'})"
        raise TwinError(message, status=400, field="body.hostname", details={"detail": message})
    origin = ip_geo.parse(ctx.client_host or "")
    if origin is None or origin != ip:
        raise Forbidden("Delist requests must come from the IP being delisted", details={
            "detail": f"IP verification failed: the request came from {ctx.client_host or 'an unknown address'}, "
                      f"not {ip}"})
    request_id = str(uuid.uuid4())
    txt = f"wayscloud-delist={request_id}"
    ctx.collection(net.DELISTS).put(request_id, {
        "request_id": request_id, "ip_address": str(ip), "hostname": hostname, "reason": body.get("reason"),
        "contact_email": body.get("contact_email"), "verification_status": "ip_verified",
        "created_at": ctx.clock.iso(), "created": ctx.now})
    ctx.twin.scheduler.schedule(DELIST_JOB, DELIST_CHECK_S, service=ctx.slug, tenant=ctx.tenant,
                                payload={"request_id": request_id}, job_id=f"{DELIST_JOB}:{request_id}")
    return Reply({"request_id": request_id, "ip_address": str(ip), "hostname": hostname,
                  "verification_status": "ip_verified",
                  "dns_verification": {"txt_record": txt, "instructions": [
                      f"Add TXT record to {hostname}", f"Test with: dig TXT {hostname} +short"]},
                  "message": "Delist request submitted. Add DNS TXT record to complete verification."}, status=201)


async def check_delist(twin: Twin, job: Job) -> None:
    """One look for a delist request's TXT record: clears the IP when found, else looks again later."""
    requests = twin.collection(job.tenant, net.DELISTS)
    request = requests.get(str(job.payload.get("request_id")))
    if request is None or request["verification_status"] != "ip_verified":
        return
    if f"wayscloud-delist={request['request_id']}" in dns_zones.lookup(twin, request["hostname"], "TXT"):
        net.clear(twin, request["ip_address"])
        request.update({"verification_status": "delisted", "delisted_at": twin.clock.iso()})
    elif twin.clock.now() - float(request["created"]) >= DELIST_WINDOW_S:
        request["verification_status"] = "expired"
    else:
        twin.scheduler.schedule(DELIST_JOB, DELIST_CHECK_S, service=twin.slug, tenant=job.tenant,
                                payload=dict(job.payload), job_id=f"{DELIST_JOB}:{request['request_id']}")
        return
    requests.put(request["request_id"], request)


HANDLERS: dict[str, Handler] = {
    "getIpSummary": get_ip_summary, "getIpGeo": get_ip_geo, "getIpThreat": get_ip_threat,
    "getLiveThreats": get_live_threats, "getCountryIntelligence": get_country_intelligence,
    "getAsnIntelligence": get_asn_intelligence, "submitIpReport": submit_ip_report,
    "registerReporter": register_reporter, "verifyReporter": verify_reporter, "requestDelist": request_delist,
}

JOBS = {DELIST_JOB: check_delist}
