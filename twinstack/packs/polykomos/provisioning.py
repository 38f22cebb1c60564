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
``polykomos.destroy`` job retries until it succeeds. A delete waits for the
drop at most ``DROP_WAIT_SECONDS`` (``destroy_within``); a slower one goes on
in the background.

The same job restores a database a state import brought in that its server
lacks (``_restore``, set by ``state_import.py``): if the server has it after
all, it is simply back in the status it had; otherwise it is made again,
empty, under its stored login and password (and its stored name when that is
free), so the connection string the state holds works again.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from typing import Any

from twinstack.drivers.databases import DatabaseDriverError, Provisioned, Provisioner
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
DROP_WAIT_SECONDS = 3.0
"""How long a delete waits for the server's drop before it answers. PostgreSQL's ``DROP DATABASE`` waits for
a checkpoint, which took up to 15 s on a busy disk (0.6-2 s usually); past this the drop goes on in the
background and the answer's ``destroy_scheduled_at`` says so. The drop locks the login out before it drops
anything, so by then the login is refused already."""
SERVER_MAX_CONNECTIONS = 2_147_483_647
"""The most connections the servers can count (a 32-bit limit on PostgreSQL and MySQL): a higher
``connection_hard_limit`` can never be reached, so the server is given none."""


def server_connection_limit(quotas: dict[str, Any] | None) -> int | None:
    """The limit the server enforces for ``connection_hard_limit`` (0: no new connections)."""
    limit = (quotas or {}).get("connection_hard_limit")
    return None if limit is None or limit >= SERVER_MAX_CONNECTIONS else int(limit)


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
    restoring = record.get("_restore")
    try:
        if restoring and await asyncio.to_thread(slot.provisioner.exists, record["db_name"]):
            return _restored(twin, tenant, database_uuid)
        made = await asyncio.to_thread(_make, slot.provisioner, record, database_uuid)
    except DatabaseDriverError as exc:
        slot.forget()
        log.warning("provisioning database %s failed: %s", database_uuid, exc.message)
        return _retry_later(twin, tenant, database_uuid, exc.message)
    with twin.store.transaction():
        current = databases.get(database_uuid)
        if current is not None and current.get("status") == "provisioning":
            current.update(
                status="active", host=made.host, port=made.port, db_name=made.database, db_username=made.username,
                updated_at=twin.clock.iso(), _password=made.password, _job=None, _error=None, _restore=None,
            )
            databases.put(database_uuid, current)
    if current is None or current.get("_password") != made.password:
        # Deleted while the server was creating it: nobody can reach it any more.
        await destroy(twin, tenant, made.engine, made.database, made.username)
        return current
    events.emit(twin, tenant, "database.provisioned", event_view(twin, current))
    storage.schedule_sample(twin, tenant, database_uuid)
    if current.get("_blueprint") and not restoring:
        await blueprint_applications.apply_on_create(twin, tenant, current)
    return databases.get(database_uuid)


def _make(provisioner: Provisioner, record: dict[str, Any], database_uuid: str) -> Provisioned:
    """Create the database and its login on the server (blocking); a restored one gets its stored password."""
    limit = server_connection_limit(record.get("quotas"))
    restoring = bool(record.get("_restore"))
    hint = record["db_name"] if restoring else record["name"]
    # Creation takes no limit of 0 (MySQL would read it as "unlimited"): that one is set once the login exists.
    made = provisioner.create(hint, unique_id=database_uuid, connection_limit=limit or None)
    try:
        if limit == 0:
            provisioner.set_connection_limit(made.database, made.username, 0)
        if restoring:
            password = provisioner.rotate_password(made.username, record["_password"])
            made = dataclasses.replace(made, password=password,
                                       connection_string=dataclasses.replace(made.connection, password=password).uri)
    except BaseException:
        provisioner.drop(made.database, made.username)
        raise
    return made


def _restored(twin: Any, tenant: str, database_uuid: str) -> dict[str, Any] | None:
    """A restored database its server had after all: back in the status it had in the imported state."""
    databases = of_tenant(twin, tenant)
    with twin.store.transaction():
        current = databases.get(database_uuid)
        if current is None or current.get("status") != "provisioning" or not current.get("_restore"):
            return current
        current.update(status=current["_restore"].get("status", "active"), _restore=None, _job=None, _error=None)
        databases.put(database_uuid, current)
    storage.schedule_sample(twin, tenant, database_uuid, 0)
    return current


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
        _schedule_destroy(twin, tenant, engine, database, username)
        return False
    return True


async def destroy_within(twin: Any, tenant: str, engine: str, database: str, username: str,
                         seconds: float) -> float | None:
    """Drop as ``destroy`` does, waiting at most ``seconds``: None once dropped, else the twin time the drop
    happens at: now for one still running, which goes on in the background (with the destroy job standing by,
    should the process stop first), or the retry's time for one the server refused."""
    drop = asyncio.create_task(destroy(twin, tenant, engine, database, username))
    done, _ = await asyncio.wait({drop}, timeout=seconds)
    if drop in done:
        return None if drop.result() else twin.clock.now() + RETRY_SECONDS
    runtime_of(twin).keep(drop)
    job_id = _schedule_destroy(twin, tenant, engine, database, username)

    def finished(task: asyncio.Task[bool]) -> None:
        # A drop that failed has rescheduled the same job itself; one that worked needs it no more.
        if not task.cancelled() and task.exception() is None and task.result():
            twin.scheduler.cancel(job_id)

    drop.add_done_callback(finished)
    return float(twin.clock.now())


def _schedule_destroy(twin: Any, tenant: str, engine: str, database: str, username: str) -> str:
    job_id = f"polykomos:destroy:{engine}:{database}"
    twin.scheduler.schedule(DESTROY_KIND, RETRY_SECONDS, service=twin.slug, tenant=tenant,
                            payload={"engine": engine, "database": database, "username": username}, job_id=job_id)
    return job_id


async def run_provision(twin: Any, job: Job) -> None:
    await provision(twin, job.tenant, str(job.payload["uuid"]))


async def run_destroy(twin: Any, job: Job) -> None:
    payload = job.payload
    await destroy(twin, job.tenant, str(payload["engine"]), str(payload["database"]), str(payload["username"]))


JOBS: dict[str, PackJob] = {PROVISION_KIND: run_provision, DESTROY_KIND: run_destroy}
"""The job kinds above, for ``Pack.jobs`` (which binds them to the twin at start)."""
