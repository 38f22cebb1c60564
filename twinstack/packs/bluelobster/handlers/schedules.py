"""Handlers of backup schedules (``BACKUPS`` tag): read, create or replace, delete (one per instance)."""

from __future__ import annotations

from typing import Any

from twinstack.engine.context import RequestContext
from twinstack.engine.pack import Handler
from twinstack.errors import NotFound
from twinstack.packs.bluelobster import lookup, schedules

_PARAM = "vm_uuid"
"""These three operations name the instance ``vm_uuid``, where every other one says ``instance_id``."""


async def get_backup_schedule_api_v1_instances__vm_uuid__backup_schedule_get(ctx: RequestContext) -> dict[str, Any]:
    owner = lookup.account(ctx)
    instance = lookup.instance(ctx, _PARAM)
    record = owner.collection(schedules.COLLECTION).get(str(instance["uuid"]))
    if record is None:
        raise NotFound(f"No backup schedule for VM {instance['uuid']}", field=_PARAM)
    return schedules.view(owner, record)


async def create_backup_schedule_api_v1_instances__vm_uuid__backup_schedule_post(ctx: RequestContext) -> dict[str, Any]:
    owner = lookup.account(ctx)
    instance = lookup.instance(ctx, _PARAM)
    record, created = schedules.save(owner, str(instance["uuid"]), schedules.checked(ctx.body))
    message = "Backup schedule created" if created else "Backup schedule updated"
    return {"message": message, **schedules.view(owner, record)}


async def delete_backup_schedule_api_v1_instances__vm_uuid__backup_schedule_delete(ctx: RequestContext) -> dict[str, Any]:
    owner = lookup.account(ctx)
    instance = lookup.instance(ctx, _PARAM)
    if not schedules.drop(owner, str(instance["uuid"])):
        raise NotFound(f"No backup schedule for VM {instance['uuid']}", field=_PARAM)
    return {"message": "Backup schedule deleted", "vm_uuid": instance["uuid"]}


HANDLERS: dict[str, Handler] = {
    "get_backup_schedule_api_v1_instances__vm_uuid__backup_schedule_get":
        get_backup_schedule_api_v1_instances__vm_uuid__backup_schedule_get,
    "create_backup_schedule_api_v1_instances__vm_uuid__backup_schedule_post":
        create_backup_schedule_api_v1_instances__vm_uuid__backup_schedule_post,
    "delete_backup_schedule_api_v1_instances__vm_uuid__backup_schedule_delete":
        delete_backup_schedule_api_v1_instances__vm_uuid__backup_schedule_delete,
}
