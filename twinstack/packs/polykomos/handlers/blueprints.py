"""Tag "Blueprints": the tenant's SQL blueprints (CRUD), the system ones, and SQL validation.

- ``slug`` comes from ``name`` (lowercase, ``-`` for anything else), with the
  first free one of ``-2``, ``-3``... on a collision with another of the
  tenant's or a system slug; renaming recomputes it.
- ``version`` starts at 1 and goes up by one each time ``sql_content`` changes;
  ``size_bytes`` is its UTF-8 length.
- ``metadata`` is the last validation of the SQL (as PostgreSQL):
  ``{valid, statement_count, errors, warnings, manifest}``. A blueprint is
  stored even when its SQL does not validate; applying it then fails.
- System blueprints are listed after the tenant's own and are read-only:
  PATCH and DELETE on them are 403 ``system_blueprint``.
- Deleting a blueprint keeps its past applications.
- ``createBlueprintValidation`` validates as PostgreSQL unless the body says
  ``"db_type": "mysql"`` (a field beyond the document); SQL that does not parse
  is 200 with ``valid: false``.
"""

from __future__ import annotations

import re
import uuid as uuidlib
from typing import Any

from twinstack.engine.context import Reply, RequestContext
from twinstack.engine.pack import Handler
from twinstack.errors import FieldIssue, Forbidden, ValidationFailed
from twinstack.packs.polykomos import blueprint_records as records
from twinstack.packs.polykomos.blueprint_validation import validate
from twinstack.packs.polykomos.idempotency import run_idempotent
from twinstack.packs.polykomos.system_blueprints import SYSTEM_BLUEPRINTS

_UNSLUG = re.compile(r"[^a-z0-9]+")
_SYSTEM_SLUGS = frozenset(b["slug"] for b in SYSTEM_BLUEPRINTS)
SLUG_BATCH = 50
"""Slugs asked for in one look-up while looking for a free one (``name``, ``name-2``...)."""


def _body(ctx: RequestContext) -> dict[str, Any]:
    return ctx.body if isinstance(ctx.body, dict) else {}


def _slug(ctx: RequestContext, name: str, own_uuid: str | None = None) -> str:
    """The first free slug of ``base``, ``base-2``, ``base-3``...: looked up by index, ``SLUG_BATCH`` at a time."""
    base = _UNSLUG.sub("-", name.lower()).strip("-")[:60] or "blueprint"
    stored, first = records.stored(ctx), 1
    while True:
        candidates = [base if n == 1 else f"{base}-{n}" for n in range(first, first + SLUG_BATCH)]
        taken = _SYSTEM_SLUGS | {b["slug"] for b in stored.find({"slug": candidates}).items if b["uuid"] != own_uuid}
        free = next((slug for slug in candidates if slug not in taken), None)
        if free is not None:
            return free
        first += SLUG_BATCH


def _metadata(sql: str, variables: dict[str, Any] | None) -> dict[str, Any]:
    report = validate(sql, "postgres", variables)
    return {"valid": report.valid, "statement_count": report.statement_count, "errors": report.errors,
            "warnings": report.warnings, "manifest": report.manifest}


def _own(ctx: RequestContext) -> dict[str, Any]:
    """The path's blueprint for a change: 404 if not visible, 403 if it is a system one."""
    found = records.load_visible(ctx, str(ctx.path["uuid"]))
    if found.get("is_system_blueprint"):
        raise Forbidden("System blueprints are read-only; copy its SQL into a blueprint of your own to change it",
                        code="system_blueprint", field="uuid")
    return found


async def list_blueprints(ctx: RequestContext) -> Any:
    chosen, more = records.visible_page(ctx)
    return {"data": [records.view(b, with_sql=False) for b in chosen], "has_more": more}


async def get_blueprint(ctx: RequestContext) -> Any:
    return {"data": records.view(records.load_visible(ctx, str(ctx.path["uuid"])), with_sql=True)}


async def create_blueprint(ctx: RequestContext) -> Any:
    return await run_idempotent(ctx, lambda slot: _create(ctx))


async def _create(ctx: RequestContext) -> Reply:
    body = _body(ctx)
    variables = body.get("variables")
    sql = str(body["sql_content"])
    blueprint_uuid = str(uuidlib.uuid4())
    stamp = ctx.clock.iso()
    record = {
        "_id": blueprint_uuid, "_number": ctx.twin.next_number("blueprints"),
        "object": "blueprint", "uuid": blueprint_uuid, "name": body["name"],
        "description": body.get("description"), "content_type": "sql", "version": 1,
        "size_bytes": len(sql.encode()), "is_system_blueprint": False, "variables": variables,
        "metadata": _metadata(sql, variables), "sql_content": sql, "created_at": stamp, "updated_at": stamp,
    }
    # One transaction: on SQLite no other writer takes the slug between the look-up and the write.
    with ctx.store.transaction():
        record["slug"] = _slug(ctx, str(body["name"]))
        records.stored(ctx).insert(blueprint_uuid, record)
    return Reply({"data": records.view(record, with_sql=True)}, status=201)


async def update_blueprint(ctx: RequestContext) -> Any:
    record = _own(ctx)
    body = _body(ctx)
    if "variables" in body:
        record["variables"] = body["variables"]
    renamed = "name" in body and body["name"] != record["name"]
    if renamed:
        record["name"] = body["name"]
    if "description" in body:
        record["description"] = body["description"]
    if "sql_content" in body and body["sql_content"] != record["sql_content"]:
        record["sql_content"] = str(body["sql_content"])
        record["version"] = int(record["version"]) + 1
        record["size_bytes"] = len(record["sql_content"].encode())
    if body:
        record["metadata"] = _metadata(record["sql_content"], record.get("variables"))
        record["updated_at"] = ctx.clock.iso()
        with ctx.store.transaction():
            if renamed:
                record["slug"] = _slug(ctx, str(record["name"]), record["uuid"])
            records.save(ctx, record)
    return {"data": records.view(record, with_sql=True)}


async def delete_blueprint(ctx: RequestContext) -> Any:
    record = _own(ctx)
    records.stored(ctx).delete(record["uuid"])
    return {"data": {"uuid": record["uuid"], "deleted": True}}


async def create_blueprint_validation(ctx: RequestContext) -> Any:
    body = _body(ctx)
    dialect = body.get("db_type", "postgres")
    if dialect not in ("postgres", "mysql"):
        raise ValidationFailed([FieldIssue("body", ("db_type",), "one of: postgres, mysql", "enum", dialect)])
    return {"data": validate(str(body["sql_content"]), dialect).as_data()}


HANDLERS: dict[str, Handler] = {
    "listBlueprints": list_blueprints,
    "getBlueprint": get_blueprint,
    "createBlueprint": create_blueprint,
    "updateBlueprint": update_blueprint,
    "deleteBlueprint": delete_blueprint,
    "createBlueprintValidation": create_blueprint_validation,
}
