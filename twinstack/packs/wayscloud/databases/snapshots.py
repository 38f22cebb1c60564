"""Snapshots as real dumps, their restore, and backup policies that take them on the twin clock.

A snapshot is the server's own logical dump (``pg_dump``/``mariadb-dump``, through the driver) kept
as a file under the data dir (``<data dir>/wayscloud-db-snapshots/<tenant>/<snapshot id>.dump``),
its record in ``databases/snapshots``. Restoring replaces the database's contents with the dump,
or makes a new database from it (``target_db_name``). A backup policy schedules a durable job at
its next time (hourly, daily at ``time_of_day`` UTC, weekly); each run takes an ``automatic``
snapshot, drops automatic ones older than ``retention_days`` and schedules the next run.
"""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path
from typing import Any

from twinstack.engine.twin import Twin
from twinstack.packs.wayscloud.databases import servers
from twinstack.packs.wayscloud.databases.records import DATABASES, size_mb
from twinstack.store import Job

SNAPSHOTS = "databases/snapshots"
INDEXES: dict[str, tuple[str, ...]] = {SNAPSHOTS: ("db_name", "snapshot_type")}
JOB_KIND = "wayscloud.database-backup"
_PERIOD = {"hourly": 3600.0, "daily": 86400.0, "weekly": 7 * 86400.0}
_KEPT = 1000
"""Snapshots of one database a listing or a pruning pass reads at most."""


def snapshot_dir(twin: Twin, tenant: str) -> Path:
    return Path(twin.settings.data_dir) / "wayscloud-db-snapshots" / tenant


def new_snapshot_id(now: float) -> str:
    stamp = dt.datetime.fromtimestamp(now, dt.UTC).strftime("%Y%m%d_%H%M%S")
    return f"snap_{stamp}_{secrets.token_hex(4)}"


async def take(twin: Twin, tenant: str, record: dict[str, Any], kind: str, name: str | None = None,
               description: str | None = None) -> dict[str, Any]:
    """Dump the database now and keep the snapshot; its record."""
    now = twin.clock.now()
    snapshot_id = new_snapshot_id(now)
    folder = snapshot_dir(twin, tenant)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{snapshot_id}.dump"
    size = await servers.call(twin, record["db_type"], lambda p: p.dump(record["db_name"], str(path)))
    snapshot = {
        "snapshot_id": snapshot_id, "db_name": record["db_name"], "db_type": record["db_type"],
        "size_mb": size_mb(size), "_size_bytes": size, "created_at": twin.clock.iso(now), "_at": now,
        "description": description, "name": name, "status": "completed", "location": "local",
        "snapshot_type": kind,
    }
    twin.collection(tenant, SNAPSHOTS).put(snapshot_id, snapshot)
    return snapshot


def path_of(twin: Twin, tenant: str, snapshot_id: str) -> Path:
    return snapshot_dir(twin, tenant) / f"{snapshot_id}.dump"


def forget(twin: Twin, tenant: str, snapshot_id: str) -> None:
    twin.collection(tenant, SNAPSHOTS).delete(snapshot_id)
    path_of(twin, tenant, snapshot_id).unlink(missing_ok=True)


def of_database(twin: Twin, tenant: str, db_name: str) -> list[dict[str, Any]]:
    return list(twin.collection(tenant, SNAPSHOTS).find({"db_name": db_name}, newest_first=True, limit=_KEPT).items)


# -- backup policies ---------------------------------------------------------------


def next_run(policy: dict[str, Any], now: float) -> float:
    """The next time the policy takes a backup after ``now`` (UTC)."""
    frequency = policy.get("frequency", "daily")
    if frequency == "hourly":
        return (now // 3600 + 1) * 3600
    hour, minute = time_of_day(policy.get("time_of_day")) or (2, 0)
    today = dt.datetime.fromtimestamp(now, dt.UTC).replace(hour=hour, minute=minute, second=0, microsecond=0)
    at = today.timestamp()
    while at <= now:
        at += _PERIOD[frequency] if frequency == "weekly" else 86400.0
    return at


def time_of_day(text: Any) -> tuple[int, int] | None:
    """``"HH:MM"`` as hour and minute; None when it is not one (no time given: 02:00 UTC)."""
    try:
        hour, minute = (int(part) for part in str(text).split(":", 1))
    except ValueError:
        return None
    return (hour, minute) if 0 <= hour < 24 and 0 <= minute < 60 else None


def job_id(tenant: str, db_name: str) -> str:
    return f"wayscloud:database-backup:{tenant}:{db_name}"


def schedule(twin: Twin, tenant: str, record: dict[str, Any]) -> None:
    policy = record.get("policy") or {}
    if not policy.get("enabled"):
        twin.scheduler.cancel(job_id(tenant, record["db_name"]))
        return
    twin.scheduler.schedule(JOB_KIND, policy["_next_at"] - twin.clock.now(), service=twin.slug, tenant=tenant,
                            payload={"db_name": record["db_name"]}, job_id=job_id(tenant, record["db_name"]))


async def run_policy(twin: Twin, job: Job) -> None:
    """The policy's turn: an automatic snapshot, the expired ones dropped, the next turn scheduled."""
    databases = twin.collection(job.tenant, DATABASES)
    record = databases.get(str(job.payload.get("db_name", "")))
    policy = (record or {}).get("policy") or {}
    if record is None or not policy.get("enabled"):
        return
    now = twin.clock.now()
    try:
        await take(twin, job.tenant, record, "automatic")
        policy["last_backup"] = twin.clock.iso(now)
    except Exception as exc:  # a server that refused keeps the policy running; the next turn tries again
        twin.log.warning("automatic backup of %s failed: %s", record["db_name"], exc)
    cutoff = now - 86400.0 * float(policy.get("retention_days", 7))
    automatic = twin.collection(job.tenant, SNAPSHOTS).find(
        {"db_name": record["db_name"], "snapshot_type": "automatic"}, limit=_KEPT).items
    for snapshot in automatic:
        if float(snapshot.get("_at", now)) < cutoff:
            forget(twin, job.tenant, snapshot["snapshot_id"])
    policy["_next_at"] = next_run(policy, now)
    record["policy"] = policy
    databases.put(record["db_name"], record)
    schedule(twin, job.tenant, record)


JOBS = {JOB_KIND: run_policy}
