"""Tag ``Messages``: a session's transcript, oldest first, and a message's debug audio (WAV)."""

from __future__ import annotations

from typing import Any

from twinstack.engine.context import Reply, RequestContext
from twinstack.engine.pack import Handler
from twinstack.errors import NotFound
from twinstack.packs.odin.messages import (
    MESSAGE_INDEXES,
    debug_audio,
    get_message,
    transcript,
    view,
)
from twinstack.packs.odin.project_scope import require_project
from twinstack.packs.odin.sessions import get_session


def _session(ctx: RequestContext) -> dict[str, Any]:
    project = require_project(ctx)
    session = get_session(ctx.twin, ctx.tenant, str(project["id"]), str(ctx.path["id"]))
    if session is None:
        raise NotFound("Session not found", field="id")
    return session


async def get_messages(ctx: RequestContext) -> Any:
    session = _session(ctx)
    return [view(m) for m in transcript(ctx.twin, ctx.tenant, str(session["id"]))]


async def download_debug_audio(ctx: RequestContext) -> Any:
    session = _session(ctx)
    message = get_message(ctx.twin, ctx.tenant, str(ctx.path["messageId"]))
    audio = debug_audio(ctx.twin, message) if message is not None and message["sessionId"] == session["id"] else None
    if audio is None:
        raise NotFound("Debug audio not found", field="messageId")
    return Reply(audio, raw=True, content_type="audio/wav",
                 headers={"Content-Disposition": f'attachment; filename="{ctx.path["messageId"]}.wav"'})


INDEXES = MESSAGE_INDEXES
HANDLERS: dict[str, Handler] = {"getMessages": get_messages, "downloadDebugAudio": download_debug_audio}
