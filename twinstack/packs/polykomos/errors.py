"""Polykomos' error body: the document's ``ApiError``, for every failure the twin reports.

Shape (``components/schemas/ApiError``)::

    {"error": {"code": "missing_required_field",
               "message": "Missing required field: name",
               "details": {"field": "name", "location": "body"}},
     "request_id": "req_a1b2c3d4e5f6"}

``code`` and ``message`` are required by the document; ``details`` is optional
there, and the twin always sends it so a client can find the field at fault
(``details.field``). The codes the document names are ``missing_required_field``
and ``query_execution_failed``; the rest are this twin's (listed in the README).
"""

from __future__ import annotations

from typing import Any

from twinstack.engine.error_styles import CodeNames, client_field, field_name
from twinstack.errors import FieldIssue, TwinError, ValidationFailed
from twinstack.spec.model import Operation

IDEMPOTENCY_HEADER = "Idempotency-Key"

_NAMES = CodeNames(
    # The engine's codes, renamed to the vocabulary Polykomos uses; the others are already its own.
    renamed={
        "missing_credentials": "missing_api_key", "invalid_credentials": "invalid_api_key",
        "unauthorized": "invalid_api_key", "credential_inactive": "inactive_api_key",
        "validation_error": "invalid_field",
    },
    # What the status alone says, when an error carries only the base class's generic code.
    by_status={
        400: "bad_request", 401: "invalid_api_key", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
        409: "conflict", 422: "invalid_field", 429: "rate_limited", 500: "internal_error",
    },
    general=frozenset({TwinError.code}),
    messages={
        "missing_api_key": "Missing or invalid Authorization header. Send 'Authorization: Bearer pk_live_...'.",
        "invalid_api_key": "Invalid API key.",
        "inactive_api_key": "This API key is revoked or expired.",
    },
)


def render_error(error: TwinError, status: int, request_id: str, schema: dict[str, Any] | None) -> dict[str, Any]:
    """The ``ApiError`` body for ``error`` answered with ``status``."""
    if isinstance(error, ValidationFailed) and error.issues and status == 404:
        code, message, details = _unaddressable(error.issues[0])
    elif isinstance(error, ValidationFailed) and error.issues:
        code, message, details = _validation(error.issues)
    else:
        code, message, details = _plain(error, status)
    return {"error": {"code": code, "message": message, "details": details}, "request_id": request_id}


def validation_status(op: Operation, error: ValidationFailed) -> int | None:
    """400 for a bad Idempotency-Key or unparseable JSON where 400 is declared; else the default rule.

    createDatabase declares both 400 and 422: field validation is 422 there as
    everywhere else, and 400 is kept for the two faults that are not about a field.
    The default rule: 422 where declared; 404 for a malformed path id where only
    404 is declared; else 422 anyway (``fallback_validation_status``), a gap of
    the document.
    """
    first = error.issues[0] if error.issues else None
    if first is not None and op.declared(400) and (_is_idempotency_key(first) or first.kind == "json_invalid"):
        return 400
    return None


def _plain(error: TwinError, status: int) -> tuple[str, str, dict[str, Any]]:
    code = _NAMES.code(error, status)
    message = _NAMES.message(code, error)
    details: dict[str, Any] = dict(error.details)
    if code == "insufficient_scope" and details.get("scopes"):
        message = f"This API key lacks the required scope: {', '.join(details['scopes'])}"
    if error.field:
        details.setdefault("field", client_field(error.field))
    return code, message, details


def _validation(issues: list[FieldIssue]) -> tuple[str, str, dict[str, Any]]:
    """Code and message from the first issue; ``details`` names it and lists all of them."""
    first = issues[0]
    field = field_name(first)
    listed = [
        {"field": field_name(i), "location": i.location, "type": i.kind, "message": i.message} for i in issues
    ]
    details: dict[str, Any] = {"field": field, "location": first.location, "errors": listed}
    if _is_idempotency_key(first):
        if first.kind == "missing":
            return "missing_idempotency_key", f"Missing required header: {IDEMPOTENCY_HEADER}", details
        return "invalid_idempotency_key", f"{IDEMPOTENCY_HEADER} must be a UUID", details
    if first.kind == "json_invalid":
        return "invalid_json", f"Request body is not valid JSON: {first.message}", details
    if first.kind == "content_type":
        return "unsupported_media_type", first.message, details
    if first.kind == "missing":
        return "missing_required_field", f"Missing required field: {field}", details
    return "invalid_field", f"Invalid value for {field}: {first.message}", details


def _unaddressable(issue: FieldIssue) -> tuple[str, str, dict[str, Any]]:
    """A malformed id on an operation that declares no 400/422: it names no resource."""
    field = field_name(issue)
    return "not_found", f"Resource not found: {field} {issue.value!r} is not a valid identifier", {
        "field": field, "location": issue.location,
    }


def _is_idempotency_key(issue: FieldIssue) -> bool:
    return issue.location == "header" and bool(issue.path) and str(issue.path[0]).lower() == IDEMPOTENCY_HEADER.lower()
