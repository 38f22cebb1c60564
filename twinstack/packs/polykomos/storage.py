"""The storage quota: the server's own size figure sampled on the twin clock, and what crossing it does.

Every ``SAMPLE_SECONDS`` of twin time (and right after a quota change) the
twin asks the server how big the database is (``pg_database_size`` on
PostgreSQL; the InnoDB files on MySQL; see the provisioning driver) and
compares it with ``storage_hard_limit_gb``:

- at ``warning_threshold_pct`` of the limit it emits ``database.storage_warning``
  (once per crossing);
- over the limit it makes the database read-only on the server (PostgreSQL
  ``default_transaction_read_only``, MySQL revoked write privileges; open
  sessions are ended), sets ``status: paused`` and emits ``database.paused``;
- back under the limit (data dropped or truncated, or the limit raised or
  cleared) it restores writes, sets ``active`` and emits ``database.resumed``.

The sampling period is not scaled by ``--speed``: under ``instant`` a period of
0 would sample without end. ``/_twinstack/clock/advance`` runs due samples.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from twinstack.drivers.databases import DatabaseDriverError
from twinstack.packs.polykomos import events
from twinstack.engine.pack import PackJob
from twinstack.packs.polykomos.database_records import event_view, of_tenant
from twinstack.packs.polykomos.runtime import runtime_of
from twinstack.store import Job

log = logging.getLogger("twinstack.polykomos")

SAMPLE_KIND = "polykomos.storage"
SAMPLE_SECONDS = 60.0
GIB = 1024**3


def state_for(size_bytes: int, quotas: dict[str, Any]) -> str:
    """``ok``, ``warning`` (at the threshold) or ``over`` (past the hard limit)."""
    limit_gb = quotas.get("storage_hard_limit_gb")
    if limit_gb is None:
        return "ok"
    limit = float(limit_gb) * GIB
    if size_bytes > limit:
        return "over"
    threshold = quotas.get("warning_threshold_pct")
    if threshold is not None and size_bytes >= limit * int(threshold) / 100:
        return "warning"
    return "ok"


def schedule_sample(twin: Any, tenant: str, database_uuid: str, delay: float = SAMPLE_SECONDS) -> None:
    twin.scheduler.schedule(
        SAMPLE_KIND, delay, service=twin.slug, tenant=tenant, payload={"uuid": database_uuid},
        job_id=f"polykomos:storage:{database_uuid}",
    )


async def sample(twin: Any, tenant: str, database_uuid: str) -> dict[str, Any] | None:
    """Measure the database now and act on its quota; the record afterwards (None once it is gone)."""
    databases = of_tenant(twin, tenant)
    record = databases.get(database_uuid)
    if record is None or record.get("status") not in ("active", "paused"):
        return record
    provisioner = runtime_of(twin).slot(record["db_type"]).provisioner
    if provisioner is None:
        return record
    try:
        size = await asyncio.to_thread(provisioner.size_bytes, record["db_name"])
    except DatabaseDriverError as exc:
        log.warning("sampling the size of %s failed: %s", record["db_name"], exc.message)
        schedule_sample(twin, tenant, database_uuid)
        return record
    state = state_for(size, record.get("quotas") or {})
    previous = (record.get("_storage") or {}).get("state", "ok")
    wanted = "paused" if state == "over" else "active"
    if wanted != record["status"]:
        try:
            await asyncio.to_thread(provisioner.set_read_only, record["db_name"], record["db_username"], state == "over")
        except DatabaseDriverError as exc:
            log.warning("changing read-only mode of %s failed: %s", record["db_name"], exc.message)
            wanted = record["status"]
    with twin.store.transaction():
        current = databases.get(database_uuid)
        if current is None:
            return None
        changed = current["status"] != wanted
        current["status"] = wanted
        current["_storage"] = {"state": state, "bytes": size, "sampled_at": twin.clock.now()}
        if changed:
            current["updated_at"] = twin.clock.iso()
        databases.put(database_uuid, current)
    if state in ("warning", "over") and previous == "ok":
        events.emit(twin, tenant, "database.storage_warning", {**event_view(twin, current), "size_bytes": size})
    if changed:
        events.emit(twin, tenant, "database.paused" if wanted == "paused" else "database.resumed",
                    {**event_view(twin, current), "size_bytes": size})
    schedule_sample(twin, tenant, database_uuid)
    return current


async def run_sample(twin: Any, job: Job) -> None:
    await sample(twin, job.tenant, str(job.payload["uuid"]))


JOBS: dict[str, PackJob] = {SAMPLE_KIND: run_sample}
"""For ``Pack.jobs``."""
