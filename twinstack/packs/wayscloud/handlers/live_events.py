"""Live Events (service key or PAT): events and their state machine, stream keys, tokens, recordings, stats;
the public watch operations (state, password, token, consume-grant); the presigned replay download.

State rules answer 409 in the document's words. Plan limits (``PLAN``): 20
events created per month (429 with ``Retry-After``, a guarded counter) and 2
events in rehearsal or live at once (409 on the start that would pass it).
``password`` mode needs a password of 4+ characters (422 naming
``body.password``; the operations declare no 400). A slug is given
(``[a-z0-9-]``, 422 otherwise) or made from the name plus 6 hex characters, and
is unique cloud-wide (409). Ingest, health, stats and sessions are
synthesised from the event's own state and counts (viewers are consumed grants).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from twinstack.engine.context import Reply, RequestContext
from twinstack.engine.pack import Handler
from twinstack.engine.state import SHARED_TENANT
from twinstack.errors import Conflict, FieldIssue, NotFound, TwinError, ValidationFailed
from twinstack.packs.wayscloud import live_access as access
from twinstack.packs.wayscloud import live_events as le
from twinstack.packs.wayscloud.blobs import blobs, check_signed

INDEXES = {**le.INDEXES, **access.INDEXES}
JOBS = le.JOBS
PLAN: dict[str, Any] = {
    "plan": "Live Events Pro", "max_events_per_month": 20, "max_concurrent_events": 2, "max_duration_minutes": 480,
    "max_bitrate_kbps": 8000, "max_resolution": "1080p", "recording_enabled": True, "replay_enabled": True,
    "adaptive_bitrate_enabled": True, "custom_domains_enabled": False, "simulcast_enabled": False,
    "transcript_enabled": False, "retention_days_default": 90,
    "visibility_modes_allowed": ["public", "token", "password", "tenant_only"],
}
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,99}")
_UNKNOWN = {"detail": "Event not found"}


def _month_key(ctx: RequestContext) -> tuple[str, str]:
    return f"wayscloud.live-events:{ctx.tenant}", datetime.fromtimestamp(ctx.now, UTC).strftime("m:%Y-%m")


def _event(ctx: RequestContext) -> dict[str, Any]:
    found = le.load(ctx.twin, ctx.tenant, str(ctx.path.get("event_id", "")))
    if found is None:
        raise NotFound("Event not found", details=_UNKNOWN)
    return found


def _password(body: dict[str, Any], mode: str | None, existing: str | None) -> str | None:
    password = body.get("password")
    if password is not None:
        return access.sha256(str(password))
    if mode == "password" and not existing:
        raise ValidationFailed([FieldIssue("body", ("password",), "Required when visibility_mode is password",
                                           "value_error")])
    return existing


async def list_events(ctx: RequestContext) -> Any:
    limit = min(max(int(ctx.query.get("limit") or 20), 1), 100)
    offset = max(int(ctx.query.get("offset") or 0), 0)
    found, total = le.events_of(ctx.collection(le.EVENTS), ctx.query.get("status"), limit, offset)
    events = []
    for event in found:
        if le.settle(ctx.twin, ctx.tenant, event):
            le.save(ctx.twin, ctx.tenant, event)
        events.append(le.view(event))
    return {"events": events, "total": total, "limit": limit, "offset": offset,
            "page": offset // limit + 1, "page_size": limit}


async def create_event(ctx: RequestContext) -> Any:
    body = dict(ctx.body or {})
    mode = str(body.get("visibility_mode") or "public")
    password = _password(body, mode, None)
    given = body.get("slug")
    if given is not None and not _SLUG.fullmatch(str(given)):
        raise ValidationFailed([FieldIssue("body", ("slug",), "Use lowercase letters, digits and hyphens", "pattern")])
    slug = str(given) if given else le.slugify(str(body["name"]))
    for name in ("scheduled_start_at", "scheduled_end_at"):
        le.parse_time(body.get(name), name)  # refused before the month's count or the slug is taken
    namespace, month = _month_key(ctx)
    if ctx.store.adjust(namespace, month, {"created": 1}, within={"created": (0, PLAN["max_events_per_month"])}) is None:
        raise TwinError("Plan limit", status=429, headers={"Retry-After": "3600"}, details={
            "detail": "Plan event limit exceeded. Delete old events or upgrade your plan."})
    slugs = ctx.shared(le.SLUGS)
    # The slug is taken first (one insert wins it cloud-wide), then pointed at the new event.
    if not slugs.insert(slug, {"tenant": ctx.tenant}):
        ctx.store.adjust(namespace, month, {"created": -1})
        raise Conflict("Slug taken", field="body.slug", details={"detail": "An event with this slug already exists"})
    made = le.create(ctx.twin, ctx.tenant, body, slug, password)
    slugs.put(slug, {"tenant": ctx.tenant, "event_id": made["id"]})
    return Reply(le.view(made), status=201)


async def get_event(ctx: RequestContext) -> Any:
    return le.view(_event(ctx))


async def update_event(ctx: RequestContext) -> Any:
    event = _event(ctx)
    if event["status"] not in le.EDITABLE:
        raise Conflict("Not editable", details={"detail": "Event cannot be modified while live or processing"})
    body = dict(ctx.body or {})
    mode = body.get("visibility_mode") or event["visibility_mode"]
    event["_password_sha256"] = _password(body, str(mode), event.get("_password_sha256"))
    for name in le.SETTINGS:
        if body.get(name) is not None:
            event[name] = body[name]
    for name in ("scheduled_start_at", "scheduled_end_at"):
        if body.get(name):
            at = le.parse_time(body[name], name)
            event[name] = le.iso(ctx.twin, float(at or 0))
            if name == "scheduled_start_at":
                event["_start_at"] = at
    le.save(ctx.twin, ctx.tenant, event)
    return le.view(event)


async def delete_event(ctx: RequestContext) -> Any:
    event = _event(ctx)
    if event["status"] in le.BUSY:
        raise Conflict("Busy", details={"detail": "Event is currently live or processing"})
    event.update(_deleted=True, deleted_at=le.iso(ctx.twin, ctx.now))
    ctx.collection(le.EVENTS).put(str(event["id"]), event)
    return Reply(None, status=204)


def _transition(ctx: RequestContext, rule: str) -> dict[str, Any]:
    event = _event(ctx)
    allowed, words = le.STATE_RULES[rule]
    if event["status"] not in allowed or (rule == "rehearsal" and not event.get("rehearsal_enabled")):
        raise Conflict("State conflict", details={"detail": words})
    if rule in ("rehearsal", "live") and event["status"] not in ("rehearsal", "live"):
        on_air = ctx.collection(le.EVENTS).count(status=["rehearsal", "live"], _deleted=False)
        if on_air >= PLAN["max_concurrent_events"]:
            raise Conflict("Plan limit", details={"detail": "Plan concurrent event limit reached"})
    return event


async def start_rehearsal(ctx: RequestContext) -> Any:
    event = _transition(ctx, "rehearsal")
    le.start_rehearsal(ctx.twin, event)
    le.save(ctx.twin, ctx.tenant, event)
    return le.view(event)


async def start_live(ctx: RequestContext) -> Any:
    event = _transition(ctx, "live")
    le.go_live(ctx.twin, event)
    le.save(ctx.twin, ctx.tenant, event)
    return le.view(event)


async def stop_live(ctx: RequestContext) -> Any:
    event = _transition(ctx, "stop")
    le.stop(ctx.twin, ctx.tenant, event)
    le.save(ctx.twin, ctx.tenant, event)
    return le.view(event)


async def rotate_stream_key(ctx: RequestContext) -> Any:
    event = _event(ctx)
    if event["status"] in le.BUSY:
        raise Conflict("Busy", details={"detail": "Cannot rotate stream key while event is live"})
    key = le.new_stream_key()
    event.update(stream_key_prefix=key[:8], _stream_key_hash=access.sha256(key))
    le.save(ctx.twin, ctx.tenant, event)
    return {"stream_key": key, "ingest_url": le.INGEST_URL, "stream_key_prefix": key[:8]}


async def list_recordings(ctx: RequestContext) -> Any:
    event = _event(ctx)
    return {"recordings": [le.recording_view(ctx.twin, ctx.base_url, r)
                           for r in le.recordings_of(ctx.twin, ctx.tenant, str(event["id"]))]}


async def create_watch_token(ctx: RequestContext) -> Any:
    return Reply(access.create_token(ctx.twin, ctx.tenant, _event(ctx), dict(ctx.body or {})), status=201)


async def list_watch_tokens(ctx: RequestContext) -> Any:
    return {"tokens": access.tokens_of(ctx.twin, ctx.tenant, str(_event(ctx)["id"]))}


async def get_event_stats(ctx: RequestContext) -> Any:
    event = _event(ctx)
    sessions = event["_sessions"]
    now = ctx.now
    duration = sum(int(float(s.get("_ended", now)) - float(s["_started"])) for s in sessions)
    peaks = [access.viewers(ctx.twin, f"session:{s['id']}") for s in sessions]
    recordings = le.recordings_of(ctx.twin, ctx.tenant, str(event["id"]))
    return {"total_sessions": len(sessions), "total_duration_seconds": duration,
            "peak_concurrent_viewers": max(peaks, default=0),
            "total_unique_viewers": access.viewers(ctx.twin, str(event["id"])),
            "total_recordings": len(recordings),
            "total_recording_size_bytes": sum(int(r.get("size_bytes") or 0) for r in recordings)}


async def get_plan_limits(ctx: RequestContext) -> Any:
    namespace, month = _month_key(ctx)
    used = int(ctx.store.counters(namespace, month).get("created", 0))
    return {**PLAN, "events_used_this_month": used}


def _on_air(event: dict[str, Any]) -> bool:
    return event["status"] in ("rehearsal", "live")


async def get_ingest_details(ctx: RequestContext) -> Any:
    event = _event(ctx)
    answer = {"protocol": "rtmp", "rtmp_url": le.INGEST_URL, "stream_key_prefix": event["stream_key_prefix"],
              "encoder_connected": _on_air(event), "stream_status": event["stream_status"]}
    if _on_air(event):
        answer["last_seen_at"] = le.iso(ctx.twin, ctx.now)
    return answer


async def get_event_health(ctx: RequestContext) -> Any:
    event = _event(ctx)
    on_air = _on_air(event)
    live = event["status"] == "live"
    session = event["_sessions"][-1] if live and event["_sessions"] else None
    answer: dict[str, Any] = {
        "encoder_connected": on_air, "audio_detected": on_air, "video_detected": on_air,
        "recording_active": live and bool(event.get("record_enabled")),
        "session_status": "active" if session else "none", "degraded": False,
        "viewers": access.viewers(ctx.twin, f"session:{session['id']}") if session else 0,
    }
    if on_air:
        answer.update(current_resolution=le.RESOLUTION, current_bitrate_kbps=le.BITRATE_KBPS,
                      last_media_heartbeat_at=le.iso(ctx.twin, ctx.now))
    return answer


async def list_sessions(ctx: RequestContext) -> Any:
    event = _event(ctx)
    shown = le.sessions_view(event)
    for session in shown:
        session["peak_viewers"] = access.viewers(ctx.twin, f"session:{session['id']}")
    return {"sessions": shown}


async def resolve_watch_state(ctx: RequestContext) -> Any:
    tenant, event = access.resolve(ctx.twin, str(ctx.path.get("slug", "")))
    return access.public_view(ctx.twin, tenant, ctx.base_url, event)


async def verify_password(ctx: RequestContext) -> Any:
    return access.verify_password(ctx.twin, str(ctx.path.get("slug", "")), str((ctx.body or {}).get("password", "")),
                                  ctx.base_url)


async def verify_token(ctx: RequestContext) -> Any:
    return access.verify_token(ctx.twin, str(ctx.path.get("slug", "")), str((ctx.body or {}).get("token", "")),
                               ctx.base_url)


async def consume_access_grant(ctx: RequestContext) -> Any:
    return access.consume(ctx.twin, str(ctx.path.get("slug", "")), str((ctx.body or {}).get("access_grant", "")))


async def download_replay(ctx: RequestContext) -> Any:
    rid = str(ctx.path.get("recording_id", ""))
    check_signed(ctx.twin, le.replay_path(rid), ctx.query.get("expires"), ctx.query.get("signature"))
    found = ctx.store.find_any_tenant(ctx.slug, le.RECORDINGS, rid)
    data = None if found is None else blobs(ctx.twin).read(found[0], le.replay_key(rid))
    if data is None:
        raise NotFound("Recording not found", details={"detail": "Recording not found"})
    return Reply(data, raw=True, content_type="video/mp4")


HANDLERS: dict[str, Handler] = {
    "listEvents": list_events,
    "createEvent": create_event,
    "getEvent": get_event,
    "updateEvent": update_event,
    "deleteEvent": delete_event,
    "startRehearsal": start_rehearsal,
    "startLive": start_live,
    "stopLive": stop_live,
    "rotateStreamKey": rotate_stream_key,
    "listRecordings": list_recordings,
    "createWatchToken": create_watch_token,
    "listWatchTokens": list_watch_tokens,
    "getEventStats": get_event_stats,
    "getPlanLimits": get_plan_limits,
    "getIngestDetails": get_ingest_details,
    "getEventHealth": get_event_health,
    "listSessions": list_sessions,
    "resolveWatchState": resolve_watch_state,
    "verifyPassword": verify_password,
    "verifyToken": verify_token,
    "consumeAccessGrant": consume_access_grant,
    "downloadLiveEventReplay": download_replay,
}
