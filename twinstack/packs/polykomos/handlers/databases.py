"""Tag "Databases": real databases on the configured servers, their lifecycle, names and quotas.

``createDatabase`` stores the database as ``provisioning`` and has it created
on its engine's server (see ``provisioning.py``): at once under ``--speed
instant`` (201, ``active``), else after the provisioning time; ``?wait=true``
holds the request up to ``timeout`` seconds for it (201 if it became active,
else 202 with ``provisioning.poll_url``). With no usable server for the engine
the request is refused with 422 ``engine_unavailable`` and a message naming the
option to set; no database and no connection string are made up.

Quotas (``updateDatabaseQuotas``) live in ``database_quotas.py``; blueprint
applications in ``blueprint_applications.py``.
"""

from __future__ import annotations

import asyncio
import time
import uuid as uuidlib
from typing import Any

from twinstack.engine.context import Reply, RequestContext
from twinstack.engine.pack import Handler
from twinstack.errors import FieldIssue, TwinError, ValidationFailed
from twinstack.packs.polykomos import blueprint_records
from twinstack.packs.polykomos import database_records as records
from twinstack.packs.polykomos import events
from twinstack.packs.polykomos.catalog import (
    DEFAULT_ENGINE,
    DEFAULT_PLAN,
    DEFAULT_REGION,
    ENGINE_LABELS,
    PLANS,
    REGIONS,
    primary_team,
)
from twinstack.packs.polykomos.blueprint_applications import prepare
from twinstack.packs.polykomos.blueprint_variables import VariableError
from twinstack.packs.polykomos.handlers.blueprint_applications import variable_error
from twinstack.packs.polykomos.handlers.database_quotas import check_quotas
from twinstack.packs.polykomos.idempotency import Slot, run_idempotent
from twinstack.packs.polykomos.paging import page
from twinstack.packs.polykomos.provisioning import (
    DROP_WAIT_SECONDS,
    PROVISION_SECONDS,
    destroy_within,
    provision,
    provision_job_id,
    schedule_provision,
)
from twinstack.packs.polykomos.runtime import runtime_of

WAIT_POLL_SECONDS = 0.1
"""How often a ``wait=true`` request looks whether its database became active."""


def invalid(field: str, message: str, value: Any = None) -> ValidationFailed:
    """422 ``invalid_field`` naming a body field, for rules the document's schema cannot express."""
    return ValidationFailed([FieldIssue("body", (field,), message, "invalid", value)])


# -- list, get --------------------------------------------------------------------


async def list_databases(ctx: RequestContext) -> Any:
    chosen, more = page(ctx, records.stored(ctx))
    return {"data": [records.view(ctx.twin, r, reveal=False) for r in chosen], "has_more": more}


async def get_database(ctx: RequestContext) -> Any:
    return {"data": records.view(ctx.twin, records.load(ctx, str(ctx.path["uuid"])), reveal=True)}


# -- create -----------------------------------------------------------------------


async def create_database(ctx: RequestContext) -> Any:
    return await run_idempotent(ctx, lambda slot: _create(ctx, slot), resume=lambda uid: _in_progress(ctx, uid))


async def _create(ctx: RequestContext, slot: Slot | None) -> Reply:
    body: dict[str, Any] = ctx.body if isinstance(ctx.body, dict) else {}
    engine = body.get("db_type", DEFAULT_ENGINE)
    if engine not in ENGINE_LABELS:
        raise invalid("db_type", f"unknown database type {engine!r}; one of: {', '.join(ENGINE_LABELS)}", engine)
    region = body.get("region", DEFAULT_REGION)
    if region not in REGIONS:
        raise invalid("region", f"unknown region {region!r}; one of: {', '.join(REGIONS)}", region)
    plan = body.get("plan", DEFAULT_PLAN)
    tenant = ctx.store.get_tenant(ctx.tenant) or {}
    team = primary_team(ctx.store, ctx.tenant, str(tenant.get("name") or ctx.tenant))
    if body.get("team_id") is not None and body["team_id"] != team["id"]:
        raise invalid("team_id", f"team {body['team_id']} is not one of your teams (yours: {team['id']})", body["team_id"])
    quotas = PLANS[plan].as_dict()
    quotas.update({k: body[k] for k in quotas if k in body})
    check_quotas(quotas)
    blueprint = _blueprint_to_apply(ctx, body)
    available, reason = await runtime_of(ctx.twin).slot(engine).availability()
    if not available:
        raise TwinError(
            f"{ENGINE_LABELS[engine]} is not available on this twin: {reason}", code="engine_unavailable", status=422,
            field="db_type", details={"db_type": engine, "reason": reason},
        )
    record = _new_record(ctx, body["name"], engine, region, plan, team, quotas, blueprint)
    database_uuid = record["uuid"]
    delay = ctx.clock.duration(PROVISION_SECONDS)
    if delay > 0:
        record["_job"] = provision_job_id(database_uuid)
    records.stored(ctx).insert(database_uuid, record)
    if slot is not None:
        slot.bind(database_uuid)
    waited = 0
    if delay > 0:
        schedule_provision(ctx.twin, ctx.tenant, database_uuid, delay)
        if ctx.query.get("wait"):
            waited = await _wait_for(ctx, database_uuid, int(ctx.query.get("timeout") or 30))
    else:
        await provision(ctx.twin, ctx.tenant, database_uuid)
    return _reply(ctx, records.load(ctx, database_uuid), waited)


def _blueprint_to_apply(ctx: RequestContext, body: dict[str, Any]) -> dict[str, Any] | None:
    given = body.get("blueprint_uuid")
    if given is None:
        return None
    found = blueprint_records.find_visible(ctx, str(given))
    if found is None:
        raise invalid("blueprint_uuid", f"no blueprint {given} is visible to you", given)
    variables = body.get("blueprint_variables") or {}
    try:
        # Checked now, so a database is never made for a blueprint that cannot be applied to it.
        prepare(found, variables, str(body.get("db_type", DEFAULT_ENGINE)))
    except VariableError as exc:
        raise variable_error(exc, "blueprint_variables") from exc
    return {"uuid": found["uuid"], "variables": variables}


def _new_record(
    ctx: RequestContext, name: str, engine: str, region: str, plan: str, team: dict[str, Any],
    quotas: dict[str, Any], blueprint: dict[str, Any] | None,
) -> dict[str, Any]:
    database_uuid = str(uuidlib.uuid4())
    provisioner = runtime_of(ctx.twin).provisioner(engine)
    stamp = ctx.clock.iso()
    return {
        "_id": database_uuid, "_number": ctx.twin.next_number("databases"), "_created": ctx.now,
        "object": "database", "uuid": database_uuid, "name": name, "status": "provisioning", "region": region,
        "plan": plan, "quotas": quotas, "db_type": engine,
        "host": provisioner.public_host, "port": provisioner.public_port,
        # The server's names are known once it has made them (a taken name gets a suffix).
        "db_name": name, "db_username": "", "team_id": team["id"], "team_name": team["name"],
        "created_at": stamp, "updated_at": stamp, "_password": None, "_job": None, "_blueprint": blueprint,
    }


async def _wait_for(ctx: RequestContext, database_uuid: str, timeout: int) -> int:
    """Hold the request until the database leaves ``provisioning`` or ``timeout`` seconds pass; seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        found = records.find(ctx, database_uuid)
        if found is None or found.get("status") != "provisioning":
            break
        await asyncio.sleep(WAIT_POLL_SECONDS)
    return int(time.monotonic() - started)


def _reply(ctx: RequestContext, record: dict[str, Any], waited: int) -> Reply:
    shown = records.view(ctx.twin, record, reveal=True)
    if record["status"] != "provisioning":
        return Reply({"message": "Database created", "data": shown}, status=201)
    progress = {"completed": False, "waited_seconds": waited, "poll_url": f"{ctx.base_url}/api/v1/databases/{record['uuid']}"}
    return Reply({"message": "Database creation accepted; still provisioning", "data": shown,
                  "provisioning": progress}, status=202)


def _in_progress(ctx: RequestContext, database_uuid: str) -> Reply:
    """A retry with the key of a creation still running: where that database is now."""
    found = records.find(ctx, database_uuid)
    if found is None:
        raise TwinError("The database this request created has since been deleted", code="idempotency_key_in_use",
                        status=422, field="Idempotency-Key")
    return _reply(ctx, found, 0)


# -- update, delete ---------------------------------------------------------------


async def update_database(ctx: RequestContext) -> Any:
    return await run_idempotent(ctx, lambda slot: _update(ctx))


async def _update(ctx: RequestContext) -> Reply:
    record = records.load(ctx, str(ctx.path["uuid"]))
    body: dict[str, Any] = ctx.body if isinstance(ctx.body, dict) else {}
    if "name" in body and body["name"] != record["name"]:
        # A label only: the server's db_name stays, since renaming a live database needs every session closed.
        record["name"] = body["name"]
        record["updated_at"] = ctx.clock.iso()
        records.save(ctx, record)
        events.emit(ctx.twin, ctx.tenant, "database.updated", records.event_view(ctx.twin, record))
    return Reply({"data": records.view(ctx.twin, record, reveal=False)})


async def delete_database(ctx: RequestContext) -> Any:
    return await run_idempotent(ctx, lambda slot: _delete(ctx))


async def _delete(ctx: RequestContext) -> Reply:
    record = records.load(ctx, str(ctx.path["uuid"]))
    cancelled, remote, scheduled = 0, False, None
    if record["status"] == "provisioning":
        if ctx.twin.scheduler.cancel(provision_job_id(record["uuid"])):
            cancelled = 1
        # One a state import brought in may exist on the server still: drop whatever there is of it.
        remote = bool(record.get("_restore"))
    else:
        remote = True
    records.stored(ctx).delete(record["uuid"])
    if remote:
        at = await destroy_within(ctx.twin, ctx.tenant, record["db_type"], record["db_name"], record["db_username"],
                                  DROP_WAIT_SECONDS)
        scheduled = None if at is None else ctx.clock.iso(at)
    deleted = {**records.event_view(ctx.twin, record), "status": "deleted"}
    events.emit(ctx.twin, ctx.tenant, "database.deleted", deleted)
    data = {
        "object": "database", "uuid": record["uuid"], "deleted": True, "cancelled_provision_jobs": cancelled,
        "destroy_scheduled_at": scheduled, "has_remote_resources": remote,
    }
    return Reply({"message": "Database deleted", "data": data})


# -- engines ----------------------------------------------------------------------


async def get_database_types(ctx: RequestContext) -> Any:
    """Each engine the twin offers, and whether its server can take a new database right now."""
    runtime = runtime_of(ctx.twin)
    shown = []
    for engine, label in ENGINE_LABELS.items():
        slot = runtime.slot(engine)
        available, reason = await slot.availability()
        shown.append({
            "value": engine, "label": label, "is_provisionable": slot.provisioner is not None,
            "is_available": available, "unavailable_reason": None if available else reason,
            "regions": [{"code": code, "label": name, "is_available": available} for code, name in REGIONS.items()],
        })
    return {"data": shown}


HANDLERS: dict[str, Handler] = {
    "listDatabases": list_databases,
    "createDatabase": create_database,
    "getDatabase": get_database,
    "updateDatabase": update_database,
    "deleteDatabase": delete_database,
    "getDatabaseTypes": get_database_types,
}
