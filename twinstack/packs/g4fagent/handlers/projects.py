"""Projects: create, list, read, patch and delete, in the API's envelopes, with audit events.

The workspace folder and git repository behind each project are later work;
``last_commit`` stays ``""`` and ``stats.runs_24h`` 0 until runs exist.
"""

from __future__ import annotations

from typing import Any

from twinstack.engine.context import RequestContext
from twinstack.engine.pack import Handler
from twinstack.packs.g4fagent import audit
from twinstack.packs.g4fagent.records import Family, body_of, iso, obj, text

PROJECTS = Family(noun="project", collection="/projects", prefix="proj", id_param="project_id", label="Project",
                  keyed=("status", "environment"))
SESSIONS = Family(noun="session", collection="/sessions", prefix="sess", id_param="session_id", label="Session",
                  keyed=("status",), indexed=("project_id",))
"""Sessions (served in ``sessions_messages_runs``); declared here because a project's delete takes its own along."""


def _editable(body: dict[str, Any], present_only: bool) -> dict[str, Any]:
    """The fields a create or patch sets; a patch touches only those it names."""
    fields: dict[str, Any] = {}
    for name in ("name", "description", "status", "environment", "repo"):
        if present_only and name not in body:
            continue
        fields[name] = obj(body, name) if name == "repo" else text(body, name, required=name == "name")
    return fields


async def get_projects(ctx: RequestContext) -> dict[str, Any]:
    return PROJECTS.page(ctx, {}, filters=("status", "environment"), search=("name",))


async def post_projects(ctx: RequestContext) -> dict[str, Any]:
    fields = _editable(body_of(ctx), present_only=False)
    project = PROJECTS.create(
        ctx,
        {
            "name": fields["name"],
            "description": fields["description"],
            "status": fields["status"] or "active",
            "environment": fields["environment"] or "dev",
            "last_commit": "",
            "repo": fields["repo"],
            "stats": {"sessions": 0, "runs_24h": 0},
        },
    )
    audit.record(ctx, "project.created", {"project_id": project["id"]}, project_id=project["id"])
    return PROJECTS.wrap(project)


async def get_projects_project_id(ctx: RequestContext) -> dict[str, Any]:
    return PROJECTS.wrap(PROJECTS.load(ctx))


async def patch_projects_project_id(ctx: RequestContext) -> dict[str, Any]:
    project = PROJECTS.load(ctx)
    changes = _editable(body_of(ctx), present_only=True)
    project.update(changes)
    project["updated_at"] = iso(ctx.now)
    PROJECTS.save(ctx, project)
    audit.record(ctx, "project.updated", {"project_id": project["id"], "changes": changes}, project_id=project["id"])
    return {"ok": True}


async def delete_projects_project_id(ctx: RequestContext) -> dict[str, Any]:
    project = PROJECTS.load(ctx)
    sessions = SESSIONS.state(ctx)
    with ctx.store.transaction():
        PROJECTS.remove(ctx, project["id"])
        for session in sessions.find({"project_id": project["id"]}).items:
            sessions.delete(str(session["id"]))
    audit.record(ctx, "project.deleted", {"project_id": project["id"]}, project_id=project["id"])
    return {"ok": True}


HANDLERS: dict[str, Handler] = {
    "get_projects": get_projects,
    "post_projects": post_projects,
    "get_projects_project_id": get_projects_project_id,
    "patch_projects_project_id": patch_projects_project_id,
    "delete_projects_project_id": delete_projects_project_id,
}

INDEXES: dict[str, tuple[str, ...]] = dict(family.index() for family in (PROJECTS, SESSIONS))
"""What these handlers look resources up by."""
