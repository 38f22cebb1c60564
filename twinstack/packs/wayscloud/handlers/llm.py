"""LLM (OpenAI-compatible): model lists, chat completions (plain, streamed, tool calls, JSON), embeddings.

The three chat paths and the two model and embedding paths are the same service under other
names, as the document says. Answers come from the deterministic responder (``llm/``); a chat
with ``stream: true`` is Server-Sent Events of ``chat.completion.chunk``s ending ``data: [DONE]``,
which the served document declares beside the JSON reply (``DOCUMENT_PATCHES``) along with the
optional OpenAI request fields clients send (``response_format``, ``stop``, ``seed``...).
"""

from __future__ import annotations

import uuid
from typing import Any

import orjson

from twinstack.engine.context import Reply, RequestContext
from twinstack.engine.pack import Handler
from twinstack.errors import TwinError
from twinstack.packs.wayscloud.llm import catalogue, embeddings, tokens
from twinstack.packs.wayscloud.llm.catalogue import CHAT_PATHS, MODELS, Model
from twinstack.packs.wayscloud.llm.completions import Completion
from twinstack.packs.wayscloud.llm.responder import respond
from twinstack.packs.wayscloud.llm.upstream import Upstream

def invalid(message: str, code: str, param: str | None = None) -> TwinError:
    return TwinError(message, code=code, status=400, field=param)


def _model(name: Any, default: str, wanted: str) -> Model:
    model = MODELS.get(str(name)) if name is not None else MODELS[default]
    if model is None:
        available = ", ".join(MODELS)
        raise invalid(f"Model '{name}' not found. Available models: {available}", "model_not_found", "model")
    if wanted == "chat" and not model.chats:
        raise invalid(f"Model '{model.id}' is an {model.kind} model and cannot be used for chat completions",
                      "invalid_model_type", "model")
    if wanted == "embedding" and model.kind != "embedding":
        raise invalid(f"Model '{model.id}' is not an embedding model; use {catalogue.DEFAULT_EMBEDDING}",
                      "invalid_model_type", "model")
    return model


async def list_models(ctx: RequestContext) -> Any:
    return catalogue.listing()


async def chat_completion(ctx: RequestContext) -> Any:
    body: dict[str, Any] = ctx.body
    model = _model(body.get("model"), catalogue.DEFAULT_CHAT, "chat")
    messages: list[dict[str, Any]] = body["messages"]
    if model.kind != "vision" and any(_has_image(m.get("content")) for m in messages):
        raise invalid(f"Model '{model.id}' does not accept images; use qwen3-vl-8b", "unsupported_content",
                      "messages")
    region = body.get("region")
    if region is not None and region != "oslo":
        raise invalid(f"Region '{region}' is not available; only 'oslo' is", "invalid_region", "region")
    prompt = tokens.count_messages(messages)
    if prompt >= model.context:
        raise invalid(f"This model's maximum context length is {model.context} tokens; the messages have {prompt}",
                      "context_length_exceeded", "messages")
    upstream = _upstream(ctx)
    if upstream is not None:
        if body.get("stream"):
            return Reply(stream=upstream.stream("/chat/completions", body), content_type="text/event-stream")
        return await upstream.post("/chat/completions", body)
    response_format = body.get("response_format") or {}
    answer = respond(model, messages, body.get("tools"), body.get("tool_choice"),
                     json_mode=isinstance(response_format, dict) and response_format.get("type") != "text"
                     and bool(response_format))
    max_tokens = body.get("max_tokens") or body.get("max_completion_tokens")
    completion = Completion(f"chatcmpl-{uuid.uuid4().hex[:24]}", int(ctx.now), model, answer, prompt,
                            int(max_tokens) if max_tokens else None)
    if body.get("stream"):
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        return Reply(stream=completion.chunks(include_usage), content_type="text/event-stream")
    return completion.body()


def _upstream(ctx: RequestContext) -> Upstream | None:
    if "llm-upstream" not in ctx.twin.memo:
        ctx.twin.memo["llm-upstream"] = Upstream.from_env()
    found: Upstream | None = ctx.twin.memo["llm-upstream"]
    return found


def _has_image(content: Any) -> bool:
    return isinstance(content, list) and any(isinstance(p, dict) and p.get("type") == "image_url" for p in content)


async def create_embedding(ctx: RequestContext) -> Any:
    body = _json_body(ctx.raw_body)
    model = _model(body.get("model"), catalogue.DEFAULT_EMBEDDING, "embedding")
    raw_input = body.get("input")
    texts = [raw_input] if isinstance(raw_input, str) else raw_input
    if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
        raise invalid("'input' must be a string or a non-empty array of strings", "invalid_input", "input")
    encoding = body.get("encoding_format", "float")
    if encoding not in ("float", "base64"):
        raise invalid("'encoding_format' must be 'float' or 'base64'", "invalid_encoding_format", "encoding_format")
    dimensions = body.get("dimensions", embeddings.DIMENSIONS)
    if not isinstance(dimensions, int) or isinstance(dimensions, bool) or not 1 <= dimensions <= embeddings.DIMENSIONS:
        raise invalid(f"'dimensions' must be an integer from 1 to {embeddings.DIMENSIONS}", "invalid_dimensions",
                      "dimensions")
    upstream = _upstream(ctx)
    if upstream is not None:
        return await upstream.post("/embeddings", body)
    data = []
    for index, text in enumerate(texts):
        vector = embeddings.embed(text)
        if dimensions < embeddings.DIMENSIONS:
            vector = _shortened(vector, dimensions)
        value: Any = embeddings.as_base64(vector) if encoding == "base64" else vector
        data.append({"object": "embedding", "index": index, "embedding": value})
    used = sum(tokens.count(t) for t in texts)
    return {"object": "list", "data": data, "model": model.id, "usage": {"prompt_tokens": used, "total_tokens": used}}


def _shortened(vector: list[float], size: int) -> list[float]:
    """OpenAI's ``dimensions``: the first ``size`` values, normalised again."""
    head = vector[:size]
    norm = sum(v * v for v in head) ** 0.5 or 1.0
    return [v / norm for v in head]


def _json_body(raw: bytes) -> dict[str, Any]:
    """The embeddings operations declare no body; the body OpenAI clients send is read here."""
    try:
        body = orjson.loads(raw or b"{}")
    except orjson.JSONDecodeError:
        raise invalid("The request body is not valid JSON", "invalid_json", "body") from None
    if not isinstance(body, dict):
        raise invalid("The request body must be a JSON object", "invalid_json", "body")
    return body


_OPENAI_FIELDS: dict[str, Any] = {
    "response_format": {"type": "object", "description": "OpenAI: `{\"type\": \"text\" | \"json_object\" | \"json_schema\"}`"},
    "max_completion_tokens": {"anyOf": [{"type": "integer", "exclusiveMinimum": 0}, {"type": "null"}]},
    "stop": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}, {"type": "null"}]},
    "seed": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
    "n": {"anyOf": [{"type": "integer", "minimum": 1, "maximum": 1}, {"type": "null"}]},
    "user": {"type": "string"},
    "stream_options": {"anyOf": [{"type": "object"}, {"type": "null"}]},
    "presence_penalty": {"anyOf": [{"type": "number", "minimum": -2, "maximum": 2}, {"type": "null"}]},
    "frequency_penalty": {"anyOf": [{"type": "number", "minimum": -2, "maximum": 2}, {"type": "null"}]},
    "parallel_tool_calls": {"type": "boolean"},
}
"""Optional fields of OpenAI's chat request that the ``openai`` package passes through when given."""


def patch_document(doc: dict[str, Any]) -> None:
    """Declare what the service really takes and sends beyond the document: the streamed reply of a chat,
    OpenAI's optional request fields, and tool messages (``role: tool``, an assistant's ``tool_calls``)."""
    schemas = doc["components"]["schemas"]
    schemas["ChatRequest"]["properties"].update(_OPENAI_FIELDS)
    message = schemas["Message"]
    message["properties"]["role"]["enum"] = [*message["properties"]["role"]["enum"], "tool"]
    content = message["properties"]["content"]
    content["anyOf"] = [*content["anyOf"], {"type": "null"}]
    message["properties"].setdefault("tool_calls", {"type": "array", "items": {"type": "object"}})
    message["properties"].setdefault("tool_call_id", {"type": "string"})
    message["properties"].setdefault("name", {"type": "string"})
    for path in CHAT_PATHS:
        ok = doc["paths"][path]["post"]["responses"]["200"]
        ok["content"]["text/event-stream"] = {"schema": {
            "type": "object", "required": ["data"], "description": "With `stream: true`: one event per chunk, its "
            "`data` a `chat.completion.chunk` in JSON, the last `[DONE]`.",
            "properties": {"data": {"type": "string"}, "event": {"type": "string"}, "id": {"type": "string"}}}}


DOCUMENT_PATCHES = (patch_document,)

HANDLERS: dict[str, Handler] = {
    "list_llm_models_v1_llm_models_get": list_models,
    "list_openai_models_v1_models_get": list_models,
    "llm_chat_completion_v1_llm_chat_post": chat_completion,
    "llm_chat_completions_v1_llm_chat_completions_post": chat_completion,
    "openai_chat_completion_v1_chat_completions_post": chat_completion,
    "create_embedding_v1_llm_embeddings_post": create_embedding,
    "create_embedding_v1_embeddings_post": create_embedding,
}
