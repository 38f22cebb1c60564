"""Tag ``Sanctions``: moderation records, active on creation, revoked with their audit kept, expiring on the clock.

Sanctions key on ``externalUserId`` across sessions (docs): one given by
``participantId`` takes the participant's user id. Nothing is ever deleted.
"""

from __future__ import annotations

import uuid
from typing import Any

from twinstack.engine.context import RequestContext
from twinstack.engine.pack import Handler
from twinstack.errors import NotFound
from twinstack.packs.odin import sanctions as model
from twinstack.packs.odin.events import emit
from twinstack.packs.odin.participants import get_participant, is_uuid
from twinstack.packs.odin.project_scope import (
    bad_field, caller_id, page_params, parse_instant, refused, require_project, stamp,
)

INDEXES = model.INDEXES
JOBS = model.JOBS
EDITABLE = ("type", "scope", "reason", "metadata", "endAt")


def _project_id(ctx: RequestContext) -> str:
    return str(require_project(ctx)["id"])


def _sanction(ctx: RequestContext, project_id: str) -> dict[str, Any]:
    sanction_id = str(ctx.path["id"])
    found = model.sanctions(ctx.twin, ctx.tenant).get(sanction_id) if is_uuid(sanction_id) else None
    if found is None or found.get("_projectId") != project_id:
        raise NotFound("Sanction not found", field="id")
    return found


def _end(body: dict[str, Any], start: float) -> float | None:
    if body.get("endAt") is None:
        return None
    end = parse_instant(body["endAt"], "endAt")
    if end <= start:
        raise bad_field("body", "endAt", "must be later than startAt", body["endAt"])
    return end


async def create_sanction(ctx: RequestContext) -> Any:
    project_id = _project_id(ctx)
    body: dict[str, Any] = ctx.body
    participant_id, external_id = body.get("participantId"), body.get("externalUserId")
    if not participant_id and not external_id:
        raise refused("Missing participant or user ID")
    participant = None
    if participant_id:
        participant = get_participant(ctx.twin, ctx.tenant, project_id, str(participant_id))
        if participant is None:
            raise NotFound("Participant not found", field="participantId")
        external_id = participant["externalUserId"]
    start = parse_instant(body["startAt"], "startAt") if body.get("startAt") is not None else ctx.now
    end = _end(body, start)
    now = stamp(ctx)
    record: dict[str, Any] = {"id": str(uuid.uuid4()), "tenantId": ctx.tenant}
    if participant is not None:
        record["participantId"] = participant["id"]
    record["externalUserId"] = str(external_id)
    if body.get("sessionId"):
        record["sessionId"] = str(body["sessionId"])
    record["type"] = body["type"]
    for name in ("scope", "reason", "metadata"):
        if body.get(name) is not None:
            record[name] = body[name]
    record["startAt"] = stamp(ctx, start)
    if end is not None:
        record["endAt"] = stamp(ctx, end)
    record.update(createdByUserId=caller_id(ctx), createdAt=now, updatedAt=now,
                  _projectId=project_id, _state="active", _startAt=start, _endAt=end)
    with ctx.store.transaction():
        model.sanctions(ctx.twin, ctx.tenant).put(record["id"], record)
        model.schedule_expiry(ctx.twin, ctx.tenant, record)
        shown = model.view(ctx.twin, ctx.tenant, record)
        emit(ctx, "sanction.created", shown, project_id=project_id, resource_id=f"sanction:{record['id']}")
    return shown


async def list_sanctions(ctx: RequestContext) -> Any:
    project_id = _project_id(ctx)
    limit, offset = page_params(ctx)
    where: dict[str, Any] = {"_projectId": project_id}
    if ctx.query.get("type"):
        where["type"] = ctx.query["type"]
    if ctx.query.get("activeOnly") in (True, "true"):
        where["_state"] = "active"
    store = model.sanctions(ctx.twin, ctx.tenant)
    page = store.find(where, newest_first=True, limit=limit, offset=offset).items
    return {"sanctions": model.views(ctx.twin, ctx.tenant, page), "total": store.count(**where)}


async def get_sanction(ctx: RequestContext) -> Any:
    return model.view(ctx.twin, ctx.tenant, _sanction(ctx, _project_id(ctx)))


async def update_sanction(ctx: RequestContext) -> Any:
    project_id = _project_id(ctx)
    record = _sanction(ctx, project_id)
    if model.status_of(record, ctx.now) != "active":
        raise refused(f"Sanction is {model.status_of(record, ctx.now)} and can no longer be changed")
    body: dict[str, Any] = ctx.body
    updated = dict(record)
    for name in EDITABLE:
        if name in body and name != "endAt":
            updated[name] = body[name]
    if "endAt" in body:
        end = _end(body, float(record["_startAt"]))
        updated["_endAt"] = end
        if end is None:
            updated.pop("endAt", None)
        else:
            updated["endAt"] = stamp(ctx, end)
    changes = {k: record.get(k) for k in EDITABLE if record.get(k) != updated.get(k)}
    if not changes:
        return model.view(ctx.twin, ctx.tenant, record)
    updated["updatedAt"] = stamp(ctx)
    with ctx.store.transaction():
        model.sanctions(ctx.twin, ctx.tenant).put(str(record["id"]), updated)
        model.schedule_expiry(ctx.twin, ctx.tenant, updated)
        shown = model.view(ctx.twin, ctx.tenant, updated)
        emit(ctx, "sanction.updated", shown, project_id=project_id, resource_id=f"sanction:{record['id']}",
             changes=changes)
    return shown


async def revoke_sanction(ctx: RequestContext) -> Any:
    project_id = _project_id(ctx)
    record = _sanction(ctx, project_id)
    if record.get("_state") == "revoked":
        raise refused("Sanction is already revoked")
    now = stamp(ctx)
    revoked = {**record, "revokedAt": now, "revokedByUserId": caller_id(ctx), "updatedAt": now, "_state": "revoked"}
    reason = ctx.body.get("reason") if isinstance(ctx.body, dict) else None
    if reason:
        # The response has no field for it; the audit trail keeps it beside the sanction's own metadata.
        revoked["metadata"] = {**(record.get("metadata") or {}), "revocationReason": reason}
    with ctx.store.transaction():
        model.sanctions(ctx.twin, ctx.tenant).put(str(record["id"]), revoked)
        ctx.twin.scheduler.cancel(model.expire_job_id(str(record["id"])))
        shown = model.view(ctx.twin, ctx.tenant, revoked)
        emit(ctx, "sanction.revoked", shown, project_id=project_id, resource_id=f"sanction:{record['id']}")
    return shown


async def sanctions_by_user(ctx: RequestContext) -> Any:
    project_id = _project_id(ctx)
    # A user's whole record is the answer (the operation has no paging).
    found = model.sanctions(ctx.twin, ctx.tenant).find(
        {"_projectId": project_id, "externalUserId": str(ctx.path["externalUserId"])}, newest_first=True).items
    return model.views(ctx.twin, ctx.tenant, found)


async def active_sanctions(ctx: RequestContext) -> Any:
    project_id = _project_id(ctx)
    where: dict[str, Any] = {"_projectId": project_id, "externalUserId": str(ctx.path["externalUserId"]),
                             "_state": "active"}
    if ctx.query.get("type"):
        where["type"] = ctx.query["type"]
    found = model.sanctions(ctx.twin, ctx.tenant).find(where, newest_first=True).items
    return [s for s in model.views(ctx.twin, ctx.tenant, found) if s["status"] == "active"]


async def sanctions_by_participant(ctx: RequestContext) -> Any:
    project_id = _project_id(ctx)
    found = model.sanctions(ctx.twin, ctx.tenant).find(
        {"_projectId": project_id, "participantId": str(ctx.path["participantId"])}, newest_first=True).items
    return model.views(ctx.twin, ctx.tenant, found)


HANDLERS: dict[str, Handler] = {
    "createSanction": create_sanction,
    "listSanctions": list_sanctions,
    "getSanction": get_sanction,
    "updateSanction": update_sanction,
    "revokeSanction": revoke_sanction,
    "getSanctionsByUser": sanctions_by_user,
    "getActiveSanctions": active_sanctions,
    "getSanctionsByParticipant": sanctions_by_participant,
}
