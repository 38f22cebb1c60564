"""VPS backups and backup policies on the twin clock.

A backup runs ``creating`` (30 s) -> ``uploading`` (120 s) -> ``available``,
one at a time per VPS (the VPS keeps the id of its latest backup, so the check
reads one row). It keeps the disk it was taken of; a restore (VPS stopped,
backup available) marks it ``restoring`` for 60 s and puts that disk back at
once. It expires ``retention_days`` after it started: the policy's, else seven.

A policy is kept on its VPS. Setting one schedules the durable job
``wayscloud.vps-backup`` at its ``next_backup_at`` (wall-clock times of day, not
scaled by ``--speed``), which ``/_twinstack/clock/advance`` also runs: it takes
an ``automatic`` backup, drops the VPS's expired backups and schedules the next.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from twinstack.engine.state import Collection
from twinstack.errors import Conflict, FieldIssue, NotFound, ValidationFailed
from twinstack.packs.wayscloud import vps_lifecycle
from twinstack.packs.wayscloud.vps_catalogue import PLANS

COLLECTION = "vps-backups"
"""A tenant's backups, keyed by ``backup_id``, found by ``vps_id``."""
INDEXES: dict[str, tuple[str, ...]] = {COLLECTION: ("vps_id",)}
JOB_KIND = "wayscloud.vps-backup"
RUN = (("creating", 30.0), ("uploading", 120.0), ("available", None))
RESTORE = (("restoring", 60.0), ("available", None))
IN_PROGRESS = ("creating", "uploading")
DEFAULT_RETENTION_DAYS = 7
DOWNLOAD_SECONDS = 3600
_MOST_PER_VPS = 1000
_TIME_OF_DAY = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")


def job_id(vps_id: str) -> str:
    return f"wayscloud:vps-backup-policy:{vps_id}"


def of_vps(backups: Collection, vps_id: str) -> list[dict[str, Any]]:
    return backups.find({"vps_id": vps_id}, newest_first=True, limit=_MOST_PER_VPS).items


def load(backups: Collection, vps_id: str, backup_id: str, now: float, factor: float) -> dict[str, Any]:
    backup = backups.get(backup_id)
    if backup is None or backup.get("vps_id") != vps_id:
        raise NotFound("Backup not found", details={"detail": "Backup not found"})
    if vps_lifecycle.advance(backup, now, factor):
        backups.put(backup_id, backup)
    return backup


def view(backup: dict[str, Any], iso: Callable[[float], str]) -> dict[str, Any]:
    shown = {k: v for k, v in backup.items() if not k.startswith("_") and v is not None}
    if backup["status"] not in IN_PROGRESS:
        shown["completed_at"] = iso(float(backup["_completed_at"]))
    return shown


def start(backups: Collection, vps: dict[str, Any], kind: str, now: float, factor: float, iso: Callable[[float], str]) -> dict[str, Any]:
    """A new backup of ``vps`` (``manual`` or ``automatic``); 409 while another is under way."""
    running = vps.get("_backup")
    if running:
        current = backups.get(str(running))
        if current is not None:
            vps_lifecycle.advance(current, now, factor)
            if current["status"] in IN_PROGRESS:
                raise Conflict("Backup in progress", field="path.vps_id",
                               details={"detail": "A backup is already in progress for this VPS"})
    if vps["status"] == "provisioning":
        raise Conflict("VPS is provisioning", field="path.vps_id",
                       details={"detail": "VPS is still provisioning; backups need a provisioned VPS"})
    policy = vps.get("_policy") or {}
    retention = int(policy.get("retention_days") or DEFAULT_RETENTION_DAYS)
    disk = vps_lifecycle.capture(vps, now)
    plan = PLANS[vps["plan_code"]]
    backup: dict[str, Any] = {
        "backup_id": str(uuid.uuid4()), "vps_id": vps["id"], "backup_type": kind,
        "size_gb": round(plan.storage_gb * disk["usage"] / 100 * 0.45, 2), "status": "creating",
        "started_at": iso(now), "expires_at": iso(now + retention * 86400),
        "_expires": now + retention * 86400, "_disk": disk,
        "_completed_at": now + sum(seconds or 0.0 for _, seconds in RUN) * factor,
    }
    vps_lifecycle.begin(backup, RUN, now)
    backups.put(backup["backup_id"], backup)
    vps["_backup"] = backup["backup_id"]
    return backup


def download(backup: dict[str, Any], base: str) -> dict[str, Any]:
    name = f"{backup['backup_id']}.qcow2"
    signature = hashlib.sha256(f"{backup['vps_id']}/{name}".encode()).hexdigest()
    return {"download_url": f"{base}/vps-backups/{backup['vps_id']}/{name}?X-Amz-Expires={DOWNLOAD_SECONDS}"
                            f"&X-Amz-Signature={signature}",
            "expires_in": DOWNLOAD_SECONDS, "size_bytes": int(float(backup.get("size_gb") or 0) * 1024 ** 3),
            "filename": name}


def policy_from(body: dict[str, Any], vps_id: str, now: float) -> dict[str, Any]:
    """A policy from ``VPSBackupPolicySet``; 422 naming the field when the time or weekday is wrong."""
    frequency = str(body.get("frequency") or "daily")
    time_of_day = str(body.get("time_of_day") or "03:00")
    if not _TIME_OF_DAY.fullmatch(time_of_day):
        raise ValidationFailed([FieldIssue("body", ("time_of_day",), "Value should be HH:MM in UTC",
                                           "value_error", time_of_day)])
    day = body.get("day_of_week")
    if frequency == "weekly" and day is None:
        # A weekly policy names its weekday: pydantic's "missing", showing the body it is missing from.
        raise ValidationFailed([FieldIssue("body", ("day_of_week",), "Field required", "missing", body)])
    return {"policy_id": str(uuid.uuid4()), "vps_id": vps_id, "enabled": body.get("enabled", True) is not False,
            "frequency": frequency, "time_of_day": time_of_day,
            "day_of_week": int(day) if frequency == "weekly" and day is not None else None,
            "retention_days": int(body.get("retention_days") or DEFAULT_RETENTION_DAYS)}


def next_run(policy: dict[str, Any], after: float) -> float:
    """The first time of the policy strictly after ``after``."""
    hour, minute = (int(part) for part in str(policy["time_of_day"]).split(":"))
    moment = datetime.fromtimestamp(after, UTC)
    candidate = moment.replace(hour=hour, minute=minute, second=0, microsecond=0)
    while candidate.timestamp() <= after or (
            policy["frequency"] == "weekly" and candidate.weekday() != int(policy["day_of_week"])):
        candidate += timedelta(days=1)
    return candidate.timestamp()


def prune(backups: Collection, vps_id: str, now: float) -> int:
    """Drop the VPS's expired backups; how many went."""
    gone = 0
    for backup in of_vps(backups, vps_id):
        if float(backup.get("_expires") or now + 1) <= now and backup["status"] not in ("restoring",):
            gone += int(backups.delete(str(backup["backup_id"])))
    return gone
