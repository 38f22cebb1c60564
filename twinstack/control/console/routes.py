"""Routes of the web console: its page and static files, and the read-only control calls only it needs.

``/_twinstack/console`` is the page; ``/_twinstack/console/static/<file>`` its stylesheet and script;
``/_twinstack/console/api/...`` what the page reads beyond the control plane's own calls (tenants with their
credentials, the resources a tenant holds per service and collection, the twin clock, and the request journal as
a server-sent event stream). Off loopback the control plane's token guard covers these calls, all but the page and
its files, which hold no state. Every read is bounded: resources come a page at a time, and the event stream ends
on its own after a bounded time (the page reconnects).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator
from importlib import resources
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from twinstack import __version__

_STATIC = {"console.css": "text/css; charset=utf-8", "console.js": "text/javascript; charset=utf-8"}
_PAGE_LIMIT = 200
_TENANT_LIMIT = 500
# Fields that commonly hold a resource's own id: the page links a row to its JSON through the one that is its key.
_ID_FIELDS = ("id", "uuid", "name", "slug", "key")
_POLL_SECONDS = 0.25
_KEEPALIVE_SECONDS = 10.0
_STREAM_DEFAULT_SECONDS = 30.0
_STREAM_MAX_SECONDS = 300.0
_JOURNAL_READ = 500


def _json(value: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(value), status, media_type="application/json")


def _error(status: int, message: str, field: str | None = None) -> Response:
    kind = "not_found" if status == 404 else "bad_request"
    body: dict[str, Any] = {"error": kind, "message": message}
    if field:
        body["field"] = field
    return _json(body, status)


def _static_bytes(name: str) -> bytes:
    return (resources.files(__package__) / "static" / name).read_bytes()


async def page(request: Request) -> Response:
    # The page holds no state: it is served to anyone, and every call it then makes carries the token.
    return Response(_static_bytes("index.html"), media_type="text/html; charset=utf-8",
                    headers={"Cache-Control": "no-cache"})


async def static(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in _STATIC:
        return _error(404, f"no console file {name}")
    return Response(_static_bytes(name), media_type=_STATIC[name], headers={"Cache-Control": "no-cache"})


async def info(request: Request) -> Response:
    rt = request.app.state.runtime
    return _json({"services": list(rt.twins), "speed": rt.settings.speed, "now": rt.clock.iso(millis=True),
                  "version": __version__})


async def tenants(request: Request) -> Response:
    rt = request.app.state.runtime
    rows = rt.store.list_tenants()
    # The newest are what a person just made; the oldest (the default tenant) stays first.
    shown = rows if len(rows) <= _TENANT_LIMIT else rows[:1] + rows[-(_TENANT_LIMIT - 1):]
    return _json({
        "tenants": [
            {"id": t["id"], "name": t["name"], "created_at": rt.clock.iso(t["created_at"]) if t.get("created_at") else None,
             "credentials": t["data"].get("credentials", {})}
            for t in shown
        ],
        "total": len(rows),
    })


def _int_param(request: Request, name: str, default: int, low: int, high: int) -> int | Response:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        return _error(400, f"{name}: expected a whole number", name)
    if not low <= value <= high:
        return _error(400, f"{name}: expected {low} to {high}", name)
    return value


def _keyed(store: Any, service: str, tenant: str, collection: str, items: list[dict[str, Any]]) -> list[str | None]:
    """Each item's key in its collection, where one of its id-like fields is it (one look-up for the page)."""
    candidates = {str(item[f]) for item in items for f in _ID_FIELDS if isinstance(item.get(f), (str, int))}
    found = store.get_many(service, tenant, collection, candidates) if candidates else {}
    keys: list[str | None] = []
    for item in items:
        key = next((str(item[f]) for f in _ID_FIELDS
                    if isinstance(item.get(f), (str, int)) and found.get(str(item[f])) == item), None)
        keys.append(key)
    return keys


async def resources_view(request: Request) -> Response:
    """A tenant's collections in a service; with ``collection``, one page of it; with ``id`` or ``position``, one resource."""
    rt = request.app.state.runtime
    q = request.query_params
    service, tenant, collection = q.get("service", ""), q.get("tenant", ""), q.get("collection", "")
    if service not in rt.twins:
        return _error(400, f"service: expected one of {', '.join(rt.twins)}", "service")
    if not tenant:
        return _error(400, "tenant: required", "tenant")
    if rt.store.get_tenant(tenant) is None:
        return _error(404, f"no tenant {tenant}", "tenant")
    store = rt.store
    if not collection:
        counts = store.collection_counts(service, tenant)
        return _json({"service": service, "tenant": tenant,
                      "collections": [{"name": name, "count": n} for name, n in counts.items()]})
    if q.get("id"):
        found = store.get(service, tenant, collection, q["id"])
        return _json(found) if found is not None else _error(404, f"no {collection} {q['id']}", "id")
    if q.get("position"):
        at = _int_param(request, "position", 0, 0, 2**62)
        if isinstance(at, Response):
            return at
        one = store.list(service, tenant, collection, limit=1, offset=at)
        return _json(one[0]) if one else _error(404, f"no {collection} at position {at}", "position")
    offset = _int_param(request, "offset", 0, 0, 2**62)
    if isinstance(offset, Response):
        return offset
    limit = _int_param(request, "limit", 50, 1, _PAGE_LIMIT)
    if isinstance(limit, Response):
        return limit
    items = store.list(service, tenant, collection, limit=limit, offset=offset)
    total = store.count(service, tenant, collection)
    keys = _keyed(store, service, tenant, collection, items)
    return _json({
        "service": service, "tenant": tenant, "collection": collection, "count": total, "offset": offset,
        "limit": limit, "next_offset": offset + len(items) if offset + len(items) < total else None,
        "items": [{"key": key, "position": offset + i, "data": item} for i, (key, item) in enumerate(zip(keys, items))],
    })


def _event(kind: str, data: Any) -> bytes:
    return b"event: " + kind.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"


def _fingerprint(entry: dict[str, Any]) -> bytes:
    return orjson.dumps(entry, option=orjson.OPT_SORT_KEYS)


async def _journal_events(rt: Any, seconds: float, after: float | None) -> AsyncIterator[bytes]:
    """Journal entries newer than ``after`` (else than the newest now) as ``request`` events, oldest first, until
    ``seconds`` have passed."""
    deadline = time.monotonic() + seconds
    rt.flush_journal()
    # Entries carry the wall time they were answered at; anything later than the newest seen is new.
    last_at: float
    seen_at_last: set[bytes] = set()
    if after is not None:
        last_at = after
    else:
        newest = rt.store.list_journal(1)
        last_at = float(newest[0]["at"]) if newest and isinstance(newest[0].get("at"), (int, float)) else 0.0
        seen_at_last = {_fingerprint(e) for e in newest}
    yield b"retry: 1000\n" + _event("ready", {"seconds": seconds})
    quiet_since = time.monotonic()
    while time.monotonic() < deadline:
        await asyncio.sleep(_POLL_SECONDS)
        rt.flush_journal()
        fresh = []
        for entry in rt.store.list_journal(_JOURNAL_READ):
            at = entry.get("at")
            if not isinstance(at, (int, float)) or at < last_at or (
                    at == last_at and (after is not None or _fingerprint(entry) in seen_at_last)):
                break
            fresh.append(entry)
        if fresh:
            top = float(fresh[0]["at"])
            seen_at_last = {_fingerprint(e) for e in fresh if e["at"] == top} | (seen_at_last if top == last_at else set())
            last_at, after = top, None
            for entry in reversed(fresh):
                # ``cursor`` is the exact time, for a reconnect's ``after``: nothing answered in between is missed.
                yield _event("request", {**entry, "at": rt.clock.iso(float(entry["at"]), millis=True),
                                         "cursor": repr(float(entry["at"]))})
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= _KEEPALIVE_SECONDS:
            yield b": keep-alive\n\n"
            quiet_since = time.monotonic()
    yield _event("end", {"reason": "time limit; reconnect to keep following"})


async def journal_stream(request: Request) -> Response:
    raw = request.query_params.get("seconds", "")
    try:
        seconds = float(raw) if raw else _STREAM_DEFAULT_SECONDS
    except ValueError:
        return _error(400, "seconds: expected a number", "seconds")
    if not 0 < seconds <= _STREAM_MAX_SECONDS:
        return _error(400, f"seconds: expected more than 0 and at most {_STREAM_MAX_SECONDS:g}", "seconds")
    raw_after = request.query_params.get("after", "")
    try:
        after = float(raw_after) if raw_after else None
    except ValueError:
        return _error(400, "after: expected the cursor of a request event", "after")
    if after is not None and not math.isfinite(after):
        return _error(400, "after: expected the cursor of a request event", "after")
    return StreamingResponse(_journal_events(request.app.state.runtime, seconds, after), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


def console_routes() -> list[Route]:
    return [
        Route("/_twinstack/console", page, methods=["GET"]),
        Route("/_twinstack/console/static/{name}", static, methods=["GET"]),
        Route("/_twinstack/console/api/info", info, methods=["GET"]),
        Route("/_twinstack/console/api/tenants", tenants, methods=["GET"]),
        Route("/_twinstack/console/api/resources", resources_view, methods=["GET"]),
        Route("/_twinstack/console/api/requests/stream", journal_stream, methods=["GET"]),
    ]
