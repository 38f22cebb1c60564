"""Backups on the region's Proxmox Backup Server: records, sizes, and the four backup tasks.

A backup is written when its ``backup_instance`` task completes: ``volid``
``<storage>:backup/vm/<vmid>/<start time>``, a size that is the data the guest
uses (its template's base plus growth over time, below its disk), format
``pbs-vm``. The first backup of an instance copies everything (about
200 MB/s); later ones are incremental and much faster, as PBS deduplicates.
Backups belong to the account, not the instance: they outlive a deleted
instance, and can be restored onto it (``restore_instance``) or onto another
instance with a disk at least as large (``restore_backup``). A restore stops
the instance while it runs and starts it again afterwards, with the disk
contents of the backup. ``delete_backup`` removes one.
"""

from __future__ import annotations

from typing import Any

from twinstack.packs.bluelobster import instances
from twinstack.packs.bluelobster.catalogue import REGIONS, TEMPLATES
from twinstack.packs.bluelobster.records import Account, Record, between
from twinstack.packs.bluelobster.tasks import TaskKind

COLLECTION = "backups"
FORMAT = "pbs-vm"
FULL_BYTES_PER_SECOND = 200e6
INCREMENTAL_SHARE = 0.15
"""Share of a full backup's time an incremental one takes."""
RESTORE_BYTES_PER_SECOND = 400e6
GROWTH_GB_PER_DAY = 0.4
"""How fast a guest's used data grows after its template's base (or a restore)."""
ISO_BASE_GB = 6.0
BACKUP, RESTORE, RESTORE_TO, DELETE = "backup_instance", "restore_instance", "restore_backup", "delete_backup"
BUSY = (BACKUP, RESTORE, RESTORE_TO)
"""Only one of these may run on an instance at a time (the declared 409s)."""
INDEXED = ("instance_id",)
"""Fields backups are looked up by (``pack.INDEXES``)."""


def size_human(size_bytes: int) -> str:
    """The document's sizes: 1024-based, one decimal, labelled "GB" (48530000000 -> "45.2 GB")."""
    return f"{size_bytes / 2**30:.1f} GB"


def storage_of(instance: Record) -> str:
    region = REGIONS.get(str(instance.get("region")))
    return region.storage if region else "pbs-01"


def used_gb(instance: Record, at: float) -> float:
    """Data the guest holds at ``at``: its starting point plus steady growth, never more than 90 % of its disk."""
    disk = instance.get("_disk")
    if isinstance(disk, dict):
        base, since = float(disk["gb"]), float(disk["at"])
    else:
        template = TEMPLATES.get(str(instance.get("template_name")))
        base, since = (template.base_gb if template else ISO_BASE_GB), float(instance["_created"])
    grown = base + GROWTH_GB_PER_DAY * max(0.0, at - since) / 86_400
    return min(grown, float(instance.get("storage") or 0) * 0.9)


def find(account: Account, volid: str) -> Record | None:
    return account.collection(COLLECTION).get(volid)


def newest_first(found: list[Record]) -> list[Record]:
    """Backups by when they were taken, newest first (two written in one second keep their order)."""
    return sorted(found, key=lambda b: float(b["_created"]), reverse=True)


def of_instances(account: Account, instance_ids: list[str]) -> list[Record]:
    """The backups of these instances, newest first."""
    if not instance_ids:
        return []
    return newest_first(account.collection(COLLECTION).find({"instance_id": instance_ids}).items)


def of_instance(account: Account, instance_id: str) -> list[Record]:
    """The instance's backups, newest first."""
    return of_instances(account, [instance_id])


def of_account(account: Account) -> list[Record]:
    """Every backup of the account (deleted instances' included), newest first."""
    return newest_first(account.collection(COLLECTION).find().items)


def view(backup: Record, with_source: bool = False) -> dict[str, Any]:
    shown = {k: backup.get(k) for k in ("volid", "size_bytes", "size_human", "created_at", "format")}
    if backup.get("notes") is not None:
        shown["notes"] = backup["notes"]
    if with_source:
        shown.update({k: backup.get(k) for k in ("instance_id", "instance_name", "vmid", "storage")})
    return shown


# -- the tasks ---------------------------------------------------------------------
def _instance(account: Account, task: Record) -> Record | None:
    return instances.get(account, str(task["_subject"]))


def _size_bytes(account: Account, task: Record) -> int:
    """The backup's size, fixed by the instance's data at the task's start."""
    instance = _instance(account, task)
    if instance is None:
        return 0
    gb = used_gb(instance, float(task["_started"])) * between(0.98, 1.02, task["task_id"], "size")
    return int(gb * 1e9)


def _backup_check(account: Account, task: Record) -> str | None:
    instance = _instance(account, task)
    if instance is None or instance.get("status") != instances.RENTED:
        return f"VM is not in 'rented' status: {instance.get('status') if instance else 'deleted'}"
    return None


def _backup_length(account: Account, task: Record) -> float:
    seconds = _size_bytes(account, task) / FULL_BYTES_PER_SECOND
    incremental = account.collection(COLLECTION).count(instance_id=str(task["_subject"])) > 0
    return max(5.0, seconds * INCREMENTAL_SHARE if incremental else seconds)


def _write_backup(account: Account, task: Record, at: float) -> None:
    instance = _instance(account, task)
    if instance is None:
        return
    start = float(task["_started"])
    storage = storage_of(instance)
    moment = start
    volid = f"{storage}:backup/vm/{instance['vmid']}/{account.iso(moment)}"
    while find(account, volid) is not None:
        # Two backups started in one second: PBS snapshot names are per second, so the later one moves on.
        moment += 1
        volid = f"{storage}:backup/vm/{instance['vmid']}/{account.iso(moment)}"
    size = _size_bytes(account, task)
    record = {
        "volid": volid, "size_bytes": size, "size_human": size_human(size), "created_at": account.iso(moment),
        "format": FORMAT, "notes": task["params"].get("notes"), "instance_id": instance["uuid"],
        "instance_name": instance["name"], "vmid": instance["vmid"], "storage": storage,
        "region": instance.get("region"), "source_disk_gb": instance.get("storage"),
        "scheduled": bool(task["params"].get("scheduled")), "_created": moment, "_task": task["task_id"],
    }
    account.collection(COLLECTION).put(volid, record)
    keep = task["params"].get("keep")
    if isinstance(keep, int) and record["scheduled"]:
        prune(account, str(instance["uuid"]), keep)


def prune(account: Account, instance_id: str, keep: int) -> None:
    """Keep the newest ``keep`` scheduled backups of the instance (backups taken by hand are never pruned)."""
    scheduled = [b for b in of_instance(account, instance_id) if b.get("scheduled") and not b.get("_deleting")]
    for old in scheduled[keep:]:
        account.collection(COLLECTION).delete(str(old["volid"]))


def _restore_check(account: Account, task: Record) -> str | None:
    reason = _backup_check(account, task)
    backup = find(account, str(task["params"].get("backup_volid")))
    if reason is None and (backup is None or backup.get("_deleting")):
        return f"Backup not found: {task['params'].get('backup_volid')}"
    return reason


def _restore_length(account: Account, task: Record) -> float:
    backup = find(account, str(task["params"].get("backup_volid")))
    size = int(backup["size_bytes"]) if backup else 0
    return max(10.0, size / RESTORE_BYTES_PER_SECOND)


def _stop_for_restore(account: Account, task: Record, at: float) -> None:
    instance = _instance(account, task)
    if instance is not None:
        instance.update(power_status=instances.STOPPED, _booted_at=None)
        instances.save(account, instance, at)


def _restored(account: Account, task: Record, at: float) -> None:
    instance = _instance(account, task)
    backup = find(account, str(task["params"].get("backup_volid")))
    if instance is None or instance.get("status") != instances.RENTED:
        return
    if backup is not None:
        instance["_disk"] = {"gb": int(backup["size_bytes"]) / 1e9, "at": at}
    new_name = task["params"].get("new_name")
    if isinstance(new_name, str) and new_name:
        instance["name"] = new_name
    instance.update(power_status=instances.RUNNING, _booted_at=at)
    instances.save(account, instance, at)


def _delete_check(account: Account, task: Record) -> str | None:
    return None if find(account, str(task["params"].get("volid"))) else "Backup not found"


def _delete_backup(account: Account, task: Record, at: float) -> None:
    account.collection(COLLECTION).delete(str(task["params"].get("volid")))


KINDS: tuple[TaskKind, ...] = (
    TaskKind(BACKUP, (5.0, 60.0), ("Starting backup", "Backing up disk", "Finalizing backup"),
             "Backup completed successfully", check=_backup_check, finish=_write_backup, length=_backup_length),
    TaskKind(RESTORE, (10.0, 60.0), ("Stopping VM", "Restoring disk from backup", "Starting VM"),
             "Restore completed successfully", check=_restore_check, begin=_stop_for_restore, finish=_restored,
             length=_restore_length),
    TaskKind(RESTORE_TO, (10.0, 60.0), ("Stopping VM", "Restoring disk from backup", "Starting VM"),
             "Restore completed successfully", check=_restore_check, begin=_stop_for_restore, finish=_restored,
             length=_restore_length),
    TaskKind(DELETE, (2.0, 8.0), ("Deleting backup snapshot",), "Backup deleted successfully",
             check=_delete_check, finish=_delete_backup),
)


def busy_with(open_tasks: list[Record]) -> str | None:
    """Which backup-type operation runs on an instance (``backup``/``restore``), if one does."""
    for task in open_tasks:
        if task.get("operation") in BUSY:
            return "backup" if task["operation"] == BACKUP else "restore"
    return None


def in_progress(open_tasks: list[Record], operations: tuple[str, ...]) -> dict[str, Any] | None:
    """``backup_in_progress`` / ``restore_in_progress`` of a backup list."""
    task = next((t for t in open_tasks if t.get("operation") in operations), None)
    if task is None:
        return None
    return {"task_id": task["task_id"], "status": task["status"], "message": task["message"],
            "started_at": task["created_at"]}


PRICE_CENTS_PER_GB_MONTH = 2
"""Backup storage price ($0.02 per GiB-month): the document bills storage but names no price."""


def storage_summary(records: list[Record]) -> dict[str, Any]:
    """``GET /backups/storage``: totals that are exactly the sums of the per-instance lines."""
    lines: dict[str, dict[str, Any]] = {}
    for backup in records:
        line = lines.setdefault(str(backup["instance_id"]), {
            "instance_id": backup["instance_id"], "instance_name": backup.get("instance_name"), "backup_count": 0,
            "total_bytes": 0,
        })
        line["backup_count"] += 1
        line["total_bytes"] += int(backup["size_bytes"])
    for line in lines.values():
        line["total_human"] = size_human(line["total_bytes"])
        line["monthly_cost_cents"] = int(line["total_bytes"] / 2**30 * PRICE_CENTS_PER_GB_MONTH + 0.5)
    total = sum(line["total_bytes"] for line in lines.values())
    return {
        "total_bytes": total, "total_human": size_human(total), "backup_count": len(records),
        "price_cents_per_gb_month": PRICE_CENTS_PER_GB_MONTH,
        "monthly_cost_cents": sum(line["monthly_cost_cents"] for line in lines.values()),
        "by_instance": list(lines.values()),
    }
