"""The generic stateful twin: what every operation does when no pack overrides it.

Driven by the inferred ``Plan`` of each operation: collections store what is
created and serve it back, items are read, replaced, merged and deleted,
singletons hold one document, actions and views answer from their parent
resource, catalogues from the document's examples.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote

from twinstack.engine import tokens
from twinstack.engine.context import Reply, RequestContext
from twinstack.engine.filters import CURSOR as _CURSOR
from twinstack.engine.filters import OFFSET as _OFFSET
from twinstack.engine.filters import PAGE as _PAGE
from twinstack.engine.filters import PAGE_SIZE as _PAGE_SIZE
from twinstack.errors import Conflict, NotFound

_TIMESTAMPS_CREATED = ("created_at", "createdAt", "created", "creation_date")
_TIMESTAMPS_UPDATED = ("updated_at", "updatedAt", "modified_at", "last_modified")


def scope_key(ctx: RequestContext, collection: str, params: tuple[str, ...]) -> str:
    if not params:
        return collection
    return collection + "#" + "/".join(str(ctx.path.get(p, "")) for p in params)


def parent_exists(ctx: RequestContext) -> dict[str, Any] | None:
    """The parent resource; raises 404 when the API creates parents and this one is unknown."""
    plan = ctx.twin.plans[ctx.operation.operation_id]
    if plan.parent is None or plan.parent_param is None:
        return None
    parent_plan_scope = ctx.twin.scopes.get(plan.parent, ())
    key = scope_key(ctx, plan.parent, parent_plan_scope)
    rid = str(ctx.path.get(plan.parent_param, ""))
    found: dict[str, Any] | None = ctx.store.get(ctx.slug, ctx.tenant, key, rid)
    if found is None and plan.parent_checked:
        raise NotFound(f"{ctx.twin.noun(plan.parent)} {rid} not found", code="not_found", field=plan.parent_param)
    if found is None and plan.ancestor is not None and plan.ancestor_param is not None:
        # A child the API makes itself (a step of an execution) of a resource the API creates: that one must exist.
        above = str(ctx.path.get(plan.ancestor_param, ""))
        if ctx.store.get(ctx.slug, ctx.tenant, scope_key(ctx, plan.ancestor, ctx.twin.scopes.get(plan.ancestor, ())),
                         above) is None:
            raise NotFound(f"{ctx.twin.noun(plan.ancestor)} {above} not found", code="not_found",
                           field=plan.ancestor_param)
    return found


async def handle(ctx: RequestContext) -> Any:
    plan = ctx.twin.plans[ctx.operation.operation_id]
    return await _KIND[plan.kind](ctx)


async def _create(ctx: RequestContext) -> Any:
    plan = ctx.twin.plans[ctx.operation.operation_id]
    parent_exists(ctx)
    key = scope_key(ctx, plan.collection, plan.scope_params)
    body = ctx.body if isinstance(ctx.body, dict) else {}
    rid = ctx.twin.new_id(plan.collection, body, ctx)
    resource = ctx.twin.new_resource(plan.collection, rid, body, ctx)
    own = _item_url(ctx, plan.collection, rid)
    if own is not None and ctx.twin.links_self(plan.collection):
        # A declared ``links.self`` is the resource's own URL, not something made up.
        links = resource.get("links")
        resource["links"] = {**(links if isinstance(links, dict) else {}), "self": own}
    if not ctx.store.insert(ctx.slug, ctx.tenant, key, rid, resource, ctx.now):
        if ctx.operation.declared(409):
            raise Conflict(f"{ctx.twin.noun(plan.collection)} {rid} already exists", code="already_exists")
        # The document has no status for "exists already": making it again makes it anew.
        ctx.store.put(ctx.slug, ctx.tenant, key, rid, resource, ctx.now)
    status = ctx.twin.success_status(ctx.operation, prefer=(201, 200, 202))
    return Reply(resource, status=status, headers=_location(ctx, status, plan.collection, rid))


def _location(ctx: RequestContext, status: int, collection: str, rid: str) -> dict[str, str]:
    """``Location`` of the new resource, where the response declares that header and the resource has a read."""
    response = ctx.operation.response_for(status)
    if response is None or not any(h.lower() == "location" for h in response.headers):
        return {}
    url = _item_url(ctx, collection, rid)
    return {"Location": url} if url is not None else {}


def _item_url(ctx: RequestContext, collection: str, rid: str) -> str | None:
    """The URL of a resource of ``collection``, by the path of its read; None where it has none."""
    found = ctx.twin.item_paths.get(collection)
    if found is None:
        return None
    template, id_param = found
    values = {**{k: str(v) for k, v in ctx.path.items()}, id_param: rid}
    path = template
    for name, value in values.items():
        path = path.replace("{" + name + "}", quote(value, safe=""))
    return ctx.base_url + path if "{" not in path else None


async def _list(ctx: RequestContext) -> Any:
    plan = ctx.twin.plans[ctx.operation.operation_id]
    parent_exists(ctx)
    key = scope_key(ctx, plan.collection, plan.scope_params)
    where = _where(ctx, plan.collection)
    search = next((ctx.query.get(n) for n in ("q", "search") if isinstance(ctx.query.get(n), str)), None)
    if search:
        # Free-text search matches any string field, which no index can answer: it reads the
        # (already filtered) collection, the one generic list that does.
        page = ctx.store.find(ctx.slug, ctx.tenant, key, where=where or None)
        items = [ctx.twin.settle(plan.collection, i) for i in _searched(page.items, search)]
        return Reply(_paged(ctx, items, plan.collection), reuse=ctx.twin.at_rest(plan.collection, items))
    window = _window(ctx, key, plan.collection, where)
    return Reply(window, reuse=ctx.twin.at_rest(plan.collection, window["_items"]))


async def _read(ctx: RequestContext) -> Any:
    alias = ctx.twin.aliases.get(ctx.operation.operation_id)
    if alias is not None:
        return Reply(_load_alias(ctx, *alias))
    found = _load_item(ctx)
    return Reply(found, reuse=ctx.twin.at_rest(ctx.twin.plans[ctx.operation.operation_id].collection, [found]))


def _load_alias(ctx: RequestContext, collection: str, field: str) -> dict[str, Any]:
    """The resource of ``collection`` the path names by ``field`` (an indexed look-up, or its id)."""
    plan = ctx.twin.plans[ctx.operation.operation_id]
    value = ctx.path.get(plan.id_param or "")
    key = scope_key(ctx, collection, ())
    found = ctx.store.get(ctx.slug, ctx.tenant, key, str(value)) if field == "_id" else \
        ctx.store.find_one(ctx.slug, ctx.tenant, key, {field: value})
    if found is None:
        raise NotFound(f"{ctx.twin.noun(collection)} {value} not found", field=plan.id_param)
    return ctx.twin.settle(collection, found)


async def _replace(ctx: RequestContext) -> Any:
    plan = ctx.twin.plans[ctx.operation.operation_id]
    key = scope_key(ctx, plan.collection, plan.scope_params)
    rid = str(ctx.path.get(plan.id_param or "", ""))
    existing = ctx.store.get(ctx.slug, ctx.tenant, key, rid)
    if existing is None:
        if plan.parent_checked:
            parent_exists(ctx)
        if ctx.twin.has_create(plan.collection):
            raise NotFound(f"{ctx.twin.noun(plan.collection)} {rid} not found", field=plan.id_param)
        existing = ctx.twin.new_resource(plan.collection, rid, {}, ctx)
    body = ctx.body if isinstance(ctx.body, dict) else {}
    kept = {k: v for k, v in existing.items() if k.startswith("_") or k in ctx.twin.server_fields(existing)}
    updated = {**kept, **body}
    ctx.twin.touch(updated, ctx)
    ctx.store.put(ctx.slug, ctx.tenant, key, rid, updated, ctx.now)
    return Reply(updated)


async def _update(ctx: RequestContext) -> Any:
    plan = ctx.twin.plans[ctx.operation.operation_id]
    key = scope_key(ctx, plan.collection, plan.scope_params)
    existing = _load_item(ctx)
    body = ctx.body if isinstance(ctx.body, dict) else {}
    updated = merge(existing, body)
    ctx.twin.touch(updated, ctx)
    ctx.store.put(ctx.slug, ctx.tenant, key, str(existing["_id"]), updated, ctx.now)
    return Reply(updated)


async def _delete(ctx: RequestContext) -> Any:
    plan = ctx.twin.plans[ctx.operation.operation_id]
    key = scope_key(ctx, plan.collection, plan.scope_params)
    existing = _load_item(ctx)
    ctx.store.delete(ctx.slug, ctx.tenant, key, str(existing["_id"]))
    reply = {**existing, "deleted": True, "success": True, "message": f"{ctx.twin.noun(plan.collection)} deleted"}
    return Reply(declared_only(ctx, reply), status=ctx.twin.success_status(ctx.operation, prefer=(200, 204, 202)))


async def _action(ctx: RequestContext) -> Any:
    plan = ctx.twin.plans[ctx.operation.operation_id]
    parent = parent_exists(ctx) if plan.id_param is None else _load_item(ctx)
    body = ctx.body if isinstance(ctx.body, dict) else {}
    record = {"operation": ctx.operation.operation_id, "path": ctx.path, "body": body, "at": ctx.clock.iso()}
    ctx.store.kv_put(f"actions:{ctx.slug}:{ctx.tenant}", uuid.uuid4().hex, record)
    base = {**(parent or {}), **body, "success": True, "ok": True}
    return Reply(declared_only(ctx, base))


def declared_only(ctx: RequestContext, value: dict[str, Any]) -> dict[str, Any]:
    """An action's or delete's answer with only what its response declares (beside the private keys),
    where the response declares its properties: the resource acted on, or a flag, is not stuffed into
    a reply that does not name it."""
    names = ctx.twin.declared_names(ctx.operation)
    if names is None:
        return value
    return {k: v for k, v in value.items() if k in names or k.startswith("_")}


async def _view(ctx: RequestContext) -> Any:
    parent = parent_exists(ctx) or {}
    return Reply(dict(parent))


async def _singleton_read(ctx: RequestContext) -> Any:
    plan = ctx.twin.plans[ctx.operation.operation_id]
    parent_exists(ctx)
    key = scope_key(ctx, plan.collection, plan.scope_params)
    found = ctx.store.get(ctx.slug, ctx.tenant, key, "_")
    if found is None and ctx.operation.declared(404):
        raise NotFound(f"{ctx.twin.noun(plan.collection)} not found")
    return Reply(found if found is not None else {})


async def _singleton_write(ctx: RequestContext) -> Any:
    plan = ctx.twin.plans[ctx.operation.operation_id]
    parent_exists(ctx)
    key = scope_key(ctx, plan.collection, plan.scope_params)
    body = ctx.body if isinstance(ctx.body, dict) else {}
    existing = ctx.store.get(ctx.slug, ctx.tenant, key, "_") or {"_id": "_", "_created": ctx.now}
    updated = merge(existing, body) if ctx.operation.method == "PATCH" else {"_id": "_", "_created": existing.get("_created"), **body}
    ctx.twin.touch(updated, ctx)
    ctx.store.put(ctx.slug, ctx.tenant, key, "_", updated, ctx.now)
    return Reply(updated)


async def _singleton_delete(ctx: RequestContext) -> Any:
    plan = ctx.twin.plans[ctx.operation.operation_id]
    parent_exists(ctx)
    key = scope_key(ctx, plan.collection, plan.scope_params)
    if not ctx.store.delete(ctx.slug, ctx.tenant, key, "_") and ctx.operation.declared(404):
        raise NotFound(f"{ctx.twin.noun(plan.collection)} not found")
    return Reply({"success": True, "ok": True, "deleted": True}, status=ctx.twin.success_status(ctx.operation, prefer=(200, 204, 202)))


async def _catalog(ctx: RequestContext) -> Any:
    return Reply(None)


def _load_item(ctx: RequestContext) -> dict[str, Any]:
    plan = ctx.twin.plans[ctx.operation.operation_id]
    key = scope_key(ctx, plan.collection, plan.scope_params)
    rid = str(ctx.path.get(plan.id_param or "", ""))
    found = ctx.store.get(ctx.slug, ctx.tenant, key, rid)
    if found is None:
        if plan.parent_checked:
            parent_exists(ctx)
        raise NotFound(f"{ctx.twin.noun(plan.collection)} {rid} not found", field=plan.id_param)
    return ctx.twin.settle(plan.collection, found)


def merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """JSON merge patch (RFC 7386): objects merge, ``null`` removes, the rest replaces."""
    out = dict(base)
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def _where(ctx: RequestContext, collection: str) -> dict[str, Any]:
    """The equality filters of the request the store can answer: declared query filters on indexed fields."""
    indexed = ctx.twin.indexes.get(collection, ())
    where: dict[str, Any] = {}
    for param in ctx.operation.params:
        if param.location != "query" or param.name not in indexed or param.name not in ctx.query:
            continue
        wanted = ctx.query[param.name]
        if wanted is None or wanted == "" or isinstance(wanted, (dict, list)):
            continue
        where[param.name] = wanted
    return where


def _searched(items: list[dict[str, Any]], search: str) -> list[dict[str, Any]]:
    needle = search.lower()
    return [i for i in items if any(isinstance(v, str) and needle in v.lower() for k, v in i.items() if not k.startswith("_"))]


def _page_request(ctx: RequestContext) -> tuple[int | None, int, int | None, Any]:
    """``(size, offset, page, cursor)`` as the request asks for them, under whichever names the API uses."""
    query = ctx.query
    if not query:
        return None, 0, None, None
    size = next((query[n] for n in _PAGE_SIZE if isinstance(query.get(n), int)), None)
    offset = next((query[n] for n in _OFFSET if isinstance(query.get(n), int)), 0)
    page = next((query[n] for n in _PAGE if isinstance(query.get(n), int)), None)
    cursor = next((query[n] for n in _CURSOR if query.get(n) not in (None, "")), None)
    if page is not None and size:
        offset = max(page - 1, 0) * size
    return size, max(int(offset or 0), 0), page, cursor


def _window(ctx: RequestContext, key: str, collection: str, where: dict[str, Any]) -> dict[str, Any]:
    """One page read from the store: the window only, the total from the collection's counter or index."""
    size, offset, page, cursor = _page_request(ctx)
    total = ctx.store.count(ctx.slug, ctx.tenant, key, where or None)
    if cursor is not None:
        # The twin's cursors are offsets; anything else names no position this list gave out.
        offset = int(cursor) if isinstance(cursor, int) or str(cursor).isdigit() else total
    items: list[dict[str, Any]] = []
    if offset < total and size != 0:
        found = ctx.store.find(ctx.slug, ctx.tenant, key, where=where or None, limit=size, offset=offset)
        items = [ctx.twin.settle(collection, i) for i in found.items]
    end = offset + len(items)
    return {
        "_items": items,
        "_page": {
            "total": total, "size": size if size else max(len(items), 1), "offset": offset,
            "page": page if page is not None else 1, "has_more": end < total,
            "next_cursor": str(end) if end < total else None, "pages": (total + size - 1) // size if size else 1,
        },
        "_name": collection.rsplit("/", 1)[-1],
    }


def _paged(ctx: RequestContext, items: list[dict[str, Any]], collection: str) -> dict[str, Any]:
    """A page of items already in memory (the search path)."""
    size, offset, page, cursor = _page_request(ctx)
    total = len(items)
    if cursor is not None:
        if isinstance(cursor, int) or (isinstance(cursor, str) and cursor.isdigit()):
            offset = int(cursor)
        else:
            ids = [str(i.get("_id")) for i in items]
            offset = ids.index(str(cursor)) + 1 if str(cursor) in ids else total
    window = items[offset: offset + size] if size else items[offset:]
    end = offset + len(window)
    return {
        "_items": window,
        "_page": {
            "total": total, "size": size if size else max(len(window), 1), "offset": offset, "page": page if page is not None else 1,
            "has_more": end < total, "next_cursor": str(end) if end < total else None,
            "pages": (total + size - 1) // size if size else 1,
        },
        "_name": collection.rsplit("/", 1)[-1],
    }


_KIND = {
    "create": _create, "list": _list, "read": _read, "replace": _replace, "update": _update, "delete": _delete,
    "action": _action, "view": _view, "singleton_read": _singleton_read, "singleton_write": _singleton_write,
    "singleton_delete": _singleton_delete, "catalog": _catalog, "static": _catalog, "token": tokens.issue,
}
