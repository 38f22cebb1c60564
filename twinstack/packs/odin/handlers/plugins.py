"""Tag ``Plugins``: the global catalogue, annotation reads; plugins run on each transcribed message."""

from __future__ import annotations

from typing import Any

from twinstack.engine.context import RequestContext
from twinstack.engine.pack import Handler
from twinstack.engine.twin import Twin
from twinstack.errors import FieldIssue, NotFound, ValidationFailed
from twinstack.packs.odin.annotations import ANNOTATION_INDEXES, of_message, of_session
from twinstack.packs.odin.events import SOURCE_BOT
from twinstack.packs.odin.messages import get_message
from twinstack.packs.odin.plugins import (
    CATALOG,
    find_plugin,
    plugin_view,
    run_on_message,
)
from twinstack.packs.odin.sessions import any_session

BATCH_LIMIT = 500
"""Message ids one batch read may name."""


async def list_plugins(ctx: RequestContext) -> Any:
    return [plugin_view(p) for p in CATALOG]


async def get_plugin(ctx: RequestContext) -> Any:
    plugin = find_plugin(str(ctx.path["slug"]))
    if plugin is None:
        raise NotFound("Plugin not found", field="slug")
    return plugin_view(plugin)


async def session_annotations(ctx: RequestContext) -> Any:
    # Another tenant's or an unknown session reads as having none (the document declares no 404).
    session = any_session(ctx.twin, ctx.tenant, str(ctx.path["sessionId"]))
    return of_session(ctx.twin, ctx.tenant, str(session["id"])) if session is not None else []


async def message_annotations_batch(ctx: RequestContext) -> Any:
    # The document does not require ``messageIds``: a body without it asks about no message.
    ids = (ctx.body.get("messageIds") or []) if isinstance(ctx.body, dict) else []
    if len(ids) > BATCH_LIMIT:
        raise ValidationFailed([FieldIssue("body", ("messageIds",), f"must contain no more than {BATCH_LIMIT} elements",
                                           "max_items", ids)])
    out: dict[str, Any] = {}
    for message_id in dict.fromkeys(ids):
        if get_message(ctx.twin, ctx.tenant, message_id) is not None:
            out[message_id] = of_message(ctx.twin, ctx.tenant, message_id)
    return out


def _transcribed(twin: Twin, tenant: str, event: dict[str, Any]) -> None:
    if event.get("source") != SOURCE_BOT:
        return
    message = get_message(twin, tenant, str((event["payload"].get("data") or {}).get("id", "")))
    if message is not None and message.get("type") == "user":
        run_on_message(twin, tenant, message, str(event["projectId"]))


INDEXES = ANNOTATION_INDEXES
REACTIONS = ((("message.created",), _transcribed),)
HANDLERS: dict[str, Handler] = {
    "listPlugins": list_plugins,
    "getPlugin": get_plugin,
    "getSessionAnnotations": session_annotations,
    "getMessageAnnotationsBatch": message_annotations_batch,
}
