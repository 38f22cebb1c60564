"""ODIN Cortex's error bodies: the NestJS shape, with class-validator's wording.

Cortex is a NestJS service, and the document declares no error schema at all,
so every error body is what NestJS' built-in exceptions produce (the engine's
``NestJS`` style)::

    {"statusCode": 400, "message": ["title must be a string"], "error": "Bad Request"}
    {"statusCode": 404, "message": "Session not found", "error": "Not Found"}
    {"statusCode": 401, "message": "Unauthorized"}

ODIN's own: a key lacking the operation's scope is a 403 naming the scope.
"""

from __future__ import annotations

from typing import Any

from twinstack.engine.error_styles import NestJS, nest_body
from twinstack.errors import TwinError

SCOPE_MESSAGE = "API key does not have the required scope"
"""403 for a key without the operation's scope, followed by the scope (wording not public: a twin choice)."""

_NESTJS = NestJS()


def render_error(error: TwinError, status: int, request_id: str, schema: dict[str, Any] | None) -> Any:
    """The body NestJS would send for ``error`` answered with ``status``."""
    if error.code == "insufficient_scope" and status < 500:
        scopes = ", ".join(str(s) for s in error.details.get("scopes") or [])
        return nest_body(status, f"{SCOPE_MESSAGE}: {scopes}" if scopes else SCOPE_MESSAGE)
    return _NESTJS(error, status, request_id, schema)
