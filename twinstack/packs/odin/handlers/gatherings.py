"""Tag ``Gatherings`` (gatherings and members): lobbies, appointments and open rooms, joined by code.

``projectId`` and ``tenantId`` are the path's and the caller's; ``memberCount``
counts the joined and ready members (``gatherings.py``). A join code is
matched however it is typed (``join_codes.py``). Invitations are in
``gathering_invitations.py``.
"""

from __future__ import annotations

import uuid
from typing import Any

from twinstack.engine.context import Reply, RequestContext
from twinstack.engine.pack import Handler
from twinstack.engine.twin import Twin
from twinstack.errors import NotFound
from twinstack.packs.odin import gathering_lifecycle as lifecycle
from twinstack.packs.odin import gatherings as model
from twinstack.packs.odin import invitations, join_codes
from twinstack.packs.odin.events import emit
from twinstack.packs.odin.participants import find_or_create, get_participant
from twinstack.packs.odin.project_scope import (
    bad_field, caller_id, page_params, parse_instant, refused, require_project, stamp, whole_number,
)

INDEXES = {**model.INDEXES, **invitations.INDEXES}
JOBS = lifecycle.JOBS
EDITABLE = ("name", "maxMembers", "accessPolicy", "listed", "startsAt", "endsAt", "properties", "description",
            "inviterName", "inviterEmail")


def project_id_of(ctx: RequestContext) -> str:
    return str(require_project(ctx)["id"])


def gathering_of(ctx: RequestContext, project_id: str) -> dict[str, Any]:
    found = model.get(ctx.twin, ctx.tenant, project_id, str(ctx.path["id"]))
    if found is None:
        raise NotFound("Gathering not found", field="id")
    return found


def participant_of(ctx: RequestContext, project_id: str, participant_id: Any, name: str = "participantId") -> dict[str, Any]:
    found = get_participant(ctx.twin, ctx.tenant, project_id, str(participant_id or ""))
    if found is None:
        raise NotFound("Participant not found", field=name)
    return found


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise bad_field("body", "name", "should not be empty", value)
    return value.strip()


def _times(body: dict[str, Any], record: dict[str, Any] | None = None) -> tuple[float | None, float | None]:
    starts = record.get("_startsAt") if record else None
    ends = record.get("_endsAt") if record else None
    if body.get("startsAt") is not None:
        starts = parse_instant(body["startsAt"], "startsAt")
    if body.get("endsAt") is not None:
        ends = parse_instant(body["endsAt"], "endsAt")
    if starts is not None and ends is not None and ends <= starts:
        raise bad_field("body", "endsAt", "must be later than startsAt", body.get("endsAt"))
    return starts, ends


def _expires(kind: str, created: float, starts: float | None, ends: float | None) -> float | None:
    if kind == "appointment":
        return ends if ends is not None else (starts + model.UNSCHEDULED_LIFETIME if starts is not None else None)
    return created + model.UNSCHEDULED_LIFETIME


async def create_gathering(ctx: RequestContext) -> Any:
    project_id = project_id_of(ctx)
    body: dict[str, Any] = ctx.body
    name = _name(body.get("name"))
    max_members = whole_number(body.get("maxMembers"), "maxMembers", default=model.DEFAULT_MAX_MEMBERS, minimum=2,
                               location="body")
    starts, ends = _times(body)
    owner = participant_of(ctx, project_id, body["ownerId"], "ownerId") if body.get("ownerId") else None
    gathering_id = str(uuid.uuid4())
    now = ctx.now
    code = join_codes.reserve(ctx.twin, ctx.tenant, project_id, gathering_id)
    record: dict[str, Any] = {"id": gathering_id, "projectId": project_id, "tenantId": ctx.tenant, "name": name}
    for field in ("description", "inviterName", "inviterEmail"):
        if body.get(field) is not None:
            record[field] = body[field]
    record.update(type=body["type"], status="active" if body["type"] == "open" else "pending", maxMembers=max_members,
                  memberCount=0, accessPolicy=body.get("accessPolicy") or "public", listed=bool(body.get("listed", False)))
    if starts is not None:
        record["startsAt"] = stamp(ctx, starts)
    if ends is not None:
        record["endsAt"] = stamp(ctx, ends)
    if body.get("timezone"):
        record["timezone"] = body["timezone"]
    record.update(roomId=body.get("roomId") or code, autoStartSession=bool(body.get("autoStartSession", False)),
                  joinCode=code, properties=dict(body.get("properties") or {}))
    if owner is not None:
        record["ownerId"] = owner["id"]
    record["createdAt"] = stamp(ctx, now)
    expires = _expires(str(body["type"]), now, starts, ends)
    if expires is not None:
        record["expiresAt"] = stamp(ctx, expires)
    record.update(_projectId=project_id, _createdBy=caller_id(ctx), _startsAt=starts, _endsAt=ends, _expiresAt=expires,
                  _searchProperties=dict(body.get("searchProperties") or {}),
                  _invitationUrl=body.get("invitationUrl"))
    with ctx.store.transaction():
        model.gatherings(ctx.twin, ctx.tenant).put(gathering_id, record)
        emit(ctx, "gathering.created", model.shown(record), project_id=project_id, resource_id=f"gathering:{gathering_id}")
        if owner is not None:
            record, _ = model.join(ctx.twin, ctx.tenant, gathering_id, owner, role="owner", invited=True)
        model.schedule(ctx.twin, ctx.tenant, record)
    _invite_listed(ctx, project_id, record, body.get("participants") or [])
    return Reply(model.shown(model.gatherings(ctx.twin, ctx.tenant).get(gathering_id) or record), status=201)


def _invite_listed(ctx: RequestContext, project_id: str, record: dict[str, Any], people: list[dict[str, Any]]) -> None:
    """``participants[]`` of a create: an invitation (and e-mail) each; a known user id also an invited member."""
    url = invitations.join_url(record, None, None)
    for person in people:
        participant = None
        if person.get("userId"):
            participant, _ = find_or_create(ctx.twin, ctx.tenant, project_id, str(person["userId"]),
                                            display_name=str(person.get("name") or "") or None)
            if model.member_of(ctx.twin, ctx.tenant, str(record["id"]), str(participant["id"])) is None:
                member = model.new_member(str(record["id"]), participant, "invited", "member", stamp(ctx))
                model.members(ctx.twin, ctx.tenant).put(str(member["id"]), member)
        email = str(person.get("email") or "")
        if participant is None and not invitations.is_address(email):
            continue  # an address that is not one never fails the call: that invitee is left out
        invitations.invite(ctx.twin, ctx.tenant, record, url=url, invited_by=record.get("ownerId"),
                           participant=participant, email=email if invitations.is_address(email) else None,
                           name=str(person.get("name") or "") or None)


async def list_gatherings(ctx: RequestContext) -> Any:
    project_id = project_id_of(ctx)
    limit, offset = page_params(ctx)
    where: dict[str, Any] = {"_projectId": project_id}
    for field in ("type", "status"):
        if ctx.query.get(field):
            where[field] = ctx.query[field]
    if ctx.query.get("listed") is not None:
        where["listed"] = ctx.query["listed"] in (True, "true")
    store = model.gatherings(ctx.twin, ctx.tenant)
    page = store.find(where, limit=limit, offset=offset).items
    return {"gatherings": [model.shown(g) for g in page], "total": store.count(**where)}


async def get_gathering(ctx: RequestContext) -> Any:
    record = gathering_of(ctx, project_id_of(ctx))
    return model.view(ctx.twin, ctx.tenant, record, with_members=ctx.query.get("includeMembers") in (True, "true"))


async def update_gathering(ctx: RequestContext) -> Any:
    project_id = project_id_of(ctx)
    record = gathering_of(ctx, project_id)
    if record["status"] in model.FINAL:
        raise refused(f"Gathering is {record['status']} and can no longer be changed")
    body: dict[str, Any] = ctx.body
    updated = dict(record)
    if "name" in body:
        updated["name"] = _name(body["name"])
    if "maxMembers" in body:
        updated["maxMembers"] = whole_number(body["maxMembers"], "maxMembers", default=record["maxMembers"], minimum=2,
                                             location="body")
        if updated["maxMembers"] < int(record["memberCount"]):
            raise bad_field("body", "maxMembers", "must not be less than the current member count", body["maxMembers"])
    for field in ("accessPolicy", "listed", "properties", "description", "inviterName", "inviterEmail"):
        if field in body:
            updated[field] = body[field]
    if "searchProperties" in body:
        updated["_searchProperties"] = body["searchProperties"]
    starts, ends = _times(body, record)
    for field, at in (("startsAt", starts), ("endsAt", ends)):
        if at is not None:
            updated[field] = stamp(ctx, at)
    updated.update(_startsAt=starts, _endsAt=ends)
    if record["type"] == "appointment":
        expires = _expires("appointment", ctx.now, starts, ends)
        updated["_expiresAt"] = expires
        if expires is not None:
            updated["expiresAt"] = stamp(ctx, expires)
    changes = {k: record.get(k) for k in EDITABLE if record.get(k) != updated.get(k)}
    if not changes:
        return model.shown(record)
    with ctx.store.transaction():
        model.gatherings(ctx.twin, ctx.tenant).put(str(record["id"]), updated)
        model.schedule(ctx.twin, ctx.tenant, updated)
        emit(ctx, "gathering.updated", model.shown(updated), project_id=project_id,
             resource_id=f"gathering:{record['id']}", changes=changes)
    return model.shown(updated)


def _lifecycle(call: Any, *args: Any) -> dict[str, Any]:
    try:
        result: dict[str, Any] = call(*args)
    except lifecycle.NotAllowed as refusal:
        raise refused(str(refusal)) from None
    return model.shown(result)


async def cancel_gathering(ctx: RequestContext) -> Any:
    record = gathering_of(ctx, project_id_of(ctx))
    return _lifecycle(lifecycle.cancel, ctx.twin, ctx.tenant, record)


async def start_gathering(ctx: RequestContext) -> Any:
    record = gathering_of(ctx, project_id_of(ctx))
    room = ctx.body.get("roomId")
    if not isinstance(room, str) or not room.strip():
        raise bad_field("body", "roomId", "should not be empty", room)
    return _lifecycle(lifecycle.start, ctx.twin, ctx.tenant, record, room)


async def end_gathering(ctx: RequestContext) -> Any:
    record = gathering_of(ctx, project_id_of(ctx))
    return _lifecycle(lifecycle.end, ctx.twin, ctx.tenant, record)


def joined_answer(ctx: RequestContext, gathering_id: str, participant: dict[str, Any], *, invited: bool) -> dict[str, Any]:
    """A JoinGatheringResponse: the member and gathering, or ``success: false`` with why."""
    try:
        record, member = model.join(ctx.twin, ctx.tenant, gathering_id, participant, invited=invited)
    except model.JoinRefused as refusal:
        answer: dict[str, Any] = {"success": False, "error": str(refusal)}
        current = model.gatherings(ctx.twin, ctx.tenant).get(gathering_id)
        if current is not None:
            answer["gathering"] = model.shown(current)
        return answer
    return {"success": True, "gathering": model.shown(record), "member": model.shown(member)}


async def join_by_code(ctx: RequestContext) -> Any:
    project_id = project_id_of(ctx)
    gathering_id = join_codes.gathering_of(ctx.twin, ctx.tenant, project_id, str(ctx.body.get("joinCode") or ""))
    if gathering_id is None:
        raise NotFound("Gathering not found", field="joinCode")
    participant = participant_of(ctx, project_id, ctx.body.get("participantId"))
    return joined_answer(ctx, gathering_id, participant, invited=False)


async def lookup_by_code(ctx: RequestContext) -> Any:
    project_id = project_id_of(ctx)
    gathering_id = join_codes.gathering_of(ctx.twin, ctx.tenant, project_id, str(ctx.path["joinCode"]))
    record = model.get(ctx.twin, ctx.tenant, project_id, gathering_id) if gathering_id else None
    if record is None:
        raise NotFound("Gathering not found", field="joinCode")
    return model.shown(record)


async def add_member(ctx: RequestContext) -> Any:
    project_id = project_id_of(ctx)
    record = gathering_of(ctx, project_id)
    participant = participant_of(ctx, project_id, ctx.body.get("participantId"))
    try:
        _, member = model.join(ctx.twin, ctx.tenant, str(record["id"]), participant,
                               role=str(ctx.body.get("role") or "member"), invited=True,
                               properties=ctx.body.get("properties"))
    except model.JoinRefused as refusal:
        raise refused(str(refusal)) from None
    return Reply(model.shown(member), status=201)


async def list_members(ctx: RequestContext) -> Any:
    record = gathering_of(ctx, project_id_of(ctx))
    return model.members_of(ctx.twin, ctx.tenant, str(record["id"]))


async def update_member(ctx: RequestContext) -> Any:
    record = gathering_of(ctx, project_id_of(ctx))
    member = model.members(ctx.twin, ctx.tenant).get(str(ctx.path["memberId"]))
    if member is None or member.get("gatheringId") != record["id"]:
        raise NotFound("Member not found", field="memberId")
    status = ctx.body.get("status")
    if status == "invited" and member["status"] != "invited":
        raise bad_field("body", "status", "cannot be set back to invited", status)
    if record["status"] in model.FINAL:
        raise refused(f"Gathering is {record['status']} and can no longer be changed")
    try:
        updated = model.change_member(ctx.twin, ctx.tenant, record, member, status, ctx.body.get("properties"))
    except model.JoinRefused as refusal:
        raise refused(str(refusal)) from None
    return model.shown(updated)


async def remove_member(ctx: RequestContext) -> Any:
    record = gathering_of(ctx, project_id_of(ctx))
    member = model.member_of(ctx.twin, ctx.tenant, str(record["id"]), str(ctx.path["participantId"]))
    if member is None:
        raise NotFound("Member not found", field="participantId")
    model.change_member(ctx.twin, ctx.tenant, record, member, None, None, remove=True)
    return Reply(None, status=204)


def _participant_gone(twin: Twin, tenant: str, event: dict[str, Any]) -> None:
    model.forget_participant(twin, tenant, str((event["payload"].get("data") or {}).get("id", "")))


REACTIONS = ((("participant.deleted",), _participant_gone),)
HANDLERS: dict[str, Handler] = {
    "createGathering": create_gathering,
    "listGatherings": list_gatherings,
    "getGathering": get_gathering,
    "updateGathering": update_gathering,
    "cancelGathering": cancel_gathering,
    "startGathering": start_gathering,
    "endGathering": end_gathering,
    "joinByCode": join_by_code,
    "lookupByCode": lookup_by_code,
    "addMember": add_member,
    "listMembers": list_members,
    "updateMember": update_member,
    "removeMember": remove_member,
}
