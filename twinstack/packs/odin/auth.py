"""ODIN Cortex credentials: key format, where they are read from, and what they may reach.

Two security schemes exist in the document: ``bearer`` (a JWT from one of the
login operations) and ``api-key`` (``X-API-Key``). Cortex also accepts an API
key as ``Authorization: ApiKey <key>`` (docs.4players.io/cortex, Authentication),
which ``extract_credential`` adds. The engine stores keys hashed, resolves
them, and checks the scopes this module names per operation before any
parameter is validated (a key lacking the scope gets 403).

Each credential satisfies exactly one scheme, so an API key never passes as a
bearer token (``GET /api/auth/me`` and ``/api/api-keys*`` answer 401 to a key)
and a JWT never passes as an API key.
"""

from __future__ import annotations

import string
from typing import Any

from twinstack.engine.security import RequestView, default_extract
from twinstack.spec.model import SecurityScheme

KEY_PREFIX = "ots_live_"
"""Every Cortex API key starts with this (docs: "A key looks like ots_live_...")."""
KEY_LENGTH = 32
"""Random characters after the prefix (the docs show only ``ots_live_xxxx...``; a twin choice)."""
KEY_ALPHABET = string.ascii_lowercase + string.digits
PREFIX_SHOWN = len(KEY_PREFIX) + 4
"""How much of a key listings show, as in the document's ``"ots_live_abc1..."``."""

API_KEY_SCHEME = "api-key"
BEARER_SCHEME = "bearer"

SCOPES: tuple[str, ...] = ("sessions", "messages", "plugins", "plugin-endpoints", "gatherings", "functions")
"""The resource families a key can be limited to (docs), in the order ``GET /api/api-keys/scopes`` lists them."""

SCOPE_BY_TAG: dict[str, str] = {
    "Sessions": "sessions",
    "Messages": "messages",
    "Plugins": "plugins",
    "Plugin Instances": "plugins",
    "Gatherings": "gatherings",
    "Functions": "functions",
}
"""Scope needed by the operations of each document tag; untagged families are open to any key."""

SCOPE_BY_OPERATION: dict[str, str] = {
    # Tagged "Plugins", but what it reads are message annotations: the transcript family.
    "getMessageAnnotationsBatch": "messages",
}


def scope_of(operation_id: str, tags: list[str]) -> str | None:
    """The scope an API key needs for this operation, or None when any key may call it."""
    if operation_id in SCOPE_BY_OPERATION:
        return SCOPE_BY_OPERATION[operation_id]
    return next((SCOPE_BY_TAG[t] for t in tags if t in SCOPE_BY_TAG), None)


def extract_credential(view: RequestView, scheme: SecurityScheme) -> str | None:
    """``X-API-Key: <key>`` or ``Authorization: ApiKey <key>`` for keys; ``Authorization: Bearer`` for JWTs."""
    if scheme.type == "apiKey":
        key = view.headers.get(scheme.param_name)
        if key:
            return str(key).strip()
        auth = view.headers.get("authorization") or ""
        kind, _, value = str(auth).partition(" ")
        if kind.lower() != "apikey":
            return None
        return value.strip() or None
    return default_extract(view, scheme)


def key_prefix(key: str) -> str:
    """What listings show of a key once it has been created."""
    return key[:PREFIX_SHOWN] + "..."


def unknown_scopes(scopes: list[Any]) -> list[str]:
    return [str(s) for s in scopes if s not in SCOPES]
