"""Deployments of a project: create (revision resolved in the project's repository), list, read, logs, cancel."""

from __future__ import annotations

from typing import Any

from twinstack.engine.context import RequestContext
from twinstack.engine.pack import Handler, PackJob
from twinstack.packs.g4fagent import deployments, repo
from twinstack.packs.g4fagent.deployments import DEPLOYMENTS
from twinstack.packs.g4fagent.errors import BAD_INPUT_STATUS, ApiError
from twinstack.packs.g4fagent.handlers.artifacts_uploads import base_path
from twinstack.packs.g4fagent.handlers.projects import PROJECTS
from twinstack.packs.g4fagent.handlers.sessions_messages_runs import listing, page_window
from twinstack.packs.g4fagent.records import body_of, text
from twinstack.packs.g4fagent.workspace import Workspace


async def get_projects_project_id_deployments(ctx: RequestContext) -> dict[str, Any]:
    project = PROJECTS.load(ctx)
    listed = DEPLOYMENTS.page(ctx, {"project_id": project["id"]}, filters=("env", "status"))
    listed["items"] = [deployments.public(d) for d in listed["items"]]
    return listed


async def post_projects_project_id_deployments(ctx: RequestContext) -> dict[str, Any]:
    project = PROJECTS.load(ctx)
    body = body_of(ctx)
    fields = {name: text(body, name, required=True) for name in ("env", "target", "strategy")}
    fields["revision"] = text(body, "revision").strip() or "HEAD"
    commit = repo.resolve(Workspace.of(ctx.twin, ctx.tenant, project), fields["revision"])
    deployment = deployments.create(ctx.twin, ctx.tenant, str(project["id"]), fields, commit, base_path(ctx))
    return {"deployment_id": deployment["id"]}


async def get_deployments_deployment_id(ctx: RequestContext) -> dict[str, Any]:
    return DEPLOYMENTS.wrap(deployments.public(DEPLOYMENTS.load(ctx)))


async def get_deployments_deployment_id_logs(ctx: RequestContext) -> dict[str, Any]:
    deployment = DEPLOYMENTS.load(ctx)
    limit, offset = page_window(ctx)
    items, more = deployments.logs(ctx.twin, ctx.tenant, str(deployment["id"]), limit, offset)
    return listing(items, limit, offset, more)


async def post_deployments_deployment_id_cancel(ctx: RequestContext) -> dict[str, Any]:
    deployment = DEPLOYMENTS.load(ctx)
    if deployment.get("status") in deployments.TERMINAL:
        raise ApiError(BAD_INPUT_STATUS, "invalid_state", f"Deployment is already {deployment.get('status')}.")
    deployments.cancel(ctx.twin, ctx.tenant, deployment)
    return {"ok": True}


HANDLERS: dict[str, Handler] = {
    "get_projects_project_id_deployments": get_projects_project_id_deployments,
    "post_projects_project_id_deployments": post_projects_project_id_deployments,
    "get_deployments_deployment_id": get_deployments_deployment_id,
    "get_deployments_deployment_id_logs": get_deployments_deployment_id_logs,
    "post_deployments_deployment_id_cancel": post_deployments_deployment_id_cancel,
}

INDEXES: dict[str, tuple[str, ...]] = {**dict([DEPLOYMENTS.index()]), **deployments.LOG_INDEXES}
JOBS: dict[str, PackJob] = {deployments.STEP_JOB: deployments.step_job}
