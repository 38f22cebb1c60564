"""Projects: create, list, read, patch and delete, in the API's envelopes, with audit events.

Each project owns a real workspace folder with a git repository
(``workspace.py``, ``repo.py``): made at creation (a clone when ``repo.url``
is a local repository), removed with the project together with its diffs and
terminals. ``last_commit`` follows the commits made through the API.
``open_workspace(ctx)`` is how the other handlers reach a project's files.
"""

from __future__ import annotations

from typing import Any

from twinstack.engine.context import RequestContext
from twinstack.engine.pack import Handler
from twinstack.engine.state import Collection
from twinstack.packs.g4fagent import audit, repo, workspace, workspace_state
from twinstack.packs.g4fagent.errors import invalid_request
from twinstack.packs.g4fagent.records import Family, body_of, iso, new_id, obj, text
from twinstack.packs.g4fagent.workspace import Workspace, folder_name

PROJECTS = Family(noun="project", collection="/projects", prefix="proj", id_param="project_id", label="Project",
                  keyed=("status", "environment"))
SESSIONS = Family(noun="session", collection="/sessions", prefix="sess", id_param="session_id", label="Session",
                  keyed=("status",), indexed=("project_id",))
"""Sessions (served in ``sessions_messages_runs``); declared here because a project's delete takes its own along."""
OWNED = ("/sessions", "/diffs", "/terminals")
"""Collections whose records name a ``project_id`` and go when their project does."""
DELETE_BATCH = 200
FOLDER_TRIES = 8


def open_workspace(ctx: RequestContext, project_id: str | None = None) -> tuple[dict[str, Any], Workspace]:
    """The project named by the path (or ``project_id``) and its workspace; 404 ``project_not_found``."""
    project = PROJECTS.load(ctx, project_id)
    return project, Workspace.of(ctx.twin, ctx.tenant, project)


def set_last_commit(ctx: RequestContext, project_id: str, commit: str) -> None:
    """A commit made through the API becomes the project's ``last_commit``."""
    project = PROJECTS.load(ctx, project_id)
    project["last_commit"] = commit
    project["updated_at"] = iso(ctx.now)
    PROJECTS.save(ctx, project)


def _editable(body: dict[str, Any], present_only: bool) -> dict[str, Any]:
    """The fields a create or patch sets; a patch touches only those it names."""
    fields: dict[str, Any] = {}
    for name in ("name", "description", "status", "environment", "repo"):
        if present_only and name not in body:
            continue
        fields[name] = obj(body, name) if name == "repo" else text(body, name, required=name == "name")
    return fields


def _new_workspace(ctx: RequestContext, name: str) -> tuple[str, Workspace]:
    """A fresh project id whose folder is free: another project's folder (same name and id tail) is never shared."""
    for _ in range(FOLDER_TRIES):
        project_id = new_id(PROJECTS.prefix)
        ws = Workspace.at(ctx.twin, ctx.tenant, folder_name(name, project_id))
        if not ws.root.exists():
            return project_id, ws
    raise RuntimeError("no free workspace folder after several fresh ids")


async def get_projects(ctx: RequestContext) -> dict[str, Any]:
    return PROJECTS.page(ctx, {}, filters=("status", "environment"), search=("name",))


async def post_projects(ctx: RequestContext) -> dict[str, Any]:
    fields = _editable(body_of(ctx), present_only=False)
    url = fields["repo"].get("url")
    if url is not None and not isinstance(url, str):
        raise invalid_request("repo.url must be a string.", "repo")
    project_id, ws = _new_workspace(ctx, fields["name"])
    try:
        repo.create(ws, url or "")
    except BaseException:
        ws.remove()
        raise
    stamp = iso(ctx.now)
    project = {
        "id": project_id,
        "name": fields["name"],
        "description": fields["description"],
        "status": fields["status"] or "active",
        "environment": fields["environment"] or "dev",
        "last_commit": repo.head(ws),
        "repo": fields["repo"],
        "stats": {"sessions": 0, "runs_24h": 0},
        "created_at": stamp,
        "updated_at": stamp,
        "_folder": ws.root.name,
    }
    PROJECTS.save(ctx, project)
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
    project, ws = open_workspace(ctx)
    with ctx.store.transaction():
        PROJECTS.remove(ctx, project["id"])
        for name in OWNED:
            _delete_owned(ctx.collection(name), project["id"])
    ws.remove()
    workspace_state.forget(ctx.twin, ctx.tenant, project["id"])
    audit.record(ctx, "project.deleted", {"project_id": project["id"]}, project_id=project["id"])
    return {"ok": True}


def _delete_owned(state: Collection, project_id: str) -> None:
    """Every record of ``state`` naming the project, a batch at a time (the project bounds how many)."""
    while True:
        batch = state.find({"project_id": project_id}, limit=DELETE_BATCH).items
        for record in batch:
            state.delete(str(record["id"]))
        if len(batch) < DELETE_BATCH:
            return


HANDLERS: dict[str, Handler] = {
    "get_projects": get_projects,
    "post_projects": post_projects,
    "get_projects_project_id": get_projects_project_id,
    "patch_projects_project_id": patch_projects_project_id,
    "delete_projects_project_id": delete_projects_project_id,
}

INDEXES: dict[str, tuple[str, ...]] = {
    **dict(family.index() for family in (PROJECTS, SESSIONS)),
    **{name: ("project_id",) for name in OWNED if name != SESSIONS.collection},
}
"""What these handlers look resources up by."""

ON_RESET = (workspace.drop_all,)
"""A reset wipes every project's folder with the state that named them."""
