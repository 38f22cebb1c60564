"""Providers and their models: upstream's five providers and a fixed model catalogue per provider (simulated).

No provider is called, except one [decision]: testing ``ollama`` really asks
``http://localhost:11434/api/tags`` (loopback, 1 s) and reports ``ok: false``
when nothing answers there. Other tests succeed with a latency derived from
the provider id (20-200 ms, the same every time). An unknown provider id is
404 ``provider_not_found`` for its models and ``ok: false`` when tested
(upstream lists its model aliases and succeeds whatever the id). Whether a
provider is enabled comes from the tenant's settings (``providers[]``).

``last_checked_at`` is when the tenant last tested the provider (null before;
upstream says "now" every time), and ``ollama``'s ``status`` follows its last
probe: ``active`` when it answered, ``offline`` when not, ``idle`` untested.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
import urllib.error
import urllib.request
from typing import Any

from twinstack.engine.context import RequestContext
from twinstack.engine.pack import Handler
from twinstack.packs.g4fagent.errors import ApiError
from twinstack.packs.g4fagent.handlers import settings
from twinstack.packs.g4fagent.handlers.sessions_messages_runs import listing, page_window
from twinstack.packs.g4fagent.records import body_of, iso, text_list

ALL = {"chat": True, "tools": True, "vision": True, "embeddings": True, "audio": False, "streaming": True}
PROVIDERS: tuple[dict[str, Any], ...] = (
    {"id": "openai", "label": "OpenAI", "type": "cloud", "status": "active", "base_url": "https://api.openai.com",
     "supports": {**ALL, "audio": True}},
    {"id": "anthropic", "label": "Anthropic", "type": "cloud", "status": "active", "base_url": "https://api.anthropic.com",
     "supports": {**ALL, "embeddings": False}},
    {"id": "ollama", "label": "Ollama", "type": "local", "status": "idle", "base_url": "http://localhost:11434",
     "supports": {**ALL, "vision": False}},
    {"id": "g4f", "label": "G4F Auto", "type": "proxy", "status": "active", "base_url": "", "supports": dict(ALL)},
    {"id": "custom", "label": "Custom", "type": "proxy", "status": "idle", "base_url": "",
     "supports": {**ALL, "vision": False, "embeddings": False}},
)
FULL = ["chat", "tools", "vision", "streaming"]
TEXT = ["chat", "tools", "streaming"]
MODELS: dict[str, tuple[tuple[str, str, int, list[str]], ...]] = {
    "openai": (("gpt-4o-mini", "GPT-4o mini", 128000, FULL), ("gpt-4o", "GPT-4o", 128000, FULL),
               ("o3-mini", "o3-mini", 200000, TEXT)),
    "anthropic": (("claude-3-5-sonnet", "Claude 3.5 Sonnet", 200000, FULL),
                  ("claude-3-5-haiku", "Claude 3.5 Haiku", 200000, TEXT)),
    "ollama": (("llama3.1", "Llama 3.1", 128000, TEXT), ("qwen2.5-coder", "Qwen2.5 Coder", 32768, TEXT)),
    "g4f": (("gpt-4o-mini", "GPT-4o mini", 128000, FULL), ("gpt-4o", "GPT-4o", 128000, FULL),
            ("claude-3-5-sonnet", "Claude 3.5 Sonnet", 200000, FULL), ("llama3.1", "Llama 3.1", 128000, TEXT)),
    "custom": (("custom-model", "Custom model", 128000, TEXT),),
}
OLLAMA_TAGS = "http://localhost:11434/api/tags"
CHECKS = "/provider_checks"
"""The tenant's last test of each provider, by provider id: ``{checked_at, ok}``."""


def _enabled(ctx: RequestContext) -> dict[str, bool]:
    listed = settings.current(ctx).get("providers") or []
    return {str(p.get("provider_id")): bool(p.get("enabled", True)) for p in listed if isinstance(p, dict)}


async def get_providers(ctx: RequestContext) -> dict[str, Any]:
    limit, offset = page_window(ctx)
    enabled = _enabled(ctx)
    checks = ctx.collection(CHECKS).get_many([p["id"] for p in PROVIDERS])
    items = [_shown(p, enabled.get(p["id"], True), checks.get(p["id"])) for p in PROVIDERS]
    return listing(items[offset:offset + limit], limit, offset, offset + limit < len(items))


def _shown(provider: dict[str, Any], enabled: bool, check: dict[str, Any] | None) -> dict[str, Any]:
    shown = {**provider, "enabled": enabled, "last_checked_at": check["checked_at"] if check else None}
    if provider["id"] == "ollama" and check is not None:
        shown["status"] = "active" if check["ok"] else "offline"
    return shown


async def post_providers_scan(ctx: RequestContext) -> dict[str, Any]:
    # The description allows an empty body here.
    include = text_list(body_of(ctx, empty_ok=True), "include")
    wanted = {i.lower() for i in include}
    return {"ok": True, "discovered": [p["id"] for p in PROVIDERS if not wanted or p["id"] in wanted], "warnings": []}


async def get_providers_provider_id_models(ctx: RequestContext) -> dict[str, Any]:
    provider_id = str(ctx.path.get("provider_id", ""))
    if provider_id not in MODELS:
        raise ApiError(404, "provider_not_found", f"Provider not found: {provider_id}")
    needle = str(ctx.query.get("q") or "").strip().lower()
    capability = str(ctx.query.get("capability") or "").strip().lower()
    items = [{"id": mid, "label": label, "context_tokens": tokens, "capabilities": list(caps), "pricing": {}}
             for mid, label, tokens, caps in MODELS[provider_id]
             if (not needle or needle in mid.lower() or needle in label.lower()) and (not capability or capability in caps)]
    limit, offset = page_window(ctx)
    return listing(items[offset:offset + limit], limit, offset, offset + limit < len(items))


def _probe(url: str) -> str | None:
    """None when ``url`` answered 200, else why not."""
    try:
        with urllib.request.urlopen(url, timeout=1.0) as answer:
            return None if answer.status == 200 else f"HTTP {answer.status}"
    except (urllib.error.URLError, OSError, ValueError) as error:
        return str(getattr(error, "reason", error))


async def post_providers_provider_id_test(ctx: RequestContext) -> dict[str, Any]:
    provider_id = str(ctx.path.get("provider_id", ""))
    body_of(ctx, empty_ok=True)
    if provider_id not in MODELS:
        return {"ok": False, "latency_ms": 0, "details": f"Unknown provider: {provider_id}"}
    if provider_id == "ollama":
        started = time.monotonic()
        problem = await asyncio.to_thread(_probe, OLLAMA_TAGS)
        latency = round((time.monotonic() - started) * 1000)
        details = (f"ollama is not reachable at {OLLAMA_TAGS}: {problem}" if problem is not None
                   else "ollama provider check succeeded")
        answer = {"ok": problem is None, "latency_ms": latency, "details": details}
    else:
        latency = 20 + hashlib.sha256(provider_id.encode()).digest()[0] * 180 // 255
        answer = {"ok": True, "latency_ms": latency, "details": f"{provider_id} provider check succeeded"}
    ctx.collection(CHECKS).put(provider_id, {"checked_at": iso(ctx.now), "ok": answer["ok"]})
    return answer


HANDLERS: dict[str, Handler] = {
    "get_providers": get_providers,
    "post_providers_scan": post_providers_scan,
    "get_providers_provider_id_models": get_providers_provider_id_models,
    "post_providers_provider_id_test": post_providers_provider_id_test,
}
