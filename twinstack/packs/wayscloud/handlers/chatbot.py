"""Chatbot: the customer's bots, a message answered from the bot's knowledge, and the same as a stream.

A conversation is a session (collection ``chatbot/sessions``) holding its turns, newest last and
bounded; an unknown ``session_id`` is 404, as is another customer's bot. The stream speaks the
document's protocol: ``meta`` (session and citations), ``token``s, then ``done``.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import orjson

from twinstack.engine.context import Reply, RequestContext
from twinstack.engine.pack import Handler
from twinstack.errors import NotFound
from twinstack.packs.wayscloud.llm import chatbot, tokens

SESSIONS = "chatbot/sessions"
_KEPT_TURNS = 50
"""Turns a session keeps (the oldest go first)."""


async def list_bots(ctx: RequestContext) -> Any:
    return {"bots": [chatbot.bot(ctx.tenant)]}


def _converse(ctx: RequestContext) -> tuple[dict[str, Any], chatbot.Retrieved, str]:
    body: dict[str, Any] = ctx.body
    if not chatbot.is_bot(ctx.tenant, str(body["bot_id"])):
        raise NotFound("Chatbot not found", field="bot_id", details={"detail": "Chatbot not found or not accessible"})
    sessions = ctx.collection(SESSIONS)
    session_id = body.get("session_id")
    if session_id:
        session = sessions.get(str(session_id))
        if session is None:
            raise NotFound("Session not found", field="session_id", details={"detail": "Session not found"})
    else:
        session = {"id": str(uuid.uuid4()), "bot_id": chatbot.bot_id(ctx.tenant), "turns": []}
    found = chatbot.answer(str(body["message"]))
    message_id = str(uuid.uuid4())
    at = ctx.clock.iso(ctx.now)
    turns = [*session["turns"], {"role": "user", "content": body["message"], "at": at},
             {"role": "assistant", "content": found.answer, "message_id": message_id, "at": at}][-_KEPT_TURNS:]
    sessions.put(session["id"], {**session, "turns": turns})
    return session, found, message_id


async def chat(ctx: RequestContext) -> Any:
    started = time.perf_counter()
    session, found, message_id = _converse(ctx)
    return {
        "session_id": session["id"], "message_id": message_id, "response": found.answer,
        "citations": found.citations, "tokens_input": tokens.count(str(ctx.body["message"])),
        "tokens_output": tokens.count(found.answer),
        "response_time_ms": int((time.perf_counter() - started) * 1000),
    }


async def chat_stream(ctx: RequestContext) -> Any:
    session, found, _ = _converse(ctx)
    return Reply(stream=_events(session["id"], found), content_type="text/event-stream")


async def _events(session_id: str, found: chatbot.Retrieved) -> AsyncIterator[bytes]:
    yield _event({"type": "meta", "data": {"session_id": session_id, "citations": found.citations}})
    for piece in tokens.split(found.answer):
        yield _event({"type": "token", "content": piece})
    yield _event({"type": "done"})


def _event(data: dict[str, Any]) -> bytes:
    return b"data: " + orjson.dumps(data) + b"\n\n"


def patch_document(doc: dict[str, Any]) -> None:
    """The chatbot operations declare ``X-API-Key`` as a required header *and* bearer security: the key is
    the credential, taken from either header (as on every service), so the header itself is optional."""
    for path in ("/v1/chatbot/api/bots", "/v1/chatbot/api/chat", "/v1/chatbot/api/chat/stream"):
        for operation in doc["paths"][path].values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "header" and parameter.get("name", "").lower() == "x-api-key":
                    parameter["required"] = False
    # The stream's schema describes the whole body as one string; what a client reads is a series of
    # events whose ``data`` is a JSON text (meta, token, done, error): each event is declared so.
    stream = doc["paths"]["/v1/chatbot/api/chat/stream"]["post"]["responses"]["200"]["content"]["text/event-stream"]
    stream["schema"] = _EVENT


_EVENT = {"type": "object", "required": ["data"], "properties": {
    "data": {"type": "string", "description": "JSON: {type: meta|token|done|error, data?, content?}"},
    "event": {"type": "string"}, "id": {"type": "string"}, "retry": {"type": "integer"}}}
"""One Server-Sent Event as a client parses it."""

DOCUMENT_PATCHES = (patch_document,)

HANDLERS: dict[str, Handler] = {
    "get_v1_chatbot_api_bots": list_bots,
    "post_v1_chatbot_api_chat": chat,
    "post_v1_chatbot_api_chat_stream": chat_stream,
}
