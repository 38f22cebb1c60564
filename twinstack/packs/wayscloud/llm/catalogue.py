"""The models the twin serves, as the document lists them, with what each is for."""

from __future__ import annotations

from dataclasses import dataclass

CHAT_PATHS = ("/v1/llm/chat", "/v1/llm/chat/completions", "/v1/chat/completions")
OPENAI_PATHS = frozenset((*CHAT_PATHS, "/v1/llm/models", "/v1/models", "/v1/llm/embeddings", "/v1/embeddings"))
"""The operations of the OpenAI-compatible service, which answer errors in OpenAI's shape."""

CREATED = 1_700_000_000
"""``created`` of every model: the document's example value (the vendor publishes no dates)."""


@dataclass(frozen=True, slots=True)
class Model:
    id: str
    kind: str
    """``chat``, ``reasoning``, ``vision``, ``code``, ``embedding`` or ``moderation``."""
    context: int = 32_768
    """Prompt plus completion tokens the model takes."""

    @property
    def chats(self) -> bool:
        return self.kind in ("chat", "reasoning", "vision", "code", "moderation")


MODELS: dict[str, Model] = {m.id: m for m in (
    Model("deepseek-v3", "chat", 65_536),
    Model("deepseek-v3.1", "chat", 131_072),
    Model("qwen3-235b-instruct", "chat", 131_072),
    Model("llama-3.3-70b", "chat", 131_072),
    Model("mixtral-8x7b", "chat", 32_768),
    Model("gpt-oss-120b", "chat", 131_072),
    Model("gpt-oss-20b", "chat", 131_072),
    Model("gemma-3n-e4b", "chat", 32_768),
    Model("kimi-k2.5", "chat", 131_072),
    Model("qwen3.5-9b", "chat", 32_768),
    Model("deepseek-r1", "reasoning", 65_536),
    Model("qwen3-235b-thinking", "reasoning", 131_072),
    Model("qwen3-coder-480b", "code", 262_144),
    Model("qwen3-vl-8b", "vision", 32_768),
    Model("embedding-multilingual", "embedding", 8_192),
    Model("llamaguard-4", "moderation", 8_192),
)}
"""Every model of the document (brief 2.9), by id."""

DEFAULT_CHAT = "mixtral-8x7b"
"""The model of a chat request that names none (the document's own example model)."""
DEFAULT_EMBEDDING = "embedding-multilingual"


def listing() -> dict[str, object]:
    """``OpenAIModelList``: every model, in the document's order."""
    return {"object": "list", "data": [
        {"id": m.id, "object": "model", "owned_by": "wayscloud", "created": CREATED} for m in MODELS.values()
    ]}
