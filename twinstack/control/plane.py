"""``/_twinstack/``: health, tenants, reset, state, clock, outbox, request journal, faults, its own document."""

from __future__ import annotations

import hmac
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route

from twinstack import __version__
from twinstack.control import faults
from twinstack.control.openapi import MAX_ADVANCE_S, document
from twinstack.control.console import console_routes


def _json(value: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(value), status, media_type="application/json")


def _error(status: int, message: str, field: str | None = None) -> Response:
    body: dict[str, Any] = {"error": "bad_request" if status < 500 else "error", "message": message}
    if field:
        body["field"] = field
    return _json(body, status)


async def _body(request: Request) -> tuple[dict[str, Any] | None, Response | None]:
    raw = await request.body()
    if not raw.strip():
        return {}, None
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None, _error(400, "body: invalid JSON", "body")
    if not isinstance(data, dict):
        return None, _error(400, "body: expected a JSON object", "body")
    return data, None


async def health(request: Request) -> Response:
    rt = request.app.state.runtime
    s = rt.settings
    host = request.headers.get("host") or f"{s.host}:{s.port}"
    http = f"{request.url.scheme}://{host}"
    # Only endpoints something really answers on are listed.
    endpoints: dict[str, Any] = {"http": http}
    for mount, _twin in rt.mounts:
        endpoints[mount.name] = http + mount.prefix
    endpoints.update(rt.endpoints)
    if s.database_servers is not None:
        endpoints.update(s.database_servers.endpoints())
    return _json(
        {"status": "ok", "services": {slug: "ready" for slug in rt.twins}, "endpoints": endpoints, "version": __version__}
    )


async def create_tenant(request: Request) -> Response:
    body, err = await _body(request)
    if err is not None:
        return err
    assert body is not None
    name = body.get("name")
    if name is not None and not isinstance(name, str):
        return _error(400, "name: expected a string", "name")
    return _json(request.app.state.runtime.create_tenant(name), 201)


async def get_tenant(request: Request) -> Response:
    view = request.app.state.runtime.tenant_view(request.path_params["tenant_id"])
    if view is None:
        return _json({"error": "not_found", "message": "No such tenant"}, 404)
    return _json(view)


async def reset(request: Request) -> Response:
    request.app.state.runtime.reset()
    faults.invalidate(request.app.state.runtime.store)
    return _json({"status": "ok"})


async def export_state(request: Request) -> Response:
    rt = request.app.state.runtime
    for twin in rt.twins.values():
        if twin.pack.on_export is not None and (pending := twin.pack.on_export(twin)) is not None:
            await pending
    rt.flush_journal()
    return _json(rt.store.export())


async def import_state(request: Request) -> Response:
    body, err = await _body(request)
    if err is not None:
        return err
    assert body is not None
    if body.get("format") != "twinstack-state/1":
        return _error(400, "format: expected a document from /_twinstack/state/export", "format")
    rt = request.app.state.runtime
    try:
        rt.store.import_(body)
    except Exception as exc:  # a malformed snapshot is the caller's error, and nothing was changed
        return _error(400, f"snapshot rejected: {exc}")
    rt.clock.reload()
    faults.invalidate(rt.store)
    for twin in rt.twins.values():
        if twin.pack.on_import is not None and (pending := twin.pack.on_import(twin)) is not None:
            await pending
    return _json({"status": "ok"})


async def advance_clock(request: Request) -> Response:
    body, err = await _body(request)
    if err is not None:
        return err
    assert body is not None
    seconds = body.get("seconds")
    if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or not 0 <= seconds <= MAX_ADVANCE_S:
        return _error(400, f"seconds: expected a number from 0 to {MAX_ADVANCE_S} (ten years)", "seconds")
    rt = request.app.state.runtime
    rt.clock.advance(float(seconds))
    ran = await rt.scheduler.run_due()
    return _json({"now": rt.clock.iso(millis=True), "jobs_run": ran})


async def outbox(request: Request) -> Response:
    rt = request.app.state.runtime
    q = request.query_params
    try:
        limit = int(q.get("limit", "100"))
        cursor = int(q["cursor"]) if q.get("cursor") else None
    except ValueError:
        return _error(400, "limit/cursor: expected integers")
    if not 1 <= limit <= 1000:
        return _error(400, "limit: expected 1 to 1000", "limit")
    filters = {k: q[k] for k in ("channel", "recipient", "service", "tenant", "since") if q.get(k)}
    rows = rt.store.list_messages(filters, limit + 1, cursor)
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = str(rows[-1]["_seq"]) if more and rows else None
    for row in rows:
        row.pop("_seq", None)
    return _json({"messages": rows, "next_cursor": next_cursor})


async def requests_journal(request: Request) -> Response:
    rt = request.app.state.runtime
    rt.flush_journal()
    try:
        limit = int(request.query_params.get("limit", "200"))
    except ValueError:
        return _error(400, "limit: expected an integer", "limit")
    if not 1 <= limit <= 5000:
        return _error(400, "limit: expected 1 to 5000", "limit")
    entries = rt.store.list_journal(limit)
    for entry in entries:
        if isinstance(entry.get("at"), (int, float)):
            entry["at"] = rt.clock.iso(entry["at"], millis=True)
    return _json({"requests": entries})


async def service_control(request: Request) -> Response:
    rt = request.app.state.runtime
    twin = rt.twins.get(request.path_params["slug"])
    name = request.path_params["name"]
    handler = twin.pack.controls.get(name) if twin is not None else None
    if twin is None and (allowed := _methods_elsewhere(request)):
        # A control-plane path (the console's calls) asked with a method it does not take.
        return Response(orjson.dumps({"error": "method_not_allowed", "message": f"Allowed: {', '.join(allowed)}"}),
                        405, headers={"Allow": ", ".join(allowed)}, media_type="application/json")
    if twin is None or handler is None:
        return _json({"error": "not_found", "message": "No such control"}, 404)
    body, err = await _body(request)
    if err is not None:
        return err
    result = await handler(twin, body or {}, request)
    if isinstance(result, Response):
        return result
    return _json(result)


def _methods_elsewhere(request: Request) -> list[str]:
    """The methods other control routes take at this path (none when the path is only a service control's)."""
    methods: set[str] = set()
    for route in request.app.routes:
        if isinstance(route, Route) and route.endpoint is not service_control:
            match, _ = route.matches({**request.scope, "method": "\0"})
            if match is not Match.NONE:
                methods.update(route.methods or ())
    return sorted(methods)


async def faults_collection(request: Request) -> Response:
    if request.method == "POST":
        return await arm_fault(request)
    if request.method == "DELETE":
        return await clear_faults(request)
    return await list_faults(request)


async def arm_fault(request: Request) -> Response:
    body, err = await _body(request)
    if err is not None:
        return err
    assert body is not None
    rt = request.app.state.runtime
    try:
        armed = faults.arm(rt, body, rt.clock.iso(millis=True))
    except faults.FaultRejected as exc:
        return _error(400, str(exc), exc.field)
    return _json(armed, 201)


async def list_faults(request: Request) -> Response:
    return _json({"faults": faults.list_armed(request.app.state.runtime.store)})


async def clear_faults(request: Request) -> Response:
    return _json({"cleared": faults.clear(request.app.state.runtime.store)})


async def clear_fault(request: Request) -> Response:
    if not faults.clear(request.app.state.runtime.store, request.path_params["fault_id"]):
        return _json({"error": "not_found", "message": "No such fault"}, 404)
    return _json({"cleared": 1})


async def openapi_document(request: Request) -> Response:
    return _json(document(__version__, list(request.app.state.runtime.twins)))


class ControlGuard:
    """ASGI wrapper of the control plane: every HTTP call needs ``Authorization: Bearer <token>``."""

    def __init__(self, app: Any, token: str) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        # The console's page and its files hold no state: a browser loads them without a header, and every call
        # the page then makes carries the token.
        path = scope.get("path", "")
        if scope["type"] == "http" and path != "/_twinstack/console" and not path.startswith("/_twinstack/console/static/"):
            given = next((v for k, v in scope["headers"] if k == b"authorization"), b"")
            if not hmac.compare_digest(given, self.expected):
                body = orjson.dumps({"error": "unauthorized", "message": "The control plane needs "
                                     "'Authorization: Bearer <control token>' (--control-token) on this address"})
                await send({"type": "http.response.start", "status": 401, "headers": [
                    (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                    (b"www-authenticate", b'Bearer realm="twinstack control"')]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


def control_routes() -> list[Route]:
    return [
        Route("/_twinstack/health", health, methods=["GET"]),
        Route("/_twinstack/tenants", create_tenant, methods=["POST"]),
        Route("/_twinstack/tenants/{tenant_id}", get_tenant, methods=["GET"]),
        Route("/_twinstack/reset", reset, methods=["POST"]),
        Route("/_twinstack/state/export", export_state, methods=["GET"]),
        Route("/_twinstack/state/import", import_state, methods=["POST"]),
        Route("/_twinstack/clock/advance", advance_clock, methods=["POST"]),
        Route("/_twinstack/outbox", outbox, methods=["GET"]),
        Route("/_twinstack/requests", requests_journal, methods=["GET"]),
        # One route for the three methods, so a 405 names all of them in Allow.
        Route("/_twinstack/faults", faults_collection, methods=["GET", "POST", "DELETE"]),
        Route("/_twinstack/faults/{fault_id}", clear_fault, methods=["DELETE"]),
        Route("/_twinstack/openapi.json", openapi_document, methods=["GET"]),
        # Before the service controls, whose pattern would take /_twinstack/console/... too.
        *console_routes(),
        Route("/_twinstack/{slug}/{name:path}", service_control, methods=["GET", "POST"]),
    ]
