"""Tag ``Sessions``: transcription sessions and their bot; the ``speak`` and ``leave`` controls.

Controls (what only the voice room causes; see the README):

- ``POST /_twinstack/odin/speak {"tenant", "projectId", "roomId" | "sessionId", "userId", "text", "name"?}``:
  the peer ``userId`` (an ODIN user id) joins the room if it is not there and says ``text``; every
  running bot of the room transcribes it (``message.created``) and the project's plugins run on it
  before the answer, which lists the messages and their annotations.
- ``POST /_twinstack/odin/leave {"tenant", "projectId", "roomId" | "sessionId", "userId"}``: the peer leaves.
"""

from __future__ import annotations

from typing import Any

from twinstack.engine.context import Reply, RequestContext
from twinstack.engine.pack import Control, Handler, PackJob
from twinstack.engine.twin import Twin
from twinstack.errors import NotFound
from twinstack.packs.odin import bot
from twinstack.packs.odin.annotations import drop_session_type, of_message
from twinstack.packs.odin.app_settings import provider
from twinstack.packs.odin.messages import forget_participant, transcript
from twinstack.packs.odin.plugins import (
    ACTIONS,
    BY_ID,
    enabled_instances,
    run_on_session_end,
)
from twinstack.packs.odin.project_scope import (
    bad_field,
    caller_id,
    refused,
    require_project,
)
from twinstack.packs.odin.sessions import (
    ACTIVE,
    ENDED,
    SESSION_INDEXES,
    SESSIONS,
    any_session,
    create,
    get_session,
    set_status,
    view,
)
from twinstack.store import Job

SUMMARY_JOB = "odin.plugins.summary"


def _found(ctx: RequestContext) -> tuple[dict[str, Any], dict[str, Any]]:
    project = require_project(ctx)
    session = get_session(ctx.twin, ctx.tenant, str(project["id"]), str(ctx.path["id"]))
    if session is None:
        raise NotFound("Session not found", field="id")
    return project, session


def _configured(ctx: RequestContext, project_id: str) -> None:
    if provider(ctx.twin, ctx.tenant, project_id) is None:
        raise refused("Project settings not configured")


async def create_session(ctx: RequestContext) -> Any:
    project = require_project(ctx)
    body = dict(ctx.body)
    for name in ("title", "externalRoomId"):
        if not isinstance(body.get(name), str) or not body[name].strip():
            raise bad_field("body", name, "should not be empty", body.get(name))
    timeout = body.get("idleTimeout")
    if timeout is not None and timeout < 0:
        raise bad_field("body", "idleTimeout", "must not be less than 0", timeout)
    _configured(ctx, str(project["id"]))
    session = create(ctx.twin, ctx.tenant, str(project["id"]), body, caller_id(ctx))
    if body.get("autoStart", True) is not False:
        session = bot.schedule_start(ctx.twin, ctx.tenant, session)
    return Reply(view(session), status=201)


async def list_sessions(ctx: RequestContext) -> Any:
    project = require_project(ctx)
    return [view(s) for s in ctx.collection(SESSIONS).find({"projectId": str(project["id"])}).items]


async def get_one(ctx: RequestContext) -> Any:
    return view(_found(ctx)[1])


async def start_session(ctx: RequestContext) -> Any:
    project, session = _found(ctx)
    _configured(ctx, str(project["id"]))
    if session.get("status") == ENDED:
        session = set_status(ctx.twin, ctx.tenant, session, ACTIVE)
    if session.get("_bot") not in ("starting", "running"):
        bot.schedule_start(ctx.twin, ctx.tenant, session)
    return Reply({"message": "Bot start command sent"}, status=201)


async def stop_session(ctx: RequestContext) -> Any:
    _, session = _found(ctx)
    bot.stop(ctx.twin, ctx.tenant, session)
    return Reply({"message": "Bot stop command sent"}, status=201)


async def session_actions(ctx: RequestContext) -> Any:
    project, session = _found(ctx)
    groups = []
    for instance in enabled_instances(ctx.twin, ctx.tenant, str(project["id"])):
        plugin = BY_ID.get(str(instance["pluginId"]))
        if plugin is not None and ACTIONS.get(plugin["slug"]):
            groups.append({"pluginSlug": plugin["slug"], "pluginName": plugin["name"], "pluginIcon": plugin.get("icon"),
                           "instanceId": instance["id"], "actions": ACTIONS[plugin["slug"]]})
    return {"sessionId": session["id"], "plugins": groups}


async def regenerate_summary(ctx: RequestContext) -> Any:
    _, session = _found(ctx)
    drop_session_type(ctx.twin, ctx.tenant, str(session["id"]), "summary")
    ctx.twin.scheduler.schedule(SUMMARY_JOB, 0.0, service=ctx.slug, tenant=ctx.tenant,
                                payload={"sessionId": session["id"]})
    return {"message": "Summary regeneration triggered"}


# -- jobs ---------------------------------------------------------------------------
async def bot_start_job(twin: Twin, job: Job) -> None:
    await bot.run_start(twin, job.tenant, str(job.payload["sessionId"]))


async def idle_job(twin: Twin, job: Job) -> None:
    bot.run_idle(twin, job.tenant, str(job.payload["sessionId"]), float(job.payload["since"]))


async def summary_job(twin: Twin, job: Job) -> None:
    session = any_session(twin, job.tenant, str(job.payload["sessionId"]))
    if session is not None:
        run_on_session_end(twin, job.tenant, session, transcript(twin, job.tenant, str(session["id"])),
                           only="session-summary")


# -- reactions ----------------------------------------------------------------------
def _ended(twin: Twin, tenant: str, event: dict[str, Any]) -> None:
    data = event["payload"].get("data") or {}
    if event.get("source") != "cortex:api" or data.get("status") != ENDED:
        return
    if (event["payload"].get("changes") or {}).get("status") != ACTIVE:
        return
    session = any_session(twin, tenant, str(data.get("id", "")))
    if session is not None:
        run_on_session_end(twin, tenant, session, transcript(twin, tenant, str(session["id"])))


def _participant_gone(twin: Twin, tenant: str, event: dict[str, Any]) -> None:
    forget_participant(twin, tenant, str((event["payload"].get("data") or {}).get("id", "")))


# -- controls -----------------------------------------------------------------------
def _where(twin: Twin, body: dict[str, Any]) -> tuple[str, str, str] | dict[str, Any]:
    tenant = str(body.get("tenant") or "")
    if not tenant or not body.get("userId"):
        return {"error": "expected {\"tenant\", \"projectId\", \"roomId\" | \"sessionId\", \"userId\", ...}"}
    if body.get("sessionId"):
        session = any_session(twin, tenant, str(body["sessionId"]))
        if session is None:
            return {"error": "unknown sessionId"}
        return tenant, str(session["projectId"]), str(session["externalRoomId"])
    if not body.get("projectId") or not body.get("roomId"):
        return {"error": "expected projectId and roomId (or a sessionId)"}
    return tenant, str(body["projectId"]), str(body["roomId"])


async def speak(twin: Twin, body: dict[str, Any], request: Any) -> Any:
    where = _where(twin, body)
    if isinstance(where, dict):
        return where
    if not isinstance(body.get("text"), str) or not body["text"].strip():
        return {"error": "expected a non-empty text"}
    tenant, project_id, room_id = where
    # A bot still joining (a job due now) hears what is said next.
    await twin.scheduler.run_due()
    said = bot.say(twin, tenant, project_id, room_id, str(body["userId"]), body["text"].strip(),
                   name=str(body["name"]) if body.get("name") else None)
    await twin.scheduler.run_due()
    return {"messages": [{**{k: v for k, v in m.items() if not k.startswith("_")},
                          "annotations": of_message(twin, tenant, str(m["id"]))} for m in said]}


async def leave(twin: Twin, body: dict[str, Any], request: Any) -> Any:
    where = _where(twin, body)
    if isinstance(where, dict):
        return where
    tenant, project_id, room_id = where
    await twin.scheduler.run_due()
    bot.leave(twin, tenant, project_id, room_id, str(body["userId"]))
    await twin.scheduler.run_due()
    return {"left": True}


INDEXES = SESSION_INDEXES
JOBS: dict[str, PackJob] = {bot.BOT_START_JOB: bot_start_job, bot.IDLE_JOB: idle_job, SUMMARY_JOB: summary_job}
CONTROLS: dict[str, Control] = {"speak": speak, "leave": leave}
REACTIONS = (
    (("participant.joined", "participant.left", "message.created"), bot.on_voice_event),
    (("session.updated",), _ended),
    (("participant.deleted",), _participant_gone),
)
HANDLERS: dict[str, Handler] = {
    "createSession": create_session,
    "listSessions": list_sessions,
    "getSession": get_one,
    "startSession": start_session,
    "stopSession": stop_session,
    "getSessionActions": session_actions,
    "regenerateSummary": regenerate_summary,
}
