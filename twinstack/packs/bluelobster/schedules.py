"""Backup schedules: one per instance, firing real ``backup_instance`` tasks on the twin clock.

A schedule is ``daily``, ``weekly`` (``day_of_week`` 0 = Monday ... 6) or
``monthly`` (``day_of_month`` 1-28, so every month has it) at ``hour_utc``.
Its next run is a durable job; when the twin clock passes it (in real time or
through ``/_twinstack/clock/advance``) the job queues a backup dated at the
scheduled moment, plans the following run from that moment (so an advance of
two days fires twice), and the backup, once written, prunes the instance's
scheduled backups to the newest ``KEEP``. A run is skipped while a backup or
restore of the instance is in progress. Schedule times are wall-clock times:
``--speed`` does not change when 03:00 UTC comes.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from twinstack.errors import TwinError
from twinstack.packs.bluelobster import backups, instances, tasks
from twinstack.packs.bluelobster.records import Account, Record
from twinstack.packs.bluelobster.task_runner import queue, settle_subject

if TYPE_CHECKING:
    from twinstack.engine.twin import Twin
    from twinstack.store import Job

COLLECTION = "backup_schedules"
JOB = "bluelobster.backup_schedule"
FREQUENCIES = ("daily", "weekly", "monthly")
KEEP = 7
"""Scheduled backups kept per instance; older ones are pruned as new ones are written."""


def checked(body: dict[str, Any]) -> dict[str, Any]:
    """The schedule's settings, or 400 ``invalid_schedule`` naming what is wrong (the document enumerates nothing)."""
    frequency, hour = body.get("frequency"), body.get("hour_utc")
    day_of_week, day_of_month = body.get("day_of_week"), body.get("day_of_month")
    problems: dict[str, str] = {}
    if frequency not in FREQUENCIES:
        problems["frequency"] = f"Must be one of: {', '.join(FREQUENCIES)}"
    if not isinstance(hour, int) or not 0 <= hour <= 23:
        problems["hour_utc"] = "Must be an hour between 0 and 23"
    if frequency == "weekly" and (not isinstance(day_of_week, int) or not 0 <= day_of_week <= 6):
        problems["day_of_week"] = "Weekly schedules need day_of_week between 0 (Monday) and 6 (Sunday)"
    if frequency == "monthly" and (not isinstance(day_of_month, int) or not 1 <= day_of_month <= 28):
        problems["day_of_month"] = "Monthly schedules need day_of_month between 1 and 28"
    if problems:
        raise TwinError("Invalid backup schedule", code="invalid_schedule", status=400, field=next(iter(problems)),
                        details={"details": problems})
    return {"frequency": frequency, "hour_utc": hour,
            "day_of_week": day_of_week if frequency == "weekly" else None,
            "day_of_month": day_of_month if frequency == "monthly" else None}


def next_run(settings: dict[str, Any], after: float) -> float:
    """The first scheduled moment strictly after ``after`` (twin seconds)."""
    moment = datetime.fromtimestamp(after, timezone.utc)
    day = moment.replace(hour=int(settings["hour_utc"]), minute=0, second=0, microsecond=0)
    for _ in range(400):
        if day.timestamp() > after and _matches(settings, day):
            return day.timestamp()
        day += timedelta(days=1)
    raise ValueError(f"no run within a year for {settings}")


def _matches(settings: dict[str, Any], day: datetime) -> bool:
    if settings["frequency"] == "weekly":
        return day.weekday() == int(settings["day_of_week"])
    if settings["frequency"] == "monthly":
        return day.day == int(settings["day_of_month"])
    return True


def save(account: Account, instance_id: str, settings: dict[str, Any]) -> tuple[Record, bool]:
    """Create or replace the instance's schedule ("only one schedule per VM"); the record and whether it is new."""
    existing = account.collection(COLLECTION).get(instance_id)
    now = account.now()
    record: Record = {
        "vm_uuid": instance_id, **settings, "retention": KEEP,
        "created_at": existing["created_at"] if existing else account.iso(now), "updated_at": account.iso(now),
        "last_run_at": existing.get("last_run_at") if existing else None, "_next_run": next_run(settings, now),
    }
    account.collection(COLLECTION).put(instance_id, record)
    _plan(account, record)
    return record, existing is None


def drop(account: Account, instance_id: str) -> bool:
    """Remove the instance's schedule and its pending run; whether there was one."""
    account.twin.scheduler.cancel(_job_id(account, instance_id))
    return account.collection(COLLECTION).delete(instance_id)


def view(account: Account, record: Record) -> dict[str, Any]:
    keys = ("vm_uuid", "frequency", "hour_utc", "day_of_week", "day_of_month", "retention", "last_run_at",
            "created_at", "updated_at")
    return {**{k: record.get(k) for k in keys}, "next_run_at": account.iso(float(record["_next_run"]))}


def run_schedule_job(twin: Twin, job: Job) -> None:
    """The ``JOB`` handler: queue the due backup and plan the next run."""
    account = Account(twin, job.tenant)
    instance_id = str(job.payload.get("vm_uuid"))
    record = account.collection(COLLECTION).get(instance_id)
    if record is None:
        return
    due = float(record["_next_run"])
    if due > account.now():
        _plan(account, record)
        return
    settle_subject(account, instance_id)
    instance = instances.get(account, instance_id)
    if instance is None or not instances.is_active(instance):
        drop(account, instance_id)
        return
    if backups.busy_with(tasks.open_on(account, instance_id)) is None:
        params = {"vm_uuid": instance_id, "host_id": instance["host_id"], "vmid": instance["vmid"],
                  "scheduled": True, "keep": KEEP}
        queue(account, backups.BACKUP, instance_id, params, None, at=due)
        record["last_run_at"] = account.iso(due)
    else:
        record["last_skipped_at"] = account.iso(due)
    record["_next_run"] = next_run(record, due)
    account.collection(COLLECTION).put(instance_id, record)
    _plan(account, record)


def _job_id(account: Account, instance_id: str) -> str:
    return f"{account.slug}:schedule:{account.tenant}:{instance_id}"


def _plan(account: Account, record: Record) -> None:
    account.twin.scheduler.schedule(
        JOB, max(0.0, float(record["_next_run"]) - account.now()), service=account.slug, tenant=account.tenant,
        payload={"vm_uuid": record["vm_uuid"]}, job_id=_job_id(account, str(record["vm_uuid"])),
    )
