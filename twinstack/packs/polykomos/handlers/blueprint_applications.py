"""``POST /databases/{uuid}/blueprint_applications`` and ``GET /blueprint_applications/{id}``.

The first is tagged "Databases" and the second "Blueprints" in the document;
both are here, beside each other, since one creates what the other reads.

- 404: the path's database is unknown (or another tenant's).
- 422: ``blueprint_uuid`` not visible to the caller (``invalid_field``), the
  database not ``active`` (``database_not_ready``), a variable missing or not
  placeable (``invalid_field``, ``details.field`` = ``variables.<name>``).
- ``wait`` (default true) holds the request until the run ends or ``timeout``
  seconds pass: 200 when it ended (``completed``, ``rolled_back`` or
  ``failed``), else 202 with the application ``running``. ``wait: false``
  queues it (202 ``pending``); the scheduler runs it at once.
"""

from __future__ import annotations

import asyncio
from typing import Any

from twinstack.engine.context import Reply, RequestContext
from twinstack.engine.pack import Handler
from twinstack.errors import FieldIssue, NotFound, TwinError, ValidationFailed
from twinstack.packs.polykomos import blueprint_applications as applications
from twinstack.packs.polykomos import blueprint_records, database_records
from twinstack.packs.polykomos.blueprint_variables import VariableError
from twinstack.packs.polykomos.idempotency import run_idempotent
from twinstack.packs.polykomos.runtime import runtime_of

_MESSAGES = {
    "completed": "Blueprint application completed",
    "rolled_back": "Blueprint application failed and was rolled back",
    "failed": "Blueprint application failed",
}


def variable_error(exc: VariableError, field: str) -> ValidationFailed:
    return ValidationFailed([FieldIssue("body", (field, exc.name), exc.message, "invalid_variable")])


async def create_database_blueprint_application(ctx: RequestContext) -> Any:
    return await run_idempotent(ctx, lambda slot: _create(ctx))


async def _create(ctx: RequestContext) -> Reply:
    database = database_records.load(ctx, str(ctx.path["uuid"]))
    body: dict[str, Any] = ctx.body if isinstance(ctx.body, dict) else {}
    blueprint = blueprint_records.find_visible(ctx, str(body["blueprint_uuid"]))
    if blueprint is None:
        raise ValidationFailed([FieldIssue("body", ("blueprint_uuid",), f"no blueprint {body['blueprint_uuid']} is "
                                           "visible to you", "invalid", body["blueprint_uuid"])])
    if database["status"] != "active":
        why = "its storage quota is exceeded (paused)" if database["status"] == "paused" else database["status"]
        raise TwinError(f"The database is not ready for a blueprint: {why}", code="database_not_ready", status=422,
                        field="uuid", details={"status": database["status"]})
    try:
        sql, values = applications.prepare(blueprint, body.get("variables"), database["db_type"])
    except VariableError as exc:
        raise variable_error(exc, "variables") from exc
    timeout = int(body.get("timeout", 30))
    record = applications.new_application(
        ctx.twin, ctx.tenant, database, blueprint, sql, values, bool(body.get("dry_run", False)), timeout
    )
    if not body.get("wait", True):
        applications.schedule(ctx.twin, ctx.tenant, int(record["id"]))
        return Reply({"message": "Blueprint application queued", "data": applications.view(record)}, status=202)
    task = asyncio.ensure_future(applications.run(ctx.twin, ctx.tenant, int(record["id"])))
    runtime_of(ctx.twin).keep(task)
    await asyncio.wait({task}, timeout=timeout)
    current = ctx.collection(applications.COLLECTION).get(str(record["id"])) or record
    if current["status"] in _MESSAGES:
        return Reply({"message": _MESSAGES[current["status"]], "data": applications.view(current)})
    return Reply({"message": "Blueprint application still running", "data": applications.view(current)}, status=202)


async def get_blueprint_application(ctx: RequestContext) -> Any:
    found = ctx.collection(applications.COLLECTION).get(str(ctx.path["id"]))
    if found is None:
        raise NotFound(f"Blueprint application {ctx.path['id']} not found", code="not_found", field="id")
    return {"data": applications.view(found)}


HANDLERS: dict[str, Handler] = {
    "createDatabaseBlueprintApplication": create_database_blueprint_application,
    "getBlueprintApplication": get_blueprint_application,
}
