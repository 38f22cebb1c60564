"""Handlers of the instance resource (``INSTANCES`` tag): launch, list, read, rename, delete."""

from __future__ import annotations

from typing import Any

from twinstack.engine.context import Reply, RequestContext
from twinstack.engine.pack import Handler
from twinstack.errors import TwinError
from twinstack.packs.bluelobster import instances, launch_rules, launches, lookup, schedules, teams
from twinstack.packs.bluelobster.records import Account, Record
from twinstack.packs.bluelobster.task_runner import settle_account


def _key_team(ctx: RequestContext, owner: Account) -> Record | None:
    """A team-scoped key launches into its own team."""
    team_id = lookup.permissions(ctx).team_id
    return teams.ensure(owner, team_id) if team_id else None


async def launch_standard_instance_api_v1_instances_launch_instance_post(ctx: RequestContext) -> dict[str, Any]:
    owner = lookup.account(ctx)
    plan = launch_rules.standard(ctx.body, _key_team(ctx, owner))
    record, task = launches.launch(owner, lookup.caller(ctx), plan)
    return {"data": {
        "instance_ids": [record["uuid"]], "task_id": task["task_id"], "assigned_ip": record["ip_address"],
        "status": task["status"], "timestamp": task["created_at"], "next_steps": launches.next_steps(task["task_id"]),
    }}


async def launch_custom_instance_api_v1_instances_launch_custom_post(ctx: RequestContext) -> dict[str, Any]:
    owner = lookup.account(ctx)
    plan, credentials = launch_rules.custom(ctx.body, _key_team(ctx, owner))
    record, task = launches.launch(owner, lookup.caller(ctx), plan)
    reply: dict[str, Any] = {
        "task_id": task["task_id"], "vm_uuid": record["uuid"], "assigned_ip": record["ip_address"],
        "status": task["status"], "timestamp": task["created_at"],
    }
    if credentials is not None:
        # Shown once: the generated password is stored nowhere the API could show it again.
        reply["credentials"] = credentials
    reply["next_steps"] = launches.next_steps(task["task_id"])
    return reply


async def list_instances_api_v1_instances_get(ctx: RequestContext) -> Reply:
    owner = lookup.account(ctx)
    # With no task under way the list changes only by a write: a poll may be answered again as it was.
    at_rest = settle_account(owner)
    team_id = lookup.permissions(ctx).team_id
    status = ctx.twin.success_status(ctx.operation)
    made = ctx.twin.views.array(ctx.operation, status, instances.active_texts(owner, team_id), instances.listed)
    if made is not None:
        return Reply(made, raw=True, content_type="application/json", reuse=at_rest)
    return Reply([instances.public(i) for i in instances.all_active(owner, team_id)], reuse=at_rest)


async def get_instance_api_v1_instances__instance_id__get(ctx: RequestContext) -> Reply:
    found, at_rest = lookup.instance_at_rest(ctx)
    return Reply(instances.public(found), reuse=at_rest)


async def delete_instance_api_v1_instances__instance_id__delete(ctx: RequestContext) -> dict[str, Any]:
    owner = lookup.account(ctx)
    instance = lookup.instance(ctx)
    task = launches.delete(owner, lookup.caller(ctx), instance)
    # The schedule goes with the instance (its backups stay with the account); the firewall is part of it.
    schedules.drop(owner, str(instance["uuid"]))
    return {"status": "success", "message": "Instance deleted successfully", "instance_id": instance["uuid"],
            "host": instance["host_id"], "task_id": task["task_id"]}


async def rename_instance_api_v1_instances__instance_id__rename_put(ctx: RequestContext) -> dict[str, Any]:
    """Renames at once; the guest's hostname follows at the next power cycle (the document's advice)."""
    owner = lookup.account(ctx)
    instance = lookup.instance(ctx)
    name = lookup.json_body(ctx).get("name")
    if not isinstance(name, str) or not instances.RENAME_RULE.match(name):
        raise TwinError(instances.RENAME_MESSAGE, code="invalid_name", status=400, field="name",
                        details={"field": "name"})
    if instances.name_taken(owner, name, except_id=str(instance["uuid"])):
        raise TwinError(f"Name must be unique within your account: '{name}' is taken", code="invalid_name",
                        status=400, field="name", details={"field": "name"})
    instance["name"] = name
    instances.save(owner, instance)
    return {"message": "Instance renamed successfully", "instance_id": instance["uuid"], "new_name": name}


HANDLERS: dict[str, Handler] = {
    "launch_standard_instance_api_v1_instances_launch_instance_post":
        launch_standard_instance_api_v1_instances_launch_instance_post,
    "launch_custom_instance_api_v1_instances_launch_custom_post": launch_custom_instance_api_v1_instances_launch_custom_post,
    "list_instances_api_v1_instances_get": list_instances_api_v1_instances_get,
    "get_instance_api_v1_instances__instance_id__get": get_instance_api_v1_instances__instance_id__get,
    "delete_instance_api_v1_instances__instance_id__delete": delete_instance_api_v1_instances__instance_id__delete,
    "rename_instance_api_v1_instances__instance_id__rename_put": rename_instance_api_v1_instances__instance_id__rename_put,
}
