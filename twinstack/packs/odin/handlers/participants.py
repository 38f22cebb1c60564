"""Tag ``Participants``: create-or-find by ``externalUserId``, read, list with search, update, delete."""

from __future__ import annotations

from typing import Any

from twinstack.engine.context import Reply, RequestContext
from twinstack.engine.pack import Handler
from twinstack.errors import NotFound
from twinstack.packs.odin.participants import (
    PARTICIPANT_INDEXES,
    delete_participant,
    find_or_create,
    get_participant,
    page,
    update_participant,
)
from twinstack.packs.odin.project_scope import bad_field, page_params, require_project


def _found(ctx: RequestContext, project_id: str) -> dict[str, Any]:
    record = get_participant(ctx.twin, ctx.tenant, project_id, str(ctx.path["id"]))
    if record is None:
        raise NotFound("Participant not found", field="id")
    return record


async def create_participant(ctx: RequestContext) -> Any:
    project = require_project(ctx)
    external = ctx.body.get("externalUserId")
    if not isinstance(external, str) or not external.strip():
        raise bad_field("body", "externalUserId", "should not be empty", external)
    record, _ = find_or_create(ctx.twin, ctx.tenant, str(project["id"]), external,
                               display_name=ctx.body.get("displayName"), user_data=ctx.body.get("userData"))
    return Reply(record, status=201)


async def list_participants(ctx: RequestContext) -> Any:
    project = require_project(ctx)
    limit, offset = page_params(ctx)
    search = ctx.query.get("search")
    items, total = page(ctx.twin, ctx.tenant, str(project["id"]), limit=limit, offset=offset,
                        search=str(search) if search else None)
    return {"participants": items, "total": total}


async def get_one(ctx: RequestContext) -> Any:
    return _found(ctx, str(require_project(ctx)["id"]))


async def update_one(ctx: RequestContext) -> Any:
    record = _found(ctx, str(require_project(ctx)["id"]))
    wanted = {k: ctx.body[k] for k in ("displayName", "userData") if k in ctx.body}
    return update_participant(ctx.twin, ctx.tenant, record, wanted)


async def delete_one(ctx: RequestContext) -> Any:
    record = _found(ctx, str(require_project(ctx)["id"]))
    delete_participant(ctx.twin, ctx.tenant, record)
    return Reply(None, status=204)


INDEXES = PARTICIPANT_INDEXES
HANDLERS: dict[str, Handler] = {
    "createParticipant": create_participant,
    "listParticipants": list_participants,
    "getParticipant": get_one,
    "updateParticipant": update_one,
    "deleteParticipant": delete_one,
}
