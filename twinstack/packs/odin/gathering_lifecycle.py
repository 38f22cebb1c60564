"""A gathering's start, end and cancellation, by request or by its own schedule (durable jobs).

Starting one with ``autoStartSession`` opens a transcription session on its
room (title = the gathering's name, ``externalRoomId`` = the room), emitted
after ``gathering.started``; ending it stops that session.
"""

from __future__ import annotations

import importlib
from typing import Any

from twinstack.engine.twin import Twin
from twinstack.packs.odin import gatherings as model
from twinstack.packs.odin import invitations
from twinstack.store import Job

STARTABLE = frozenset({"pending", "active"})


class NotAllowed(Exception):
    """The gathering's state does not allow the change (a 400)."""


def _sessions() -> Any:
    try:
        return importlib.import_module("twinstack.packs.odin.sessions")
    except ImportError:
        return None


def start(twin: Twin, tenant: str, record: dict[str, Any], room_id: str) -> dict[str, Any]:
    if record["status"] not in STARTABLE:
        raise NotAllowed(f"Gathering is {record['status']} and cannot be started")
    started = model.transition(twin, tenant, record, "started", "gathering.started", roomId=room_id)
    if started.get("autoStartSession"):
        sessions = _sessions()
        opener = getattr(sessions, "open_for_gathering", None) if sessions is not None else None
        if opener is not None:
            session_id = opener(twin, tenant, str(record["projectId"]), title=str(record["name"]), room_id=room_id)
            if session_id:
                started = {**started, "sessionId": str(session_id)}
                model.gatherings(twin, tenant).put(str(record["id"]), started)
    return started


def end(twin: Twin, tenant: str, record: dict[str, Any]) -> dict[str, Any]:
    if record["status"] in model.FINAL:
        raise NotAllowed(f"Gathering is {record['status']} and cannot be ended")
    ended = model.transition(twin, tenant, record, "ended", "gathering.ended")
    sessions = _sessions()
    closer = getattr(sessions, "close_for_gathering", None) if sessions is not None else None
    if closer is not None and record.get("sessionId"):
        closer(twin, tenant, str(record["projectId"]), str(record["sessionId"]))
    return ended


def cancel(twin: Twin, tenant: str, record: dict[str, Any]) -> dict[str, Any]:
    if record["status"] in model.FINAL:
        raise NotAllowed(f"Gathering is {record['status']} and cannot be cancelled")
    cancelled = model.transition(twin, tenant, record, "cancelled", "gathering.cancelled")
    invitations.notify_cancelled(twin, tenant, cancelled)
    return cancelled


def run_start(twin: Twin, job: Job) -> None:
    """An appointment's own start at ``startsAt``, on its room."""
    record = model.gatherings(twin, job.tenant).get(str(job.payload.get("gatheringId", "")))
    if record is None or record["status"] not in STARTABLE:
        return
    start(twin, job.tenant, record, str(record.get("roomId") or record["joinCode"]))


def run_close(twin: Twin, job: Job) -> None:
    """At ``expiresAt``: a started appointment ends; a gathering never started expires."""
    record = model.gatherings(twin, job.tenant).get(str(job.payload.get("gatheringId", "")))
    if record is None or record["status"] in model.FINAL:
        return
    if record["status"] == "started":
        if record["type"] == "appointment":
            end(twin, job.tenant, record)
        return
    model.transition(twin, job.tenant, record, "expired", "gathering.updated", changes={"status": record["status"]})


JOBS = {model.START_JOB: run_start, model.CLOSE_JOB: run_close}
