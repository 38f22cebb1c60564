"""How a blueprint is stored, found and shown.

A tenant's blueprints are documents of the collection ``blueprints`` (keyed
by UUID, scoped to the tenant), beside the read-only system blueprints every
tenant sees (``system_blueprints.py``). Fields starting with ``_`` are the
twin's own: ``_number`` is the integer surrogate the document leaks as
``BlueprintApplication.blueprint_id``. The store indexes ``slug``, which is
unique within a tenant (see ``handlers/blueprints.py``).

``sql_content`` is "only included on single-get endpoints": lists leave it out.
"""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

from twinstack.engine.context import RequestContext
from twinstack.engine.state import Collection
from twinstack.errors import NotFound
from twinstack.packs.polykomos.paging import page
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
    own = stored(ctx).get(key)
    return own if own is not None else system_blueprint(key)


def load_visible(ctx: RequestContext, blueprint_uuid: str) -> dict[str, Any]:
    found = find_visible(ctx, blueprint_uuid)
    if found is None:
        raise NotFound(f"Blueprint {blueprint_uuid} not found", code="not_found", field="uuid")
    return found


def visible_page(ctx: RequestContext) -> tuple[list[dict[str, Any]], bool]:
    """The requested page of the tenant's blueprints newest first, then the system ones; whether more follow."""
    return page(ctx, stored(ctx), tail=SYSTEM_BLUEPRINTS)


def stored(ctx: RequestContext) -> Collection:
    """The caller's own blueprints (the system ones are not stored)."""
    return ctx.collection(COLLECTION)


def save(ctx: RequestContext, record: dict[str, Any]) -> None:
    stored(ctx).put(record["uuid"], record)


def view(record: dict[str, Any], *, with_sql: bool) -> dict[str, Any]:
    shown = {name: record.get(name) for name in PUBLIC_FIELDS}
    if with_sql:
        shown["sql_content"] = record.get("sql_content", "")
    return shown
