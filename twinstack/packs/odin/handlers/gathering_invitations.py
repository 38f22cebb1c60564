"""Tag ``Gatherings`` (invitations): invite participants or addresses, list, accept and decline.

Accepting joins the gathering (an invite-only one too) under its member
limit; a full or closed gathering, or an invitation no longer pending, is
``success: false`` as Cortex reports it. Declining answers 204.
"""

from __future__ import annotations

from typing import Any

from twinstack.engine.context import Reply, RequestContext
from twinstack.engine.pack import Handler
from twinstack.errors import NotFound
from twinstack.packs.odin import gatherings as model
from twinstack.packs.odin import invitations
from twinstack.packs.odin.handlers.gatherings import gathering_of, joined_answer, participant_of, project_id_of
from twinstack.packs.odin.project_scope import bad_field, refused, stamp


def _invitation(ctx: RequestContext, project_id: str) -> dict[str, Any]:
    found = invitations.get(ctx.twin, ctx.tenant, project_id, str(ctx.path["invitationId"]))
    if found is None:
        raise NotFound("Invitation not found", field="invitationId")
    return found


async def send_invitations(ctx: RequestContext) -> Any:
    project_id = project_id_of(ctx)
    record = gathering_of(ctx, project_id)
    if record["status"] in model.FINAL:
        raise refused(f"Gathering is {record['status']} and takes no invitations")
    body: dict[str, Any] = ctx.body
    inviter = participant_of(ctx, project_id, body.get("invitedById"), "invitedById")
    people = [participant_of(ctx, project_id, pid, "participantIds") for pid in body.get("participantIds") or []]
    url = invitations.join_url(record, body.get("baseUrl"), body.get("customProtocol"))
    sent: list[dict[str, Any]] = []
    for person in people:
        if model.member_of(ctx.twin, ctx.tenant, str(record["id"]), str(person["id"])) is None:
            member = model.new_member(str(record["id"]), person, "invited", "member", stamp(ctx))
            model.members(ctx.twin, ctx.tenant).put(str(member["id"]), member)
        sent.append(invitations.invite(ctx.twin, ctx.tenant, record, url=url, invited_by=str(inviter["id"]),
                                       participant=person))
    for address in body.get("emails") or []:
        if invitations.is_address(str(address)):
            sent.append(invitations.invite(ctx.twin, ctx.tenant, record, url=url, invited_by=str(inviter["id"]),
                                           email=str(address)))
    return Reply([invitations.view(i, ctx.now) for i in sent], status=201)


async def list_invitations(ctx: RequestContext) -> Any:
    record = gathering_of(ctx, project_id_of(ctx))
    return [invitations.view(i, ctx.now) for i in invitations.of_gathering(ctx.twin, ctx.tenant, str(record["id"]))]


async def pending_invitations(ctx: RequestContext) -> Any:
    project_id = project_id_of(ctx)
    participant_id = ctx.query.get("participantId")
    if not participant_id:
        raise bad_field("query", "participantId", "should not be empty")
    found = invitations.invitations(ctx.twin, ctx.tenant).find(
        {"participantId": str(participant_id), "status": "pending"}).items
    return [invitations.view(i, ctx.now) for i in found
            if i.get("_projectId") == project_id and invitations.status_of(i, ctx.now) == "pending"]


async def accept_invitation(ctx: RequestContext) -> Any:
    project_id = project_id_of(ctx)
    invitation = _invitation(ctx, project_id)
    participant = participant_of(ctx, project_id, ctx.body.get("participantId"))
    status = invitations.status_of(invitation, ctx.now)
    if status != "pending":
        return {"success": False, "error": f"Invitation is {status}"}
    if invitation.get("participantId") and invitation["participantId"] != participant["id"]:
        return {"success": False, "error": "Invitation is for another participant"}
    answer = joined_answer(ctx, str(invitation["gatheringId"]), participant, invited=True)
    if answer["success"]:
        invitations.respond(ctx.twin, ctx.tenant, invitation, "accepted", str(participant["id"]))
    return answer


async def decline_invitation(ctx: RequestContext) -> Any:
    invitation = _invitation(ctx, project_id_of(ctx))
    status = invitations.status_of(invitation, ctx.now)
    if status != "pending":
        raise refused(f"Invitation is {status}")
    invitations.respond(ctx.twin, ctx.tenant, invitation, "declined", None)
    return Reply(None, status=204)


HANDLERS: dict[str, Handler] = {
    "sendInvitations": send_invitations,
    "listGatheringInvitations": list_invitations,
    "getPendingInvitations": pending_invitations,
    "acceptInvitation": accept_invitation,
    "declineInvitation": decline_invitation,
}
