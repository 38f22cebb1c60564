"""The ASGI application: one port, every service, and the control plane.

A request reaches a service by its ``Host`` header (the production host name)
or by the slug as first path segment; the service's server base path must
follow. ``/_twinstack/`` is the control plane and never a service path.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from twinstack.config import Settings
from twinstack.control.plane import control_routes
from twinstack.engine import pipeline
from twinstack.runtime import Runtime

_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE"]


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        runtime = Runtime.build(settings)
        app.state.runtime = runtime
        app.state.strict = settings.strict
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = Starlette(
        routes=[*control_routes(), Route("/{path:path}", dispatch, methods=_METHODS)],
        lifespan=lifespan,
    )
    app.state.strict = settings.strict
    return app


async def dispatch(request: Request) -> Response:
    started = time.perf_counter()
    runtime: Runtime = request.app.state.runtime
    path = request.url.path
    host = (request.headers.get("host") or "").split(":")[0].lower()
    twin = runtime.hosts.get(host)
    base_url = f"{request.url.scheme}://{request.headers.get('host', '')}"
    if twin is not None:
        rest = path
    else:
        slug, _, rest = path.lstrip("/").partition("/")
        twin = runtime.twins.get(slug)
        rest = "/" + rest
        if twin is None:
            return _json_error(404, f"No service mounted at /{slug}; mounted: {', '.join(runtime.twins)}")
        base_url += f"/{slug}"
    base = twin.spec.base_path
    if base:
        if rest != base and not rest.startswith(base + "/") and not rest.startswith(base + "?"):
            status, headers, data, ctype = twin.render_error(None, _not_found(rest), twin.pack.request_id())
            return Response(data, status, headers, media_type=ctype)
        rest = rest[len(base):] or "/"
        base_url += base
    status, headers, data, ctype, op_id = await pipeline.run(twin, request, rest, base_url)
    runtime.journal.append(
        {
            "method": request.method, "path": path, "status": status, "service": twin.slug, "operation": op_id,
            "duration_ms": pipeline.elapsed_ms(started), "at": runtime.clock.iso(millis=True),
        }
    )
    if request.method == "HEAD":
        data = b""
    return Response(data, status, headers, media_type=ctype)


def _not_found(path: str) -> Any:
    from twinstack.errors import NotFound

    return NotFound(f"No route for {path}")


def _json_error(status: int, message: str) -> Response:
    import orjson

    return Response(orjson.dumps({"error": "not_found", "message": message}), status, media_type="application/json")
