"""Verify (the document's undefined ``BearerAuth``: a service key or PAT, either header): start, check, status, cancel.

Check answers 200 with the outcome in the body (the document's examples):
``verified`` (again ``verified`` on a later check), ``pending`` +
``invalid_code`` + ``attempts_remaining``, ``failed`` + ``max_attempts_exceeded``
from the fifth miss on, ``failed`` + ``voice_no_answer`` / ``voice_busy`` for a call to the test range, ``expired`` + ``session_expired``, and for a cancelled
session ``failed`` + ``session_cancelled``; an unknown session is 404.
"""

from __future__ import annotations

import uuid
from typing import Any

from twinstack import outbox
from twinstack.engine.context import Reply, RequestContext
from twinstack.engine.pack import Handler
from twinstack.errors import NotFound, TwinError
from twinstack.packs.wayscloud import sms, sms_senders, verify

_UNKNOWN = {"detail": "Session not found"}


def _recipient(channel: str, recipient: str) -> str:
    found = verify.EMAIL.fullmatch(recipient.strip()) and recipient.strip() if channel == "email" else sms.phone(recipient)
    if not found:
        text = "Invalid recipient format. Use E.164 for SMS/voice or email address."
        raise TwinError(text, status=400, field="body.recipient", details={"detail": f"body.recipient: {text}"})
    return str(found)


def _sms_sender(ctx: RequestContext) -> str:
    profiles = ctx.collection(sms_senders.COLLECTION)
    sms_senders.ensure_default(profiles, ctx.tenant, ctx.clock.iso())
    profile = sms_senders.resolve(profiles, None)
    return str(profile["sender_id"]) if sms_senders.approved(profile, ctx.now) else sms_senders.DEFAULT_SENDER


async def start_verification(ctx: RequestContext) -> Any:
    body = dict(ctx.body or {})
    channel = str(body.get("channel") or "sms")
    recipient = _recipient(channel, str(body.get("recipient", "")))
    length, ttl = int(body.get("code_length") or 6), int(body.get("ttl_seconds") or 300)
    locale = str(body.get("locale") or "en")
    code = verify.new_code(length)
    now = ctx.now
    sid = str(uuid.uuid4())
    session: dict[str, Any] = {
        "session_id": sid, "channel": channel, "status": "pending", "recipient": recipient,
        "created_at": ctx.clock.iso(now), "expires_at": ctx.clock.iso(now + ttl), "attempt_count": 0,
        "max_attempts": verify.MAX_ATTEMPTS, "client_reference": body.get("client_reference"),
        "locale": locale, "metadata": body.get("metadata"),
        "_code_sha256": verify.digest(code), "_expires_at": now + ttl,
        "_delivered_at": now + verify.DELIVERY_SECONDS * ctx.clock.factor,
        "_call_failure": verify.call_failure(channel, recipient),
    }
    ctx.collection(verify.COLLECTION).put(sid, session)
    text, subject = verify.wording(locale, channel, code, ttl)
    meta = {"session_id": sid, "client_reference": body.get("client_reference"), "locale": locale}
    if channel == "sms":
        [message] = sms.send(ctx.twin, ctx.tenant, [recipient], text, sender=_sms_sender(ctx),
                             customer_ref=body.get("client_reference"), message_type="VERIFY")
        session["_sms_message_id"] = message["id"]
        ctx.collection(verify.COLLECTION).put(sid, session)
    else:
        outbox.send(ctx.store, ctx.clock, service=ctx.slug, tenant=ctx.tenant, channel=channel, recipient=recipient,
                    sender=verify.VOICE_SENDER if channel == "voice" else verify.EMAIL_SENDER,
                    subject=subject if channel == "email" else "", body=text, metadata=meta)
    answer: dict[str, Any] = {"session_id": sid, "status": verify.status(session, ctx.now), "channel": channel,
                              "expires_at": session["expires_at"], "created_at": session["created_at"]}
    if body.get("client_ip"):
        answer["ip_risk"] = verify.ip_risk(str(body["client_ip"]))
    return Reply(answer, status=201)


def _session(ctx: RequestContext, sid: str) -> dict[str, Any]:
    found = ctx.collection(verify.COLLECTION).get(sid)
    if found is None:
        raise NotFound("Session not found", details=_UNKNOWN)
    return found


def _outcome(ctx: RequestContext, session: dict[str, Any], code: str) -> dict[str, Any]:
    state = verify.status(session, ctx.now)
    if state == "verified":
        return {"status": "verified", "verified_at": session["verified_at"]}
    if state == "expired":
        return {"status": "expired", "error": "session_expired"}
    if state == "cancelled":
        return {"status": "failed", "error": "session_cancelled"}
    if state == "failed" and session.get("_call_failure"):
        return {"status": "failed", "error": str(session["_call_failure"])}
    if state == "failed":
        return {"status": "failed", "error": "max_attempts_exceeded", "attempts_remaining": 0}
    sid = str(session["session_id"])
    session["attempt_count"] = int(session.get("attempt_count") or 0) + 1
    if verify.matches(session, code):
        session.update(status="verified", verified_at=ctx.clock.iso())
        ctx.collection(verify.COLLECTION).put(sid, session)
        return {"status": "verified", "verified_at": session["verified_at"]}
    counted = ctx.store.adjust(verify.MISSES, sid, {"misses": 1}, within={"misses": (0, verify.MAX_ATTEMPTS)})
    misses = verify.MAX_ATTEMPTS if counted is None else counted["misses"]
    remaining = verify.MAX_ATTEMPTS - misses
    if remaining <= 0:
        session.update(status="failed", error_message="max_attempts_exceeded")
    ctx.collection(verify.COLLECTION).put(sid, session)
    if remaining <= 0:
        return {"status": "failed", "error": "max_attempts_exceeded", "attempts_remaining": 0}
    return {"status": "pending", "error": "invalid_code", "attempts_remaining": remaining}


async def check_verification(ctx: RequestContext) -> Any:
    body = dict(ctx.body or {})
    answer = _outcome(ctx, _session(ctx, str(body.get("session_id", ""))), str(body.get("code", "")))
    if body.get("client_ip"):
        answer["ip_risk"] = verify.ip_risk(str(body["client_ip"]))
    return answer


async def get_verification_status(ctx: RequestContext) -> Any:
    session = _session(ctx, str(ctx.path.get("session_id", "")))
    state = verify.status(session, ctx.now)
    shown = {k: v for k, v in session.items() if not k.startswith("_") and v is not None
             and k not in ("locale", "metadata")}
    shown["status"] = state
    if ctx.now >= float(session["_delivered_at"]) and state != "cancelled" or state == "verified":
        shown["delivered_at"] = ctx.clock.iso(float(session["_delivered_at"]))
    if state == "expired":
        shown["error_message"] = "session_expired"
    elif state == "failed" and session.get("_call_failure"):
        shown["error_message"] = session["_call_failure"]
    return shown


async def cancel_verification_session(ctx: RequestContext) -> Any:
    sid = str(ctx.path.get("session_id", ""))
    session = _session(ctx, sid)
    if verify.status(session, ctx.now) not in verify.OPEN:
        raise NotFound("Session not found or already completed",
                       details={"detail": "Session not found or already completed"})
    session.update(status="cancelled", error_message="session_cancelled")
    ctx.collection(verify.COLLECTION).put(sid, session)
    return Reply(None, status=204)


HANDLERS: dict[str, Handler] = {
    "startVerification": start_verification,
    "checkVerification": check_verification,
    "getVerificationStatus": get_verification_status,
    "cancelVerificationSession": cancel_verification_session,
}
