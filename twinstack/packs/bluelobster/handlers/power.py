"""Handlers of the power operations (``INSTANCES`` tag): four queued tasks and the synchronous reboot."""

from __future__ import annotations

import asyncio
from typing import Any

from twinstack.engine.context import RequestContext
from twinstack.engine.pack import Handler
from twinstack.packs.bluelobster import lookup, power, tasks
from twinstack.packs.bluelobster.records import Record
from twinstack.packs.bluelobster.task_runner import queue, settle_subject

MAX_REBOOT_WAIT = 30.0
"""Wall seconds a reboot request is held at most (its realistic duration is 10-20 s)."""


def _params(instance: Record) -> dict[str, Any]:
    return {"vm_uuid": instance["uuid"], "host_id": instance["host_id"], "vmid": instance["vmid"]}


def _queue(ctx: RequestContext, operation: str, message: str) -> dict[str, Any]:
    """Queue ``operation`` on the instance and answer at once; its preconditions are checked when it starts."""
    instance = lookup.instance(ctx)
    task = queue(lookup.account(ctx), operation, str(instance["uuid"]), _params(instance), lookup.caller(ctx))
    return tasks.reply(task, message, instance_id=instance["uuid"], host=instance["host_id"])


async def shutdown_instance_api_v1_instances__instance_id__shutdown_post(ctx: RequestContext) -> dict[str, Any]:
    return _queue(ctx, "shutdown_instance", "VM shutdown queued")


async def force_shutdown_instance_api_v1_instances__instance_id__force_shutdown_post(ctx: RequestContext) -> dict[str, Any]:
    return _queue(ctx, "force_shutdown_instance", "VM force shutdown queued")


async def power_on_instance_api_v1_instances__instance_id__power_on_post(ctx: RequestContext) -> dict[str, Any]:
    return _queue(ctx, "power_on_instance", "VM power on queued")


async def power_cycle_instance_api_v1_instances__instance_id__power_cycle_post(ctx: RequestContext) -> dict[str, Any]:
    return _queue(ctx, "power_cycle_instance", "VM power cycle queued")


async def reboot_instance_api_v1_instances__instance_id__reboot_post(ctx: RequestContext) -> dict[str, Any]:
    """Hard reboot, answered once done: the request is held for the reboot's duration at the configured speed."""
    owner = lookup.account(ctx)
    instance = lookup.instance(ctx)
    instance_id = str(instance["uuid"])
    power.refuse_reboot(instance, busy=bool(tasks.open_on(owner, instance_id)))
    task = queue(owner, power.REBOOT, instance_id, _params(instance), lookup.caller(ctx))
    settle_subject(owner, instance_id)
    started = tasks.stored(owner, str(task["task_id"])) or task
    length = float(started.get("_ends", owner.now())) - float(started.get("_started", owner.now()))
    wait = float(started.get("_ends", 0.0)) - owner.now()
    if wait > 0:
        await asyncio.sleep(min(wait, MAX_REBOOT_WAIT))
    settle_subject(owner, instance_id)
    return {"status": "success", "message": "Instance rebooted successfully", "instance_id": instance_id,
            "host": instance["host_id"], "duration_ms": int(round(length * 1000))}


HANDLERS: dict[str, Handler] = {
    "reboot_instance_api_v1_instances__instance_id__reboot_post": reboot_instance_api_v1_instances__instance_id__reboot_post,
    "shutdown_instance_api_v1_instances__instance_id__shutdown_post":
        shutdown_instance_api_v1_instances__instance_id__shutdown_post,
    "force_shutdown_instance_api_v1_instances__instance_id__force_shutdown_post":
        force_shutdown_instance_api_v1_instances__instance_id__force_shutdown_post,
    "power_on_instance_api_v1_instances__instance_id__power_on_post":
        power_on_instance_api_v1_instances__instance_id__power_on_post,
    "power_cycle_instance_api_v1_instances__instance_id__power_cycle_post":
        power_cycle_instance_api_v1_instances__instance_id__power_cycle_post,
}
