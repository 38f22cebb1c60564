"""SMS (service key or ``X-API-Key``): send, messages, cancel, sender profiles, status, usage and stats.

Recipients are ``to`` ∪ the phones of ``to_contacts`` ∪ those of the members of
``to_groups``, in that order, each once; a bad number, an unknown contact or
group, or no recipient at all is a 400 naming the field (a group member without
a usable phone is skipped). The response's ``sms_message_id`` is the first
recipient's message; ``units_estimate`` is parts × recipients. The official
SDK sends ``to`` as one string and ``sender_id`` for the profile: both are
read as the document's ``to: [..]`` and ``sender_profile_id``. A naive
``scheduled_at`` is read in ``timezone`` (UTC without one); a time not in the
future sends now; more than 30 days ahead is a 400.
"""

from __future__ import annotations

import calendar
import ipaddress
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from twinstack.engine.context import Reply, RequestContext
from twinstack.engine.pack import Handler
from twinstack.errors import FieldIssue, NotFound, TwinError, ValidationFailed
from twinstack.packs.wayscloud import contacts as book
from twinstack.packs.wayscloud import sms, sms_senders, sms_stats
from twinstack.packs.wayscloud.paging import reachable
from twinstack.packs.wayscloud.sms_units import MAX_PARTS, count
from twinstack.spec.model import Operation

INDEXES = {**sms.INDEXES, **sms_senders.INDEXES}
JOBS = sms.JOBS
MOST_AHEAD = timedelta(days=30)
_LONGEST_RANGE_DAYS = 3660


def _bad(field: str, text: str) -> TwinError:
    return TwinError(text, status=400, field=field, details={"detail": f"{field}: {text}"})


def _bad_query(name: str, text: str) -> ValidationFailed:
    return ValidationFailed([FieldIssue("query", (name,), text, "value_error")])


def adapt_send_body(op: Operation, body: Any) -> Any:
    """The SDK's ``{"to": "+47…", "sender_id": …}`` in the document's terms; a naive time made UTC."""
    if op.operation_id != "sendSms" or not isinstance(body, dict):
        return body
    body = dict(body)
    if isinstance(body.get("to"), str):
        body["to"] = [body["to"]]
    if "sender_id" in body and "sender_profile_id" not in body:
        body["sender_profile_id"] = body.pop("sender_id")
    scheduled = body.get("scheduled_at")
    if isinstance(scheduled, str):
        try:
            at = datetime.fromisoformat(scheduled.upper().replace("Z", "+00:00"))
        except ValueError:
            return body  # left for validation to name
        try:
            zone = ZoneInfo(str(body["timezone"])) if body.get("timezone") else UTC
        except (ValueError, ZoneInfoNotFoundError):
            zone = None  # the handler names the timezone
        if at.tzinfo is None and zone is None:
            body["scheduled_at"] = at.strftime("%Y-%m-%dT%H:%M:%SZ")
        elif at.tzinfo is None:
            try:
                body["scheduled_at"] = at.replace(tzinfo=zone).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            except (ValueError, OverflowError):
                return body  # a time at the edge of the calendar: the handler names it
    return body


def _profiles(ctx: RequestContext) -> Any:
    profiles = ctx.collection(sms_senders.COLLECTION)
    sms_senders.ensure_default(profiles, ctx.tenant, ctx.clock.iso())
    return profiles


def _recipients(ctx: RequestContext, body: dict[str, Any]) -> list[str]:
    found: list[str] = []
    for index, raw in enumerate(body.get("to") or []):
        number = sms.phone(str(raw))
        if number is None:
            raise _bad(f"body.to[{index}]", "Invalid phone number format. Use E.164 (e.g., +4712345678)")
        found.append(number)
    contact_ids = [str(c) for c in body.get("to_contacts") or []]
    known = book.contacts(ctx).get_many(contact_ids)
    for index, cid in enumerate(contact_ids):
        number = sms.phone(str((known.get(cid) or {}).get("phone_number") or ""))
        if cid not in known:
            raise _bad(f"body.to_contacts[{index}]", f"Contact {cid} not found")
        if number is None:
            raise _bad(f"body.to_contacts[{index}]", f"Contact {cid} has no valid phone number")
        found.append(number)
    for index, gid in enumerate(str(g) for g in body.get("to_groups") or []):
        if ctx.collection(book.GROUPS).get(gid) is None:
            raise _bad(f"body.to_groups[{index}]", f"Group {gid} not found")
        ids = book.member_ids(ctx, gid)
        members = book.contacts(ctx).get_many(ids)
        for cid in ids:
            number = sms.phone(str((members.get(cid) or {}).get("phone_number") or ""))
            if number is not None:
                found.append(number)
    unique = list(dict.fromkeys(found))
    if not unique:
        raise _bad("body.to", "No valid recipients: give to, to_contacts or to_groups")
    return unique


def _schedule(ctx: RequestContext, body: dict[str, Any]) -> float | None:
    raw = body.get("scheduled_at")
    if not raw:
        return None
    try:
        zone = ZoneInfo(str(body["timezone"])) if body.get("timezone") else UTC
    except (ZoneInfoNotFoundError, ValueError):
        raise _bad("body.timezone", f"Unknown timezone {body['timezone']!r}") from None
    try:
        at = datetime.fromisoformat(str(raw).upper().replace("Z", "+00:00"))
        when = (at if at.tzinfo else at.replace(tzinfo=zone)).timestamp()
    except (ValueError, OverflowError, OSError):
        raise _bad("body.scheduled_at", "Invalid date-time") from None
    if when <= ctx.now:
        return None
    if when > ctx.now + MOST_AHEAD.total_seconds():
        raise _bad("body.scheduled_at", "Cannot schedule more than 30 days ahead")
    return when


def _callback(body: dict[str, Any]) -> str | None:
    url = body.get("callback_url")
    if not url:
        return None
    parts = urlsplit(str(url))
    host = parts.hostname or ""
    loopback = host == "localhost"
    try:
        loopback = loopback or ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    if not host or not (parts.scheme == "https" or (parts.scheme == "http" and loopback)):
        raise _bad("body.callback_url", "HTTPS required for callback_url")
    return str(url)


async def send_sms(ctx: RequestContext) -> Any:
    body = dict(ctx.body or {})
    text = str(body.get("message", ""))
    if not text.strip():
        raise _bad("body.message", "Message must not be empty")
    units = count(text)
    if units.parts > MAX_PARTS:
        raise _bad("body.message", f"Message too long: {units.parts} parts ({units.encoding}), at most {MAX_PARTS}")
    recipients = _recipients(ctx, body)
    callback = _callback(body)
    scheduled = _schedule(ctx, body)
    profile = sms_senders.resolve(_profiles(ctx), body.get("sender_profile_id"))
    if not sms_senders.approved(profile, ctx.now):
        raise _bad("body.sender_profile_id", "Sender profile is pending approval")
    made = sms.send(ctx.twin, ctx.tenant, recipients, text, sender=str(profile["sender_id"]),
                    customer_ref=body.get("customer_ref"), callback_url=callback, scheduled_at=scheduled)
    first = made[0]
    answer: dict[str, Any] = {"sms_message_id": first["id"], "to": recipients,
                              "status": "SCHEDULED" if scheduled is not None else "QUEUED",
                              "units_estimate": units.parts * len(recipients),
                              "message_ids": [m["id"] for m in made]}
    if scheduled is not None:
        answer["scheduled_at"] = ctx.clock.iso(scheduled)
    if body.get("customer_ref") is not None:
        answer["customer_ref"] = body["customer_ref"]
    return answer


def _days(ctx: RequestContext) -> list[str] | None:
    start, end = ctx.query.get("from_date"), ctx.query.get("to_date")
    if not start and not end:
        return None
    try:
        last = date.fromisoformat(str(end)) if end else sms_stats.day_of(ctx.now)
    except ValueError:
        raise _bad_query("to_date", "Input should be a valid date") from None
    try:
        first = date.fromisoformat(str(start)) if start else date.min
    except ValueError:
        raise _bad_query("from_date", "Input should be a valid date") from None
    if last.toordinal() - first.toordinal() > _LONGEST_RANGE_DAYS:
        first = date.fromordinal(max(1, last.toordinal() - _LONGEST_RANGE_DAYS))
    return [(first + timedelta(days=n)).isoformat() for n in range(max(0, (last - first).days + 1))]


async def list_sms_messages(ctx: RequestContext) -> Any:
    page = max(int(ctx.query.get("page") or 1), 1)
    size = min(max(int(ctx.query.get("page_size") or 50), 1), 100)
    where: dict[str, Any] = {k: ctx.query[k] for k in ("direction", "status") if ctx.query.get(k)}
    days = _days(ctx)
    if days is not None:
        where["_day"] = days
    messages = ctx.collection(sms.COLLECTION)
    if days == []:
        return {"messages": [], "total": 0, "page": page, "page_size": size, "has_more": False}
    total = messages.count(**where)
    found = messages.find(where, newest_first=True, limit=size, offset=reachable((page - 1) * size))
    return {"messages": [sms.view(m) for m in found.items], "total": total, "page": page, "page_size": size,
            "has_more": page * size < total}


def _message(ctx: RequestContext) -> dict[str, Any]:
    found = ctx.collection(sms.COLLECTION).get(str(ctx.path.get("message_id", "")))
    if found is None:
        raise NotFound("Message not found", details={"detail": "Message not found"})
    return found


async def get_sms_message(ctx: RequestContext) -> Any:
    return sms.view(_message(ctx))


async def cancel_sms_message(ctx: RequestContext) -> Any:
    mid = str(_message(ctx)["id"])
    record, cancelled = sms.cancel(ctx.twin, ctx.tenant, mid)
    if record is None:
        raise NotFound("Message not found", details={"detail": "Message not found"})
    if not cancelled:
        raise TwinError("Not cancellable", status=400, field="path.message_id",
                        details={"detail": f"Message cannot be cancelled. Status: {record['status']}"})
    return {"message": "Message cancelled", "message_id": mid}


async def list_sender_profiles(ctx: RequestContext) -> Any:
    return [sms_senders.view(p, ctx.now) for p in _profiles(ctx).find(limit=1000).items]


async def create_sender_profile(ctx: RequestContext) -> Any:
    made = sms_senders.create(_profiles(ctx), dict(ctx.body or {}), ctx.now, ctx.clock.factor, ctx.clock.iso())
    return Reply(sms_senders.view(made, ctx.now), status=201)


async def delete_sender_profile(ctx: RequestContext) -> Any:
    sms_senders.delete(_profiles(ctx), str(ctx.path.get("profile_id", "")))
    return Reply(None, status=204)


async def get_sms_status(ctx: RequestContext) -> Any:
    profiles = _profiles(ctx)
    today = sms_stats.day_of(ctx.now)
    day = sms_stats.days(ctx.store, ctx.tenant, today, 1)
    month = sms_stats.month(ctx.store, ctx.tenant, today.isoformat()[:7])
    last_30 = sms_stats.days(ctx.store, ctx.tenant, today, 30)
    answer: dict[str, Any] = {
        "active": True, "has_sender_profiles": profiles.count() > 0, "has_api_key": True,
        "messages_today": day["sent"] + day["received"], "messages_this_month": month["sent"] + month["received"],
        "messages_sent_30d": last_30["sent"], "messages_received_30d": last_30["received"],
    }
    default = profiles.find_one(is_default=True)
    if default is not None:
        answer["default_sender"] = sms_senders.view(default, ctx.now)
    return answer


async def get_sms_usage(ctx: RequestContext) -> Any:
    period = str(ctx.query.get("period") or sms_stats.day_of(ctx.now).isoformat()[:7])
    try:
        start = date.fromisoformat(f"{period}-01")
    except ValueError:
        raise _bad_query("period", "Input should be a month as YYYY-MM") from None
    end = start.replace(day=calendar.monthrange(start.year, start.month)[1])
    sums = sms_stats.month(ctx.store, ctx.tenant, period)
    price = sms_stats.PRICES[sms_stats.CURRENCY]
    cost = round(sums["units"] * price, 2)
    return {"period": period, "period_start": start.isoformat(), "period_end": end.isoformat(),
            "messages_sent": sums["sent"], "messages_received": sums["received"], "messages_failed": sums["failed"],
            "units_used": sums["units"], "cost": cost, "currency": sms_stats.CURRENCY, "price_per_unit": price,
            "outbound_cost": cost, "inbound_cost": 0.0}


async def get_sms_stats(ctx: RequestContext) -> Any:
    today = sms_stats.day_of(ctx.now)
    store, tenant = ctx.store, ctx.tenant
    return {
        "today": sms_stats.period_view(sms_stats.days(store, tenant, today, 1)),
        "this_week": sms_stats.period_view(sms_stats.days(store, tenant, today, today.weekday() + 1)),
        "this_month": sms_stats.period_view(sms_stats.month(store, tenant, today.isoformat()[:7])),
        "last_30_days": sms_stats.period_view(sms_stats.days(store, tenant, today, 30)),
        "status_breakdown": sms_stats.by_status(store, tenant),
    }


HANDLERS: dict[str, Handler] = {
    "sendSms": send_sms,
    "listSmsMessages": list_sms_messages,
    "getSmsMessage": get_sms_message,
    "cancelSmsMessage": cancel_sms_message,
    "listSenderProfiles": list_sender_profiles,
    "createSenderProfile": create_sender_profile,
    "deleteSenderProfile": delete_sender_profile,
    "getSmsStatus": get_sms_status,
    "getSmsUsage": get_sms_usage,
    "getSmsStats": get_sms_stats,
}

BODY_ADAPTERS = (adapt_send_body,)
