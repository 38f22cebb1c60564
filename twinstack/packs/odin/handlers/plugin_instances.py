"""Tag ``Plugin Instances``: a project's installed plugins (one per catalogue entry), settings checked."""

from __future__ import annotations

import uuid
from typing import Any

from twinstack.engine.context import Reply, RequestContext
from twinstack.engine.pack import Handler
from twinstack.errors import NotFound, ValidationFailed
from twinstack.packs.odin.participants import is_uuid
from twinstack.packs.odin.plugins import (
    BY_ID,
    INSTANCE_INDEXES,
    INSTANCES,
    find_plugin,
    plugin_view,
    settings_issues,
)
from twinstack.packs.odin.project_scope import (
    bad_field,
    refused,
    require_project,
    stamp,
)


def _view(instance: dict[str, Any], *, embed: bool = True) -> dict[str, Any]:
    shown = {k: v for k, v in instance.items() if not k.startswith("_")}
    plugin = BY_ID.get(str(instance["pluginId"]))
    if embed and plugin is not None:
        shown["plugin"] = plugin_view(plugin)
    return shown


def _found(ctx: RequestContext, project_id: str) -> dict[str, Any]:
    iid = str(ctx.path["id"])
    found = ctx.collection(INSTANCES).get(iid) if is_uuid(iid) else None
    if found is None or found.get("projectId") != project_id:
        raise NotFound("Plugin instance not found", field="id")
    return found


def _settings(plugin: dict[str, Any], settings: Any) -> dict[str, Any]:
    if settings is None:
        return {}
    if not isinstance(settings, dict):
        raise bad_field("body", "settings", "must be an object", settings)
    issues = settings_issues(plugin, settings)
    if issues:
        raise ValidationFailed(issues)
    return dict(settings)


async def list_instances(ctx: RequestContext) -> Any:
    project_id = str(require_project(ctx)["id"])
    return [_view(i) for i in ctx.collection(INSTANCES).find({"projectId": project_id}).items]


async def create_instance(ctx: RequestContext) -> Any:
    project_id = str(require_project(ctx)["id"])
    plugin = find_plugin(str(ctx.body["pluginId"]))
    if plugin is None:
        raise bad_field("body", "pluginId", "must name a plugin of the catalogue", ctx.body["pluginId"])
    settings = _settings(plugin, ctx.body.get("settings"))
    instances = ctx.collection(INSTANCES)
    if instances.find_one(projectId=project_id, pluginId=plugin["id"]) is not None:
        raise refused(f"Plugin {plugin['slug']} is already installed in this project")
    now = stamp(ctx)
    record = {"id": str(uuid.uuid4()), "tenantId": ctx.tenant, "projectId": project_id, "pluginId": plugin["id"],
              "settings": settings, "isEnabled": True, "createdAt": now, "updatedAt": now}
    instances.put(record["id"], record)
    return Reply(_view(record, embed=False), status=201)


async def get_instance(ctx: RequestContext) -> Any:
    return _view(_found(ctx, str(require_project(ctx)["id"])))


async def update_instance(ctx: RequestContext) -> Any:
    record = dict(_found(ctx, str(require_project(ctx)["id"])))
    plugin = BY_ID[str(record["pluginId"])]
    if "settings" in ctx.body:
        record["settings"] = _settings(plugin, ctx.body["settings"])
    if "isEnabled" in ctx.body:
        record["isEnabled"] = bool(ctx.body["isEnabled"])
    record["updatedAt"] = stamp(ctx)
    ctx.collection(INSTANCES).put(str(record["id"]), record)
    return _view(record, embed=False)


async def delete_instance(ctx: RequestContext) -> Any:
    record = _found(ctx, str(require_project(ctx)["id"]))
    ctx.collection(INSTANCES).delete(str(record["id"]))
    return {"message": "Plugin instance deleted"}


INDEXES = INSTANCE_INDEXES
HANDLERS: dict[str, Handler] = {
    "listInstances": list_instances,
    "createInstance": create_instance,
    "getInstance": get_instance,
    "updateInstance": update_instance,
    "deleteInstance": delete_instance,
}
