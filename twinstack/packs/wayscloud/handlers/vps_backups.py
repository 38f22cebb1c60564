"""VPS Snapshots and Backups: snapshots, rollback, backups, restore, download, policies and their job.

Operations that declare only 200 (the backup list, usage and policy reads and
``PUT``) answer for a VPS the caller does not have with an empty list, zero
usage, no policy and ``ok: false``; every other one answers 404 "VPS not found"
(or the declared stand-in status, ``Pack.status_fallbacks``).
"""

from __future__ import annotations

from typing import Any

from twinstack.engine.context import Reply, RequestContext
from twinstack.engine.pack import Handler
from twinstack.engine.twin import Twin
from twinstack.errors import Conflict, NotFound, TwinError
from twinstack.packs.wayscloud import backups, snapshots, vps_lifecycle
from twinstack.packs.wayscloud.handlers.vps import current, save
from twinstack.store import Job

INDEXES: dict[str, tuple[str, ...]] = {**snapshots.INDEXES, **backups.INDEXES}


def _known(ctx: RequestContext) -> dict[str, Any] | None:
    try:
        return current(ctx)
    except NotFound:
        return None


async def list_snapshots(ctx: RequestContext) -> Any:
    vps = current(ctx)
    shown = [snapshots.view(s, ctx.now, ctx.clock.iso)
             for s in snapshots.of_vps(ctx.collection(snapshots.COLLECTION), str(vps["id"]))]
    return {"vps_id": vps["id"], "snapshots": shown, "total": len(shown)}


async def create_snapshot(ctx: RequestContext) -> Any:
    vps = current(ctx)
    made = snapshots.create(ctx.collection(snapshots.COLLECTION), vps, dict(ctx.body or {}), ctx.now,
                            ctx.clock.factor, ctx.clock.iso())
    return Reply(snapshots.view(made, ctx.now, ctx.clock.iso), status=201)


async def delete_snapshot(ctx: RequestContext) -> Any:
    vps = current(ctx)
    shots = ctx.collection(snapshots.COLLECTION)
    snapshot = snapshots.find(shots, str(vps["id"]), str(ctx.path.get("snapshot_name", "")))
    shots.delete(snapshots.key(str(vps["id"]), str(snapshot["snapshot_name"])))
    return {"success": True, "action": "delete_snapshot", "message": f"Snapshot {snapshot['snapshot_name']} deleted"}


async def rollback_snapshot(ctx: RequestContext) -> Any:
    vps = current(ctx)
    snapshot = snapshots.find(ctx.collection(snapshots.COLLECTION), str(vps["id"]),
                              str(ctx.path.get("snapshot_name", "")))
    if vps["status"] != "stopped":
        raise Conflict("VPS must be stopped", details={"detail": "VPS must be stopped before a rollback"})
    if not snapshots.is_available(snapshot, ctx.now):
        raise Conflict("Snapshot not available", details={"detail": "Snapshot is not available yet"})
    vps_lifecycle.replace_disk(vps, snapshot["_disk"])
    save(ctx, vps)
    return {"success": True, "action": "rollback",
            "message": f"VPS rolled back to snapshot {snapshot['snapshot_name']}; it stays stopped"}


async def list_backups(ctx: RequestContext) -> Any:
    vps = _known(ctx)
    if vps is None:
        return {"vps_id": str(ctx.path.get("vps_id", "")), "backups": [], "total": 0}
    kept = ctx.collection(backups.COLLECTION)
    shown = []
    for backup in backups.of_vps(kept, str(vps["id"])):
        if vps_lifecycle.advance(backup, ctx.now, ctx.clock.factor):
            kept.put(str(backup["backup_id"]), backup)
        shown.append(backups.view(backup, ctx.clock.iso))
    return {"vps_id": vps["id"], "backups": shown, "total": len(shown)}


async def create_backup(ctx: RequestContext) -> Any:
    vps = current(ctx)
    made = backups.start(ctx.collection(backups.COLLECTION), vps, "manual", ctx.now, ctx.clock.factor,
                         ctx.clock.iso)
    save(ctx, vps)
    return Reply({"ok": True, "backup_id": made["backup_id"], "status": made["status"]}, status=202)


def _backup(ctx: RequestContext) -> tuple[dict[str, Any], dict[str, Any]]:
    vps = current(ctx)
    backup = backups.load(ctx.collection(backups.COLLECTION), str(vps["id"]), str(ctx.path.get("backup_id", "")),
                          ctx.now, ctx.clock.factor)
    return vps, backup


async def delete_backup(ctx: RequestContext) -> Any:
    _, backup = _backup(ctx)
    if backup["status"] in (*backups.IN_PROGRESS, "restoring"):
        raise Conflict("Backup in progress", details={"detail": f"Backup is {backup['status']}; try again later"})
    ctx.collection(backups.COLLECTION).delete(str(backup["backup_id"]))
    return {"success": True, "action": "delete_backup", "message": "Backup deleted"}


async def restore_backup(ctx: RequestContext) -> Any:
    vps, backup = _backup(ctx)
    if vps["status"] != "stopped":
        raise Conflict("VPS must be stopped", details={"detail": "VPS must be stopped before a restore"})
    if backup["status"] != "available":
        raise Conflict("Backup not available", details={"detail": f"Backup is {backup['status']}, not available"})
    vps_lifecycle.replace_disk(vps, backup["_disk"])
    vps_lifecycle.begin(backup, backups.RESTORE, ctx.now)
    with ctx.store.transaction():
        save(ctx, vps)
        ctx.collection(backups.COLLECTION).put(str(backup["backup_id"]), backup)
    return {"success": True, "action": "restore", "message": "Restore queued"}


async def download_backup(ctx: RequestContext) -> Any:
    _, backup = _backup(ctx)
    if backup["status"] != "available":
        raise Conflict("Backup not available", details={"detail": f"Backup is {backup['status']}, not available"})
    return backups.download(backup, "https://s3.wayscloud.services")


async def backup_usage(ctx: RequestContext) -> Any:
    vps = _known(ctx)
    vps_id = str(ctx.path.get("vps_id", ""))
    kept = [] if vps is None else backups.of_vps(ctx.collection(backups.COLLECTION), vps_id)
    return {"vps_id": vps_id, "total_backups": len(kept),
            "total_size_gb": round(sum(float(b.get("size_gb") or 0.0) for b in kept), 2)}


def _policy_view(policy: dict[str, Any], iso: Any) -> dict[str, Any]:
    shown = {k: v for k, v in policy.items() if not k.startswith("_") and v is not None}
    for field in ("next_backup_at", "last_backup_at"):
        if policy.get(f"_{field}") is not None:
            shown[field] = iso(float(policy[f"_{field}"]))
    return shown


async def get_policy(ctx: RequestContext) -> Any:
    vps = _known(ctx)
    policy = None if vps is None else vps.get("_policy")
    answer: dict[str, Any] = {"vps_id": str(ctx.path.get("vps_id", ""))}
    if policy:
        answer["policy"] = _policy_view(policy, ctx.clock.iso)
    return answer


async def set_policy(ctx: RequestContext) -> Any:
    vps = _known(ctx)
    vps_id = str(ctx.path.get("vps_id", ""))
    if vps is None:
        return {"ok": False, "message": "VPS not found", "vps_id": vps_id}
    policy = backups.policy_from(dict(ctx.body or {}), vps_id, ctx.now)
    previous = vps.get("_policy") or {}
    policy["_last_backup_at"] = previous.get("_last_backup_at")
    job = backups.job_id(vps_id)
    if policy["enabled"]:
        policy["_next_backup_at"] = backups.next_run(policy, ctx.now)
        ctx.twin.scheduler.schedule(backups.JOB_KIND, policy["_next_backup_at"] - ctx.now, service=ctx.slug,
                                    tenant=ctx.tenant, payload={"vps_id": vps_id}, job_id=job)
    else:
        ctx.twin.scheduler.cancel(job)
    vps["_policy"] = policy
    save(ctx, vps)
    answer: dict[str, Any] = {"ok": True, "policy_id": policy["policy_id"]}
    if policy.get("_next_backup_at") is not None:
        answer["next_backup_at"] = ctx.clock.iso(policy["_next_backup_at"])
    return answer


async def delete_policy(ctx: RequestContext) -> Any:
    vps = current(ctx)
    if not vps.get("_policy"):
        raise NotFound("No backup policy", details={"detail": "No backup policy for this VPS"})
    vps["_policy"] = None
    save(ctx, vps)
    ctx.twin.scheduler.cancel(backups.job_id(str(vps["id"])))
    return {"success": True, "action": "delete_backup_policy", "message": "Backup policy removed; backups kept"}


def run_policy(twin: Twin, job: Job) -> None:
    """The policy's turn: an automatic backup, the expired ones dropped, the next turn scheduled."""
    vps_id = str(job.payload.get("vps_id", ""))
    now = twin.clock.now()
    collection = twin.collection(job.tenant, vps_lifecycle.COLLECTION)
    vps = vps_lifecycle.load(collection, vps_id, now, twin.clock.factor)
    policy = None if vps is None else vps.get("_policy")
    if vps is None or not policy or not policy.get("enabled"):
        return
    kept = twin.collection(job.tenant, backups.COLLECTION)
    backups.prune(kept, vps_id, now)
    try:
        backups.start(kept, vps, "automatic", now, twin.clock.factor, twin.clock.iso)
        policy["_last_backup_at"] = now
    except TwinError:
        pass  # one under way, or still provisioning: this turn is skipped, as a real scheduler would.
    policy["_next_backup_at"] = backups.next_run(policy, now)
    collection.put(vps_id, vps)
    twin.scheduler.schedule(backups.JOB_KIND, policy["_next_backup_at"] - now, service=twin.slug,
                            tenant=job.tenant, payload={"vps_id": vps_id}, job_id=job.id)


HANDLERS: dict[str, Handler] = {
    "listVpsSnapshots": list_snapshots,
    "createVpsSnapshot": create_snapshot,
    "deleteVpsSnapshot": delete_snapshot,
    "rollbackVpsSnapshot": rollback_snapshot,
    "listVpsBackups": list_backups,
    "createVpsBackup": create_backup,
    "deleteVpsBackup": delete_backup,
    "restoreVpsBackup": restore_backup,
    "downloadVpsBackup": download_backup,
    "getVpsBackupUsage": backup_usage,
    "getVpsBackupPolicy": get_policy,
    "setVpsBackupPolicy": set_policy,
    "deleteVpsBackupPolicy": delete_policy,
}

JOBS = {backups.JOB_KIND: run_policy}
