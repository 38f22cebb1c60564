"""Core (Public): the API index, health and capabilities, open to everyone.

``uptime_s`` counts real seconds since this server process loaded the pack;
``time`` is the twin clock's now.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlparse

from twinstack.engine.context import RequestContext
from twinstack.engine.pack import Handler
from twinstack.packs.g4fagent.records import iso

NAME = "G4FAgent Dev Platform API"
VERSION = "1.0.0"
BUILD = "dev"
_STARTED = time.monotonic()
CAPABILITIES: dict[str, Any] = {
    "features": {
        "ws_streaming": False, "sse_streaming": True, "diffs": True, "file_editor": True,
        "workflows": True, "deployments": True, "telemetry": True, "multi_provider": True,
    },
    "limits": {
        "max_projects": 1000, "max_sessions_per_project": 10000, "max_file_size_bytes": 2 * 1024 * 1024,
        "max_upload_size_bytes": 200 * 1024 * 1024, "max_context_tokens": 200000,
    },
}


async def get_root(ctx: RequestContext) -> dict[str, Any]:
    endpoints = [{"method": op.method, "path": op.path} for op in ctx.twin.spec.operations]
    return {"ok": True, "name": NAME, "version": VERSION, "base_path": urlparse(ctx.base_url).path, "endpoints": endpoints}


async def get_health(ctx: RequestContext) -> dict[str, Any]:
    return {"ok": True, "version": VERSION, "build": BUILD, "uptime_s": int(time.monotonic() - _STARTED),
            "time": iso(ctx.now)}


async def get_capabilities(ctx: RequestContext) -> dict[str, Any]:
    return CAPABILITIES


HANDLERS: dict[str, Handler] = {"get_root": get_root, "get_health": get_health, "get_capabilities": get_capabilities}
