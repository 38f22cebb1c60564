"""Handlers of the ``HEALTH`` tag: the one operation that needs no key."""

from __future__ import annotations

from typing import Any

from twinstack.engine.context import RequestContext
from twinstack.engine.pack import Handler

OPERATIONAL = "operational"


async def health_check_api_v1_health_get(ctx: RequestContext) -> dict[str, Any]:
    """The document's example answer, made true: every component the example names is up, timed now.

    The twin has no Redis, PostgreSQL or Proxmox of its own that could fail, so
    it is always ``healthy``; the component names come from the document.
    """
    response = ctx.operation.responses.get("200")
    media = response.json_media() if response is not None else None
    example = media.example if media is not None and isinstance(media.example, dict) else {}
    components = example.get("components")
    names = list(components) if isinstance(components, dict) else []
    return {**example, "status": "healthy", "timestamp": ctx.clock.iso(), "components": dict.fromkeys(names, OPERATIONAL)}


HANDLERS: dict[str, Handler] = {"health_check_api_v1_health_get": health_check_api_v1_health_get}
