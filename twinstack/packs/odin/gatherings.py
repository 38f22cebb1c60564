"""ODIN gatherings: lobbies, appointments and open rooms, their members, and their lifecycle on the twin clock.

A gathering starts ``pending`` (``open`` ones ``active`` at once), becomes
``active`` at its first join, ``started`` when started (with a linked session
when ``autoStartSession``), then ``ended``; a DELETE makes it ``cancelled``
and one not started by its ``expiresAt`` becomes ``expired``. ``ended``,
``cancelled`` and ``expired`` are final. ``memberCount`` is the number of
``joined`` or ``ready`` members, kept in the gathering's record and changed
in the transaction that changes a member, so it is never a guess and
``maxMembers`` is checked against it where the member is written.

Durable jobs keep the schedule: an appointment with ``startsAt`` and
``autoStartSession`` starts itself then (``START_JOB``), and every gathering
is closed at its ``expiresAt`` (``CLOSE_JOB``: a started appointment ends, one
never started expires).
"""

from __future__ import annotations

import uuid
from typing import Any

from twinstack.engine.state import Collection
from twinstack.engine.twin import Twin
from twinstack.packs.odin.events import emit_for
from twinstack.packs.odin.participants import is_uuid
from twinstack.store import Job

GATHERINGS = "gatherings"
MEMBERS = "gathering-members"
INDEXES: dict[str, tuple[str, ...]] = {
    GATHERINGS: ("_projectId", "type", "status", "listed"),
    MEMBERS: ("gatheringId", "participantId"),
}
START_JOB = "odin.gatherings.start"
CLOSE_JOB = "odin.gatherings.close"

FINAL = frozenset({"ended", "cancelled", "expired"})
COUNTED = frozenset({"joined", "ready"})
DEFAULT_MAX_MEMBERS = 10
UNSCHEDULED_LIFETIME = 24 * 3600.0
"""A lobby or open gathering not started within a day expires (a twin choice)."""


class JoinRefused(Exception):
    """A join the API answers with ``success: false`` and this message."""


def gatherings(twin: Twin, tenant: str) -> Collection:
    return twin.collection(tenant, GATHERINGS)


def members(twin: Twin, tenant: str) -> Collection:
    return twin.collection(tenant, MEMBERS)


def shown(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if not k.startswith("_")}


def get(twin: Twin, tenant: str, project_id: str, gathering_id: str) -> dict[str, Any] | None:
    found = gatherings(twin, tenant).get(gathering_id) if is_uuid(gathering_id) else None
    return found if found is not None and found.get("_projectId") == project_id else None


def members_of(twin: Twin, tenant: str, gathering_id: str) -> list[dict[str, Any]]:
    # At most maxMembers (<= 100) counted members and their invitees: the whole list is the answer.
    return [shown(m) for m in members(twin, tenant).find({"gatheringId": gathering_id}).items]


def view(twin: Twin, tenant: str, record: dict[str, Any], *, with_members: bool = False) -> dict[str, Any]:
    out = shown(record)
    if with_members:
        out["members"] = members_of(twin, tenant, str(record["id"]))
    return out


def member_of(twin: Twin, tenant: str, gathering_id: str, participant_id: str) -> dict[str, Any] | None:
    return members(twin, tenant).find_one(gatheringId=gathering_id, participantId=participant_id)


def _stamp(twin: Twin, at: float | None = None) -> str:
    return twin.clock.iso(at, millis=True)


def _emit(twin: Twin, tenant: str, record: dict[str, Any], event_type: str, data: dict[str, Any] | None = None,
          changes: dict[str, Any] | None = None) -> None:
    emit_for(twin, tenant, event_type, data if data is not None else shown(record),
             project_id=str(record["projectId"]), resource_id=f"gathering:{record['id']}", changes=changes)


def new_member(gathering_id: str, participant: dict[str, Any], status: str, role: str, now: str,
               properties: dict[str, Any] | None = None) -> dict[str, Any]:
    member: dict[str, Any] = {
        "id": str(uuid.uuid4()), "gatheringId": gathering_id, "participantId": participant["id"],
        "displayName": participant.get("displayName") or participant.get("externalUserId") or "",
        "status": status, "role": role, "properties": dict(properties or {}),
    }
    member["invitedAt" if status == "invited" else "joinedAt"] = now
    return member


def join(twin: Twin, tenant: str, gathering_id: str, participant: dict[str, Any], *, role: str = "member",
         invited: bool = False, properties: dict[str, Any] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Make ``participant`` a joined member; the gathering and the member. ``JoinRefused`` when it may not join.

    ``invited`` is a join through an accepted invitation, which an invite-only gathering lets in.
    """
    with twin.store.transaction():
        record = gatherings(twin, tenant).get(gathering_id)
        if record is None:
            raise JoinRefused("Gathering not found")
        if record["status"] in FINAL:
            raise JoinRefused(f"Gathering is {record['status']}")
        member = member_of(twin, tenant, gathering_id, str(participant["id"]))
        if member is not None and member["status"] in COUNTED:
            return record, member
        if record["accessPolicy"] == "invite-only" and not invited and (member is None or member["status"] != "invited"):
            raise JoinRefused("Gathering is invite-only")
        if int(record["memberCount"]) >= int(record["maxMembers"]):
            raise JoinRefused("Gathering is full")
        now = _stamp(twin)
        if member is None:
            member = new_member(gathering_id, participant, "joined", role, now, properties)
        else:
            # A member who left, or was invited, is the same member joining (again).
            member = {**member, "status": "joined", "joinedAt": now, "role": role if role == "owner" else member["role"]}
            if properties:
                member["properties"] = dict(properties)
        members(twin, tenant).put(str(member["id"]), member)
        before = record["status"]
        record = {**record, "memberCount": int(record["memberCount"]) + 1,
                  "status": "active" if before == "pending" else before}
        gatherings(twin, tenant).put(gathering_id, record)
        _emit(twin, tenant, record, "gathering.member.joined", {"gatheringId": gathering_id, "member": shown(member)})
        if before != record["status"]:
            _emit(twin, tenant, record, "gathering.updated", changes={"status": before})
    return record, member


def change_member(twin: Twin, tenant: str, record: dict[str, Any], member: dict[str, Any], status: str | None,
                  properties: dict[str, Any] | None, *, remove: bool = False) -> dict[str, Any]:
    """Set a member's status/properties (or remove it); counts and events follow. Raises ``JoinRefused``
    when it would rejoin a full or closed gathering."""
    gathering_id = str(record["id"])
    if status == "joined" and member["status"] not in COUNTED:
        participant = {"id": member["participantId"], "displayName": member["displayName"]}
        _, joined = join(twin, tenant, gathering_id, participant, invited=True, properties=properties)
        return joined
    with twin.store.transaction():
        fresh = gatherings(twin, tenant).get(gathering_id) or record
        updated = dict(member)
        if properties is not None:
            updated["properties"] = dict(properties)
        leaving = remove or (status == "left" and member["status"] in COUNTED)
        if status is not None:
            updated["status"] = status
            if status == "ready" and member["status"] != "ready":
                updated["readyAt"] = _stamp(twin)
        if remove:
            members(twin, tenant).delete(str(member["id"]))
        else:
            members(twin, tenant).put(str(member["id"]), updated)
        if leaving and member["status"] in COUNTED:
            fresh = {**fresh, "memberCount": max(0, int(fresh["memberCount"]) - 1)}
            gatherings(twin, tenant).put(gathering_id, fresh)
        if leaving:
            _emit(twin, tenant, fresh, "gathering.member.left",
                  {"gatheringId": gathering_id, "participantId": member["participantId"]})
        elif status == "ready" and member["status"] != "ready":
            _emit(twin, tenant, fresh, "gathering.member.ready", {"gatheringId": gathering_id, "member": shown(updated)})
    return updated


MEMBERSHIPS_PER_PASS = 1000
"""Memberships of a deleted participant let go of in one reaction (a participant is in few gatherings)."""


def forget_participant(twin: Twin, tenant: str, participant_id: str) -> None:
    """A deleted participant leaves every gathering it was a member of (counts and events follow)."""
    if not participant_id:
        return
    for member in members(twin, tenant).find({"participantId": participant_id}, limit=MEMBERSHIPS_PER_PASS).items:
        record = gatherings(twin, tenant).get(str(member["gatheringId"]))
        if record is not None:
            change_member(twin, tenant, record, member, None, None, remove=True)


def transition(twin: Twin, tenant: str, record: dict[str, Any], status: str, event_type: str, *,
               changes: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    """Move the gathering to ``status`` and emit ``event_type`` (action ``occurred``) with it."""
    updated = {**record, **fields, "status": status}
    with twin.store.transaction():
        gatherings(twin, tenant).put(str(record["id"]), updated)
        _emit(twin, tenant, updated, event_type, changes=changes)
        for job in (START_JOB, CLOSE_JOB):
            if status in FINAL:
                twin.scheduler.cancel(job_id(job, str(record["id"])))
    return updated


def job_id(kind: str, gathering_id: str) -> str:
    return f"{kind}:{gathering_id}"


def schedule(twin: Twin, tenant: str, record: dict[str, Any]) -> None:
    """(Re)schedule the gathering's own start and its close from its current times."""
    gathering_id = str(record["id"])
    now = twin.clock.now()
    payload = {"gatheringId": gathering_id}
    starts = record.get("_startsAt")
    if record["type"] == "appointment" and starts is not None and record.get("autoStartSession"):
        twin.scheduler.schedule(START_JOB, float(starts) - now, service=twin.slug, tenant=tenant, payload=payload,
                                job_id=job_id(START_JOB, gathering_id))
    else:
        twin.scheduler.cancel(job_id(START_JOB, gathering_id))
    closes = record.get("_expiresAt")
    if closes is not None:
        twin.scheduler.schedule(CLOSE_JOB, float(closes) - now, service=twin.slug, tenant=tenant, payload=payload,
                                job_id=job_id(CLOSE_JOB, gathering_id))
