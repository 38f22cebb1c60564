"""Handlers of the ``BACKUPS`` tag: backups of an instance and of the account, restores, notes, storage.

A ``volid`` contains ``:`` and ``/`` (``wil-pbs-01:backup/vm/100/2024-01-15T10:30:00Z``), so it always
travels in the query (percent-encoded) or, for an in-place restore, in the undeclared body
``{"backup_volid"}``. Another tenant's volid is not found (404); a team-scoped key is refused (403)
a backup of another team's instance where the operation declares 403.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from twinstack.engine.context import RequestContext
from twinstack.errors import Conflict, Forbidden, NotFound, TwinError
from twinstack.engine.pack import Handler
from twinstack.packs.bluelobster import backups, instances, lookup, tasks
from twinstack.packs.bluelobster.records import Account, Record
from twinstack.packs.bluelobster.task_runner import queue, settle_account, settle_subject

RESTORE_PREFIX = "RESTORE-{date}-"
"""``add_restore_prefix``: "Add 'RESTORE-{date}-' prefix to VM name", the date as YYYYMMDD."""


def _params(instance: Record, **extra: Any) -> dict[str, Any]:
    return {"vm_uuid": instance["uuid"], "host_id": instance["host_id"], "vmid": instance["vmid"], **extra}


def _refuse_if_busy(owner: Account, instance: Record, starting: str, status: int = 409) -> None:
    """One backup or restore per instance at a time ("Cannot start backup: restore is already in progress...")."""
    running = backups.busy_with(tasks.open_on(owner, str(instance["uuid"])))
    if running is not None:
        raise TwinError(f"Cannot start {starting}: {running} is already in progress for this instance",
                        code="task_in_progress", status=status)


def _backup(ctx: RequestContext, volid: str, forbid_other_team: bool) -> Record:
    """The account's backup named ``volid``, as the caller's key may use it."""
    owner = lookup.account(ctx)
    found = backups.find(owner, volid)
    if found is None:
        raise NotFound(f"Backup {volid} not found", field="volid")
    team_id = lookup.permissions(ctx).team_id
    source = instances.get(owner, str(found["instance_id"]))
    if team_id is not None and (source is None or source.get("team_id") != team_id):
        if forbid_other_team:
            raise Forbidden("Access denied - backup not owned by this API key's team")
        raise NotFound(f"Backup {volid} not found", field="volid")
    return found


def _visible_backups(ctx: RequestContext, owner: Account) -> list[Record]:
    team_id = lookup.permissions(ctx).team_id
    if team_id is None:
        return backups.of_account(owner)
    return backups.of_instances(owner, [str(i["uuid"]) for i in instances.of_team(owner, team_id)])


async def create_instance_backup_api_v1_instances__instance_id__backup_post(ctx: RequestContext) -> dict[str, Any]:
    """A live backup: the instance keeps running; the backup appears when the task completes."""
    owner = lookup.account(ctx)
    instance = lookup.instance(ctx)
    _refuse_if_busy(owner, instance, "backup")
    task = queue(owner, backups.BACKUP, str(instance["uuid"]), _params(instance), lookup.caller(ctx))
    return {"message": "Backup started", "task_id": task["task_id"], "instance_id": instance["uuid"]}


async def list_instance_backups_api_v1_instances__instance_id__backups_get(ctx: RequestContext) -> dict[str, Any]:
    owner = lookup.account(ctx)
    instance = lookup.instance(ctx)
    instance_id = str(instance["uuid"])
    found = backups.of_instance(owner, instance_id)
    listed: dict[str, Any] = {"instance_id": instance_id, "storage": backups.storage_of(instance),
                              "backups": [backups.view(b) for b in found], "total": len(found)}
    running = tasks.open_on(owner, instance_id)
    for key, operations in (("backup_in_progress", (backups.BACKUP,)),
                            ("restore_in_progress", (backups.RESTORE, backups.RESTORE_TO))):
        progress = backups.in_progress(running, operations)
        if progress is not None:
            listed[key] = progress
    return listed


async def restore_instance_backup_api_v1_instances__instance_id__restore_post(ctx: RequestContext) -> dict[str, Any]:
    """Restore in place: stopped while the disk is replaced, then started again."""
    owner = lookup.account(ctx)
    instance = lookup.instance(ctx)
    volid = lookup.json_body(ctx).get("backup_volid") or lookup.query_value(ctx, "backup_volid")
    if not isinstance(volid, str) or not volid:
        raise TwinError("backup_volid is required", code="missing_backup_volid", status=400, field="backup_volid",
                        details={"field": "backup_volid"})
    _refuse_if_busy(owner, instance, "restore")
    backup = _backup(ctx, volid, forbid_other_team=False)
    _check_disk(instance, backup)
    task = queue(owner, backups.RESTORE, str(instance["uuid"]), _params(instance, backup_volid=volid),
                          lookup.caller(ctx))
    return {"message": "Restore started", "task_id": task["task_id"], "instance_id": instance["uuid"],
            "backup_volid": volid}


def _check_disk(target: Record, backup: Record) -> None:
    """"The target VM's disk must be >= backup size": compared with the disk the backup was taken from."""
    needed = int(backup.get("source_disk_gb") or 0)
    if int(target.get("storage") or 0) < needed:
        raise TwinError(f"Target disk ({target.get('storage')} GB) is smaller than the backup's disk ({needed} GB)",
                        code="invalid_request", status=400, field="target_vm_uuid",
                        details={"field": "target_vm_uuid"})


async def list_all_backups_api_v1_backups_get(ctx: RequestContext) -> dict[str, Any]:
    """Every backup of the account, those of deleted instances included."""
    owner = lookup.account(ctx)
    settle_account(owner)
    found = _visible_backups(ctx, owner)
    return {"backups": [backups.view(b, with_source=True) for b in found], "total": len(found)}


async def get_backup_storage_api_v1_backups_storage_get(ctx: RequestContext) -> dict[str, Any]:
    owner = lookup.account(ctx)
    settle_account(owner)
    return backups.storage_summary(_visible_backups(ctx, owner))


async def delete_backup_api_v1_backups_delete(ctx: RequestContext) -> dict[str, Any]:
    """Deleted by a task ("cannot be undone"); a second request while it runs is 409, afterwards 404."""
    owner = lookup.account(ctx)
    volid = str(ctx.query["volid"])
    subject = f"backup:{volid}"
    settle_subject(owner, subject)
    backup = _backup(ctx, volid, forbid_other_team=True)
    if tasks.open_on(owner, subject):
        raise Conflict("Delete already in progress", code="delete_in_progress")
    params = {"volid": volid, "vm_uuid": backup["instance_id"], "vmid": backup["vmid"]}
    # Marked first: at --speed instant the task deletes the backup before ``queue`` returns.
    backup["_deleting"] = True
    owner.collection(backups.COLLECTION).put(volid, backup)
    task = queue(owner, backups.DELETE, subject, params, lookup.caller(ctx))
    return {"message": "Backup deletion started", "task_id": task["task_id"], "volid": volid}


async def restore_backup_to_vm_api_v1_backups_restore_post(ctx: RequestContext) -> dict[str, Any]:
    """Restore onto any instance of the account whose disk is large enough, renaming it if asked."""
    owner = lookup.account(ctx)
    volid, target_id = str(ctx.query["volid"]), str(ctx.query["target_vm_uuid"])
    backup = _backup(ctx, volid, forbid_other_team=True)
    settle_subject(owner, target_id)
    target = instances.get(owner, target_id)
    if target is None or not instances.is_active(target) or not instances.visible_to(
            target, lookup.permissions(ctx).team_id):
        raise NotFound(f"VM {target_id} not found", field="target_vm_uuid")
    if target.get("status") != instances.RENTED:
        raise TwinError(f"VM is not in 'rented' status: {target.get('status')}", code="invalid_state", status=400)
    # This operation declares no 409: a restore into a busy instance is refused with its 400.
    _refuse_if_busy(owner, target, "restore", status=400)
    _check_disk(target, backup)
    new_name = _restored_name(ctx, owner, backup, target_id)
    task = queue(owner, backups.RESTORE_TO, target_id, _params(target, backup_volid=volid, new_name=new_name),
                          lookup.caller(ctx))
    return {"message": "Restore started", "task_id": task["task_id"], "volid": volid, "target_vm_uuid": target_id,
            "new_name": new_name}


def _restored_name(ctx: RequestContext, owner: Account, backup: Record, target_id: str) -> str | None:
    new_name = ctx.query.get("new_name")
    if not new_name and ctx.query.get("add_restore_prefix"):
        date = datetime.fromtimestamp(owner.now(), timezone.utc).strftime("%Y%m%d")
        source = ctx.query.get("backup_source_name") or backup.get("instance_name") or "vm"
        new_name = (RESTORE_PREFIX.format(date=date) + str(source))[:64]
    if not new_name:
        return None
    if not instances.RENAME_RULE.match(str(new_name)) or instances.name_taken(owner, str(new_name), target_id):
        raise TwinError(instances.RENAME_MESSAGE + ", unique within your account", code="invalid_name", status=400,
                        field="new_name", details={"field": "new_name"})
    return str(new_name)


async def update_backup_notes_api_v1_backups_notes_put(ctx: RequestContext) -> dict[str, Any]:
    owner = lookup.account(ctx)
    volid = str(ctx.query["volid"])
    backup = _backup(ctx, volid, forbid_other_team=False)
    backup["notes"] = ctx.body["notes"]
    owner.collection(backups.COLLECTION).put(volid, backup)
    return {"message": "Notes updated", "volid": volid, "notes": backup["notes"]}


HANDLERS: dict[str, Handler] = {
    "create_instance_backup_api_v1_instances__instance_id__backup_post":
        create_instance_backup_api_v1_instances__instance_id__backup_post,
    "list_instance_backups_api_v1_instances__instance_id__backups_get":
        list_instance_backups_api_v1_instances__instance_id__backups_get,
    "restore_instance_backup_api_v1_instances__instance_id__restore_post":
        restore_instance_backup_api_v1_instances__instance_id__restore_post,
    "list_all_backups_api_v1_backups_get": list_all_backups_api_v1_backups_get,
    "get_backup_storage_api_v1_backups_storage_get": get_backup_storage_api_v1_backups_storage_get,
    "delete_backup_api_v1_backups_delete": delete_backup_api_v1_backups_delete,
    "restore_backup_to_vm_api_v1_backups_restore_post": restore_backup_to_vm_api_v1_backups_restore_post,
    "update_backup_notes_api_v1_backups_notes_put": update_backup_notes_api_v1_backups_notes_put,
}
