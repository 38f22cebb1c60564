"""A gathering's start, end and cancellation, by request or by its own schedule (durable jobs).

Starting one with ``autoStartSession`` opens a transcription session on its
room (title = the gathering's name, ``externalRoomId`` = the room), emitted
after ``gathering.started``; ending it stops that session.
"""

from __future__ import annotations

from typing import Any

from twinstack.engine.twin import Twin
from twinstack.packs.odin import bot, sessions
from twinstack.packs.odin import gatherings as model
from twinstack.packs.odin import invitations
from twinstack.packs.odin.app_settings import provider
from twinstack.store import Job

STARTABLE = frozenset({"pending", "active"})


class NotAllowed(Exception):
    """The gathering's state does not allow the change (a 400)."""


def start(twin: Twin, tenant: str, record: dict[str, Any], room_id: str) -> dict[str, Any]:
    if record["status"] not in STARTABLE:
        raise NotAllowed(f"Gathering is {record['status']} and cannot be started")
    started = model.transition(twin, tenant, record, "started", "gathering.started", roomId=room_id)
    project_id = str(record["projectId"])
    # A session needs the project's token provider, as createSession does; without one none is opened.
    if started.get("autoStartSession") and provider(twin, tenant, project_id) is not None:
        session = sessions.create(twin, tenant, project_id, {"title": record["name"], "externalRoomId": room_id},
                                  str(record.get("_createdBy") or ""))
        bot.schedule_start(twin, tenant, session)
        started = {**started, "sessionId": session["id"]}
        model.gatherings(twin, tenant).put(str(record["id"]), started)
    return started


def end(twin: Twin, tenant: str, record: dict[str, Any]) -> dict[str, Any]:
    if record["status"] in model.FINAL:
        raise NotAllowed(f"Gathering is {record['status']} and cannot be ended")
    ended = model.transition(twin, tenant, record, "ended", "gathering.ended")
    session = sessions.any_session(twin, tenant, str(record.get("sessionId") or ""))
    if session is not None and session.get("status") == sessions.ACTIVE:
        bot.stop(twin, tenant, session)
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
