"""Databases made and destroyed for real, as jobs on the twin clock.

``provisioning -> active``: creating a database stores it as ``provisioning``
and either provisions it at once (``--speed instant``) or schedules the
``polykomos.provision`` job ``PROVISION_SECONDS`` later (scaled by the speed:
20 s realistic, 2 s fast), which ``/_twinstack/clock/advance`` also runs. The
job creates the database and its own login on the engine's server through the
provisioning driver (in a worker thread: the driver blocks), then marks it
``active`` and emits ``database.provisioned``.

A server that fails the creation leaves the database ``provisioning`` and the
job is tried again ``RETRY_SECONDS`` later, with the server's message kept in
``_error``. A database deleted while its creation was under way is dropped
from the server as soon as the creation returns.

Dropping (``destroy``) happens at once on delete; if the server refuses, the
``polykomos.destroy`` job retries until it succeeds.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from twinstack.drivers.databases import DatabaseDriverError
from twinstack.packs.polykomos import blueprint_applications, events, storage
from twinstack.engine.pack import PackJob
from twinstack.packs.polykomos.database_records import event_view, of_tenant
from twinstack.packs.polykomos.runtime import runtime_of
from twinstack.store import Job

log = logging.getLogger("twinstack.polykomos")

PROVISION_KIND = "polykomos.provision"
DESTROY_KIND = "polykomos.destroy"
PROVISION_SECONDS = 20.0
"""How long provisioning takes at ``--speed realistic`` (the brief's 20-40 s; 2 s fast, 0 instant)."""
RETRY_SECONDS = 30.0
"""Twin seconds before a creation or drop the server refused is tried again."""

def provision_job_id(database_uuid: str) -> str:
    return f"polykomos:provision:{database_uuid}"


def schedule_provision(twin: Any, tenant: str, database_uuid: str, delay: float) -> str:
    """Queue the creation ``delay`` twin-seconds from now; the job's id."""
    job = twin.scheduler.schedule(
        PROVISION_KIND, delay, service=twin.slug, tenant=tenant, payload={"uuid": database_uuid},
        job_id=provision_job_id(database_uuid),
    )
    return str(job.id)


async def provision(twin: Any, tenant: str, database_uuid: str) -> dict[str, Any] | None:
    """Create the database on its server if it is still waiting for that; the record afterwards."""
    databases = of_tenant(twin, tenant)
    record = databases.get(database_uuid)
    if record is None or record.get("status") != "provisioning":
        return record
    runtime = runtime_of(twin)
    slot = runtime.slot(record["db_type"])
    if slot.provisioner is None:
        return _retry_later(twin, tenant, database_uuid, f"{record['db_type']}: no server is configured")
    limit = (record.get("quotas") or {}).get("connection_hard_limit")
    try:
        made = await asyncio.to_thread(
            slot.provisioner.create, record["name"], unique_id=database_uuid, connection_limit=limit
        )
    except DatabaseDriverError as exc:
        slot.forget()
        log.warning("provisioning database %s failed: %s", database_uuid, exc.message)
        return _retry_later(twin, tenant, database_uuid, exc.message)
    with twin.store.transaction():
        current = databases.get(database_uuid)
        if current is not None and current.get("status") == "provisioning":
            current.update(
                status="active", host=made.host, port=made.port, db_name=made.database, db_username=made.username,
                updated_at=twin.clock.iso(), _password=made.password, _job=None, _error=None,
            )
            databases.put(database_uuid, current)
    if current is None or current.get("_password") != made.password:
        # Deleted while the server was creating it: nobody can reach it any more.
        await destroy(twin, tenant, made.engine, made.database, made.username)
        return current
    events.emit(twin, tenant, "database.provisioned", event_view(current))
    storage.schedule_sample(twin, tenant, database_uuid)
    if current.get("_blueprint"):
        await blueprint_applications.apply_on_create(twin, tenant, current)
    return databases.get(database_uuid)


def _retry_later(twin: Any, tenant: str, database_uuid: str, reason: str) -> dict[str, Any] | None:
    databases = of_tenant(twin, tenant)
    with twin.store.transaction():
        current = databases.get(database_uuid)
        if current is None or current.get("status") != "provisioning":
            return current
        current["_error"] = reason
        current["_job"] = schedule_provision(twin, tenant, database_uuid, RETRY_SECONDS)
        databases.put(database_uuid, current)
    return current


async def destroy(twin: Any, tenant: str, engine: str, database: str, username: str) -> bool:
    """Drop the database and its login from the server; on failure retry later. Whether it is gone now."""
    provisioner = runtime_of(twin).slot(engine).provisioner
    try:
        if provisioner is None:
            raise DatabaseDriverError(f"{engine}: no server is configured")
        await asyncio.to_thread(provisioner.drop, database, username)
    except DatabaseDriverError as exc:
        log.warning("dropping database %s failed (retrying in %ss): %s", database, RETRY_SECONDS, exc.message)
        twin.scheduler.schedule(
            DESTROY_KIND, RETRY_SECONDS, service=twin.slug, tenant=tenant,
            payload={"engine": engine, "database": database, "username": username},
            job_id=f"polykomos:destroy:{engine}:{database}",
        )
        return False
    return True


async def run_provision(twin: Any, job: Job) -> None:
    await provision(twin, job.tenant, str(job.payload["uuid"]))


async def run_destroy(twin: Any, job: Job) -> None:
    payload = job.payload
    await destroy(twin, job.tenant, str(payload["engine"]), str(payload["database"]), str(payload["username"]))


JOBS: dict[str, PackJob] = {PROVISION_KIND: run_provision, DESTROY_KIND: run_destroy}
"""The job kinds above, for ``Pack.jobs`` (which binds them to the twin at start)."""
