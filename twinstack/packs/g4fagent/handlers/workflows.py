"""Workflows of a project: create, list, read, replace the graph, run (``workflows``; runs share ``/runs/{id}``)."""

from __future__ import annotations

from typing import Any

from twinstack.engine.context import RequestContext
from twinstack.engine.pack import Handler
from twinstack.packs.g4fagent import run_events, runs, workflows
from twinstack.packs.g4fagent.errors import invalid_request
from twinstack.packs.g4fagent.handlers.projects import PROJECTS
from twinstack.packs.g4fagent.handlers.tools import TOOLS
from twinstack.packs.g4fagent.records import Family, body_of, iso, new_id, text, text_list
from twinstack.packs.g4fagent.runs import RUNS
from twinstack.packs.g4fagent.workspace import Workspace

WORKFLOWS = Family(noun="workflow", collection="/workflows", prefix="wf", id_param="workflow_id", label="Workflow",
                   indexed=("project_id",))


async def get_projects_project_id_workflows(ctx: RequestContext) -> dict[str, Any]:
    project = PROJECTS.load(ctx)
    return WORKFLOWS.page(ctx, {"project_id": project["id"]})


async def post_projects_project_id_workflows(ctx: RequestContext) -> dict[str, Any]:
    project = PROJECTS.load(ctx)
    body = body_of(ctx)
    workflow = WORKFLOWS.create(ctx, {"project_id": project["id"], "name": text(body, "name", required=True),
                                      "description": text(body, "description"), "tags": text_list(body, "tags"),
                                      "graph": {"nodes": [], "edges": []}})
    return {"workflow_id": workflow["id"]}


async def get_workflows_workflow_id(ctx: RequestContext) -> dict[str, Any]:
    return WORKFLOWS.wrap(WORKFLOWS.load(ctx))


async def put_workflows_workflow_id(ctx: RequestContext) -> dict[str, Any]:
    workflow = WORKFLOWS.load(ctx)
    graph = body_of(ctx).get("graph")
    if not isinstance(graph, dict):
        raise invalid_request("graph is required and must be an object.", "graph")
    workflows.check(graph)
    WORKFLOWS.save(ctx, {**workflow, "graph": graph, "updated_at": iso(ctx.now)})
    return {"ok": True}


async def post_workflows_workflow_id_runs(ctx: RequestContext) -> dict[str, Any]:
    workflow = WORKFLOWS.load(ctx)
    inputs = body_of(ctx).get("inputs")
    if not isinstance(inputs, dict):
        raise invalid_request("inputs is required and must be an object.", "inputs")
    graph = dict(workflow.get("graph") or {})
    project = PROJECTS.load(ctx, str(workflow["project_id"]))
    tool_ids = [str(n.get("tool") or n.get("tool_id") or "") for n in graph.get("nodes", []) if isinstance(n, dict)]
    own = TOOLS.state(ctx).get_many([t for t in tool_ids if t.startswith(TOOLS.prefix + "_")])
    started = iso(ctx.now)
    outcomes = await workflows.execute(graph, Workspace.of(ctx.twin, ctx.tenant, project), own, inputs)
    session_id = f"workflow:{workflow['id']}"
    run = {
        "id": new_id(RUNS.prefix), "session_id": session_id, "project_id": project["id"], "workflow_id": workflow["id"],
        "status": "completed", "progress": 1.0, "created_at": started, "started_at": started, "ended_at": iso(ctx.now),
        "result": {"summary": f"Workflow '{workflow['name']}' executed.", "message_id": None, "diff_ids": [],
                   "nodes": outcomes},
        "usage": {"input_tokens": 0, "output_tokens": 0, "cost_usd": 0}, "_active": False,
        runs.PRIVATE_REQUEST: {"inputs": inputs},
    }
    with ctx.store.transaction():
        RUNS.save(ctx, run)
        run_events.append(ctx.twin, ctx.tenant, session_id, run["id"], runs.status_event(ctx.twin, "completed", 1.0))
    return {"run_id": run["id"]}


HANDLERS: dict[str, Handler] = {
    "get_projects_project_id_workflows": get_projects_project_id_workflows,
    "post_projects_project_id_workflows": post_projects_project_id_workflows,
    "get_workflows_workflow_id": get_workflows_workflow_id,
    "put_workflows_workflow_id": put_workflows_workflow_id,
    "post_workflows_workflow_id_runs": post_workflows_workflow_id_runs,
}
INDEXES: dict[str, tuple[str, ...]] = dict([WORKFLOWS.index()])
