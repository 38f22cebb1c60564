"""SMS Keywords: a keyword is reserved cloud-wide, without regard to case, and answers inbound SMS.

Inbound SMS reach a keyword on numbers every customer shares, so a keyword
belongs to one customer at a time (409 "Keyword already reserved by another
customer"). Reservations are shared state (``ctx.shared``) keyed by the
keyword in upper case, taken with an insert that only one caller can win, so
a create, the availability check and a delete each touch one row. The keyword
is stored in upper case, as the document's examples and the availability
check show it; an update changes its settings, never the keyword.

The document has no way in for an inbound SMS, so the twin has a control:
``POST /_twinstack/wayscloud/inbound-sms {"from": "+47…", "body": "SUPPORT my
order", "to"?}``. The first word of the body, in upper case, finds the
keyword's owner; the message is stored as theirs (``INBOUND``, ``RECEIVED``),
counted on the keyword (``messages_received``, ``last_message_at``), POSTed to
the keyword's ``webhook_url`` and, when auto-reply is on, answered by a
``REPLY`` message to the sender (``related_message_id`` = the inbound one),
which goes through the outbox like any SMS.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from starlette.responses import JSONResponse

from twinstack.engine.context import Reply, RequestContext
from twinstack.engine.pack import Handler
from twinstack.engine.state import SHARED_TENANT, Collection
from twinstack.engine.twin import Twin
from twinstack.errors import Conflict, NotFound, TwinError
from twinstack.packs.wayscloud import outbound_hooks, sms

COLLECTION = "/v1/sms/keywords"
"""A tenant's keywords, by id."""
RESERVATIONS = "sms/keyword-reservations"
"""Shared collection: upper-case keyword -> ``{"tenant": owner, "keyword_id": id}``."""
SHARED_NUMBER = "+4759440000"
"""The number every customer's keywords are reached on (the inbound control's default ``to``)."""
_FORMAT = re.compile(r"[A-Z0-9]{2,20}")
_SETTINGS = ("description", "webhook_url", "auto_reply_enabled", "auto_reply_message", "is_active")


def normalised(keyword: str) -> str:
    return keyword.strip().upper()


def _reservations(ctx: RequestContext) -> Collection:
    return ctx.shared(RESERVATIONS)


def _view(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if not k.startswith("_") and v is not None}


def _keyword(ctx: RequestContext) -> dict[str, Any]:
    found = ctx.collection(COLLECTION).get(str(ctx.path.get("keyword_id", "")))
    if found is None:
        raise NotFound("Keyword not found", details={"detail": "Keyword not found"})
    return found


async def list_sms_keywords(ctx: RequestContext) -> Any:
    return [_view(k) for k in ctx.collection(COLLECTION).find(newest_first=True, limit=1000).items]


async def create_sms_keyword(ctx: RequestContext) -> Any:
    body = dict(ctx.body or {})
    keyword = normalised(str(body.get("keyword", "")))
    if not _FORMAT.fullmatch(keyword):
        raise TwinError("Invalid keyword format", status=400, field="body.keyword",
                        details={"detail": "Invalid keyword format. Must be alphanumeric, 2-20 characters."})
    kid = str(uuid.uuid4())
    reservations = _reservations(ctx)
    if not reservations.insert(keyword, {"tenant": ctx.tenant, "keyword_id": kid}):
        owner = (reservations.get(keyword) or {}).get("tenant")
        raise Conflict("Keyword already taken", field="body.keyword", details={
            "detail": "Keyword already reserved" if owner == ctx.tenant else "Keyword already reserved by another customer"
        })
    reply = body.get("auto_reply_message")
    record: dict[str, Any] = {
        "id": kid, "keyword": keyword, "description": body.get("description"), "is_active": True,
        "webhook_url": body.get("webhook_url"), "auto_reply_enabled": bool(reply), "auto_reply_message": reply,
        "messages_received": 0, "created_at": ctx.clock.iso(),
    }
    ctx.collection(COLLECTION).put(kid, record)
    return Reply(_view(record), status=201)


async def get_sms_keyword(ctx: RequestContext) -> Any:
    return _view(_keyword(ctx))


async def update_sms_keyword(ctx: RequestContext) -> Any:
    record = _keyword(ctx)
    for name in _SETTINGS:
        if name in (ctx.body or {}):
            value = ctx.body[name]
            if value is None and name in ("auto_reply_enabled", "is_active"):
                continue
            record[name] = value
    ctx.collection(COLLECTION).put(str(record["id"]), record)
    return _view(record)


async def delete_sms_keyword(ctx: RequestContext) -> Any:
    record = _keyword(ctx)
    ctx.collection(COLLECTION).delete(str(record["id"]))
    reservations = _reservations(ctx)
    keyword = normalised(str(record.get("keyword", "")))
    if (reservations.get(keyword) or {}).get("tenant") == ctx.tenant:
        reservations.delete(keyword)
    return Reply(None, status=204)


async def check_sms_keyword_availability(ctx: RequestContext) -> Any:
    keyword = normalised(str(ctx.path.get("keyword", "")))
    return {"keyword": keyword, "available": bool(_FORMAT.fullmatch(keyword)) and _reservations(ctx).get(keyword) is None}


def _refuse(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": "bad_request" if status == 400 else "not_found", "message": message}, status)


async def inbound_sms(twin: Twin, body: dict[str, Any], request: Any) -> Any:
    """``POST /_twinstack/wayscloud/inbound-sms {"from", "body", "to"?}``: an SMS arriving from a phone."""
    sender = sms.phone(str(body.get("from", "")))
    text = str(body.get("body", "")).strip()
    if sender is None or not text:
        return _refuse(400, 'expected {"from": "<E.164 number>", "body": "<KEYWORD> ...", "to"?: "<number>"}')
    to_number = sms.phone(str(body.get("to") or SHARED_NUMBER)) or SHARED_NUMBER
    keyword = normalised(re.split(r"\s+", text, maxsplit=1)[0])
    reservation = twin.collection(SHARED_TENANT, RESERVATIONS).get(keyword)
    if reservation is None:
        return _refuse(404, f"No customer has reserved the keyword {keyword!r}")
    tenant = str(reservation["tenant"])
    keywords = twin.collection(tenant, COLLECTION)
    record = keywords.get(str(reservation.get("keyword_id", "")))
    if record is None:
        return _refuse(404, f"No customer has reserved the keyword {keyword!r}")
    inbound = sms.receive(twin, tenant, sender, to_number, text)
    record["messages_received"] = int(record.get("messages_received") or 0) + 1
    record["last_message_at"] = inbound["created_at"]
    keywords.put(str(record["id"]), record)
    reply: dict[str, Any] | None = None
    if record.get("is_active", True):
        if record.get("webhook_url"):
            outbound_hooks.post(twin, tenant, str(record["webhook_url"]), "sms.inbound", {
                "message_id": inbound["id"], "keyword": keyword, "keyword_id": record["id"], "from": sender,
                "to": to_number, "body": text, "received_at": inbound["created_at"],
            })
        if record.get("auto_reply_enabled") and record.get("auto_reply_message"):
            [reply] = sms.send(twin, tenant, [sender], str(record["auto_reply_message"]), sender=to_number,
                               message_type="REPLY", related_message_id=str(inbound["id"]))
    return {"tenant": tenant, "keyword": keyword, "message": sms.view(inbound),
            "reply": None if reply is None else sms.view(reply)}


HANDLERS: dict[str, Handler] = {
    "listSmsKeywords": list_sms_keywords,
    "createSmsKeyword": create_sms_keyword,
    "getSmsKeyword": get_sms_keyword,
    "updateSmsKeyword": update_sms_keyword,
    "deleteSmsKeyword": delete_sms_keyword,
    "checkSmsKeywordAvailability": check_sms_keyword_availability,
}

CONTROLS = {"inbound-sms": inbound_sms}
"""What only a phone can do: send an SMS to a shared number."""

ON_START = (outbound_hooks.resume,)
"""Callbacks and keyword webhooks left to retry by a restart resume as soon as the server is up."""
