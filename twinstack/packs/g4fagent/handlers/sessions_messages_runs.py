"""Sessions of a project (create, list, read, patch; the API has no session delete), their messages and runs.

A message gets its id and ``ts`` from the twin; a run is started ``queued`` and
moved by the twin clock (``runs``), its events kept in the session's log
(``run_events``).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from twinstack.engine.context import RequestContext
from twinstack.engine.pack import Handler, PackJob
from twinstack.packs.g4fagent import audit, messages, run_events, runs
from twinstack.packs.g4fagent.errors import invalid_request
from twinstack.packs.g4fagent.handlers.projects import PROJECTS, SESSIONS
from twinstack.packs.g4fagent.messages import MESSAGES
from twinstack.packs.g4fagent.records import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    body_of,
    iso,
    obj,
    text,
    text_list,
)
from twinstack.packs.g4fagent.runs import RUNS

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


def page_window(ctx: RequestContext) -> tuple[int, int]:
    """``(limit, offset)`` of a list request, clamped as upstream."""
    limit = ctx.query.get("limit")
    cursor = ctx.query.get("cursor")
    return (min(max(limit, 1), MAX_LIMIT) if isinstance(limit, int) else DEFAULT_LIMIT,
            max(cursor, 0) if isinstance(cursor, int) else 0)


def listing(items: list[Any], limit: int, offset: int, more: bool) -> dict[str, Any]:
    return {"items": items, "next_cursor": str(offset + limit) if more else None}


def parse_ts(value: Any, name: str) -> float | None:
    """An ISO 8601 time of the query (``Z`` or an offset; no offset means UTC), as Unix seconds."""
    if value is None or value == "":
        return None
    try:
        moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise invalid_request(f"{name} must be an ISO 8601 timestamp.", name) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


async def get_sessions_session_id_messages(ctx: RequestContext) -> dict[str, Any]:
    session = SESSIONS.load(ctx)
    after, before = parse_ts(ctx.query.get("after_ts"), "after_ts"), parse_ts(ctx.query.get("before_ts"), "before_ts")
    limit, offset = page_window(ctx)
    if after is None and before is None:
        window = MESSAGES.state(ctx).find({"session_id": session["id"]}, limit=limit, offset=offset)
        return listing(window.items, limit, offset, window.cursor is not None)
    items, more = messages.between(ctx.twin, ctx.tenant, str(session["id"]), after, before, limit, offset)
    return listing(items, limit, offset, more)


def _content(body: dict[str, Any]) -> list[Any]:
    content = body.get("content")
    if content is None:
        raise invalid_request("content is required.", "content")
    if not isinstance(content, list):
        raise invalid_request("content must be an array of content items.", "content")
    for i, item in enumerate(content):
        if not isinstance(item, dict) or not isinstance(item.get("type"), str) or not item["type"]:
            raise invalid_request(f"content[{i}].type is required: each item is an object with a type.",
                                  f"content[{i}].type")
    return list(content)


async def post_sessions_session_id_messages(ctx: RequestContext) -> dict[str, Any]:
    session = SESSIONS.load(ctx)
    body = body_of(ctx)
    role = text(body, "role", required=True)
    message = messages.add(ctx.twin, ctx.tenant, session["id"], role, _content(body), obj(body, "meta"))
    return {"message_id": message["id"]}


async def post_sessions_session_id_runs(ctx: RequestContext) -> dict[str, Any]:
    session = SESSIONS.load(ctx)
    body = body_of(ctx)
    mode = body.get("mode")
    if not isinstance(mode, str) or not mode.strip():
        raise invalid_request("mode is required and must be a string.", "mode")
    for name in ("agent", "input"):
        if not isinstance(body.get(name), dict):
            raise invalid_request(f"{name} is required and must be an object.", name)
    run = runs.create(ctx, session, mode, dict(body["agent"]), dict(body["input"]))
    return {"run_id": run["id"]}


async def get_runs_run_id(ctx: RequestContext) -> dict[str, Any]:
    return RUNS.wrap(runs.public(RUNS.load(ctx)))


async def post_runs_run_id_cancel(ctx: RequestContext) -> dict[str, Any]:
    runs.cancel(ctx, RUNS.load(ctx))
    return {"ok": True}


async def get_runs_run_id_events(ctx: RequestContext) -> dict[str, Any]:
    run = RUNS.load(ctx)
    limit, offset = page_window(ctx)
    window = run_events.state(ctx.twin, ctx.tenant).find({"_run_id": run["id"]}, limit=limit, offset=offset)
    return listing([run_events.public(e) for e in window.items], limit, offset, window.cursor is not None)


HANDLERS: dict[str, Handler] = {
    "get_projects_project_id_sessions": get_projects_project_id_sessions,
    "post_projects_project_id_sessions": post_projects_project_id_sessions,
    "get_sessions_session_id": get_sessions_session_id,
    "patch_sessions_session_id": patch_sessions_session_id,
    "get_sessions_session_id_messages": get_sessions_session_id_messages,
    "post_sessions_session_id_messages": post_sessions_session_id_messages,
    "post_sessions_session_id_runs": post_sessions_session_id_runs,
    "get_runs_run_id": get_runs_run_id,
    "post_runs_run_id_cancel": post_runs_run_id_cancel,
    "get_runs_run_id_events": get_runs_run_id_events,
}

INDEXES: dict[str, tuple[str, ...]] = {**dict(f.index() for f in (RUNS, MESSAGES)), **run_events.INDEXES}
"""What these handlers and the run jobs look state up by."""

JOBS: dict[str, PackJob] = {runs.STEP_JOB: runs.step_job, runs.EXPIRE_JOB: runs.expire_job}
