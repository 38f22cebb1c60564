"""Live Events: the event lifecycle, its sessions and recordings (simulated media, real bookkeeping).

``draft`` on creation; provisioning makes it ``ready`` ``PROVISION_SECONDS``
later, or ``scheduled`` when its start is more than 24 h away (then ``ready``
24 h before the start). Rehearsal from ``ready``; live from ``ready`` or
``rehearsal`` (a new session, ``actual_start_at``, ``stream_status: active``);
stop from ``live`` or ``rehearsal`` → ``ending`` → ``processing``
(``ENDING_SECONDS``) → ``ended`` (``PROCESSING_SECONDS`` more, about six
minutes in all). A live session that ended with recording on leaves a
recording: a real MP4 file of the session's length (``blobs``: the S3 twin's
stand-in) whose replay URL is presigned for 7 days when read. Realistic times
are scaled by ``--speed``. The timed steps are read from stored timestamps
(``settle``) and also run by the durable job ``JOB_KIND``, so a status filter
finds events that were never read. Nothing reaches ``cancelled``.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from datetime import UTC, datetime
from typing import Any

from twinstack.engine.state import Collection
from twinstack.engine.twin import Twin
from twinstack.errors import FieldIssue, ValidationFailed
from twinstack.packs.wayscloud import media
from twinstack.packs.wayscloud.blobs import blobs, presigned
from twinstack.store import Job

EVENTS = "live/events"
RECORDINGS = "live/recordings"
SLUGS = "live/slugs"
"""Shared: watch slug -> ``{"tenant", "event_id"}`` (slugs are cloud-wide)."""
INDEXES: dict[str, tuple[str, ...]] = {EVENTS: ("status", "_deleted"), RECORDINGS: ("event_id",)}
JOB_KIND = "wayscloud.live-event-step"
PROVISION_SECONDS = 5.0
ENDING_SECONDS = 10.0
PROCESSING_SECONDS = 350.0
SCHEDULED_AHEAD = 24 * 3600.0
REPLAY_SECONDS = 7 * 24 * 3600.0
INGEST_URL = "rtmp://ingest.wayscloud.services/live"
SITE = "https://live.wayscloud.services"
BITRATE_KBPS = 4500
RESOLUTION = "1920x1080"
STATE_RULES = {
    "rehearsal": (("ready",), "Event must be in ready state to start rehearsal"),
    "live": (("ready", "rehearsal"), "Event must be in ready or rehearsal state to go live"),
    "stop": (("live", "rehearsal"), "Event must be live or in rehearsal to stop"),
}
EDITABLE = ("draft", "scheduled", "ready")
BUSY = ("live", "ending", "processing")
SETTINGS = ("name", "description", "scheduled_start_at", "scheduled_end_at", "visibility_mode", "record_enabled",
            "replay_enabled", "embed_enabled", "auto_start_on_ingest")
_MOST_SESSIONS = 1000


def iso(twin: Twin, at: float) -> str:
    """Live Events spell UTC ``+00:00``."""
    return twin.clock.iso(at).replace("Z", "+00:00")


def parse_time(text: Any, field: str = "scheduled_start_at") -> float | None:
    """A date-time of the body as twin seconds; 422 naming ``field`` for one Python cannot place (a leap second,
    a year past 9999 once in UTC)."""
    if not text:
        return None
    try:
        at = datetime.fromisoformat(str(text).upper().replace("Z", "+00:00"))
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        stamp = at.timestamp()
        datetime.fromtimestamp(stamp, UTC)
    except (ValueError, OverflowError, OSError):
        raise ValidationFailed([FieldIssue("body", (field,), "Input should be a valid datetime", "datetime_parsing",
                                           text)]) from None
    return stamp


def slugify(name: str) -> str:
    stem = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:80]
    return f"{stem or 'event'}-{secrets.token_hex(3)}"


def new_stream_key() -> str:
    return secrets.token_urlsafe(32)[:43]


def _schedule(twin: Twin, tenant: str, event: dict[str, Any]) -> None:
    due = next_step_at(event)
    if due is not None:
        twin.scheduler.schedule(JOB_KIND, max(0.0, due - twin.clock.now()), service=twin.slug, tenant=tenant,
                                payload={"event_id": event["id"]}, job_id=f"wayscloud:live:{tenant}:{event['id']}")


def next_step_at(event: dict[str, Any]) -> float | None:
    status = event["status"]
    if status == "draft":
        return float(event["_ready_at"])
    if status == "scheduled":
        return float(event["_start_at"]) - SCHEDULED_AHEAD
    if status == "ending":
        return float(event["_processing_at"])
    if status == "processing":
        return float(event["_ended_at"])
    return None


def create(twin: Twin, tenant: str, body: dict[str, Any], slug: str, password_hash: str | None) -> dict[str, Any]:
    now = twin.clock.now()
    eid, key = str(uuid.uuid4()), new_stream_key()
    start = parse_time(body.get("scheduled_start_at"))
    event: dict[str, Any] = {
        "id": eid, "slug": slug, "name": body["name"], "description": body.get("description"), "status": "draft",
        "scheduled_start_at": None if start is None else iso(twin, start),
        "scheduled_end_at": None if not body.get("scheduled_end_at") else iso(
            twin, float(parse_time(body["scheduled_end_at"], "scheduled_end_at") or 0)),
        "timezone": body.get("timezone") or "Europe/Oslo", "visibility_mode": body.get("visibility_mode") or "public",
        "record_enabled": bool(body.get("record_enabled", True)), "replay_enabled": bool(body.get("replay_enabled", True)),
        "rehearsal_enabled": bool(body.get("rehearsal_enabled", True)),
        "auto_start_on_ingest": bool(body.get("auto_start_on_ingest", False)),
        "embed_enabled": bool(body.get("embed_enabled", True)), "max_bitrate_kbps": body.get("max_bitrate_kbps"),
        "retention_days": int(body.get("retention_days") or 90),
        "watch_url": f"{SITE}/watch/{slug}", "embed_url": f"{SITE}/embed/{slug}", "ingest_url": INGEST_URL,
        "stream_key_prefix": key[:8], "stream_status": "inactive", "recording_count": 0,
        "created_at": iso(twin, now), "updated_at": iso(twin, now),
        "_stream_key_hash": _hash(key), "_password_sha256": password_hash, "_deleted": False,
        "_ready_at": now + PROVISION_SECONDS * twin.clock.factor, "_start_at": start, "_sessions": [],
    }
    twin.collection(tenant, EVENTS).put(eid, event)
    _schedule(twin, tenant, event)
    return {**event, "stream_key": key}


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def settle(twin: Twin, tenant: str, event: dict[str, Any]) -> bool:
    """Take the timed steps due by now; True when the event changed (the caller or the job stores it)."""
    now = twin.clock.now()
    changed = False
    for _ in range(4):
        due = next_step_at(event)
        if due is None or due > now:
            break
        status = event["status"]
        if status == "draft":
            start = event.get("_start_at")
            far = start is not None and float(start) - SCHEDULED_AHEAD > due
            event["status"] = "scheduled" if far else "ready"
        elif status == "scheduled":
            event["status"] = "ready"
        elif status == "ending":
            event["status"] = "processing"
        elif status == "processing":
            event["status"] = "ended"
            _finish_recordings(twin, tenant, event, due)
        event["updated_at"] = iso(twin, due)
        changed = True
    return changed


def load(twin: Twin, tenant: str, event_id: str) -> dict[str, Any] | None:
    events = twin.collection(tenant, EVENTS)
    event = events.get(event_id)
    if event is None or event.get("_deleted"):
        return None
    if settle(twin, tenant, event):
        events.put(event_id, event)
        _schedule(twin, tenant, event)
    return event


def save(twin: Twin, tenant: str, event: dict[str, Any]) -> None:
    event["updated_at"] = iso(twin, twin.clock.now())
    twin.collection(tenant, EVENTS).put(str(event["id"]), event)
    _schedule(twin, tenant, event)


def start_rehearsal(twin: Twin, event: dict[str, Any]) -> None:
    event["status"] = "rehearsal"


def go_live(twin: Twin, event: dict[str, Any]) -> None:
    now = twin.clock.now()
    sessions: list[dict[str, Any]] = event["_sessions"]
    sessions.append({"id": str(uuid.uuid4()), "session_number": len(sessions) + 1, "status": "active",
                     "started_at": iso(twin, now), "_started": now, "source_resolution": RESOLUTION,
                     "source_bitrate_kbps": BITRATE_KBPS, "source_codec_video": "h264", "source_codec_audio": "aac",
                     "peak_viewers": 0})
    del sessions[:-_MOST_SESSIONS]
    event.update(status="live", stream_status="active")
    event.setdefault("actual_start_at", iso(twin, now))


def stop(twin: Twin, tenant: str, event: dict[str, Any]) -> None:
    now = twin.clock.now()
    factor = twin.clock.factor
    was_live = event["status"] == "live"
    event.update(status="ending", stream_status="disconnected", _processing_at=now + ENDING_SECONDS * factor,
                 _ended_at=now + (ENDING_SECONDS + PROCESSING_SECONDS) * factor)
    if not was_live:
        return
    event["actual_end_at"] = iso(twin, now)
    session = event["_sessions"][-1]
    session.update(status="ended", ended_at=iso(twin, now), ended_reason="operator_stop", _ended=now)
    if event.get("record_enabled"):
        rid = f"rec-{uuid.uuid4()}"
        session["recording_id"] = rid
        duration = max(1, int(now - float(session["_started"])))
        twin.collection(tenant, RECORDINGS).put(rid, {
            "id": rid, "event_id": event["id"], "session_id": session["id"], "format": "mp4",
            "duration_seconds": duration, "processing_status": "processing", "created_at": iso(twin, now)})
        event["recording_count"] = int(event.get("recording_count") or 0) + 1


def _finish_recordings(twin: Twin, tenant: str, event: dict[str, Any], at: float) -> None:
    recordings = twin.collection(tenant, RECORDINGS)
    for recording in recordings.find({"event_id": event["id"]}, limit=_MOST_SESSIONS).items:
        if recording["processing_status"] != "processing":
            continue
        size = blobs(twin).write(tenant, replay_key(str(recording["id"])), media.mp4(int(recording["duration_seconds"])))
        recording.update(processing_status="completed", size_bytes=size, completed_at=iso(twin, at))
        recordings.put(str(recording["id"]), recording)


def replay_key(recording_id: str) -> str:
    return f"live-events/{recording_id}/recording.mp4"


def replay_path(recording_id: str) -> str:
    return f"/v1/live-events/replays/{recording_id}/recording.mp4"


def recordings_of(twin: Twin, tenant: str, event_id: str) -> list[dict[str, Any]]:
    return twin.collection(tenant, RECORDINGS).find({"event_id": event_id}, newest_first=True,
                                                    limit=_MOST_SESSIONS).items


def recording_view(twin: Twin, base_url: str, recording: dict[str, Any]) -> dict[str, Any]:
    shown = {k: v for k, v in recording.items() if not k.startswith("_") and k != "event_id"}
    if recording["processing_status"] == "completed":
        shown["replay_url"] = presigned(twin, base_url, replay_path(str(recording["id"])), REPLAY_SECONDS)
    return shown


def replay(twin: Twin, tenant: str, base_url: str, event: dict[str, Any]) -> dict[str, Any] | None:
    """The newest completed recording as ``replay_playback``, when the event offers replays."""
    if event["status"] != "ended" or not event.get("replay_enabled"):
        return None
    for recording in recordings_of(twin, tenant, str(event["id"])):
        if recording["processing_status"] == "completed":
            return {"url": presigned(twin, base_url, replay_path(str(recording["id"])), REPLAY_SECONDS),
                    "protocol": "mp4", "duration_seconds": recording["duration_seconds"],
                    "expires_at": iso(twin, twin.clock.now() + REPLAY_SECONDS)}
    return None


def view(event: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in event.items() if not k.startswith("_") and v is not None}


def sessions_view(event: dict[str, Any]) -> list[dict[str, Any]]:
    return [{k: v for k, v in s.items() if not k.startswith("_")} for s in reversed(event["_sessions"])]


def events_of(collection: Collection, status: str | None, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
    where: dict[str, Any] = {"_deleted": False}
    if status:
        where["status"] = status
    found = collection.find(where, newest_first=True, limit=limit, offset=offset).items
    return found, collection.count(**where)


def run_step(twin: Twin, job: Job) -> None:
    load(twin, job.tenant, str(job.payload.get("event_id", "")))


JOBS = {JOB_KIND: run_step}
