"""WAYSCloud's error bodies, and the status of a bad request.

WAYSCloud is a FastAPI service, and its document declares two error shapes:

- ``Error``: ``{"detail": "<text>"}`` — the norm, for every status;
- ``HTTPValidationError``: ``{"detail": [{"loc", "msg", "type"}]}`` — FastAPI's
  validation list, declared on 63 responses (IoT, Apps, ``/v1/quota``), with
  the three members its examples show (the engine's ``FastAPI`` style).

The shape is chosen by the declared schema of the status being sent; where none
is declared the ``Error`` shape is used. Texts follow the document's examples
("Invalid or missing API key", "VPS not found"); a bad input is named
``<location>.<field>: <message>`` in pydantic's words, e.g.
``path.db_type: Input should be 'postgresql' or 'mariadb'``.

An error sent with a stand-in status (``Pack.status_fallbacks``: a missing VPS
as the declared 409, an existing zone as the declared 400) keeps the words of
what happened (``original_status``). A pack handler that needs an exact text
the generic wording would not give raises its error with ``details={"detail": "..."}``.
"""

from __future__ import annotations

import re
from typing import Any

from twinstack.engine.error_styles import FastAPI
from twinstack.errors import TwinError, ValidationFailed
from twinstack.packs.wayscloud.llm.catalogue import OPENAI_PATHS
from twinstack.packs.wayscloud.permissions import service_of
from twinstack.spec.model import Operation

_NOUNS = {"vps": "VPS", "db": "Database", "ip": "IP", "asn": "ASN", "ssh": "SSH", "dns": "DNS", "sms": "SMS"}
_MAX_NAMED = 3
"""How many bad fields one ``detail`` text names."""
_FASTAPI = FastAPI(members=("loc", "msg", "type"), enum_type="enum")


def render_error(error: TwinError, status: int, request_id: str, schema: dict[str, Any] | None) -> dict[str, Any]:
    """The body for ``error`` sent with ``status``; ``schema`` is that status's declared schema, if any."""
    if error.operation is not None and error.operation.path in OPENAI_PATHS:
        return openai_error(error, status)
    if _is_validation_list(schema):
        return {"detail": validation_items(error)}
    return {"detail": detail_text(error, error.original_status or status, error.operation)}


_OPENAI_TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
                 404: "invalid_request_error", 422: "invalid_request_error", 429: "rate_limit_error"}
_OPENAI_CODES = {401: "invalid_api_key", 403: "insufficient_permissions", 404: "not_found", 429: "rate_limit_exceeded"}


def openai_error(error: TwinError, status: int) -> dict[str, Any]:
    """OpenAI's ``{"error": {"message", "type", "code", "param"}}``, as the LLM operations' examples show
    (and as the ``openai`` package reads into its exceptions)."""
    if status == 401:
        message = "Invalid API key"
    elif isinstance(error, ValidationFailed) and error.issues:
        message = detail_text(error, status, error.operation)
    else:
        message = error.message
    param = error.field
    if isinstance(error, ValidationFailed) and error.issues:
        first = error.issues[0]
        param = ".".join(str(p) for p in first.path) or first.location
    code = error.code if error.code not in ("bad_request", "validation_failed") else "validation_error"
    return {"error": {"message": message, "type": _OPENAI_TYPES.get(status, "api_error"),
                      "code": _OPENAI_CODES.get(status, code), "param": param}}


def validation_status(operation: Operation, error: ValidationFailed) -> int | None:
    """A malformed path parameter names no resource: 404 where declared, else (on actions that
    declare neither 404 nor a bad-input status) 409, as a missing resource is answered there.
    Otherwise the default rule."""
    if not error.issues or any(i.location != "path" for i in error.issues):
        return None
    if operation.declared(404):
        return 404
    if operation.declared(409) and not (operation.declared(400) or operation.declared(422)):
        return 409
    return None


def _is_validation_list(schema: dict[str, Any] | None) -> bool:
    if not schema:
        return False
    if str(schema.get("$ref", "")).endswith("/HTTPValidationError"):
        return True
    detail = (schema.get("properties") or {}).get("detail") or {}
    return isinstance(detail, dict) and detail.get("type") == "array"


def validation_items(error: TwinError) -> list[dict[str, Any]]:
    """FastAPI's ``[{"loc", "msg", "type"}]`` for a failed request (one item naming the field otherwise)."""
    if isinstance(error, ValidationFailed) and error.issues:
        return _FASTAPI.detail(error.issues)
    loc: list[str | int] = list(error.field.split(".")) if error.field else ["body"]
    return [{"loc": loc, "msg": _plain_text(error), "type": error.code}]


def detail_text(error: TwinError, status: int, operation: Operation | None = None) -> str:
    """The ``detail`` string, worded as WAYSCloud words it."""
    if isinstance(error.details.get("detail"), str):
        return str(error.details["detail"])
    if isinstance(error, ValidationFailed) and error.issues:
        items = _FASTAPI.detail(error.issues)[:_MAX_NAMED]
        return "; ".join(f"{'.'.join(str(p) for p in item['loc'])}: {item['msg']}" for item in items)
    if status == 401:
        return _unauthorized_text(operation)
    if status == 403 and error.code == "insufficient_scope":
        return _forbidden_text(operation)
    if status == 404:
        if error.message.startswith("No route for"):
            return "Not Found"
        if error.field and error.code == "not_found":
            return f"{noun(error.field)} not found"
    if status == 405:
        return "Method Not Allowed"
    if status >= 500 and error.code == "internal_error":
        return "Internal server error"
    return _plain_text(error)


def _plain_text(error: TwinError) -> str:
    if error.field and error.field not in error.message:
        return f"{error.field}: {error.message}"
    return error.message


def _unauthorized_text(operation: Operation | None) -> str:
    schemes = {name for requirement in (operation.security if operation else []) for name in requirement}
    if schemes == {"AccountAuth"}:
        return "Invalid or missing PAT token"
    if "BearerAuth" in schemes:
        return "Invalid or missing authentication token"
    return "Invalid or missing API key"


def _forbidden_text(operation: Operation | None) -> str:
    service = service_of(operation.path) if operation else None
    if service is not None:
        return f"API key does not have permission for the {service} service"
    return "Token does not have the scope this operation requires"


def noun(field: str) -> str:
    """``vps_id`` → ``VPS``, ``zone_name`` → ``Zone``, ``db_name`` → ``Database``: the thing a field names."""
    base = field.rsplit(".", 1)[-1]
    base = re.sub(r"_(id|name|code|slug|uuid)$", "", base) or base
    words = [_NOUNS.get(w, w) for w in base.split("_")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]
