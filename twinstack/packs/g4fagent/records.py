"""The conventions every G4FAgent resource family shares.

Ids are ``<prefix>_<16 hex>``, timestamps ISO 8601 UTC with ``+00:00`` and
whole seconds, single resources travel wrapped in their noun
(``{"project": {...}}``), lists as ``{"items": [...], "next_cursor": "50" | null}``
with ``limit`` (default 50, clamped to 1..200) and ``cursor`` (an offset).
``Family`` holds one resource family's storage and envelope, so each handler
module only adds what is particular to its resource.

Request bodies: upstream treats an absent body and ``{}`` alike (400
``missing_body``), coerces scalar text fields with ``str()``, and names the
field at fault in ``invalid_request`` messages; the readers here do the same.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from twinstack.engine.context import RequestContext
from twinstack.packs.g4fagent.errors import BAD_INPUT_STATUS, ApiError, invalid_request

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(8)}"


def iso(moment: float) -> str:
    """The API's timestamp format: ``2026-05-01T12:00:00+00:00``."""
    return datetime.fromtimestamp(moment, timezone.utc).isoformat(timespec="seconds")


def page(ctx: RequestContext, items: list[dict[str, Any]]) -> dict[str, Any]:
    """One page of ``items`` by the request's ``limit`` and ``cursor``, in the API's list envelope."""
    limit = ctx.query.get("limit")
    limit = min(max(limit, 1), MAX_LIMIT) if isinstance(limit, int) else DEFAULT_LIMIT
    cursor = ctx.query.get("cursor")
    offset = max(cursor, 0) if isinstance(cursor, int) else 0
    end = offset + limit
    return {"items": items[offset:end], "next_cursor": str(end) if end < len(items) else None}


def matches(item: dict[str, Any], ctx: RequestContext, exact: tuple[str, ...], search: tuple[str, ...]) -> bool:
    """Upstream's filters: exact case-insensitive fields, and ``q`` as a substring of the ``search`` fields."""
    for name in exact:
        wanted = str(ctx.query.get(name) or "").strip().lower()
        if wanted and wanted != str(item.get(name, "")).lower():
            return False
    needle = str(ctx.query.get("q") or "").strip().lower()
    return not needle or any(needle in str(item.get(name, "")).lower() for name in search)


def body_of(ctx: RequestContext, *, empty_ok: bool = False) -> dict[str, Any]:
    """The JSON object sent; ``{}`` counts as no body unless the operation says it may be empty."""
    body = ctx.body if isinstance(ctx.body, dict) else {}
    if not body and not empty_ok:
        raise ApiError(BAD_INPUT_STATUS, "missing_body", "Request body is required.")
    return body


def text(body: dict[str, Any], name: str, default: str | None = None, *, required: bool = False) -> str:
    """A text field; numbers and booleans are taken as their text, as upstream's ``str()`` does."""
    value = body.get(name)
    if value is None:
        if required:
            raise invalid_request(f"{name} is required.", name)
        return default or ""
    if isinstance(value, (dict, list)):
        raise invalid_request(f"{name} must be a string.", name)
    result = str(value).strip() if required else str(value)
    if required and not result:
        raise invalid_request(f"{name} is required.", name)
    return result


def obj(body: dict[str, Any], name: str) -> dict[str, Any]:
    """An object field (absent or null is ``{}``)."""
    value = body.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise invalid_request(f"{name} must be an object.", name)
    return dict(value)


def text_list(body: dict[str, Any], name: str, *, required: bool = False) -> list[str]:
    """An array of strings (absent or null is ``[]``)."""
    value = body.get(name)
    if value is None:
        if required:
            raise invalid_request(f"{name} is required.", name)
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise invalid_request(f"{name} must be an array of strings.", name)
    return list(value)


@dataclass(frozen=True, slots=True)
class Family:
    """One resource family: where it is stored, its envelope noun, its id prefix and path parameter."""

    noun: str
    """Envelope key and error-code stem: ``project`` -> ``{"project": ...}``, ``project_not_found``."""
    collection: str
    """Store collection; the engine's own name for it, so generic sub-resources find their parent."""
    prefix: str
    id_param: str
    label: str
    """How messages name it: ``Project not found: proj_...``."""

    def load(self, ctx: RequestContext, rid: str | None = None) -> dict[str, Any]:
        """The resource named by ``rid`` (default: the path parameter), or 404 ``<noun>_not_found``."""
        rid = str(ctx.path.get(self.id_param, "")) if rid is None else rid
        found = ctx.store.get(ctx.slug, ctx.tenant, self.collection, rid)
        if found is None:
            raise ApiError(404, f"{self.noun}_not_found", f"{self.label} not found: {rid}")
        return dict(found)

    def all(self, ctx: RequestContext) -> list[dict[str, Any]]:
        return list(ctx.store.list(ctx.slug, ctx.tenant, self.collection))

    def save(self, ctx: RequestContext, record: dict[str, Any]) -> None:
        ctx.store.put(ctx.slug, ctx.tenant, self.collection, str(record["id"]), record, ctx.now)

    def remove(self, ctx: RequestContext, rid: str) -> None:
        ctx.store.delete(ctx.slug, ctx.tenant, self.collection, rid)

    def create(self, ctx: RequestContext, fields: dict[str, Any], *, updated_at: bool = True) -> dict[str, Any]:
        """A new resource: a fresh id, ``fields``, its timestamps; stored before it is returned."""
        stamp = iso(ctx.now)
        record = {"id": new_id(self.prefix), **fields, "created_at": stamp}
        if updated_at:
            record["updated_at"] = stamp
        self.save(ctx, record)
        return record

    def wrap(self, record: dict[str, Any]) -> dict[str, Any]:
        """The single-resource envelope; private ``_`` fields are dropped by the engine's renderer."""
        return {self.noun: record}
