"""How a blueprint is stored, found and shown.

A tenant's blueprints are documents of the collection ``blueprints`` (keyed
by UUID, scoped to the tenant), beside the read-only system blueprints every
tenant sees (``system_blueprints.py``). Fields starting with ``_`` are the
twin's own: ``_number`` is the integer surrogate the document leaks as
``BlueprintApplication.blueprint_id``.

``sql_content`` is "only included on single-get endpoints": lists leave it out.
"""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

from twinstack.engine.context import RequestContext
from twinstack.errors import NotFound
from twinstack.packs.polykomos.system_blueprints import SYSTEM_BLUEPRINTS, system_blueprint

COLLECTION = "blueprints"

PUBLIC_FIELDS = (
    "object", "uuid", "name", "slug", "description", "content_type", "version", "size_bytes",
    "is_system_blueprint", "variables", "metadata", "created_at", "updated_at",
)


def find_visible(ctx: RequestContext, blueprint_uuid: str) -> dict[str, Any] | None:
    """The tenant's blueprint or a system one; None for anything else (another tenant's included)."""
    try:
        key = str(uuidlib.UUID(blueprint_uuid))
    except (ValueError, AttributeError, TypeError):
        return None
    own: dict[str, Any] | None = ctx.store.get(ctx.slug, ctx.tenant, COLLECTION, key)
    return own if own is not None else system_blueprint(key)


def load_visible(ctx: RequestContext, blueprint_uuid: str) -> dict[str, Any]:
    found = find_visible(ctx, blueprint_uuid)
    if found is None:
        raise NotFound(f"Blueprint {blueprint_uuid} not found", code="not_found", field="uuid")
    return found


def all_visible(ctx: RequestContext) -> list[dict[str, Any]]:
    """The tenant's blueprints newest first, then the system ones."""
    own = ctx.store.list(ctx.slug, ctx.tenant, COLLECTION, newest_first=True)
    return [*own, *(dict(b) for b in SYSTEM_BLUEPRINTS)]


def save(ctx: RequestContext, record: dict[str, Any]) -> None:
    ctx.store.put(ctx.slug, ctx.tenant, COLLECTION, record["uuid"], record, ctx.now)


def view(record: dict[str, Any], *, with_sql: bool) -> dict[str, Any]:
    shown = {name: record.get(name) for name in PUBLIC_FIELDS}
    if with_sql:
        shown["sql_content"] = record.get("sql_content", "")
    return shown
