"""Sessions of a project: create, list, read and patch (the API has no session delete).

Messages, runs and their events are later work and still answer generically.
"""

from __future__ import annotations

from typing import Any

from twinstack.engine.context import RequestContext
from twinstack.engine.pack import Handler
from twinstack.packs.g4fagent import audit
from twinstack.packs.g4fagent.handlers.projects import PROJECTS, SESSIONS
from twinstack.packs.g4fagent.records import body_of, iso, obj, text, text_list

SETTINGS = ("/settings", "_")
"""Where ``PUT /settings`` keeps the tenant's settings; sessions take their default model from it."""
DEFAULTS = {"provider_id": "g4f", "model_id": "gpt-4o-mini"}


def _default(ctx: RequestContext, name: str) -> str:
    collection, rid = SETTINGS
    settings = ctx.collection(collection).get(rid) or {}
    value = settings.get(f"default_{name}")
    return value if isinstance(value, str) and value else DEFAULTS[name]


def _editable(body: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name in ("title", "status", "provider_id", "model_id", "config", "memory", "tags"):
        if name not in body:
            continue
        if name in ("config", "memory"):
            fields[name] = obj(body, name)
        elif name == "tags":
            fields[name] = text_list(body, name)
        else:
            fields[name] = text(body, name, required=name == "title")
    return fields


async def get_projects_project_id_sessions(ctx: RequestContext) -> dict[str, Any]:
    project = PROJECTS.load(ctx)
    return SESSIONS.page(ctx, {"project_id": project["id"]}, filters=("status",), search=("title",))


async def post_projects_project_id_sessions(ctx: RequestContext) -> dict[str, Any]:
    project = PROJECTS.load(ctx)
    body = body_of(ctx)
    fields = _editable(body)
    title = text(body, "title", required=True)
    session = SESSIONS.create(
        ctx,
        {
            "project_id": project["id"],
            "title": title,
            "status": fields.get("status") or "active",
            "provider_id": fields.get("provider_id") or _default(ctx, "provider_id"),
            "model_id": fields.get("model_id") or _default(ctx, "model_id"),
            "config": fields.get("config", {}),
            "memory": fields.get("memory", {}),
            "tags": fields.get("tags", []),
        },
    )
    project["stats"] = {**(project.get("stats") or {}), "sessions": int((project.get("stats") or {}).get("sessions", 0)) + 1}
    project["updated_at"] = session["created_at"]
    PROJECTS.save(ctx, project)
    audit.record(ctx, "session.created", {"session_id": session["id"]}, project_id=project["id"])
    return SESSIONS.wrap(session)


async def get_sessions_session_id(ctx: RequestContext) -> dict[str, Any]:
    return SESSIONS.wrap(SESSIONS.load(ctx))


async def patch_sessions_session_id(ctx: RequestContext) -> dict[str, Any]:
    session = SESSIONS.load(ctx)
    changes = _editable(body_of(ctx))
    session.update(changes)
    session["updated_at"] = iso(ctx.now)
    SESSIONS.save(ctx, session)
    audit.record(ctx, "session.updated", {"session_id": session["id"], "changes": changes}, project_id=session.get("project_id"))
    return {"ok": True}


HANDLERS: dict[str, Handler] = {
    "get_projects_project_id_sessions": get_projects_project_id_sessions,
    "post_projects_project_id_sessions": post_projects_project_id_sessions,
    "get_sessions_session_id": get_sessions_session_id,
    "patch_sessions_session_id": patch_sessions_session_id,
}
