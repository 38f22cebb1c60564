"""Tag ``Functions`` (functions, versions, deployments): drafts, publish with a real build check, deploy.

A slug is unique in its project (409), the function count is held to
``maxFunctions`` and memory to ``maxMemoryPerFunction`` (400). Publishing and
deploying need the project's Functions activated (400). The invoke URL points
at this twin.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from twinstack.engine.context import Reply, RequestContext
from twinstack.engine.pack import Handler
from twinstack.errors import Conflict, FieldIssue, NotFound, ValidationFailed
from twinstack.packs.odin import functions as model
from twinstack.packs.odin import functions_runtime as runtime
from twinstack.packs.odin.handlers.function_settings import env_issues
from twinstack.packs.odin.participants import is_uuid
from twinstack.packs.odin.project_scope import bad_field, caller_id, refused, require_project, stamp, whole_number

INDEXES = model.INDEXES
JOBS = model.JOBS
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
DEFAULTS: dict[str, Any] = {"entrypoint": "handler", "runtime": "nodejs20", "authMode": "api_key", "timeout": 30000,
                            "memory": 256}


def _project_id(ctx: RequestContext) -> str:
    return str(require_project(ctx)["id"])


def _function(ctx: RequestContext, project_id: str) -> dict[str, Any]:
    function_id = str(ctx.path["functionId"])
    found = model.functions(ctx.twin, ctx.tenant).get(function_id) if is_uuid(function_id) else None
    if found is None or found.get("_projectId") != project_id:
        raise NotFound("Function not found", field="functionId")
    return found


def _limits(body: dict[str, Any], settings: dict[str, Any], record: dict[str, Any]) -> None:
    """``timeout`` and ``memory`` within their ranges (memory also within the project's cap), into ``record``."""
    issues: list[FieldIssue] = []
    for name, low, high in (("timeout", 1000, 300000), ("memory", 128, 1024)):
        if body.get(name) is None:
            continue
        value = whole_number(body[name], name, default=0, minimum=low, location="body")
        cap = min(high, int(settings["maxMemoryPerFunction"])) if name == "memory" else high
        if value > cap:
            issues.append(FieldIssue("body", (name,), f"must not be greater than {cap}", "rule", value))
        record[name] = value
    if issues:
        raise ValidationFailed(issues)


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise bad_field("body", name, "should not be empty", value)
    return value


def _env(ctx: RequestContext, body: dict[str, Any], record: dict[str, Any]) -> None:
    if body.get("envVars") is None:
        return
    items = list(body["envVars"])
    issues = env_issues(items, "envVars")
    if issues:
        raise ValidationFailed(issues)
    record["envVars"], record["_envVars"] = runtime.sealed_env(ctx.twin, items)


async def create_function(ctx: RequestContext) -> Any:
    project_id = _project_id(ctx)
    body: dict[str, Any] = ctx.body
    name = _text(body, "name").strip()
    code = _text(body, "code")
    slug = str(body.get("slug") or model.slug_of(name))
    if not SLUG.match(slug):
        raise bad_field("body", "slug", "must be lower-case letters, digits and single hyphens", slug)
    settings = runtime.settings(ctx.twin, ctx.tenant, project_id)
    if model.functions(ctx.twin, ctx.tenant).count(_projectId=project_id) >= int(settings["maxFunctions"]):
        raise refused(f"Function limit reached ({settings['maxFunctions']})")
    now = stamp(ctx)
    record: dict[str, Any] = {"id": str(uuid.uuid4()), "tenantId": ctx.tenant, "projectId": project_id, "name": name,
                              "slug": slug}
    if body.get("description") is not None:
        record["description"] = body["description"]
    record.update(draftCode=code, draftEntrypoint=body.get("entrypoint") or DEFAULTS["entrypoint"],
                  runtime=body.get("runtime") or DEFAULTS["runtime"], authMode=body.get("authMode") or DEFAULTS["authMode"],
                  timeout=DEFAULTS["timeout"], memory=DEFAULTS["memory"], envVars=[], status="draft")
    _limits(body, settings, record)
    _env(ctx, body, record)
    record.update(createdAt=now, updatedAt=now, _projectId=project_id)
    with ctx.store.transaction():
        if not model.take_slug(ctx.twin, ctx.tenant, project_id, slug, record["id"]):
            raise Conflict("Function with this slug already exists", field="slug")
        model.functions(ctx.twin, ctx.tenant).put(record["id"], record)
    return Reply(model.view(ctx.twin, ctx.tenant, record), status=201)


async def list_functions(ctx: RequestContext) -> Any:
    project_id = _project_id(ctx)
    # At most maxFunctions of them: the whole list is the answer.
    found = model.functions(ctx.twin, ctx.tenant).find({"_projectId": project_id}).items
    return [model.view(ctx.twin, ctx.tenant, f) for f in found]


async def get_function(ctx: RequestContext) -> Any:
    return model.view(ctx.twin, ctx.tenant, _function(ctx, _project_id(ctx)))


async def update_function(ctx: RequestContext) -> Any:
    project_id = _project_id(ctx)
    record = dict(_function(ctx, project_id))
    body: dict[str, Any] = ctx.body
    if "name" in body:
        record["name"] = _text(body, "name").strip()
    for name in ("draftCode", "draftEntrypoint"):
        if name in body:
            record[name] = _text(body, name)
    for name in ("runtime", "authMode", "description"):
        if name in body:
            record[name] = body[name]
    _limits(body, runtime.settings(ctx.twin, ctx.tenant, project_id), record)
    _env(ctx, body, record)
    record["updatedAt"] = stamp(ctx)
    model.functions(ctx.twin, ctx.tenant).put(str(record["id"]), record)
    return model.view(ctx.twin, ctx.tenant, record)


async def delete_function(ctx: RequestContext) -> Any:
    record = _function(ctx, _project_id(ctx))
    model.drop(ctx.twin, ctx.tenant, record)
    return {"message": "Function deleted successfully"}


async def list_versions(ctx: RequestContext) -> Any:
    record = _function(ctx, _project_id(ctx))
    found = model.versions(ctx.twin, ctx.tenant).find({"functionId": record["id"]}, newest_first=True).items
    return [model.shown(v) for v in found]


def _activated(ctx: RequestContext, project_id: str) -> None:
    if not runtime.settings(ctx.twin, ctx.tenant, project_id).get("isActivated"):
        raise refused("Functions are not activated for this project")


async def publish_version(ctx: RequestContext) -> Any:
    project_id = _project_id(ctx)
    record = _function(ctx, project_id)
    _activated(ctx, project_id)
    changelog = ctx.body.get("changelog") if isinstance(ctx.body, dict) else None
    version = model.publish(ctx.twin, ctx.tenant, record, caller_id(ctx), str(changelog) if changelog else None)
    return Reply({"version": model.shown(version), "message": f"Version {version['version']} published successfully"},
                 status=201)


async def deploy_function(ctx: RequestContext) -> Any:
    project_id = _project_id(ctx)
    record = _function(ctx, project_id)
    _activated(ctx, project_id)
    if not record.get("publishedVersionId"):
        raise refused("Function has no published version")
    invoke_url = f"{ctx.base_url.rstrip('/')}/invoke/{project_id}/{record['slug']}"
    deployment = model.deploy(ctx.twin, ctx.tenant, record, invoke_url)
    return Reply({"deployment": model.shown(deployment), "invokeUrl": invoke_url, "message": "Deployment started"},
                 status=201)


async def stop_deployment(ctx: RequestContext) -> Any:
    record = _function(ctx, _project_id(ctx))
    if model.stop(ctx.twin, ctx.tenant, record) is None:
        raise refused("Function has no running deployment")
    return {"message": "Function stopped successfully"}


HANDLERS: dict[str, Handler] = {
    "createFunction": create_function,
    "listFunctions": list_functions,
    "getFunction": get_function,
    "updateFunction": update_function,
    "deleteFunction": delete_function,
    "listVersions": list_versions,
    "publishVersion": publish_version,
    "deployFunction": deploy_function,
    "stopDeployment": stop_deployment,
}
