"""Settings: the tenant's settings document, deep-merged by ``PUT``, and the audit of every changed leaf.

``PUT /settings`` merges the body into the current settings (objects merge
recursively, everything else, lists included, replaces) and records one
settings-audit item ``{id: "setaudit_…", ts, actor_user_id, change: {path, from,
to}}`` per leaf whose value changed, plus one ``settings.updated`` audit event
listing them all; an unchanged value records nothing. The keys upstream
defines are type-checked (a wrong type is 400 naming the key); other keys are
kept as sent, as upstream does.
"""

from __future__ import annotations

import copy
from typing import Any

from twinstack.engine.context import RequestContext
from twinstack.engine.pack import Handler
from twinstack.packs.g4fagent import audit
from twinstack.packs.g4fagent.errors import invalid_request
from twinstack.packs.g4fagent.handlers.sessions_messages_runs import SETTINGS
from twinstack.packs.g4fagent.records import Family, body_of, iso, new_id

PROVIDER_IDS = ("openai", "anthropic", "ollama", "g4f", "custom")
DEFAULTS: dict[str, Any] = {
    "memory_limit_gb": 8,
    "telemetry_enabled": True,
    "default_provider_id": "g4f",
    "default_model_id": "gpt-4o-mini",
    "providers": [{"provider_id": p, "enabled": True} for p in PROVIDER_IDS],
    "ui": {"theme": "neon_dark", "accent": "#00FF94"},
}
AUDIT = Family(noun="item", collection="/settings_audit", prefix="setaudit", id_param="", label="Settings change")
_TEXT_KEYS = ("default_provider_id", "default_model_id")


def current(ctx: RequestContext) -> dict[str, Any]:
    collection, rid = SETTINGS
    stored = ctx.collection(collection).get(rid)
    return merge(copy.deepcopy(DEFAULTS), {k: v for k, v in (stored or {}).items() if not k.startswith("_")})


def merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """``patch`` deep-merged into ``base`` (in place, returned)."""
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merge(base[key], value)
        else:
            base[key] = copy.deepcopy(value)
    return base


def changes(before: Any, after: Any, path: str = "") -> list[dict[str, Any]]:
    """Every leaf that differs, as ``{path: "/ui/theme", from, to}``."""
    if isinstance(before, dict) and isinstance(after, dict):
        out: list[dict[str, Any]] = []
        for key in [*before, *(k for k in after if k not in before)]:
            out += changes(before.get(key), after.get(key), f"{path}/{key}")
        return out
    return [] if before == after else [{"path": path or "/", "from": before, "to": after}]


def _check(body: dict[str, Any]) -> None:
    if "memory_limit_gb" in body:
        value = body["memory_limit_gb"]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise invalid_request("memory_limit_gb must be a positive number.", "memory_limit_gb")
    if "telemetry_enabled" in body and not isinstance(body["telemetry_enabled"], bool):
        raise invalid_request("telemetry_enabled must be a boolean.", "telemetry_enabled")
    for key in _TEXT_KEYS:
        if key in body and (not isinstance(body[key], str) or not body[key].strip()):
            raise invalid_request(f"{key} must be a non-empty string.", key)
    if "providers" in body:
        providers = body["providers"]
        if not isinstance(providers, list) or not all(
                isinstance(p, dict) and isinstance(p.get("provider_id"), str) and isinstance(p.get("enabled", True), bool)
                for p in providers):
            raise invalid_request("providers must be an array of {provider_id, enabled}.", "providers")
    if "ui" in body:
        ui = body["ui"]
        if not isinstance(ui, dict):
            raise invalid_request("ui must be an object.", "ui")
        for key in ("theme", "accent"):
            if key in ui and not isinstance(ui[key], str):
                raise invalid_request(f"ui.{key} must be a string.", f"ui.{key}")


async def get_settings(ctx: RequestContext) -> dict[str, Any]:
    return {"settings": current(ctx)}


async def put_settings(ctx: RequestContext) -> dict[str, Any]:
    body = body_of(ctx)
    _check(body)
    actor = str(ctx.principal.claims.get("sub") if ctx.principal is not None else "unknown")
    collection, rid = SETTINGS
    with ctx.store.transaction():
        before = current(ctx)
        after = merge(copy.deepcopy(before), body)
        changed = changes(before, after)
        if not changed:
            return {"ok": True}
        ctx.collection(collection).put(rid, after)
        stamp = iso(ctx.now)
        for change in changed:
            AUDIT.save(ctx, {"id": new_id(AUDIT.prefix), "ts": stamp, "actor_user_id": actor, "change": change})
        audit.record(ctx, "settings.updated", {"changes": changed})
    return {"ok": True}


async def get_settings_audit(ctx: RequestContext) -> dict[str, Any]:
    return AUDIT.page(ctx, {})


HANDLERS: dict[str, Handler] = {
    "get_settings": get_settings,
    "put_settings": put_settings,
    "get_settings_audit": get_settings_audit,
}
