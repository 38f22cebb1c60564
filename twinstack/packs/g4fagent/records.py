"""The conventions every G4FAgent resource family shares.

Ids are ``<prefix>_<16 hex>``, timestamps ISO 8601 UTC with ``+00:00`` and
whole seconds, single resources travel wrapped in their noun
(``{"project": {...}}``), lists as ``{"items": [...], "next_cursor": "50" | null}``
with ``limit`` (default 50, clamped to 1..200) and ``cursor`` (an offset).
``Family`` holds one resource family's storage and envelope, so each handler
module only adds what is particular to its resource.

Upstream's list filters compare exactly but without regard to case. A family
stores each field it looks up that way a second time, lowered, as the private
``_<field>_key``, and declares an index on it, so a filtered page is one
indexed query; only ``q`` (a substring of free text) still reads rows, see
``Family.page``.

Request bodies: upstream treats an absent body and ``{}`` alike (400
``missing_body``), coerces scalar text fields with ``str()``, and names the
field at fault in ``invalid_request`` messages; the readers here do the same.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from twinstack.engine.context import RequestContext
from twinstack.engine.state import Collection
from twinstack.packs.g4fagent.errors import BAD_INPUT_STATUS, ApiError, invalid_request

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(8)}"


def iso(moment: float) -> str:
    """The API's timestamp format: ``2026-05-01T12:00:00+00:00``."""
    return datetime.fromtimestamp(moment, timezone.utc).isoformat(timespec="seconds")


def key_field(name: str) -> str:
    """Where a family keeps ``name`` lowered for case-insensitive look-ups."""
    return f"_{name}_key"


def lowered(value: Any) -> str | None:
    return None if value is None else str(value).lower()


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


SEARCH_BATCH = 200
"""Rows read per query while a ``q`` search fills its page."""


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
    keyed: tuple[str, ...] = ()
    """Fields looked up case-insensitively (list filters, uniqueness), stored lowered under ``key_field``."""
    indexed: tuple[str, ...] = ()
    """Fields looked up as they are."""

    def index(self) -> tuple[str, tuple[str, ...]]:
        """This family's entry of ``Pack.indexes``."""
        return self.collection, (*self.indexed, *map(key_field, self.keyed))

    def state(self, ctx: RequestContext) -> Collection:
        return ctx.collection(self.collection)

    def load(self, ctx: RequestContext, rid: str | None = None) -> dict[str, Any]:
        """The resource named by ``rid`` (default: the path parameter), or 404 ``<noun>_not_found``."""
        rid = str(ctx.path.get(self.id_param, "")) if rid is None else rid
        found = self.state(ctx).get(rid)
        if found is None:
            raise ApiError(404, f"{self.noun}_not_found", f"{self.label} not found: {rid}")
        return dict(found)

    def put(self, state: Collection, record: dict[str, Any]) -> None:
        """Store ``record`` with its lowered look-up keys (the caller's dict is left as it was)."""
        state.put(str(record["id"]), {**record, **{key_field(name): lowered(record.get(name)) for name in self.keyed}})

    def save(self, ctx: RequestContext, record: dict[str, Any]) -> None:
        self.put(self.state(ctx), record)

    def remove(self, ctx: RequestContext, rid: str) -> None:
        self.state(ctx).delete(rid)

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

    def page(self, ctx: RequestContext, where: dict[str, Any], filters: tuple[str, ...] = (),
             search: tuple[str, ...] = ()) -> dict[str, Any]:
        """One page of the records matching ``where`` and the request's ``filters`` (keyed fields), ``q``
        (a substring of the ``search`` fields), ``limit`` and ``cursor``, in the API's list envelope."""
        limit = ctx.query.get("limit")
        limit = min(max(limit, 1), MAX_LIMIT) if isinstance(limit, int) else DEFAULT_LIMIT
        cursor = ctx.query.get("cursor")
        offset = max(cursor, 0) if isinstance(cursor, int) else 0
        wanted = dict(where)
        for name in filters:
            value = str(ctx.query.get(name) or "").strip().lower()
            if value:
                wanted[key_field(name)] = value
        needle = str(ctx.query.get("q") or "").strip().lower()
        state = self.state(ctx)
        if needle and search:
            found = _search(state, wanted, needle, search, offset + limit + 1)[offset:]
            items, more = found[:limit], len(found) > limit
        else:
            window = state.find(wanted, limit=limit, offset=offset)
            items, more = window.items, window.cursor is not None
        return {"items": items, "next_cursor": str(offset + limit) if more else None}


def _search(state: Collection, where: dict[str, Any], needle: str, fields: Iterable[str], enough: int) -> list[dict[str, Any]]:
    """The first ``enough`` records matching ``where`` with ``needle`` in one of ``fields``.

    A substring of free text is nothing an equality index can answer, so this
    reads the set the indexed conditions already narrowed, a batch at a time by
    cursor, and stops as soon as the page is full.
    """
    fields = tuple(fields)
    hits: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        batch = state.find(where, limit=SEARCH_BATCH, after=after)
        hits += [r for r in batch.items if any(needle in str(r.get(name, "")).lower() for name in fields)]
        if len(hits) >= enough or batch.cursor is None:
            return hits[:enough]
        after = batch.cursor
