"""Apps: create, configure, deploy an image, stop, start, restart, read logs, delete; plans and regions.

An app is found by its id, short id, slug or name (the SDK's "App ID, short
ID, or name"), through indexes. ``env_vars`` in a PATCH replaces the set, as
the document says; from the official SDK (``User-Agent: wayscloud-sdk-python/``),
whose ``set_env``/``unset_env`` send one key per call, it merges and a null
removes the key. The runtime is simulated (``apps.py``).
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from twinstack.engine.context import Reply, RequestContext
from twinstack.engine.pack import Handler
from twinstack.errors import Conflict, FieldIssue, NotFound, TwinError, ValidationFailed
from twinstack.packs.wayscloud import apps as runtime
from twinstack.packs.wayscloud.paging import reachable

_SDK_AGENT = "wayscloud-sdk-python/"
_IMMUTABLE = ("plan", "region", "slug")


def _bad(field: str, message: str, value: Any = None) -> ValidationFailed:
    return ValidationFailed([FieldIssue("body", (field,), message, "value_error", value)])


def _find(ctx: RequestContext, ref: str) -> dict[str, Any] | None:
    apps = ctx.collection(runtime.APPS)
    found = apps.get(ref)
    for field in ("short_id", "slug", "name"):
        if found is not None:
            break
        found = apps.find_one(**{field: ref})
    return found


def _app(ctx: RequestContext) -> dict[str, Any]:
    ref = str(ctx.path["app_id"])
    found = _find(ctx, ref)
    if found is None:
        leaving = ctx.collection(runtime.DELETING).get(ref)
        if leaving is not None:
            runtime.settle(leaving, ctx.now, ctx.clock.factor)
            if leaving["status"] == "deleting":
                raise _Leaving(leaving)
            ctx.collection(runtime.DELETING).delete(ref)
        raise NotFound(f"App {ref} not found", field="app_id")
    return runtime.settle(found, ctx.now, ctx.clock.factor)


class _Leaving(Exception):
    """The app is being deleted: reads show it as ``deleting``, actions find nothing."""

    def __init__(self, record: dict[str, Any]) -> None:
        super().__init__(record["id"])
        self.record = record


def _save(ctx: RequestContext, record: dict[str, Any]) -> None:
    record["updated_at"] = ctx.clock.iso()
    ctx.collection(runtime.APPS).put(str(record["id"]), record)


async def list_app_plans(ctx: RequestContext) -> Any:
    return [p.view() for p in runtime.PLANS.values()]


async def list_app_regions(ctx: RequestContext) -> Any:
    return [r.view() for r in runtime.REGIONS.values()]


async def list_apps(ctx: RequestContext) -> Any:
    page = max(int(ctx.query.get("page") or 1), 1)
    size = min(max(int(ctx.query.get("page_size") or 20), 1), 100)
    apps = ctx.collection(runtime.APPS)
    found = apps.find(limit=size, offset=reachable((page - 1) * size)).items
    items = [runtime.summary(runtime.settle(a, ctx.now, ctx.clock.factor)) for a in found]
    return {"apps": items, "total": apps.count(), "page": page, "page_size": size}


async def create_app(ctx: RequestContext) -> Any:
    body = ctx.body or {}
    name = str(body["name"])
    plan = runtime.PLANS.get(str(body.get("plan") or runtime.DEFAULT_PLAN))
    if plan is None:
        raise _bad("plan", f"Unknown plan {body.get('plan')!r}; see GET /v1/apps/plans", body.get("plan"))
    region = runtime.region_code(str(body.get("region") or "no"))
    if region is None:
        raise _bad("region", f"Unknown region {body.get('region')!r}; see GET /v1/apps/regions", body.get("region"))
    slug = str(body.get("slug") or runtime.slug_from(name))
    problem = runtime.slug_problem(slug)
    if problem is not None:
        raise _bad("slug", problem, slug)
    apps = ctx.collection(runtime.APPS)
    if apps.find_one(slug=slug) is not None:
        raise _bad("slug", f"An app with slug {slug!r} already exists", slug)
    if apps.count(plan_id=plan.id) >= plan.max_apps:
        raise TwinError("App quota reached", status=402, details={
            "detail": f"Plan {plan.id} allows {plan.max_apps} apps; delete one or choose a larger plan"})
    app_id = runtime.new_app_id()
    short = runtime.short_id(app_id)
    stamp = ctx.clock.iso()
    record: dict[str, Any] = {
        "id": app_id, "name": name, "slug": slug, "short_id": short, "region": region, "plan_id": plan.id,
        "plan_name": plan.name, "default_url": f"{slug}-{short}.{runtime.APPS_DOMAIN}",
        "port": int(body.get("port") or 8080), "health_check_path": str(body.get("health_check_path") or "/health"),
        "min_instances": 1, "max_instances": plan.max_instances, "scale_to_zero_enabled": False,
        "idle_timeout_minutes": 15, "env_vars": {k: v for k, v in (body.get("env_vars") or {}).items()},
        "created_at": stamp, "updated_at": stamp, "status_message": runtime.NO_DEPLOYMENT,
    }
    runtime.begin(record, "creating", ctx.now)
    apps.put(app_id, record)
    return Reply(runtime.view(runtime.settle(dict(record), ctx.now, ctx.clock.factor)), status=201)


async def get_app(ctx: RequestContext) -> Any:
    try:
        return runtime.view(_app(ctx))
    except _Leaving as leaving:
        return runtime.view(leaving.record)


async def update_app(ctx: RequestContext) -> Any:
    record = _acting(ctx)
    body = dict(ctx.body or {})
    for field in _IMMUTABLE:
        if field in body:
            raise _bad(field, f"Field {field!r} is not mutable", body[field])
    plan = runtime.PLANS[str(record["plan_id"])]
    low = int(body.get("min_instances", record["min_instances"]))
    high = int(body.get("max_instances", record["max_instances"]))
    if high > plan.max_instances:
        raise _bad("max_instances", f"Plan {plan.id} allows at most {plan.max_instances} instances", high)
    if low > high:
        raise _bad("min_instances", "min_instances must not exceed max_instances", low)
    if "env_vars" in body:
        wanted = body.pop("env_vars") or {}
        merged = dict(record.get("env_vars") or {}) if _from_sdk(ctx) else {}
        merged.update(wanted)
        record["env_vars"] = {k: v for k, v in merged.items() if v is not None}
    for field in ("name", "port", "health_check_path", "min_instances", "max_instances", "scale_to_zero_enabled",
                  "idle_timeout_minutes"):
        if body.get(field) is not None:
            record[field] = body[field]
    _save(ctx, record)
    return runtime.view(runtime.settle(record, ctx.now, ctx.clock.factor))


def _from_sdk(ctx: RequestContext) -> bool:
    return ctx.headers.get("user-agent", "").startswith(_SDK_AGENT)


def _acting(ctx: RequestContext) -> dict[str, Any]:
    """The app an action applies to; one being deleted is already gone for actions."""
    try:
        return _app(ctx)
    except _Leaving:
        raise NotFound(f"App {ctx.path['app_id']} not found", field="app_id") from None


async def delete_app(ctx: RequestContext) -> Any:
    record = _acting(ctx)
    runtime.begin(record, "deleting", ctx.now)
    ctx.collection(runtime.DELETING).put(str(record["id"]), record)
    ctx.collection(runtime.APPS).delete(str(record["id"]))
    return {"success": True, "message": f"App {record['name']} is being deleted"}


async def deploy_app_image(ctx: RequestContext) -> Any:
    record = _acting(ctx)
    image = str((ctx.body or {})["image_uri"]).strip()
    problem = runtime.image_problem(image)
    if problem is not None:
        raise _bad("image_uri", problem, image)
    if not runtime.REGIONS[str(record["region"])].available:
        raise TwinError("No host available", status=503, details={"detail": "No host available in the requested region"})
    revision = "rev_" + runtime.new_app_id()[4:]
    deployment = "dep_" + revision[4:]
    record.update({"active_image": image, "active_revision_id": revision, "active_deployment_id": deployment,
                   "last_deployed_at": ctx.clock.iso(), "status_message": None})
    runtime.begin(record, "deploying", ctx.now)
    _save(ctx, record)
    return {"app_id": record["id"], "revision_id": revision, "deployment_id": deployment, "status": "pending",
            "message": f"Deployment started for image {image}", "preflight_warnings": []}


async def start_app(ctx: RequestContext) -> Any:
    return _run(ctx, "App started")


async def restart_app(ctx: RequestContext) -> Any:
    return _run(ctx, "App restarted")


def _run(ctx: RequestContext, message: str) -> Any:
    record = _acting(ctx)
    if not record.get("active_image"):
        return {"success": False, "message": "No deployment yet; deploy an image first"}
    runtime.begin(record, "deploying", ctx.now)
    _save(ctx, record)
    return {"success": True, "message": message}


async def stop_app(ctx: RequestContext) -> Any:
    record = _acting(ctx)
    if record["status"] in ("stopped", "stopping"):
        return {"success": True, "message": "App already stopped"}
    runtime.begin(record, "stopping", ctx.now)
    _save(ctx, record)
    return {"success": True, "message": "App stopped"}


async def get_app_logs(ctx: RequestContext) -> Any:
    record = _acting(ctx)
    lines = runtime.log_lines(record, ctx.clock.iso)
    wanted = int(ctx.query.get("lines") or 100)
    return {"app_id": record["id"], "logs": lines[-wanted:], "has_more": len(lines) > wanted}


def _auto_deploy(record: dict[str, Any], secret: str | None = None) -> dict[str, Any]:
    github = record.get("_github") or {}
    out: dict[str, Any] = {
        "configured": bool(github), "provider": "github", "repo_url": github.get("repo_url", ""),
        "branch": github.get("branch", "main"), "auto_deploy_enabled": bool(github.get("enabled", False)),
        "secret_configured": bool(github.get("secret_hash")), "credential_linked": False,
        "webhook_url": f"https://api.wayscloud.services/v1/apps/{record['id']}/webhooks/github",
    }
    if secret is not None:
        out["webhook_secret"] = secret
    return out


async def get_app_auto_deploy(ctx: RequestContext) -> Any:
    return _auto_deploy(_acting(ctx))


async def configure_app_auto_deploy(ctx: RequestContext) -> Any:
    record = _acting(ctx)
    body = ctx.body or {}
    github = dict(record.get("_github") or {})
    github.update(repo_url=str(body["repo_url"]).rstrip("/"), branch=str(body.get("branch") or "main"),
                  enabled=bool(body.get("auto_deploy_enabled", True)))
    secret = None
    if not github.get("secret_hash"):
        secret, github["secret_hash"] = _new_secret()
    record["_github"] = github
    _save(ctx, record)
    return _auto_deploy(record, secret)


async def rotate_app_auto_deploy_secret(ctx: RequestContext) -> Any:
    record = _acting(ctx)
    if not record.get("_github"):
        raise Conflict("Not configured", details={
            "detail": "Auto-deploy is not configured for this app; connect a repository first"})
    secret, record["_github"]["secret_hash"] = _new_secret()
    _save(ctx, record)
    return _auto_deploy(record, secret)


def _new_secret() -> tuple[str, str]:
    """A webhook secret (shown once) and what is kept of it."""
    secret = "whsec_" + secrets.token_urlsafe(32)
    return secret, hashlib.sha256(secret.encode()).hexdigest()


def patch_document(doc: dict[str, Any]) -> None:
    """The SDK's ``unset_env`` sends ``{"env_vars": {"KEY": null}}``: a null value is allowed in a PATCH."""
    schema = doc["paths"]["/v1/apps/{app_id}"]["patch"]["requestBody"]["content"]["application/json"]["schema"]
    schema["properties"]["env_vars"] = {**schema["properties"]["env_vars"],
                                        "additionalProperties": {"type": ["string", "null"]}}


HANDLERS: dict[str, Handler] = {
    "listAppPlans": list_app_plans,
    "listAppRegions": list_app_regions,
    "listApps": list_apps,
    "createApp": create_app,
    "getApp": get_app,
    "updateApp": update_app,
    "deleteApp": delete_app,
    "deployAppImage": deploy_app_image,
    "startApp": start_app,
    "stopApp": stop_app,
    "restartApp": restart_app,
    "getAppLogs": get_app_logs,
    "getAppAutoDeploy": get_app_auto_deploy,
    "configureAppAutoDeploy": configure_app_auto_deploy,
    "rotateAppAutoDeploySecret": rotate_app_auto_deploy_secret,
}

INDEXES = runtime.INDEXES
"""What these handlers look resources up by."""

DOCUMENT_PATCHES = (patch_document,)
