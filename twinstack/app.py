"""The ASGI application: one port, every service, and the control plane.

A request reaches a service by its ``Host`` header (the production host name)
or by the slug as first path segment; the service's server base path must
follow. ``/_twinstack/`` is the control plane and never a service path.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
import orjson

from twinstack.config import Settings
from twinstack.control import faults
from twinstack.control.plane import ControlGuard, control_routes
from twinstack.engine import pipeline
from twinstack.engine.context import Body
from twinstack.engine.parts import Mount
from twinstack.engine.twin import Twin
from twinstack.errors import NotFound
from twinstack.runtime import Runtime

log = logging.getLogger("twinstack")


class TwinstackApp:
    """ASGI entry: service traffic goes straight to the pipeline; the rest to Starlette.

    Service requests skip Starlette's router and middleware stack (the hot
    path); the control plane and the lifespan are an ordinary Starlette app.
    """

    def __init__(self, control: Starlette, control_token: str | None = None) -> None:
        self.control = control
        self.guarded: Any = ControlGuard(control, control_token) if control_token else control

    @property
    def state(self) -> Any:
        return self.control.state

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/_twinstack"):
            await self.guarded(scope, receive, _after_commit(self.control, send) if scope["type"] == "http" else send)
            return
        scope["app"] = self.control
        runtime = self.control.state.runtime
        if runtime.mounts:
            found = mounted(runtime, scope)
            if found is not None:
                mount, twin, rest = found
                started = time.perf_counter()
                answered: list[int] = []
                committed_send = _after_commit(self.control, send)

                async def send_and_note(message: dict[str, Any]) -> None:
                    if message["type"] == "http.response.start":
                        answered.append(message["status"])
                    await committed_send(message)

                await mount.app(twin, scope, receive, send_and_note, rest)
                runtime.journal.append({
                    "method": scope["method"], "path": scope["path"], "status": answered[0] if answered else None,
                    "service": twin.slug,
                    "operation": mount.name, "duration_ms": pipeline.elapsed_ms(started), "at": time.time(),
                })
                return
        try:
            status, headers, body, ctype = await dispatch(runtime, Request(scope, receive))
        except faults.Dropped:
            await faults.drop_connection(send)
            return
        pending = runtime.store.committed()
        if pending is not None:
            try:
                await pending
            except Exception:
                log.exception("commit failed; the request is answered as failed")
                status, headers, body, ctype = 500, {}, _COMMIT_FAILED, "application/json"
        raw_headers = [(b"content-length", str(len(body)).encode())] if isinstance(body, bytes) else []
        if ctype:
            raw_headers.append((b"content-type", ctype.encode()))
        raw_headers.extend((k.lower().encode(), v.encode()) for k, v in headers.items())
        await send({"type": "http.response.start", "status": status, "headers": raw_headers})
        if isinstance(body, bytes):
            await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
        else:
            await stream(body, receive, send)


async def stream(chunks: AsyncIterator[bytes], receive: Any, send: Any) -> None:
    """Send chunks as they come; stop, and close the iterator, as soon as the client goes away."""

    async def pump() -> None:
        async for chunk in chunks:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    async def gone() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    sender, watcher = asyncio.ensure_future(pump()), asyncio.ensure_future(gone())
    try:
        await asyncio.wait((sender, watcher), return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (sender, watcher):
            task.cancel()
        await asyncio.gather(sender, watcher, return_exceptions=True)
        close = getattr(chunks, "aclose", None)
        if close is not None:
            await close()
    if sender.done() and not sender.cancelled() and sender.exception() is not None:
        log.error("a streamed response failed", exc_info=sender.exception())


_COMMIT_FAILED = orjson.dumps({"error": "internal_error", "message": "The state could not be saved; nothing was changed"})


def _after_commit(control: Starlette, send: Any) -> Any:
    """``send``, holding a response back until the writes made before it are committed."""

    async def send_when_committed(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            runtime = getattr(control.state, "runtime", None)
            pending = runtime.store.committed() if runtime is not None else None
            if pending is not None:
                # A failed commit raises here, before anything is sent: Starlette answers it as a 500.
                await pending
        await send(message)

    return send_when_committed


def create_app(settings: Settings | None = None) -> TwinstackApp:
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        runtime = Runtime.build(settings)
        app.state.runtime = runtime
        # Compiled documents and validators live as long as the process: keeping them out of
        # the collector's generations spares every full collection from walking them again.
        gc.freeze()
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    control = Starlette(routes=control_routes(), lifespan=lifespan)
    control.state.strict = settings.strict
    token = settings.control_token
    if token is None and not settings.control_open:
        token = secrets.token_urlsafe(24)
        log.warning("control plane token (needed on %s): %s", settings.host, token)
    return TwinstackApp(control, None if settings.control_open else token)


def mounted(runtime: Runtime, scope: dict[str, Any]) -> tuple[Mount, Twin, str] | None:
    """The raw HTTP mount a request is for, by path prefix or host, with the path below it."""
    path = scope["path"]
    host = ""
    for key, value in scope["headers"]:
        if key == b"host":
            host = value.decode("latin-1").split(":")[0].lower()
            break
    for mount, twin in runtime.mounts:
        if path == mount.prefix or path.startswith(mount.prefix + "/"):
            return mount, twin, path[len(mount.prefix):] or "/"
        if host and any(host == h or host.endswith("." + h) for h in mount.hosts):
            return mount, twin, path
    return None


async def dispatch(runtime: Runtime, request: Request) -> tuple[int, dict[str, str], Body, str | None]:
    started = time.perf_counter()
    scope = request.scope
    path = scope["path"]
    authority = ""
    for key, value in scope["headers"]:
        if key == b"host":
            authority = value.decode("latin-1")
            break
    twin = runtime.hosts.get(authority.split(":")[0].lower()) if runtime.hosts else None
    base_url = f"{scope.get('scheme', 'http')}://{authority}"
    if twin is not None:
        rest = path
    else:
        slug, _, rest = path.lstrip("/").partition("/")
        twin = runtime.twins.get(slug)
        rest = "/" + rest
        if twin is None:
            return 404, {}, orjson.dumps(
                {"error": "not_found", "message": f"No service mounted at /{slug}; mounted: {', '.join(runtime.twins)}"}
            ), "application/json"
        base_url += f"/{slug}"
    base = twin.spec.base_path
    if base:
        if rest != base and not rest.startswith(base + "/"):
            return twin.render_error(None, NotFound(f"No route for {rest}", details={"path": path}), twin.pack.request_id())
        rest = rest[len(base):] or "/"
        base_url += base
    try:
        status, headers, data, ctype, op_id = await pipeline.run(twin, request, rest, base_url)
    except faults.Dropped as dropped:
        runtime.journal.append({
            "method": request.method, "path": path, "status": None, "service": twin.slug, "operation": dropped.operation,
            "duration_ms": pipeline.elapsed_ms(started), "at": time.time(), "fault": dropped.fault_id, "dropped": True,
        })
        raise
    entry: dict[str, Any] = {
        "method": request.method, "path": path, "status": status, "service": twin.slug, "operation": op_id,
        "duration_ms": pipeline.elapsed_ms(started), "at": time.time(),
    }
    if "twinstack.fault" in scope:
        entry["fault"] = scope["twinstack.fault"]
    if "twinstack.fault_ignored" in scope:
        headers["X-Twinstack-Fault-Ignored"] = scope["twinstack.fault_ignored"]
    runtime.journal.append(entry)
    return status, headers, data, ctype
