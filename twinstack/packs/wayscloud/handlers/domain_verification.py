"""Domain Verification (7 operations, PAT): ownership proven by a record in the twin's own DNS.

Register lowercases the domain (IDNs as punycode) and hands out a token
``wayscloud-domain-verification=<24 characters>``: for ``DNS_TXT`` a TXT record of that value at
``_wayscloud.<domain>``; for ``DNS_CNAME`` a CNAME at the same host pointing to
``<24 characters>.verify.wayscloud.services`` [decision]. Verify asks the twin's DNS (any tenant's zone,
CNAMEs followed as a resolver would): found → ``verified`` with ``verified_at``; not found →
``failed`` with ``failed_reason`` (a later verify may still succeed); every check is a
``check_completed`` history row with what the DNS answered. A revoked domain is not checked again.
PATCH takes only ``{"status": "revoked"}``, and only from ``verified`` (400). Delete is soft: the row
moves to ``domain_verifications_deleted`` and the domain is 404 afterwards (and may be registered again).
A domain already registered (not deleted) by the tenant is 400.
"""

from __future__ import annotations

import secrets
import string
import uuid
from typing import Any

from twinstack.engine.context import RequestContext
from twinstack.engine.pack import Handler
from twinstack.errors import NotFound, TwinError
from twinstack.packs.wayscloud import dns_zones
from twinstack.packs.wayscloud.handlers.dns import normalise_domain
from twinstack.packs.wayscloud.paging import reachable

DOMAINS = "domain_verifications"
DELETED = "domain_verifications_deleted"
NAMES = "domain_verification_names"
HISTORY = "domain_verification_history"
INDEXES: dict[str, tuple[str, ...]] = {DOMAINS: ("purpose", "status"), HISTORY: ("domain_id",)}
TOKEN_PREFIX = "wayscloud-domain-verification="
CNAME_TARGET = "verify.wayscloud.services"
_ALPHABET = string.ascii_lowercase + string.digits
_SHOWN = ("id", "domain", "purpose", "status", "verification_method", "verification_token", "dns_instructions",
          "verification_attempts", "verified_at", "last_checked_at", "failed_reason", "created_at", "metadata")
_SUMMARY = ("id", "domain", "purpose", "status", "verification_method", "verified_at", "created_at")


def _secret() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(24))


def _bad(message: str, field: str) -> TwinError:
    return TwinError(message, status=400, field=field, details={"detail": message})


def _view(record: dict[str, Any], fields: tuple[str, ...] = _SHOWN) -> dict[str, Any]:
    # Keys the document does not make nullable are left out while they have no value.
    return {k: record[k] for k in fields if record.get(k) is not None}


def _domain(ctx: RequestContext) -> dict[str, Any]:
    did = str(ctx.path.get("domain_id", ""))
    found = ctx.collection(DOMAINS).get(did)
    if found is None:
        raise NotFound(f"Domain {did} not found", details={"detail": "Domain not found"})
    return found


def _history(ctx: RequestContext, record: dict[str, Any], event: str, previous: str | None, **extra: Any) -> None:
    hid = str(uuid.uuid4())
    row: dict[str, Any] = {"id": hid, "domain_id": record["id"], "event_type": event, "new_status": record["status"],
                           "performed_by": "api", "created_at": ctx.clock.iso()}
    if previous is not None:
        row["previous_status"] = previous
    row.update({k: v for k, v in extra.items() if v is not None})
    ctx.collection(HISTORY).put(hid, row)


async def register_domain(ctx: RequestContext) -> Any:
    body = ctx.body or {}
    raw = body.get("domain")
    domain = normalise_domain(raw) if isinstance(raw, str) else None
    if domain is None:
        raise _bad("Invalid domain format", "body.domain")
    if not ctx.collection(NAMES).insert(domain, {"domain": domain}):
        raise _bad(f"Domain {domain} is already registered", "body.domain")
    method = str(body.get("verification_method") or "DNS_TXT")
    secret = _secret()
    token = f"{TOKEN_PREFIX}{secret}"
    host = f"_wayscloud.{domain}"
    if method == "DNS_CNAME":
        instructions = {"record_type": "CNAME", "host": host, "value": f"{secret}.{CNAME_TARGET}"}
    else:
        instructions = {"record_type": "TXT", "host": host, "value": token}
    did = str(uuid.uuid4())
    record: dict[str, Any] = {
        "id": did, "domain": domain, "purpose": body["purpose"], "status": "pending", "verification_method": method,
        "verification_token": token, "dns_instructions": instructions, "verification_attempts": 0,
        "created_at": ctx.clock.iso(),
    }
    if isinstance(body.get("metadata"), dict):
        record["metadata"] = body["metadata"]
    ctx.collection(NAMES).put(domain, {"domain": domain, "id": did})
    ctx.collection(DOMAINS).put(did, record)
    _history(ctx, record, "registered", None)
    return _view(record)


async def list_domains(ctx: RequestContext) -> Any:
    page = max(int(ctx.query.get("page") or 1), 1)
    size = min(max(int(ctx.query.get("page_size") or 20), 1), 100)
    where = {k: ctx.query[k] for k in ("purpose", "status") if ctx.query.get(k)}
    domains = ctx.collection(DOMAINS)
    found = domains.find(where, newest_first=True, limit=size, offset=reachable((page - 1) * size)).items
    return {"domains": [_view(r, _SUMMARY) for r in found], "total": domains.count(**where), "page": page,
            "page_size": size}


async def get_domain(ctx: RequestContext) -> Any:
    return _view(_domain(ctx))


async def revoke_domain(ctx: RequestContext) -> Any:
    record = _domain(ctx)
    if (ctx.body or {}).get("status") != "revoked":
        raise _bad("Only {\"status\": \"revoked\"} can be set", "body.status")
    if record["status"] != "verified":
        raise _bad(f"Only a verified domain can be revoked (this one is {record['status']})", "body.status")
    record["status"] = "revoked"
    record["revoked_at"] = ctx.clock.iso()
    ctx.collection(DOMAINS).put(record["id"], record)
    _history(ctx, record, "revoked", "verified")
    return _view(record)


async def delete_domain(ctx: RequestContext) -> Any:
    record = _domain(ctx)
    record["deleted_at"] = ctx.clock.iso()
    ctx.collection(DELETED).put(record["id"], record)
    ctx.collection(DOMAINS).delete(record["id"])
    ctx.collection(NAMES).delete(record["domain"])
    return {"success": True, "message": f"Domain {record['domain']} deleted"}


async def verify_domain(ctx: RequestContext) -> Any:
    record = _domain(ctx)
    stamp = ctx.clock.iso()
    out = {"id": record["id"], "domain": record["domain"], "checked_at": stamp}
    if record["status"] == "revoked":
        return {**out, "status": "revoked", "verified": False, "dns_records_found": [],
                "message": "Domain verification was revoked; it is not checked again"}
    instructions = record["dns_instructions"]
    kind, host, wanted = str(instructions["record_type"]), str(instructions["host"]), str(instructions["value"])
    values = dns_zones.lookup(ctx.twin, host, kind)
    matched = wanted.lower() in {v.lower() for v in values} if kind == "CNAME" else wanted in values
    previous = str(record["status"])
    record["verification_attempts"] = int(record.get("verification_attempts") or 0) + 1
    record["last_checked_at"] = stamp
    if matched:
        record["status"] = "verified"
        record.setdefault("verified_at", stamp)
        record.pop("failed_reason", None)
        message = "Domain verified successfully"
    else:
        record["status"] = "failed"
        found = f"found {', '.join(values)}" if values else "no record found"
        record["failed_reason"] = f"{kind} record {wanted} not found at {host} ({found})"
        message = f"Verification failed: {record['failed_reason']}"
    ctx.collection(DOMAINS).put(record["id"], record)
    _history(ctx, record, "check_completed", previous,
             dns_response={"records_found": bool(values), "record_type": kind, "host": host, "actual_values": values},
             error_message=None if matched else record["failed_reason"])
    return {**out, "status": record["status"], "verified": matched, "message": message, "dns_records_found": values}


async def get_domain_history(ctx: RequestContext) -> Any:
    record = _domain(ctx)
    rows = ctx.collection(HISTORY).find({"domain_id": record["id"]}, limit=1000).items
    return [{k: v for k, v in r.items() if k != "domain_id"} for r in rows]


HANDLERS: dict[str, Handler] = {
    "registerDomain": register_domain, "listDomains": list_domains, "getDomain": get_domain,
    "revokeDomain": revoke_domain, "deleteDomain": delete_domain, "verifyDomain": verify_domain,
    "getDomainHistory": get_domain_history,
}
